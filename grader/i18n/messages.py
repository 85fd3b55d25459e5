"""The message catalog: every student-facing sentence the grader writes, in English and
Spanish, by key. Templates use ``str.format``; literal braces are doubled (``C_{{t-1}}``).

Keys are grouped by who uses them: the checks (by category), the engine (``load.``,
``engine.``), the diagnosis (``diagnosis.``) and the writers (``ui.``, ``html.``).
Vocabulary of the Spanish, from the course's lesson: puerta de olvido (f), puerta de entrada
(i), puerta de salida (o), candidato (g, C̃), estado de la celda (c), estado oculto (h).
"""

from __future__ import annotations

MESSAGES: dict[str, dict[str, str]] = {
    # -- errors while running the student's code (grader/checks/base.py) ------------------------
    "error.raised": {
        "en": "your code raised {error} ({where}, while {doing})",
        "es": "tu código lanzó {error} ({where}, mientras {doing})",
    },
    "where.forward": {"en": "in forward", "es": "en forward"},
    "where.construct": {"en": "in __init__", "es": "en __init__"},
    "where.backward": {"en": "in backward", "es": "en backward"},
    "where.import": {"en": "in import", "es": "al importar"},
    "where.loading": {"en": "in loading", "es": "al cargar"},
    "where.other": {"en": "in {kind}", "es": "en {kind}"},
    "where.builtin_rnn": {"en": "in a built-in recurrent kernel, which is off while grading",
                          "es": "en un núcleo recurrente integrado, desactivado durante la "
                                "corrección"},
    "doing.example": {"en": "running this example", "es": "se ejecutaba este ejemplo"},
    "doing.check": {"en": "running {check}", "es": "se ejecutaba {check}"},
    "error.submission": {"en": "{error} (while {doing})", "es": "{error} (mientras {doing})"},
    "error.timeout": {
        "en": "{detail}",
        "es": "tu código no respondió a tiempo ({detail})",
    },
    "error.crash": {
        "en": "{detail}",
        "es": "el proceso que ejecutaba tu código se detuvo ({detail})",
    },
    "error.garbage": {
        "en": "{detail}",
        "es": "el proceso que ejecutaba tu código respondió algo que no sigue el protocolo "
              "({detail})",
    },
    "run.flaky": {
        "en": " (and not reproducibly: the same example gives different results on different "
              "calls)",
        "es": " (y no de forma reproducible: el mismo ejemplo da resultados distintos en "
              "llamadas distintas)",
    },
    "layout.not_found": {
        "en": "{declared}. Inferring the layout from your cell's behaviour did not work either: "
              "{reason}",
        "es": "{declared}. Deducir la disposición a partir del comportamiento de tu celda "
              "tampoco funcionó: {reason}",
    },
    "layout.no_mapping": {"en": "no consistent mapping",
                          "es": "no hay una correspondencia coherente"},
    # Why the declared layout does not fit (grader/layout.py).
    "layout.mismatch": {
        "en": "could not match your parameters to the declared layout. Found: {found}. "
              "Expected (as in the handout): {wanted}",
        "es": "no se pudieron emparejar tus parámetros con la disposición declarada. "
              "Encontrados: {found}. Esperados (como en el enunciado): {wanted}",
    },
    "layout.no_parameters": {"en": "no parameters", "es": "ningún parámetro"},
    "layout.no_layer": {
        "en": "parameter {name} names no layer; expected per-layer names like cells.0.weight_ih "
              "(the handout) or weight_ih_l0 (nn.LSTM)",
        "es": "el parámetro {name} no indica ninguna capa; se esperaban nombres por capa como "
              "cells.0.weight_ih (el enunciado) o weight_ih_l0 (nn.LSTM)",
    },
    "layout.layers": {
        "en": "found parameters for layers {found}; expected one cell per layer, layers "
              "0..{last}",
        "es": "se encontraron parámetros para las capas {found}; se esperaba una celda por "
              "capa, capas 0..{last}",
    },
    # The layout found (grader/layout.py, grader/inference.py): parts joined by "; ".
    "layout.desc.order": {"en": "gate order {order}", "es": "orden de las puertas {order}"},
    "layout.desc.declared_order": {"en": "gate order as declared",
                                   "es": "orden de las puertas como el declarado"},
    "layout.desc.concat": {"en": "inputs concatenated as {inputs}",
                           "es": "entradas concatenadas como {inputs}"},
    "layout.desc.one_bias": {"en": "one bias", "es": "un sesgo"},
    "layout.desc.two_biases": {"en": "two biases", "es": "dos sesgos"},
    "layout.desc.biases": {"en": "{n} biases", "es": "{n} sesgos"},
    "layout.desc.transposed": {"en": "{names} stored transposed (x @ W)",
                               "es": "{names} guardados traspuestos (x @ W)"},
    "layout.desc.weights": {"en": "weights", "es": "pesos"},
    "layout.desc.diagnosed": {
        "en": "read from your cell as it computes the diagnosed mistake ({title})",
        "es": "leída de tu celda tal como calcula el error diagnosticado ({title})",
    },
    "layout.desc.per_gate": {"en": "one parameter per gate", "es": "un parámetro por puerta"},
    # Why the layout inference (grader/inference.py) found no map.
    "inference.shapes_differ": {
        "en": "the outputs have other shapes than the reference's",
        "es": "las salidas tienen formas distintas de las de la referencia",
    },
    "inference.offset": {
        "en": "with all parameters at zero your outputs already differ from the reference's "
              "(by up to {gap})",
        "es": "con todos los parámetros a cero tus salidas ya difieren de las de la referencia "
              "(hasta en {gap})",
    },
    "inference.missing": {
        "en": "no parameter of yours plays the role of some reference weights ({what})",
        "es": "ningún parámetro tuyo hace el papel de algunos pesos de la referencia ({what})",
    },
    "inference.scaled": {
        "en": "some weights enter your cell scaled by a constant factor",
        "es": "algunos pesos entran en tu celda multiplicados por un factor constante",
    },
    "inference.sign_inverted": {"en": "a gate's sign is inverted",
                                "es": "el signo de una puerta está invertido"},
    "inference.raised": {
        "en": "your code raised {error} while its Jacobian was computed",
        "es": "tu código lanzó {error} mientras se calculaba su jacobiano",
    },
    "layout.not_found.hint": {
        "en": "Register the parameters as the handout declares them (names, shapes, gate "
              "order), and check that your cell computes the handout's equations.",
        "es": "Registra los parámetros como los declara el enunciado (nombres, formas, orden "
              "de las puertas) y comprueba que tu celda calcula las ecuaciones del enunciado.",
    },
    # -- structure and shapes of what forward returns ------------------------------------------
    "structure.wrong": {
        "en": "forward returned {got}; expected {expected}",
        "es": "forward devolvió {got}; se esperaba {expected}",
    },
    "structure.tensor": {"en": "a tensor of shape {shape}", "es": "un tensor de forma {shape}"},
    "structure.seq": {"en": "a {seq} of {n} ({items})",
                      "es": "un {seq} con {n} elementos ({items})"},
    "structure.other": {"en": "a {other} ({repr})", "es": "un {other} ({repr})"},
    "structure.unreadable": {"en": "nothing readable", "es": "nada legible"},
    "structure.expected.lstm": {"en": "a tuple (h, c) of two tensors",
                                "es": "una tupla (h, c) de dos tensores"},
    "structure.expected.gru": {"en": "one tensor h", "es": "un tensor h"},
    "structure.expected.sequence": {
        "en": "(outputs, (h_n, c_n)): a tensor and a tuple of two tensors",
        "es": "(outputs, (h_n, c_n)): un tensor y una tupla de dos tensores",
    },
    "structure.hint": {"en": "The contract is {signature}.",
                       "es": "El contrato es {signature}."},
    "shape.wrong": {"en": "{name} has shape {shape}; expected {want}",
                    "es": "{name} tiene forma {shape}; se esperaba {want}"},
    "shape.hint.outputs": {
        "en": "outputs is batch_first: stack the top layer's h over time on dim 1, "
              "(batch, seq, hidden).",
        "es": "outputs es batch_first: apila la h de la capa superior a lo largo del tiempo "
              "en la dimensión 1, (batch, seq, hidden).",
    },
    "shape.hint.stack_state": {
        "en": "{name} stacks every layer's final state: (num_layers, batch, hidden).",
        "es": "{name} apila el estado final de cada capa: (num_layers, batch, hidden).",
    },
    "shape.hint.cell": {
        "en": "Each state tensor is (batch, hidden), or (hidden,) for a 1-D input.",
        "es": "Cada tensor de estado es (batch, hidden), o (hidden,) para una entrada 1-D.",
    },
    # -- comparisons --------------------------------------------------------------------------
    "compare.nonfinite": {
        "en": "{name} contains NaN or inf (first at index {index})",
        "es": "{name} contiene NaN o inf (el primero en el índice {index})",
    },
    "compare.differs": {
        "en": "{name} differs from the reference: largest difference {diff} at index {index} "
              "(tolerance {atol})",
        "es": "{name} es distinto de la referencia: la mayor diferencia es {diff} en el "
              "índice {index} (tolerancia {atol})",
    },
    "name.unbatched": {"en": "{name} for the 1-D input", "es": "{name} para la entrada 1-D"},
    "name.state_none_vs_zero": {
        "en": "{name} with state=None (vs an explicit zero state)",
        "es": "{name} con state=None (frente a un estado de ceros explícito)",
    },
    "name.state_none": {"en": "{name} with state=None", "es": "{name} con state=None"},
    "name.state_none_seq": {"en": "{name} (state=None)", "es": "{name} (state=None)"},
    "name.pytorch_weights": {
        "en": "{name} with PyTorch's weights copied by name",
        "es": "{name} con los pesos de PyTorch copiados por nombre",
    },
    "name.grad": {"en": "gradient with respect to {name}",
                  "es": "gradiente respecto a {name}"},
    "name.grad_param": {"en": "gradient with respect to parameter {name}",
                        "es": "gradiente respecto al parámetro {name}"},
    "name.grad_x_first_step": {
        "en": "gradient with respect to x at the first time step",
        "es": "gradiente respecto a x en el primer paso de tiempo",
    },
    "name.batch_row": {
        "en": "{name} of batch row {row} (alone vs. in the batch)",
        "es": "{name} de la fila {row} del lote (sola frente a dentro del lote)",
    },
    "nonfinite": {"en": "{name} contains NaN or inf", "es": "{name} contiene NaN o inf"},
    # -- shapes -------------------------------------------------------------------------------
    "dtype.changed": {
        "en": "with {dtype} inputs and parameters, {name} came back as {got}",
        "es": "con entradas y parámetros {dtype}, {name} salió como {got}",
    },
    "pass.shapes.structure": {"en": "forward returns {returns}",
                              "es": "forward devuelve {returns}"},
    "pass.shapes.sizes": {
        "en": "shapes are right for every size tried (batch 1 included, input != hidden)",
        "es": "las formas son correctas para todos los tamaños probados (lote 1 incluido, "
              "input != hidden)",
    },
    "pass.shapes.dtype": {
        "en": "outputs keep the dtype of the inputs (float32 and float64)",
        "es": "las salidas conservan el dtype de las entradas (float32 y float64)",
    },
    "pass.shapes.unbatched": {
        "en": "1-D inputs give 1-D outputs equal to the batch-of-one result",
        "es": "las entradas 1-D dan salidas 1-D iguales al resultado con un lote de uno",
    },
    "pass.shapes.zero_state": {
        "en": "state=None gives the same result as an explicit zero state",
        "es": "state=None da el mismo resultado que un estado de ceros explícito",
    },
    # -- equivalence --------------------------------------------------------------------------
    "pass.equivalence.forward": {
        "en": "matches the reference in float64 to {atol} ({layout})",
        "es": "coincide con la referencia en float64 hasta {atol} ({layout})",
    },
    "layout.declared": {"en": "declared layout", "es": "disposición declarada"},
    "layout.not_pytorch": {
        "en": "your parameters are {theirs}; PyTorch's layout is {wanted}",
        "es": "tus parámetros son {theirs}; la disposición de PyTorch es {wanted}",
    },
    "layout.pytorch_order.hint": {
        "en": "Same names and shapes, but the gates are not stacked i, f, g, o.",
        "es": "Mismos nombres y formas, pero las puertas no están apiladas i, f, g, o.",
    },
    "pass.equivalence.pytorch_layout": {
        "en": "weights copied by name in PyTorch's layout give the same outputs",
        "es": "los pesos copiados por nombre en la disposición de PyTorch dan las mismas "
              "salidas",
    },
    # -- semantics ----------------------------------------------------------------------------
    "semantics.forget_not_affine": {
        "en": "c' is not affine in c_prev with a slope that ignores c_prev: the previous cell "
              "state must enter only as f ⊙ c_prev",
        "es": "c' no es afín en c_prev con una pendiente que no dependa de c_prev: el estado "
              "de la celda anterior solo debe entrar como f ⊙ c_prev",
    },
    "semantics.straight_line": {"en": "a straight line", "es": "una recta"},
    "semantics.deviation": {"en": "a deviation of {gap}", "es": "una desviación de {gap}"},
    "semantics.forget_out_of_range": {
        "en": "the forget gate f = ∂c'/∂c_prev is {value} somewhere; a gate is a sigmoid and "
              "lies strictly between 0 and 1",
        "es": "la puerta de olvido f = ∂c'/∂c_prev vale {value} en algún punto; una puerta es "
              "una sigmoide y está estrictamente entre 0 y 1",
    },
    "semantics.forget_not_diagonal": {
        "en": "∂c'/∂c_prev is not the diagonal f: the gradient does not take the direct path "
              "through the cell state",
        "es": "∂c'/∂c_prev no es la diagonal f: el gradiente no toma el camino directo a "
              "través del estado de la celda",
    },
    "pass.semantics.forget_gate": {
        "en": "the forget gate scales the memory by f in (0, 1), independent of the memory",
        "es": "la puerta de olvido escala la memoria por f en (0, 1), sin depender de la "
              "memoria",
    },
    "semantics.h_unbounded": {
        "en": "|h'| reaches {value}; with h' = o ⊙ tanh(c') it is always below 1",
        "es": "|h'| llega a {value}; con h' = o ⊙ tanh(c') siempre es menor que 1",
    },
    "semantics.output_out_of_range": {
        "en": "h' / tanh(c') = {value}: the output gate must lie in (0, 1)",
        "es": "h' / tanh(c') = {value}: la puerta de salida debe estar en (0, 1)",
    },
    "semantics.output_depends_on_c": {
        "en": "the output gate o = h' / tanh(c') changes when only c_prev changes: o must come "
              "from x and h, and h' from the new c'",
        "es": "la puerta de salida o = h' / tanh(c') cambia cuando solo cambia c_prev: o debe "
              "salir de x y h, y h' del nuevo c'",
    },
    "semantics.same_o": {"en": "the same o", "es": "la misma o"},
    "semantics.change_of": {"en": "a change of {value}", "es": "un cambio de {value}"},
    "pass.semantics.output_gate": {
        "en": "h' = o ⊙ tanh(c') with an output gate in (0, 1)",
        "es": "h' = o ⊙ tanh(c') con una puerta de salida en (0, 1)",
    },
    "semantics.update_out_of_range": {
        "en": "the update c' − f ⊙ c_prev reaches {value}; i ⊙ g is a sigmoid times a tanh, "
              "so it stays inside (−1, 1)",
        "es": "la actualización c' − f ⊙ c_prev llega a {value}; i ⊙ g es una sigmoide por "
              "una tanh, así que se queda dentro de (−1, 1)",
    },
    "pass.semantics.update_term": {
        "en": "the update term stays in (−1, 1)",
        "es": "el término de actualización se queda en (−1, 1)",
    },
    "semantics.logit_not_affine": {
        "en": "logit of the {gate} is not affine in (x, h): A(p) + A(q) − A(p + q) − A(0) = "
              "{gap}",
        "es": "el logit de la {gate} no es afín en (x, h): A(p) + A(q) − A(p + q) − A(0) = "
              "{gap}",
    },
    "gate.forget": {"en": "forget gate", "es": "puerta de olvido"},
    "gate.output": {"en": "output gate", "es": "puerta de salida"},
    "pass.semantics.gate_logits": {
        "en": "the forget and output gates are sigmoids of affine maps of (x, h)",
        "es": "las puertas de olvido y de salida son sigmoides de aplicaciones afines de "
              "(x, h)",
    },
    "semantics.memory_not_kept": {
        "en": "with the forget gate fully open and the input gate closed, the cell state "
              "changed: it should be carried unchanged",
        "es": "con la puerta de olvido del todo abierta y la puerta de entrada cerrada, el "
              "estado de la celda cambió: debería pasar sin cambios",
    },
    "semantics.output_not_silenced": {
        "en": "with the output gate closed, h' is not zero",
        "es": "con la puerta de salida cerrada, h' no es cero",
    },
    "semantics.memory_not_erased": {
        "en": "with the forget gate closed, c' still depends on c_prev: the memory should be "
              "erased",
        "es": "con la puerta de olvido cerrada, c' sigue dependiendo de c_prev: la memoria "
              "debería borrarse",
    },
    "pass.semantics.gate_control": {
        "en": "each gate opens and closes the path the lesson gives it",
        "es": "cada puerta abre y cierra el camino que le da la lección",
    },
    # -- gradients ----------------------------------------------------------------------------
    "gradients.detached": {
        "en": "the outputs do not require grad: they are detached from the inputs and "
              "parameters",
        "es": "las salidas no requieren gradiente: están separadas de las entradas y de los "
              "parámetros",
    },
    "gradients.input_unreached": {
        "en": "no gradient reaches {name}: the output does not depend on it through autograd",
        "es": "ningún gradiente llega a {name}: la salida no depende de ello a través de "
              "autograd",
    },
    "gradients.unreached": {"en": "no gradient reaches {name}",
                            "es": "ningún gradiente llega a {name}"},
    "gradients.param_unreached": {"en": "no gradient reaches parameter {name}",
                                  "es": "ningún gradiente llega al parámetro {name}"},
    "pass.gradients.match": {
        "en": "gradients match the reference for inputs, states and parameters",
        "es": "los gradientes coinciden con la referencia para entradas, estados y parámetros",
    },
    "gradients.output_detached": {
        "en": "{name} does not require grad although the inputs and parameters do: it was "
              "detached from the graph",
        "es": "{name} no requiere gradiente aunque las entradas y los parámetros sí: se separó "
              "del grafo",
    },
    "gradients.no_flow": {"en": "no gradient flows back to {name}",
                          "es": "ningún gradiente vuelve a {name}"},
    "gradients.nonfinite": {"en": "the gradient with respect to {name} has NaN or inf",
                            "es": "el gradiente respecto a {name} tiene NaN o inf"},
    "gradients.param_nonfinite": {"en": "the gradient of {name} has NaN or inf",
                                  "es": "el gradiente de {name} tiene NaN o inf"},
    "pass.gradients.attached": {
        "en": "outputs are attached and all gradients are finite",
        "es": "las salidas están unidas al grafo y todos los gradientes son finitos",
    },
    "gradients.fd_mismatch": {
        "en": "the directional derivative from your backward pass differs from finite "
              "differences of your forward pass",
        "es": "la derivada direccional de tu backward es distinta de las diferencias finitas "
              "de tu forward",
    },
    "gradients.fd_value": {"en": "{value} (finite differences)",
                           "es": "{value} (diferencias finitas)"},
    "gradients.your_value": {"en": "{value} (your gradients)", "es": "{value} (tus gradientes)"},
    "pass.gradients.finite_differences": {
        "en": "backward agrees with finite differences of forward (float64)",
        "es": "backward coincide con diferencias finitas de forward (float64)",
    },
    # -- integrity ----------------------------------------------------------------------------
    "integrity.builtin": {
        "en": "your code reached PyTorch's built-in recurrent implementation ({evidence}); "
              "while grading those kernels are switched off, however they are reached "
              "(nn.LSTMCell, torch._VF, TorchScript...)",
        "es": "tu código llegó a la implementación recurrente integrada de PyTorch "
              "({evidence}); durante la corrección esos núcleos están desactivados, se llegue "
              "a ellos como se llegue (nn.LSTMCell, torch._VF, TorchScript...)",
    },
    "integrity.forbidden": {
        "en": "your code calls {evidence}, which this assignment forbids",
        "es": "tu código llama a {evidence}, que esta tarea prohíbe",
    },
    "pass.integrity.untraced": {
        "en": "no built-in recurrent kernel was reached (forward failed before the end, so "
              "the other checks say more)",
        "es": "no se llegó a ningún núcleo recurrente integrado (forward falló antes de "
              "terminar; los demás controles dicen más)",
    },
    "pass.integrity.no_builtin_rnn": {
        "en": "no built-in recurrent modules or kernels are used",
        "es": "no se usa ningún módulo ni núcleo recurrente integrados",
    },
    "pass.integrity.noted": {
        "en": "no built-in recurrent kernel is reached when your classes run (checked at run "
              "time); note, at no cost: code your classes can reach names {names}",
        "es": "no se llega a ningún núcleo recurrente integrado al ejecutar tus clases "
              "(comprobado en ejecución); nota, sin coste: el código al que llegan tus clases "
              "nombra {names}",
    },
    # -- parameters ---------------------------------------------------------------------------
    "parameters.convention.two_biases": {"en": "two biases, as nn.LSTM",
                                         "es": "dos sesgos, como nn.LSTM"},
    "parameters.convention.pytorch": {"en": "as PyTorch", "es": "como PyTorch"},
    "parameters.convention.one_bias": {"en": "one bias per gate",
                                       "es": "un sesgo por puerta"},
    "parameters.convention.gru_minimal": {
        "en": "one bias each for r and z, two for n",
        "es": "un sesgo para r y otro para z, dos para n",
    },
    "parameters.wanted": {"en": "{count} ({convention})", "es": "{count} ({convention})"},
    "parameters.none": {"en": "none", "es": "ninguno"},
    "parameters.count_wrong": {
        "en": "your module has {got} parameters; expected one of {wanted}. Found: {listing}",
        "es": "tu módulo tiene {got} parámetros; se esperaba uno de {wanted}. Encontrados: "
              "{listing}",
    },
    "parameters.formula": {"en": "{formula} ({convention})", "es": "{formula} ({convention})"},
    "parameters.count.hint": {
        "en": "Your {cls} has {n} gates ({gates}), each with an input matrix (H×I), a "
              "recurrent matrix (H×H) and its biases{extra}. Counts accepted{per_layer}: "
              "{formulas}.",
        "es": "Tu {cls} tiene {n} puertas ({gates}), cada una con una matriz de entrada (H×I), "
              "una matriz recurrente (H×H) y sus sesgos{extra}. Recuentos aceptados"
              "{per_layer}: {formulas}.",
    },
    "parameters.count.extra.peephole": {
        "en": ", plus the peepholes w_ci, w_cf, w_co (H each)",
        "es": ", más las mirillas w_ci, w_cf, w_co (H cada una)",
    },
    "parameters.count.per_layer": {
        "en": " per layer (I = H above the first)",
        "es": " por capa (I = H por encima de la primera)",
    },
    "pass.parameters.count": {"en": "parameter count is right ({convention})",
                              "es": "el número de parámetros es correcto ({convention})"},
    "parameters.unregistered": {
        "en": "these tensors are attributes of your module but not registered parameters: "
              "{names}",
        "es": "estos tensores son atributos de tu módulo pero no parámetros registrados: "
              "{names}",
    },
    "parameters.frozen": {"en": "these parameters do not require grad: {names}",
                          "es": "estos parámetros no requieren gradiente: {names}"},
    "parameters.no_parameters": {"en": "your module has no parameters at all",
                                 "es": "tu módulo no tiene ningún parámetro"},
    "pass.parameters.registered": {"en": "all weights are registered parameters",
                                   "es": "todos los pesos son parámetros registrados"},
    "parameters.detached": {
        "en": "the outputs are detached from the parameters (no gradient flows at all)",
        "es": "las salidas están separadas de los parámetros (no fluye ningún gradiente)",
    },
    "parameters.unused": {
        "en": "these parameters receive no gradient, so they do not affect the output: {names}",
        "es": "estos parámetros no reciben gradiente, así que no influyen en la salida: "
              "{names}",
    },
    "pass.parameters.used": {"en": "every parameter receives a non-zero gradient",
                             "es": "cada parámetro recibe un gradiente distinto de cero"},
    # -- robustness ---------------------------------------------------------------------------
    "robustness.modified": {"en": "forward modified the caller's {name} in place",
                            "es": "forward modificó en el sitio el {name} de quien llama"},
    "saturation.overflow": {
        "en": "with inputs and states {scale} times larger ({dtype}), {value} appears in your "
              "{name} at index {index}, where the reference's saturated value is {expected}. An "
              "exponential of a large number overflowed: exp(z) is inf once z passes about 89 "
              "in float32 (710 in float64), and e^z/(1 + e^z) or (e^z − e^−z)/(e^z + e^−z) "
              "then gives inf/inf = NaN. Use torch.sigmoid and torch.tanh, or the stable form "
              "σ(z) = 1/(1 + exp(−z)) and tanh(z) = 2σ(2z) − 1.",
        "es": "con entradas y estados {scale} veces mayores ({dtype}), aparece {value} en tu "
              "{name} en el índice {index}, donde el valor saturado de la referencia es "
              "{expected}. "
              "Una exponencial de un número grande se desbordó: exp(z) es inf en cuanto z "
              "pasa de 89 en float32 (710 en float64), y e^z/(1 + e^z) o "
              "(e^z − e^−z)/(e^z + e^−z) dan entonces inf/inf = NaN. Usa torch.sigmoid y "
              "torch.tanh, o la forma estable σ(z) = 1/(1 + exp(−z)) y tanh(z) = 2σ(2z) − 1.",
    },
    "saturation.scaled": {
        "en": "(inputs and states {scale} times larger, {dtype}: the gates' pre-activations "
              "are far into saturation)",
        "es": "(entradas y estados {scale} veces mayores, {dtype}: las preactivaciones de las "
              "puertas están muy dentro de la saturación)",
    },
    "pass.robustness.saturation": {
        "en": "outputs are finite and saturate as the reference's with inputs and states "
              "{scales} times larger (float32 and float64)",
        "es": "las salidas son finitas y se saturan como las de la referencia con entradas y "
              "estados {scales} veces mayores (float32 y float64)",
    },
    # Hints in an exercise's own words (grader.exercises.Exercise.hints).
    "hint.gru.no_inplace": {
        "en": "Operations ending in _ (mul_, add_) and slice assignment change the caller's "
              "tensors; compute new tensors instead (h_new = (1 - z) * n + z * h).",
        "es": "Las operaciones que terminan en _ (mul_, add_) y la asignación a trozos cambian "
              "los tensores de quien llama; calcula tensores nuevos "
              "(h_new = (1 - z) * n + z * h).",
    },
    "hint.gru.pytorch_layout": {
        "en": "Name and shape the parameters as nn.GRUCell does (weight_ih (3H, I), weight_hh "
              "(3H, H), bias_ih, bias_hh; gates stacked r, z, n), so that state_dict() loads "
              "into nn.GRUCell.",
        "es": "Nombra y da forma a los parámetros como nn.GRUCell (weight_ih (3H, I), "
              "weight_hh (3H, H), bias_ih, bias_hh; puertas apiladas r, z, n), para que "
              "state_dict() se cargue en nn.GRUCell.",
    },
    "pass.robustness.no_inplace": {"en": "inputs and states are left untouched",
                                   "es": "las entradas y los estados quedan intactos"},
    "robustness.changed_between_calls": {
        "en": "{name} changed between two calls with the same input (largest change "
              "{change}): something is kept between calls",
        "es": "{name} cambió entre dos llamadas con la misma entrada (mayor cambio "
              "{change}): algo se guarda entre llamadas",
    },
    "pass.robustness.stateless": {"en": "repeated calls give identical results",
                                  "es": "las llamadas repetidas dan resultados idénticos"},
    "pass.robustness.batch_independent": {"en": "batch rows are independent",
                                          "es": "las filas del lote son independientes"},
    "robustness.default_dtype": {
        "en": "with float64 input and state=None, {name} came back as {got}",
        "es": "con entrada float64 y state=None, {name} salió como {got}",
    },
    "pass.robustness.default_state_dtype": {
        "en": "the default state has the input's dtype",
        "es": "el estado por defecto tiene el dtype de la entrada",
    },
    # -- sequence -----------------------------------------------------------------------------
    "pass.sequence.outputs": {"en": "outputs match nn.LSTM for 1–3 layers",
                              "es": "las salidas coinciden con nn.LSTM para 1–3 capas"},
    "pass.sequence.final_state": {"en": "h_n and c_n match nn.LSTM",
                                  "es": "h_n y c_n coinciden con nn.LSTM"},
    "pass.sequence.zero_initial_state": {
        "en": "state=None matches nn.LSTM from zeros",
        "es": "state=None coincide con nn.LSTM desde ceros",
    },
    "pass.sequence.bptt": {
        "en": "full backpropagation through time matches nn.LSTM",
        "es": "la retropropagación completa en el tiempo coincide con nn.LSTM",
    },
    # -- the engine ---------------------------------------------------------------------------
    "load.syntax_error": {
        "en": "your file has a syntax error {where}: {message}\n    {code}\n    {caret}",
        "es": "tu archivo tiene un error de sintaxis {where}: {message}\n    {code}\n    "
              "{caret}",
    },
    "where.line": {"en": "on line {line}", "es": "en la línea {line}"},
    "where.cell": {"en": "in cell {cell}, line {line}", "es": "en la celda {cell}, línea {line}"},
    "load.syntax_error.hint": {
        "en": "Fix the syntax error; python -m py_compile FILE shows it too.",
        "es": "Corrige el error de sintaxis; python -m py_compile ARCHIVO también lo muestra.",
    },
    "load.import_failed": {"en": "importing your file failed: {error}",
                           "es": "falló la importación de tu archivo: {error}"},
    "load.import_failed.hint": {
        "en": "Your file must import without errors and without running long computations "
              "at top level.",
        "es": "Tu archivo debe importarse sin errores y sin ejecutar cálculos largos en el "
              "nivel superior.",
    },
    "usage.no_file": {
        "en": "no submission file at {path}; pass the path of your .py or .ipynb file",
        "es": "no hay ningún archivo de entrega en {path}; indica la ruta de tu archivo .py "
              "o .ipynb",
    },
    # -- grader.check, from a notebook or a Python session (grader/interactive.py) -------------
    "api.no_session": {
        "en": "check() without a file grades the code run in this Jupyter or IPython session, "
              "and this is not one; pass your file, e.g. check(\"lstm_cell\", "
              "file=\"lstm_cell.py\")",
        "es": "check() sin archivo corrige el código ejecutado en esta sesión de Jupyter o "
              "IPython, y esta no lo es; indica tu archivo, p. ej. check(\"lstm_cell\", "
              "file=\"lstm_cell.py\")",
    },
    "api.unknown_exercise": {
        "en": "unknown exercise {name!r}; choose from {choices}",
        "es": "el ejercicio {name!r} no existe; elige entre {choices}",
    },
    "api.done": {
        "en": "Checked in {seconds:.1f} s",
        "es": "Comprobado en {seconds:.1f} s",
    },
    "ui.interrupted": {"en": "interrupted", "es": "interrumpido"},
    "ui.internal_error": {
        "en": "internal error (a bug in the grader, not in your code); please report it with "
              "the traceback above",
        "es": "error interno (un fallo del corrector, no de tu código); por favor, infórmalo "
              "junto con la traza de arriba",
    },
    "load.notebook_unreadable": {
        "en": "your notebook could not be read: {error}",
        "es": "no se pudo leer tu cuaderno: {error}",
    },
    "load.notebook_unreadable.hint": {
        "en": "Open it in Jupyter and save it again, or hand in the .py file instead: a "
              "notebook is a JSON file, and this one is damaged or is not a notebook.",
        "es": "Ábrelo en Jupyter y vuelve a guardarlo, o entrega el archivo .py: un cuaderno "
              "es un archivo JSON, y este está dañado o no es un cuaderno.",
    },
    "load.failed": {"en": "your file could not be loaded: {error}",
                    "es": "no se pudo cargar tu archivo: {error}"},
    "load.no_class": {
        "en": "your file defines no class {name} (found: {found}).{suggestion}",
        "es": "tu archivo no define ninguna clase {name} (encontradas: {found}).{suggestion}",
    },
    "load.no_classes": {"en": "no classes", "es": "ninguna clase"},
    "load.did_you_mean": {"en": " Did you mean {names}?", "es": " ¿Querías decir {names}?"},
    "load.two_names": {"en": "{a} or {b}", "es": "{a} o {b}"},
    "load.no_class.hint": {"en": "The exercise expects {signature}.",
                           "es": "El ejercicio espera {signature}."},
    "engine.compiled_without_cxx": {
        "en": "torch.compile needs a C++ compiler on a CPU and none was found here (g++, "
              "clang++): your compiled code ran as ordinary PyTorch code, which computes the "
              "same results more slowly (the speed check timed it so). To run it compiled, "
              "install one (Debian/Ubuntu: apt install g++; macOS: xcode-select --install)",
        "es": "torch.compile necesita un compilador de C++ en una CPU y aquí no se encontró "
              "ninguno (g++, clang++): tu código compilado se ejecutó como código PyTorch "
              "corriente, que da los mismos resultados más despacio (así lo midió el control "
              "de velocidad). Para ejecutarlo compilado, instala uno (Debian/Ubuntu: apt "
              "install g++; macOS: xcode-select --install)",
    },
    "engine.out_of_time": {
        "en": "not run: grading this submission took longer than the limit of {limit} s (is "
              "something in your code very slow or stuck?)",
        "es": "no se ejecutó: calificar esta entrega tardó más que el límite de {limit} s "
              "(¿hay algo en tu código muy lento o bloqueado?)",
    },
    "engine.no_credit_builtin": {
        "en": "No credit for this exercise: it uses PyTorch's built-in recurrent "
              "implementation, which the exercise asks you to write yourself.",
        "es": "Este ejercicio no puntúa: usa la implementación recurrente integrada de "
              "PyTorch, y el ejercicio te pide que la escribas tú.",
    },
    "engine.layout_fallback": {
        "en": "(Your parameter layout could not be inferred from your cell's behaviour: "
              "{reason}; the handout's declared layout was used to load the weights.)",
        "es": "(No se pudo deducir la disposición de tus parámetros a partir del "
              "comportamiento de tu celda: {reason}; se usó la disposición declarada en el "
              "enunciado para cargar los pesos.)",
    },
    "engine.no_speed_points": {
        "en": "No speed points: they go to a correct implementation, and the {checks} checks "
              "failed.",
        "es": "Sin puntos de velocidad: son para una implementación correcta, y fallaron las "
              "comprobaciones de {checks}.",
    },
    "engine.notebook_skipped": {
        "en": "From your notebook, these cells (or parts) were not run because they do more "
              "than define things: {cells}. Keep your classes in cells of their own (use "
              "--all-cells to run every cell).",
        "es": "De tu cuaderno, estas celdas (o partes) no se ejecutaron porque hacen algo más "
              "que definir cosas: {cells}. Deja tus clases en celdas propias (usa --all-cells "
              "para ejecutar todas las celdas).",
    },
    # -- the diagnosis ------------------------------------------------------------------------
    "diagnosis.text": {"en": "Diagnosis: {title}. {explanation}",
                       "es": "Diagnóstico: {title}. {explanation}"},
    "diagnosis.text_equation": {
        "en": "Diagnosis: {title}. {explanation} The lesson's equation: {equation}.",
        "es": "Diagnóstico: {title}. {explanation} La ecuación de la lección: {equation}.",
    },
    "diagnosis.variant_title": {"en": "your cell is the {name} variant",
                                "es": "tu celda es la variante {name}"},
    "diagnosis.variant_explanation": {
        "en": "{summary} The exercise asks for {exercise}.",
        "es": "{summary} El ejercicio pide una {exercise}.",
    },
    "diagnosis.sign_title": {"en": "the sign of your {gates} is inverted",
                             "es": "el signo de tu {gates} está invertido"},
    "diagnosis.sign_explanation": {
        "en": "Your cell behaves like the reference except that this gate sees minus its "
              "pre-activation: it computes σ(−z) = 1 − σ(z), so it opens exactly when it "
              "should close (a forget gate that acts as a 'remember' gate, for example).",
        "es": "Tu celda se comporta como la referencia salvo que esta puerta ve su "
              "preactivación cambiada de signo: calcula σ(−z) = 1 − σ(z), así que se abre "
              "justo cuando debería cerrarse (por ejemplo, una puerta de olvido que actúa "
              "como puerta de 'recordar').",
    },
    "gateword.i": {"en": "input gate (i)", "es": "puerta de entrada (i)"},
    "gateword.f": {"en": "forget gate (f)", "es": "puerta de olvido (f)"},
    "gateword.g": {"en": "candidate (g)", "es": "candidato (g)"},
    "gateword.o": {"en": "output gate (o)", "es": "puerta de salida (o)"},
    "gateword.r": {"en": "reset gate (r)", "es": "puerta de reinicio (r)"},
    "gateword.z": {"en": "update gate (z)", "es": "puerta de actualización (z)"},
    "gateword.n": {"en": "new state (n)", "es": "estado nuevo (n)"},
    "gateword.c": {"en": "cell state (c)", "es": "estado de la celda (c)"},
    "gateword.h": {"en": "hidden state (h)", "es": "estado oculto (h)"},
    # -- the writers: words shared by the terminal, Markdown and HTML -------------------------
    "ui.smallest_example": {"en": "Smallest failing example: {sizes}",
                            "es": "Ejemplo mínimo que falla: {sizes}"},
    "ui.scaled": {"en": "inputs and state scaled by {scale}",
                  "es": "entradas y estado multiplicados por {scale}"},
    "ui.expected": {"en": "expected", "es": "esperado"},
    "ui.got": {"en": "got", "es": "obtenido"},
    "ui.expected_got_md": {"en": "Expected `{expected}`, got `{got}`.",
                           "es": "Se esperaba `{expected}` y se obtuvo `{got}`."},
    "ui.traceback": {"en": "your code's traceback:", "es": "la traza de tu código:"},
    "ui.traceback_md": {"en": "Your code's traceback:", "es": "La traza de tu código:"},
    "ui.hint": {"en": "hint: {hint}", "es": "pista: {hint}"},
    "ui.hint_md": {"en": "Hint: {hint}", "es": "Pista: {hint}"},
    "ui.passed": {"en": "Passed", "es": "Correcto"},
    "ui.passed_message": {"en": "Passed: {message}", "es": "Correcto: {message}"},
    "ui.failed_md": {"en": "**Failed:** {message}", "es": "**Falla:** {message}"},
    "ui.score": {"en": "Score: {score} / {max}", "es": "Puntuación: {score} / {max}"},
    "ui.pass": {"en": "PASS", "es": "PASA"},
    "ui.fail": {"en": "FAIL", "es": "FALLA"},
    "ui.status": {"en": "status", "es": "estado"},
    "ui.check": {"en": "check", "es": "comprobación"},
    "ui.points": {"en": "points", "es": "puntos"},
    "ui.total": {"en": "Total", "es": "Total"},
    "ui.total_line_passed": {"en": "Total: {score} / {max} — every check passed.",
                             "es": "Total: {score} / {max}: todas las comprobaciones pasan."},
    "ui.total_line_failed": {
        "en": "Total: {score} / {max} — {n} check(s) failed.",
        "es": "Total: {score} / {max}: {n} comprobación(es) fallan.",
    },
    "ui.running": {"en": "Checking {exercise}: {check}", "es": "Comprobando {exercise}: {check}"},
    "ui.gates_heading": {
        "en": "Gate by gate, with the reference's weights and the same inputs at every step:",
        "es": "Puerta a puerta, con los pesos de la referencia y las mismas entradas en cada "
              "paso:",
    },
    "ui.gate_ok": {"en": "{gate}: as the reference", "es": "{gate}: como la referencia"},
    "ui.gate_differs": {"en": "{gate}: differs by up to {diff}",
                        "es": "{gate}: difiere hasta en {diff}"},
    "ui.gate_unknown": {"en": "{gate}: could not be measured",
                        "es": "{gate}: no se pudo medir"},
    "ui.next_step": {"en": "Next step: {step}", "es": "Siguiente paso: {step}"},
    "ui.next.submit": {
        "en": "nothing to fix; submit {file}.",
        "es": "no hay nada que corregir; entrega {file}.",
    },
    "ui.next.load": {
        "en": "make your file load (see the message above), then run check again.",
        "es": "consigue que tu archivo se cargue (mira el mensaje de arriba) y vuelve a "
              "ejecutar check.",
    },
    "ui.next.integrity": {
        "en": "write the recurrence yourself instead of PyTorch's built-in one ({check}).",
        "es": "escribe tú la recurrencia en lugar de usar la integrada de PyTorch ({check}).",
    },
    "ui.next.raised": {
        "en": "fix the error your code raised in {check} (its traceback is above). {hint}",
        "es": "corrige el error que lanzó tu código en {check} (su traza está arriba). {hint}",
    },
    "ui.next.diagnosis": {
        "en": "fix {title} in your forward: the lesson's equation is {equation} ({check}).",
        "es": "corrige esto en tu forward: {title}; la ecuación de la lección es {equation} "
              "({check}).",
    },
    "ui.next.diagnosis_plain": {
        "en": "fix {title} in your forward ({check}).",
        "es": "corrige esto en tu forward: {title} ({check}).",
    },
    "ui.next.hint": {"en": "start with {check}. {hint}", "es": "empieza por {check}. {hint}"},
    "ui.html_written": {"en": "HTML report with plots: {path}",
                        "es": "Informe HTML con gráficos: {path}"},
    # -- the speed check (grader/checks/speed.py) ---------------------------------------------
    "speed.message": {
        "en": "{what} takes {ratio}× the time of {baseline} for {phase} ({other_phase}: "
              "{other_ratio}×), {where}, sequence {seq_len}, batch {batch}, input {input_size}, "
              "hidden {hidden}. Band {band} ({percent} of the points); confidence {level}: "
              "{why}.",
        "es": "{what} tarda {ratio}× el tiempo de {baseline} en {phase} ({other_phase}: "
              "{other_ratio}×), {where}, secuencia {seq_len}, lote {batch}, entrada "
              "{input_size}, oculto {hidden}. Banda {band} ({percent} de los puntos); "
              "confianza {level}: {why}.",
    },
    "speed.what_loop": {"en": "your {cls} in a loop over {steps} time steps",
                        "es": "tu {cls} en un bucle de {steps} pasos de tiempo"},
    "speed.what": {"en": "your {cls}", "es": "tu {cls}"},
    "speed.where": {"en": "on {device_name} ({device}, {threads} thread(s), {precision})",
                    "es": "en {device_name} ({device}, {threads} hilo(s), {precision})"},
    "speed.where_clock": {"en": "{where}, timed in {clock}", "es": "{where}, medido en {clock}"},
    "speed.clock_cpu": {"en": "CPU time", "es": "tiempo de CPU"},
    "speed.clock_wall": {"en": "wall-clock time", "es": "tiempo de reloj"},
    "speed.wall_scored": {
        "en": "Your code kept the CPU busy {student} of its timed wall-clock time against "
              "{reference} for the reference, so wall-clock time is scored.",
        "es": "Tu código mantuvo la CPU ocupada el {student} de su tiempo de reloj medido "
              "frente al {reference} de la referencia, así que se califica el tiempo de reloj.",
    },
    "speed.level_high": {"en": "high", "es": "alta"},
    "speed.level_low": {"en": "low", "es": "baja"},
    "speed.interval": {"en": "the two halves of the {rounds} rounds give {low}× and {high}×",
                       "es": "las dos mitades de las {rounds} rondas dan {low}× y {high}×"},
    "speed.confidence_high": {
        "en": "{interval}, both in this band, so a regrade lands there too",
        "es": "{interval}, ambas en esta banda, así que una nueva calificación también caería "
              "en ella",
    },
    "speed.confidence_low": {
        "en": "{interval}, on either side of the band edge at {edges}; a regrade may land in "
              "the neighbouring band",
        "es": "{interval}, a ambos lados del límite de banda en {edges}; una nueva "
              "calificación podría caer en la banda vecina",
    },
    "speed.no_gpu": {"en": "no GPU is visible to the process that runs your code",
                     "es": "el proceso que ejecuta tu código no ve ninguna GPU"},
    "speed.gpu_only": {"en": "the rubric grades speed on a GPU only",
                       "es": "la rúbrica solo califica la velocidad en una GPU"},
    "speed.informational": {"en": "the rubric makes the speed check informational",
                            "es": "la rúbrica hace que la comprobación de velocidad sea "
                                  "informativa"},
    "speed.not_graded": {"en": "Not graded here ({note}); for information: {message}",
                         "es": "No se califica aquí ({note}); a título informativo: {message}"},
    "speed.too_slow": {"en": "too slow: {message}", "es": "demasiado lento: {message}"},
    "speed.wrong_output": {
        "en": "The timed calls ({phase}) did not compute the reference's function: their "
              "{what} differs from the reference's by {diff} (tolerance {tol}). Speed is "
              "only scored for calls that compute what was asked; no speed points.",
        "es": "Las llamadas medidas ({phase}) no calcularon la función de la referencia: su "
              "{what} difiere de la de la referencia en {diff} (tolerancia {tol}). La "
              "velocidad solo se puntúa en llamadas que calculan lo pedido; sin puntos de "
              "velocidad.",
    },
    "speed.unverified": {
        "en": "The timed calls' outputs were not compared with the reference: your "
              "parameters are not laid out as declared layouts are, and finding their layout "
              "at these sizes costs too much.",
        "es": "Las salidas de las llamadas medidas no se compararon con la referencia: tus "
              "parámetros no siguen una disposición declarada conocida, y encontrarla a estos "
              "tamaños cuesta demasiado.",
    },
    "speed.what_output": {"en": "output at the last time step",
                          "es": "salida en el último paso de tiempo"},
    "speed.what_gradient": {"en": "gradient of the input at the first time step",
                            "es": "gradiente de la entrada en el primer paso de tiempo"},
    # -- the terminal (grader/reports/terminal.py) and the pytest plugin ------------------------
    "ui.loading": {"en": "Loading {file}", "es": "Cargando {file}"},
    "ui.own_user": {
        "en": "Your code ran as your own user (nothing here can run it as another user): it "
              "could read and change what you can, which is fine for your own work.",
        "es": "Tu código se ejecutó con tu propio usuario (aquí nada puede ejecutarlo como "
              "otro usuario): podía leer y cambiar lo mismo que tú, lo cual está bien para tu "
              "propio trabajo.",
    },
    "ui.hidden_checks.one": {
        "en": "{n} more check of this rubric is not run here: hidden checks run only when your "
              "work is graded.",
        "es": "{n} comprobación más de esta rúbrica no se ejecuta aquí: las comprobaciones "
              "ocultas solo se ejecutan cuando se califica tu trabajo.",
    },
    "ui.hidden_checks.many": {
        "en": "{n} more checks of this rubric are not run here: hidden checks run only when "
              "your work is graded.",
        "es": "{n} comprobaciones más de esta rúbrica no se ejecutan aquí: las comprobaciones "
              "ocultas solo se ejecutan cuando se califica tu trabajo.",
    },
    "ui.finishing": {"en": "Finishing", "es": "Terminando"},
    "ui.results_written": {"en": "results.json written to {path}",
                           "es": "results.json escrito en {path}"},
    "ui.pytest_summary": {
        "en": "lstm-grader: {submission}: {score} / {max}",
        "es": "lstm-grader: {submission}: {score} / {max}",
    },
    "pl.not_gradable": {
        "en": "Your file could not be graded: it does not load. Fix the error below and "
              "submit again.",
        "es": "No se pudo calificar tu archivo: no se carga. Corrige el error de abajo y "
              "vuelve a entregarlo.",
    },
    "pl.stopped_early": {"en": " (grading stopped early: {status})",
                         "es": " (la calificación se detuvo antes de terminar: {status})"},
    "pl.nothing_graded": {"en": "Nothing was graded: {reason}.",
                          "es": "No se calificó nada: {reason}."},
    "pl.grader_failed": {
        "en": "The grader itself failed ({error}); this is not a problem with your code. "
              "Please tell your instructor.",
        "es": "Falló el propio calificador ({error}); no es un problema de tu código. Avisa "
              "a tu profesor.",
    },
    "pl.images_left_out": {
        "en": "(Plots left out to stay under PrairieLearn's 1 MB limit: {labels}.)",
        "es": "(Gráficos omitidos para no pasar el límite de 1 MB de PrairieLearn: {labels}.)",
    },
    "ui.pytest_grader_error": {
        "en": "lstm-grader could not grade {submission}: {error}",
        "es": "lstm-grader no pudo calificar {submission}: {error}",
    },
    # Check categories, as the summary shows them before each check's title.
    "category.integrity": {"en": "integrity", "es": "integridad"},
    "category.shapes": {"en": "shapes", "es": "formas"},
    "category.parameters": {"en": "parameters", "es": "parámetros"},
    "category.equivalence": {"en": "equivalence", "es": "equivalencia"},
    "category.semantics": {"en": "semantics", "es": "semántica"},
    "category.gradients": {"en": "gradients", "es": "gradientes"},
    "category.sequence": {"en": "sequence", "es": "secuencia"},
    "category.robustness": {"en": "robustness", "es": "robustez"},
    "category.speed": {"en": "speed", "es": "velocidad"},
    # -- the HTML report ----------------------------------------------------------------------
    "html.title": {"en": "lstm-grader report: {submission}",
                   "es": "Informe de lstm-grader: {submission}"},
    "html.summary": {"en": "Summary", "es": "Resumen"},
    "html.exercise": {"en": "Exercise {name} ({class_name})",
                      "es": "Ejercicio {name} ({class_name})"},
    "html.score": {"en": "{score} / {max} points", "es": "{score} / {max} puntos"},
    "html.checks": {"en": "Checks", "es": "Comprobaciones"},
    "html.failures": {"en": "What to fix", "es": "Qué corregir"},
    "html.diagnosis": {"en": "Diagnosis", "es": "Diagnóstico"},
    "html.equation": {"en": "The equation it breaks", "es": "La ecuación que rompe"},
    "html.plots": {"en": "Inside your cell", "es": "Dentro de tu celda"},
    "html.gates_caption": {
        "en": "Gate activations over a drawn sequence (rows: hidden units, columns: time "
              "steps), yours above the reference's, on the same colour scale. Both cells get "
              "the reference's weights and, at every step, the same x_t and your previous "
              "state, so a difference comes from that step alone. The bottom row is yours "
              "minus the reference's.",
        "es": "Activaciones de las puertas a lo largo de una secuencia (filas: unidades "
              "ocultas, columnas: pasos de tiempo), las tuyas encima de las de la referencia, "
              "con la misma escala de color. Las dos celdas reciben los pesos de la referencia "
              "y, en cada paso, el mismo x_t y tu estado anterior, así que una diferencia "
              "viene solo de ese paso. La fila de abajo es la tuya menos la de la referencia.",
    },
    "html.gates_how": {
        "en": "Your gates are measured from outside, from your cell's outputs: f = ∂c'/∂c_prev, "
              "o = h' / tanh(c') (blank where tanh(c') is near 0), g = c' − f ⊙ c_prev with "
              "the input gate pushed open, i = c' − f ⊙ c_prev with the candidate pushed to 1.",
        "es": "Tus puertas se miden desde fuera, a partir de las salidas de tu celda: "
              "f = ∂c'/∂c_prev, o = h' / tanh(c') (en blanco donde tanh(c') es casi 0), "
              "g = c' − f ⊙ c_prev con la puerta de entrada forzada a abrirse, "
              "i = c' − f ⊙ c_prev con el candidato forzado a 1.",
    },
    "html.states_caption": {
        "en": "Cell state c and hidden state h when each implementation runs over the same "
              "sequence on its own (the reference's weights, zero initial state): yours, the "
              "reference's, and the difference. A wrong gate shows up as a difference that "
              "grows from the step where it first matters.",
        "es": "Estado de la celda c y estado oculto h cuando cada implementación recorre sola "
              "la misma secuencia (pesos de la referencia, estado inicial de ceros): el tuyo, "
              "el de la referencia y la diferencia. Una puerta mal hecha aparece como una "
              "diferencia que crece desde el paso en que empieza a importar.",
    },
    "html.gradients_caption": {
        "en": "How far back the gradient reaches: ‖∂L/∂x_t‖ for L = the sum of the last "
              "hidden state, for your implementation, the reference LSTM and a plain RNN with "
              "the same sizes (log scale). The lesson's point: the LSTM's additive cell state "
              "carries the gradient much further back than the RNN's repeated tanh. Weights: "
              "PyTorch's default initialisation with the forget-gate bias at {bias}.",
        "es": "Hasta dónde llega el gradiente: ‖∂L/∂x_t‖ con L = la suma del último estado "
              "oculto, para tu implementación, la LSTM de referencia y una RNN simple con los "
              "mismos tamaños (escala logarítmica). La idea de la lección: el estado de la "
              "celda, aditivo, lleva el gradiente mucho más atrás que la tanh repetida de la "
              "RNN. Pesos: la inicialización por defecto de PyTorch con el sesgo de la puerta "
              "de olvido en {bias}.",
    },
    "html.no_plots": {"en": "No plots for this exercise: {reason}",
                      "es": "No hay gráficos para este ejercicio: {reason}"},
    "html.plots_off": {
        "en": "plots were not computed for this run",
        "es": "los gráficos no se calcularon en esta ejecución",
    },
    "html.yours": {"en": "yours", "es": "tuya"},
    "html.reference": {"en": "reference", "es": "referencia"},
    "html.difference": {"en": "yours − reference", "es": "tuya − referencia"},
    "html.rnn": {"en": "plain RNN", "es": "RNN simple"},
    "html.time_step": {"en": "time step t", "es": "paso de tiempo t"},
    "html.unit": {"en": "unit", "es": "unidad"},
    "html.grad_norm": {"en": "‖∂L/∂x_t‖", "es": "‖∂L/∂x_t‖"},
    "html.layer": {"en": "{name}, layer {layer}", "es": "{name}, capa {layer}"},
    "html.largest_gap": {
        "en": "Largest difference: {what}, up to {diff}.",
        "es": "Mayor diferencia: {what}, hasta {diff}.",
    },
    "html.all_match": {
        "en": "Every gate and state matches the reference on this sequence.",
        "es": "Todas las puertas y estados coinciden con la referencia en esta secuencia.",
    },
    "html.example": {"en": "Smallest failing example", "es": "Ejemplo mínimo que falla"},
    "html.traceback": {"en": "Your code's traceback", "es": "La traza de tu código"},
    "html.hint": {"en": "Hint", "es": "Pista"},
    "html.passed_all": {"en": "Every check passed.",
                        "es": "Todas las comprobaciones pasan."},
    "html.environment": {
        "en": "lstm-grader {version}, torch {torch}, Python {python}; isolation: {isolation}.",
        "es": "lstm-grader {version}, torch {torch}, Python {python}; aislamiento: "
              "{isolation}.",
    },
    "html.unavailable": {
        "en": "your code failed while the plots were computed ({error})",
        "es": "tu código falló mientras se calculaban los gráficos ({error})",
    },
    "html.no_gate_view": {
        "en": "gate activations are measured for the lesson's LSTM cell only",
        "es": "las activaciones de las puertas solo se miden para la celda LSTM de la lección",
    },
    "html.gates_heading": {"en": "Gate activations i, f, g, o",
                           "es": "Activaciones de las puertas i, f, g, o"},
    "html.states_heading": {"en": "Cell state c and hidden state h",
                            "es": "Estado de la celda c y estado oculto h"},
    "html.gradients_heading": {"en": "How far back the gradient reaches",
                               "es": "Hasta dónde llega el gradiente"},
    "html.gradients_caption_plain": {
        "en": "How far back the gradient reaches: ‖∂L/∂x_t‖ for L = the sum of the last "
              "hidden state, for your implementation, the reference and a plain RNN with the "
              "same sizes (log scale), all with PyTorch's default initialisation.",
        "es": "Hasta dónde llega el gradiente: ‖∂L/∂x_t‖ con L = la suma del último estado "
              "oculto, para tu implementación, la de referencia y una RNN simple con los "
              "mismos tamaños (escala logarítmica), todas con la inicialización por defecto "
              "de PyTorch.",
    },
    "html.legend_yours": {"en": "your {name}", "es": "tu {name}"},
    "html.legend_reference": {"en": "reference {name}", "es": "{name} de referencia"},
    "html.legend_zero": {"en": "exactly 0 (off the log scale)",
                         "es": "exactamente 0 (fuera de la escala logarítmica)"},
    "html.grad_zero": {
        "en": "Your gradient is exactly 0 at {n} of {total} time steps (left out: a log scale "
              "cannot show 0): through your code, the loss does not depend on those inputs.",
        "es": "Tu gradiente es exactamente 0 en {n} de {total} pasos de tiempo (no se dibujan: "
              "una escala logarítmica no puede mostrar el 0): a través de tu código, la "
              "pérdida no depende de esas entradas.",
    },
    "html.grad_missing": {
        "en": "Your code returned no gradient for the inputs, so only the references are "
              "drawn.",
        "es": "Tu código no devolvió gradiente para las entradas, así que solo se dibujan las "
              "referencias.",
    },
    "html.printed": {"en": "What your code printed", "es": "Lo que imprimió tu código"},
}
