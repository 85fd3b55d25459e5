"""Spanish for the texts whose English lives in a registry.

English stays where it is defined, next to the code it describes: check titles and hints in
the ``@check`` decorators, mistakes in ``reference.mistakes``, variants in
``reference.VARIANTS``, exercise titles in ``grader.exercises``. This module adds their
Spanish, keyed by the same ids, and serves both languages under catalog keys:

    check.<id>.title   check.<id>.hint   mistake.<id>.title   mistake.<id>.explanation
    variant.<name>.summary   exercise.<name>.title

The Spanish follows the course's lesson (lstm_lesson.es.md): puerta de olvido, puerta de
entrada, puerta de salida, estado de la celda, estado oculto, candidato.
"""

from __future__ import annotations

from typing import Any

CHECKS_ES: dict[str, dict[str, str]] = {
    "equivalence.forward": {
        "title": "con los mismos pesos, las salidas son iguales a las de la referencia",
        "hint": "Compara cada línea de tu forward con las ecuaciones del enunciado: el orden "
                "de las puertas, cada activación y qué estado va en cada sitio.",
    },
    "equivalence.pytorch_layout": {
        "title": "los parámetros están dispuestos exactamente como en PyTorch (nombres, "
                 "formas, orden de las puertas)",
        "hint": "Nombra y da forma a los parámetros como nn.LSTMCell (weight_ih (4H, I), "
                "weight_hh (4H, H), bias_ih, bias_hh; puertas apiladas i, f, g, o), para que "
                "state_dict() se cargue en nn.LSTM.",
    },
    "gradients.match": {
        "title": "los gradientes respecto a x, al estado y a cada parámetro son iguales a los "
                 "de la referencia",
        "hint": "Si el forward está bien pero los gradientes no, busca .detach(), "
                "torch.no_grad(), .data o un backward escrito a mano.",
    },
    "gradients.attached": {
        "title": "las salidas siguen unidas al grafo y todos los gradientes son finitos",
        "hint": "No llames a .detach() ni a .item() sobre nada de lo que se calcula la "
                "salida, y no envuelvas el cálculo en torch.no_grad().",
    },
    "gradients.finite_differences": {
        "title": "el backward coincide con diferencias finitas del forward",
        "hint": "Una autograd.Function propia necesita un backward que sea la derivada exacta "
                "de su forward; revisa cada factor de la regla de la cadena.",
    },
    "integrity.no_builtin_rnn": {
        "title": "la recurrencia es código tuyo (sin nn.LSTM, nn.LSTMCell, "
                 "torch.lstm_cell...)",
        "hint": "El ejercicio consiste en escribir tú las puertas con productos de matrices y "
                "activaciones; quita el módulo o la operación recurrente de PyTorch.",
    },
    "parameters.count": {
        "title": "el número de parámetros es el de los libros",
        "hint": "Cada puerta tiene una matriz de entrada (H×I), una matriz recurrente (H×H) y "
                "sus sesgos; cuenta los tuyos según las ecuaciones del ejercicio.",
    },
    "parameters.registered": {
        "title": "los pesos son nn.Parameter registrados que requieren gradiente",
        "hint": "Envuelve los pesos en nn.Parameter (o usa nn.Linear) para que los "
                "optimizadores, .to() y state_dict() los vean.",
    },
    "parameters.used": {
        "title": "cada parámetro influye en la salida",
        "hint": "Un parámetro que no recibe gradiente no se usa nunca en forward (¿un sesgo "
                "que olvidaste sumar?). Quítalo o úsalo.",
    },
    "robustness.no_inplace": {
        "title": "no se modifican los tensores de entrada ni de estado de quien llama",
        "hint": "Las operaciones que terminan en _ (mul_, add_) y la asignación a trozos "
                "cambian los tensores de quien llama; calcula tensores nuevos "
                "(c_new = f * c + i * g).",
    },
    "robustness.saturation": {
        "title": "las preactivaciones grandes dan los valores saturados (sin desbordamiento)",
        "hint": "Usa torch.sigmoid y torch.tanh, o la forma estable σ(z) = 1/(1 + exp(−z)) "
                "(tanh(z) = 2σ(2z) − 1): exp de un número grande es inf, y e^z/(1 + e^z) o "
                "(e^z − e^−z)/(e^z + e^−z) dan entonces inf/inf = NaN.",
    },
    "robustness.stateless": {
        "title": "la misma entrada da la misma salida en cada llamada (sin estado oculto "
                 "entre llamadas)",
        "hint": "No guardes estado en self entre llamadas: el estado entra como argumento y "
                "sale como valor de retorno.",
    },
    "robustness.batch_independent": {
        "title": "cada fila del lote se calcula independientemente de las demás",
        "hint": "Cada operación debe actuar fila a fila: nada de media/suma sobre la "
                "dimensión del lote, nada que mezcle la dimensión 0 con las demás.",
    },
    "robustness.default_state_dtype": {
        "title": "state=None funciona con entradas float64 (ceros del dtype de la entrada)",
        "hint": "Crea el estado por defecto con el dtype y el dispositivo de la entrada: "
                "torch.zeros(batch, hidden, dtype=x.dtype, device=x.device).",
    },
    "semantics.forget_gate": {
        "title": "puerta de olvido: c' = f ⊙ c_prev + (actualización), con f en (0, 1) sin "
                 "depender de c_prev",
        "hint": "La actualización de la memoria es C_t = f_t ⊙ C_{t-1} + i_t ⊙ C̃_t: el "
                "estado de la celda anterior entra una sola vez, multiplicado por la puerta "
                "de olvido, y en ningún otro sitio (ni en las puertas ni a través de W_hh).",
    },
    "semantics.output_gate": {
        "title": "puerta de salida: h' = o ⊙ tanh(c') con o en (0, 1) sin depender de c_prev",
        "hint": "El estado oculto es h_t = o_t ⊙ tanh(C_t): tanh del estado de la celda "
                "*nuevo*, escalado por una puerta sigmoide calculada solo a partir de x y h.",
    },
    "semantics.update_term": {
        "title": "la actualización i ⊙ g = c' − f ⊙ c_prev está en (−1, 1)",
        "hint": "El candidato C̃_t usa tanh (valores en (−1, 1)) y la puerta de entrada una "
                "sigmoide.",
    },
    "semantics.gate_logits": {
        "title": "logit(f) y logit(o) son afines en (x, h)",
        "hint": "Cada puerta es σ(W · [h_{t-1}, x_t] + b): una aplicación afín de x y h, y "
                "después la sigmoide.",
    },
    "semantics.gate_control": {
        "title": "olvido≈1 y entrada≈0 conservan la memoria; salida≈0 anula h; olvido≈0 la "
                 "borra",
        "hint": "Revisa qué preactivación usa cada puerta: con los pesos de la referencia en "
                "tus parámetros, llevar el sesgo de una puerta a un extremo debe abrir o "
                "cerrar esa puerta.",
    },
    "sequence.outputs": {
        "title": "las salidas a lo largo de la secuencia son iguales a las de nn.LSTM (1–3 "
                 "capas, estado inicial dado)",
        "hint": "En cada paso de tiempo, pasa la nueva h de la capa k como entrada de la capa "
                "k+1, lleva el (h, c) de cada capa al paso siguiente y recoge la h de la capa "
                "superior.",
    },
    "sequence.final_state": {
        "title": "h_n y c_n son el estado de cada capa tras el último paso",
        "hint": "h_n[k] y c_n[k] son el estado de la capa k tras el último paso de tiempo.",
    },
    "sequence.zero_initial_state": {
        "title": "sin estado inicial, la secuencia empieza desde ceros",
        "hint": "state=None significa h_0 = c_0 = 0 en todas las capas.",
    },
    "sequence.bptt": {
        "title": "los gradientes fluyen en el tiempo hasta el primer paso y el estado inicial",
        "hint": "La retropropagación en el tiempo necesita toda la cadena: nada de .detach() "
                "entre pasos, y el estado inicial tiene que usarse.",
    },
    "shapes.structure": {
        "title": "forward devuelve la estructura del contrato",
        "hint": "Devuelve una tupla, p. ej. `return h_new, c_new`, no un tensor apilado.",
    },
    "shapes.sizes": {
        "title": "las formas de salida siguen los tamaños de lote, secuencia y oculto",
        "hint": "Comprueba qué dimensión es el lote y cuál el tamaño oculto.",
    },
    "shapes.dtype": {
        "title": "float32 sigue siendo float32 y float64 sigue siendo float64",
        "hint": "No conviertas las entradas (nada de .float()); crea los tensores nuevos con "
                "el dtype de la entrada.",
    },
    "shapes.unbatched": {
        "title": "una entrada 1-D (sin dimensión de lote) funciona, como en nn.LSTMCell",
        "hint": "Para x de forma (input_size,), añade una dimensión de lote de tamaño 1 y "
                "quítala al final (unsqueeze(0) / squeeze(0)).",
    },
    "shapes.zero_state": {
        "title": "state=None significa un estado inicial de ceros",
        "hint": "Si no se da estado, empieza desde ceros de forma (batch, hidden) (y "
                "(num_layers, batch, hidden) para la LSTM).",
    },
    "speed.vs_pytorch": {
        "title": "velocidad respecto a nn.LSTM de PyTorch (nn.GRU para la GRU) con los mismos "
                 "tamaños",
        "hint": "Calcula la proyección de la entrada de todos los pasos de tiempo en un solo "
                "producto de matrices antes del bucle, todas las puertas de un paso con un "
                "solo producto, y reduce el trabajo de Python dentro del bucle temporal (sin "
                "productos por puerta, sin copias, sin .item()).",
    },
}

