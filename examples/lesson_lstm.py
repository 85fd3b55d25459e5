"""The lesson's own implementation (section 4 of the LSTM lesson), as a student would hand it in.

`lstm-grader demo` grades this file: it computes the right function, but trips over the
handout's contract in a few places (no default state, 1-D input, float64 default state).
"""

import torch
import torch.nn as nn


class LSTMCell(nn.Module):
    """Celda LSTM implementada desde cero."""

    def __init__(self, input_size, hidden_size):
        super().__init__()
        self.hidden_size = hidden_size

        # Pesos combinados para las 4 puertas (eficiencia)
        # [i, f, g, o] donde g es el candidato C̃
        self.W_ih = nn.Linear(input_size, 4 * hidden_size)
        self.W_hh = nn.Linear(hidden_size, 4 * hidden_size, bias=False)

    def forward(self, x, state):
        h_prev, c_prev = state

        # Calcular todas las puertas de una vez
        gates = self.W_ih(x) + self.W_hh(h_prev)

        # Separar las 4 puertas
        i, f, g, o = gates.chunk(4, dim=1)

        # Aplicar activaciones
        i = torch.sigmoid(i)  # Input gate
        f = torch.sigmoid(f)  # Forget gate
        g = torch.tanh(g)     # Candidate
        o = torch.sigmoid(o)  # Output gate

        # Actualizar cell state
        c_new = f * c_prev + i * g

        # Calcular hidden state
        h_new = o * torch.tanh(c_new)

        return h_new, c_new


class LSTM(nn.Module):
    """LSTM completa para secuencias."""

    def __init__(self, input_size, hidden_size, num_layers=1):
        super().__init__()
        self.hidden_size = hidden_size
        self.num_layers = num_layers

        self.cells = nn.ModuleList([
            LSTMCell(
                input_size if i == 0 else hidden_size,
                hidden_size
            )
            for i in range(num_layers)
        ])

    def forward(self, x, state=None):
        batch_size, seq_len, _ = x.shape

        # Inicializar estados
        if state is None:
            h = [torch.zeros(batch_size, self.hidden_size, device=x.device)
                 for _ in range(self.num_layers)]
            c = [torch.zeros(batch_size, self.hidden_size, device=x.device)
                 for _ in range(self.num_layers)]
        else:
            h = list(state[0])
            c = list(state[1])

        outputs = []

        for t in range(seq_len):
            inp = x[:, t, :]

            for layer, cell in enumerate(self.cells):
                h[layer], c[layer] = cell(inp, (h[layer], c[layer]))
                inp = h[layer]  # Input para siguiente capa

            outputs.append(h[-1])  # Output de última capa

        outputs = torch.stack(outputs, dim=1)
        h_n = torch.stack(h)
        c_n = torch.stack(c)

        return outputs, (h_n, c_n)