MISTAKES_ES: dict[str, dict[str, str]] = {
    # --- lstm_cell ---------------------------------------------------------------------------
    "missing-tanh-on-c": {
        "title": "h = o · c sin tanh (la variante NOAF)",
        "explanation": "Tu celda calcula el estado oculto como h = o ⊙ c, sin comprimir el "
                       "estado de la celda con tanh. La salida de la lección es "
                       "h_t = o_t ⊙ tanh(C_t): sin tanh, h no está acotado y crece con la "
                       "memoria.",
    },
    "sigmoid-on-candidate": {
        "title": "sigmoide en lugar de tanh en el candidato g",
        "explanation": "Tus valores candidatos usan sigmoide, así que están en (0, 1) y la "
                       "celda solo puede sumar a su memoria, nunca restar. El candidato es "
                       "C̃_t = tanh(W_C · [h_{t-1}, x_t] + b_C), en (−1, 1).",
    },
    "relu-on-candidate": {
        "title": "ReLU en lugar de tanh en el candidato g",
        "explanation": "Tus valores candidatos usan ReLU, así que nunca son negativos y no "
                       "tienen cota superior: la celda solo puede sumar a su memoria, y sin "
                       "límite. El candidato es C̃_t = tanh(W_C · [h_{t-1}, x_t] + b_C), en "
                       "(−1, 1).",
    },
    "tanh-on-forget-gate": {
        "title": "tanh en lugar de sigmoide en la puerta de olvido f",
        "explanation": "Tu puerta de olvido usa tanh, así que f está en (−1, 1) y puede "
                       "cambiar el signo de la memoria en vez de conservarla o borrarla. La "
                       "puerta de la lección es f_t = σ(W_f · [h_{t-1}, x_t] + b_f), una "
                       "fracción en (0, 1): 0 olvida por completo, 1 recuerda por completo.",
    },
    "tanh-on-input-gate": {
        "title": "tanh en lugar de sigmoide en la puerta de entrada i",
        "explanation": "Tu puerta de entrada usa tanh, así que i está en (−1, 1) y puede "
                       "escribir el candidato en la memoria con el signo cambiado. La puerta "
                       "de la lección es i_t = σ(W_i · [h_{t-1}, x_t] + b_i), en (0, 1): solo "
                       "decide cuánto de C̃_t se almacena.",
    },
    "tanh-on-output-gate": {
        "title": "tanh en lugar de sigmoide en la puerta de salida o",
        "explanation": "Tu puerta de salida usa tanh, así que o está en (−1, 1) y puede "
                       "invertir la memoria que muestra. La puerta de la lección es "
                       "o_t = σ(W_o · [h_{t-1}, x_t] + b_o), en (0, 1): un filtro sobre "
                       "tanh(C_t).",
    },
    "old-cell-for-h": {
        "title": "h calculado con el estado de la celda anterior C_{t-1}",
        "explanation": "Tu estado oculto es o ⊙ tanh(c_prev): usa el estado de la celda de "
                       "antes de la actualización de este paso, así que lo que la celda "
                       "almacena llega a h con un paso de retraso. La lección calcula "
                       "h_t = o_t ⊙ tanh(C_t) con el C_t actualizado.",
    },
    "missing-input-gate": {
        "title": "sin puerta de entrada: c' = f ⊙ c + g (la variante NIG)",
        "explanation": "Tu celda suma el candidato a la memoria sin la puerta de entrada "
                       "(c' = f ⊙ c + C̃), así que cada valor nuevo se escribe entero y las "
                       "filas i de tus pesos no se usan nunca. La actualización de la lección "
                       "es C_t = f_t ⊙ C_{t-1} + i_t ⊙ C̃_t, donde i_t decide cuánto se "
                       "almacena.",
    },
    "missing-forget-gate": {
        "title": "sin puerta de olvido: c' = c + i ⊙ g (la variante NFG)",
        "explanation": "Tu actualización conserva toda la memoria anterior (c' = c + i ⊙ C̃) "
                       "sin la puerta de olvido, así que la celda no puede olvidar nunca y las "
                       "filas f de tus pesos no se usan. La actualización de la lección es "
                       "C_t = f_t ⊙ C_{t-1} + i_t ⊙ C̃_t.",
    },
    "missing-output-gate": {
        "title": "sin puerta de salida: h = tanh(c) (la variante NOG)",
        "explanation": "Tu estado oculto es tanh(c') sin la puerta de salida, así que la "
                       "celda muestra siempre toda su memoria y las filas o de tus pesos no se "
                       "usan. La lección la filtra: h_t = o_t ⊙ tanh(C_t).",
    },
    "coupled-update-in-standard-cell": {
        "title": "(1 − f) usado en lugar de la puerta de entrada",
        "explanation": "Tu actualización usa (1 − f) donde debería ir la puerta de entrada, "
                       "c' = f ⊙ c + (1 − f) ⊙ C̃: es la variante acoplada de la lección, y las "
                       "filas i de tus pesos no se usan. La celda estándar tiene su propia "
                       "puerta de entrada: C_t = f_t ⊙ C_{t-1} + i_t ⊙ C̃_t.",
    },
    "recurrent-weights-on-c": {
        "title": "pesos recurrentes aplicados a c en lugar de h",
        "explanation": "Tus puertas multiplican los pesos recurrentes por el estado de la "
                       "celda c_{t-1} en lugar del estado oculto h_{t-1}, así que h_{t-1} no "
                       "entra nunca en el paso. Todas las puertas de la lección leen "
                       "[h_{t-1}, x_t], por ejemplo f_t = σ(W_f · [h_{t-1}, x_t] + b_f).",
    },
    "missing-recurrent-term": {
        "title": "puertas calculadas solo con x (sin el término W_hh · h)",
        "explanation": "Tus puertas se calculan solo a partir de x_t: falta el término "
                       "recurrente con h_{t-1}, así que las puertas no pueden reaccionar a lo "
                       "que la celda produjo antes y weight_hh no se usa nunca. Todas las "
                       "puertas de la lección leen [h_{t-1}, x_t], por ejemplo "
                       "f_t = σ(W_f · [h_{t-1}, x_t] + b_f).",
    },
    "forget-bias-hard-coded": {
        "title": "una constante + 1 sumada dentro de la puerta de olvido",
        "explanation": "Tu puerta de olvido calcula σ(… + 1): el + 1 es un número escrito en "
                       "el código, no un parámetro, así que la puerta tiende a recordar digan "
                       "lo que digan los pesos. Un sesgo de olvido de 1 es un buen valor "
                       "inicial para b_f, pero va en el parámetro del sesgo: "
                       "f_t = σ(W_f · [h_{t-1}, x_t] + b_f).",
    },
    "cell-state-squashed": {
        "title": "tanh aplicada al estado de la celda que se guarda",
        "explanation": "Tu celda guarda c' = tanh(f ⊙ c + i ⊙ C̃) y devuelve h = o ⊙ c': la "
                       "memoria se comprime en (−1, 1) en cada paso, lo que rompe el camino "
                       "aditivo que lleva información y gradientes sin cambios. La lección "
                       "mantiene lineal la memoria, C_t = f_t ⊙ C_{t-1} + i_t ⊙ C̃_t, y aplica "
                       "tanh solo para la salida.",
    },
    "forget-gate-after-update": {
        "title": "puerta de olvido aplicada después de sumar los valores nuevos",
        "explanation": "Tu actualización es c' = f ⊙ (c + i ⊙ C̃): la puerta de olvido "
                       "escala también lo que la puerta de entrada acaba de escribir, así que "
                       "los valores nuevos se olvidan en parte en el mismo paso. En la lección "
                       "f solo actúa sobre la memoria anterior: "
                       "C_t = f_t ⊙ C_{t-1} + i_t ⊙ C̃_t.",
    },
    "returns-c-h-swapped": {
        "title": "devuelve (c, h) en lugar de (h, c)",
        "explanation": "Tu celda calcula bien los valores pero los devuelve como (c, h), "
                       "mientras que recibe el estado, y debe devolverlo, como (h, c): quien la "
                       "use toma la memoria por el estado oculto. La lección devuelve "
                       "h_new, c_new, con h_t = o_t ⊙ tanh(C_t).",
    },
    # --- lstm ----------------------------------------------------------------------------------
    "state-not-carried": {
        "title": "el estado no pasa de un paso de tiempo al siguiente",
        "explanation": "Tu bucle empieza cada paso de tiempo desde el estado inicial "
                       "(h_0, c_0) en lugar del estado que produjo el paso anterior, así que "
                       "la red no tiene memoria a lo largo del tiempo. El estado de la celda "
                       "es una cinta transportadora: C_t = f_t ⊙ C_{t-1} + i_t ⊙ C̃_t debe "
                       "usar el C_{t-1} del paso anterior.",
    },
    "initial-state-ignored": {
        "title": "se ignora el estado inicial dado (siempre ceros)",
        "explanation": "Tu forward empieza desde ceros aunque se le pase un estado (h_0, c_0), "
                       "así que quien llama no puede continuar una secuencia donde la dejó. En "
                       "el primer paso, C_t = f_t ⊙ C_{t-1} + i_t ⊙ C̃_t debe usar el C_0 de "
                       "quien llama.",
    },
    "initial-state-first-layer-only": {
        "title": "las capas por encima de la primera empiezan desde ceros",
        "explanation": "Solo tu primera capa empieza desde su parte del (h_0, c_0) dado; las "
                       "capas de encima empiezan desde ceros, así que el estado que pasa quien "
                       "llama se ignora en parte. Cada capa empieza desde su propia fila del "
                       "estado, como en la lección: h = list(state[0]).",
    },
    "state-chained-across-layers": {
        "title": "cada capa empieza desde el estado final de la capa de abajo",
        "explanation": "Cada una de tus capas por encima de la primera empieza desde el estado "
                       "final de la capa de abajo en lugar de su propio estado inicial, así que "
                       "la memoria se filtra de una capa a la siguiente y h_0[k], c_0[k] se "
                       "ignoran para k > 0. En la lección cada capa guarda su propio estado: "
                       "h[layer], c[layer] = cell(inp, (h[layer], c[layer])).",
    },
    "first-layer-output-returned": {
        "title": "salidas tomadas de la primera capa, no de la superior",
        "explanation": "Tus salidas son los estados ocultos de la primera capa, así que las "
                       "capas de encima se calculan y luego se tiran. Como nn.LSTM, la lección "
                       "devuelve la h_t de la capa superior en cada paso: "
                       "outputs.append(h[-1]).",
    },
    "time-reversed": {
        "title": "la secuencia se procesa del último paso al primero",
        "explanation": "Tu bucle recorre la secuencia hacia atrás, así que cada salida depende "
                       "de los pasos posteriores en lugar de los anteriores. El bucle de la "
                       "lección avanza en el tiempo, for t in range(seq_len), y cada paso usa "
                       "el h_{t-1}, C_{t-1} del paso anterior.",
    },
    "top-layer-state-only": {
        "title": "h_n y c_n repiten el estado de la capa superior en todas las capas",
        "explanation": "Tus h_n y c_n contienen el estado final de la capa superior en la "
                       "fila de cada capa, así que al continuar desde ellos las capas de abajo "
                       "arrancan con la memoria equivocada. Como nn.LSTM, la lección devuelve "
                       "el estado final propio de cada capa, una fila por capa: "
                       "h_n = torch.stack(h).",
    },
    # --- peephole ------------------------------------------------------------------------------
    "output-peephole-on-old-c": {
        "title": "la mirilla (peephole) de la puerta de salida mira C_{t-1}",
        "explanation": "Tu puerta de salida mira el estado de la celda anterior C_{t-1}, "
                       "pero va después de la actualización y debe mirar el nuevo: "
                       "o_t = σ(W_o · [h_{t-1}, x_t] + w_co ⊙ C_t). Solo las puertas de "
                       "entrada y de olvido miran C_{t-1}, como en la "
                       "f_t = σ(W_f · [h_{t-1}, x_t] + W_{cf} · C_{t-1}) de la lección.",
    },
    "forget-peephole-missing": {
        "title": "la puerta de olvido no tiene mirilla (peephole)",
        "explanation": "Tu puerta de olvido no mira el estado de la celda: falta el término "
                       "W_{cf} · C_{t-1} y weight_cf no se usa nunca. La puerta de olvido con "
                       "mirilla de la lección es "
                       "f_t = σ(W_f · [h_{t-1}, x_t] + W_{cf} · C_{t-1}).",
    },
    "output-peephole-missing": {
        "title": "la puerta de salida no tiene mirilla (peephole)",
        "explanation": "Tu puerta de salida no mira el estado de la celda: falta el término "
                       "w_co ⊙ C_t y weight_co no se usa nunca. Con mirillas, la puerta de "
                       "salida ve la memoria actualizada: "
                       "o_t = σ(W_o · [h_{t-1}, x_t] + w_co ⊙ C_t).",
    },
    "peephole-outside-sigmoid": {
        "title": "términos de mirilla (peephole) sumados después de la sigmoide",
        "explanation": "Tus términos de mirilla se suman después de la sigmoide, σ(…) + w ⊙ c, "
                       "así que las puertas ya no están en (0, 1) y pueden amplificar o "
                       "invertir la memoria. La mirilla va dentro de la sigmoide, como en "
                       "f_t = σ(W_f · [h_{t-1}, x_t] + W_{cf} · C_{t-1}).",
    },
    # --- coupled -------------------------------------------------------------------------------
    "input-equals-forget": {
        "title": "la puerta de olvido usada como puerta de entrada (i = f)",
        "explanation": "Tu celda acoplada usa la propia puerta de olvido como puerta de "
                       "entrada, c' = f ⊙ c + f ⊙ C̃, así que conservar la memoria anterior y "
                       "escribir valores nuevos suben y bajan juntos. El acoplamiento los hace "
                       "complementarios, i_t = 1 − f_t: "
                       "C_t = f_t ⊙ C_{t-1} + (1 − f_t) ⊙ C̃_t.",
    },
    "coupled-candidate-not-gated": {
        "title": "el candidato se suma sin (1 − f)",
        "explanation": "Tu celda acoplada suma el candidato entero, c' = f ⊙ c + C̃, sin el "
                       "factor (1 − f_t), así que se escriben valores nuevos incluso mientras "
                       "la celda conserva su memoria. La actualización acoplada es "
                       "C_t = f_t ⊙ C_{t-1} + (1 − f_t) ⊙ C̃_t.",
    },
    "coupled-missing-tanh-on-c": {
        "title": "h = o · c sin tanh en la celda acoplada",
        "explanation": "Tu celda acoplada calcula h = o ⊙ c sin comprimir el estado de la "
                       "celda con tanh, así que h no está acotado y crece con la memoria. El "
                       "acoplamiento solo cambia la actualización; la salida sigue siendo "
                       "h_t = o_t ⊙ tanh(C_t).",
    },
    # --- gru -----------------------------------------------------------------------------------
    "interpolation-swapped": {
        "title": "z y 1 − z intercambiados en la interpolación final",
        "explanation": "Tu celda calcula h' = z ⊙ n + (1 − z) ⊙ h, así que la puerta de "
                       "actualización pondera el nuevo candidato en lugar del estado anterior "
                       "(algunos textos escriben así la GRU). El ejercicio sigue a "
                       "nn.GRUCell, h' = (1 − z) ⊙ n + z ⊙ h, donde z cerca de 1 conserva el "
                       "estado anterior.",
    },
    "reset-as-original-paper": {
        "title": "la puerta de reinicio aplicada a h antes del producto recurrente",
        "explanation": "Tu candidato aplica la puerta de reinicio antes de los pesos "
                       "recurrentes, n = tanh(W_in x + b_in + W_hn (r ⊙ h) + b_hn), como en el "
                       "artículo original de la GRU. nn.GRUCell la aplica después, "
                       "n = tanh(W_in x + b_in + r ⊙ (W_hn h + b_hn)): otra función con los "
                       "mismos parámetros.",
    },
    "tanh-on-update-gate": {
        "title": "tanh en lugar de sigmoide en la puerta de actualización z",
        "explanation": "Tu puerta de actualización usa tanh, así que z está en (−1, 1) y "
                       "1 − z en (0, 2): la interpolación puede pasarse y cambiar el signo del "
                       "estado anterior. La puerta es z = σ(W_iz x + b_iz + W_hz h + b_hz), en "
                       "(0, 1).",
    },
    "reset-gate-missing": {
        "title": "el candidato ignora la puerta de reinicio",
        "explanation": "Tu candidato es n = tanh(W_in x + b_in + W_hn h + b_hn), sin la puerta "
                       "de reinicio, así que la celda no puede descartar el estado anterior al "
                       "calcular el contenido nuevo y las filas r de tus pesos no se usan. "
                       "nn.GRUCell calcula n = tanh(W_in x + b_in + r ⊙ (W_hn h + b_hn)).",
    },
    "hidden-bias-outside-reset": {
        "title": "b_hn sumado fuera de la puerta de reinicio",
        "explanation": "Tu candidato suma b_hn fuera de la puerta de reinicio, "
                       "n = tanh(W_in x + b_in + b_hn + r ⊙ (W_hn h)), como si los dos sesgos "
                       "de la GRU fueran uno. En nn.GRUCell la puerta de reinicio escala "
                       "también b_hn, n = tanh(W_in x + b_in + r ⊙ (W_hn h + b_hn)), así que "
                       "ese sesgo no es redundante.",
    },
}

VARIANTS_ES: dict[str, str] = {
    "lstm": "La celda de la lección y nn.LSTMCell (la NP de Greff et al.: sin mirillas).",
    "gru": "Unidad recurrente con puertas como nn.GRUCell (reinicio aplicado después de "
           "W_hn h).",
    "rnn": "RNN de Elman simple: la referencia de la lección para el desvanecimiento del "
           "gradiente.",
    "projection": "LSTMP (Sak et al. 2014), como nn.LSTM(proj_size=P): h más pequeño, el "
                  "mismo c.",
    "peephole": "Mirillas diagonales (Gers y Schmidhuber 2000; la LSTM vanilla de Greff et "
                "al.): las puertas ven el estado de la celda, para una temporización precisa.",
    "coupled": "CIFG, puertas de entrada y de olvido acopladas (i = 1 − f): una cuarta parte "
               "menos de parámetros, casi tan buena como la LSTM según Greff et al.",
    "nig": "La ablación NIG de Greff et al. (sin puerta de entrada, i = 1), sobre la celda sin "
           "mirillas: cada candidato se escribe entero.",
    "nfg": "La ablación NFG de Greff et al. (sin puerta de olvido, f = 1), sobre la celda sin "
           "mirillas: la LSTM de 1997, que nunca puede borrar su memoria.",
    "nog": "La ablación NOG de Greff et al. (sin puerta de salida, o = 1), sobre la celda sin "
           "mirillas: toda la memoria queda siempre expuesta.",
    "niaf": "La ablación NIAF de Greff et al. (sin tanh en el candidato g), sobre la celda sin "
            "mirillas: el candidato no está acotado.",
    "noaf": "La ablación NOAF de Greff et al. (sin tanh en c' antes de la puerta de salida), "
            "sobre la celda sin mirillas: h no está acotado.",
    "fgr": "La FGR de Greff et al. (recurrencia completa de las puertas), sobre la celda sin "
           "mirillas: nueve matrices H×H devuelven las activaciones anteriores de las puertas "
           "a i, f, o.",
    "layernorm": "LSTM con normalización de capa (Ba et al. 2016) como en el benchmark "
                 "fastrnns de PyTorch: entrenamiento más estable en secuencias largas.",
}

EXERCISES_ES: dict[str, str] = {
    "lstm_cell": "celda LSTM (la LSTMCell de la lección)",
    "lstm": "LSTM de varias capas sobre una secuencia (batch_first)",
    "peephole": "celda LSTM con mirillas (peephole)",
    "coupled": "celda con puertas de entrada y de olvido acopladas (CIFG, i = 1 − f)",
    "gru": "celda GRU (la misma función que nn.GRUCell)",
}

_FIELDS = {"check": ("title", "hint"), "mistake": ("title", "explanation"),
           "variant": ("summary",), "exercise": ("title",)}


def registry_entry(key: str) -> dict[str, str] | None:
    """``{"en": ..., "es": ...}`` for a registry-backed key, or None if there is none.

    The English is read from the registry itself; a missing Spanish text leaves "es" out
    (tests/test_i18n.py requires it for every registered item). Both are returned as
    templates without parameters.
    """
    family, _, rest = key.partition(".")
    ident, _, attr = rest.rpartition(".")
    if family not in _FIELDS or attr not in _FIELDS[family] or not ident:
        return None
    english = _english(family, ident, attr)
    if english is None:
        return None
    entry = {"en": _literal(english)}
    spanish = _spanish(family, ident, attr)
    if spanish is not None:
        entry["es"] = _literal(spanish)
    return entry


def _literal(value: str) -> str:
    """A registry text as a template without parameters (``C_{t-1}`` keeps its braces)."""
    return value.replace("{", "{{").replace("}", "}}")


def _english(family: str, ident: str, attr: str) -> str | None:
    item: Any
    if family == "check":
        from grader.checks import CHECKS

        item = CHECKS.get(ident)
    elif family == "mistake":
        from reference.mistakes import MISTAKES

        item = MISTAKES.get(ident)
    elif family == "variant":
        from reference import VARIANTS

        item = VARIANTS.get(ident)
    else:
        from grader.exercises import EXERCISES

        item = EXERCISES.get(ident)
    return None if item is None else str(getattr(item, attr))


def _spanish(family: str, ident: str, attr: str) -> str | None:
    if family == "check":
        return CHECKS_ES.get(ident, {}).get(attr)
    if family == "mistake":
        return MISTAKES_ES.get(ident, {}).get(attr)
    if family == "variant":
        return VARIANTS_ES.get(ident)
    return EXERCISES_ES.get(ident)
