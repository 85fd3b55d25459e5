# expect: pass
# style: the lesson's code: nn.Linear W_ih (with bias) + W_hh (bias=False), plus default state and 1-D input
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

    def forward(self, x, state=None):
        # Entrada sin batch: (input_size,) -> (1, input_size)
        sin_batch = x.dim() == 1
        if sin_batch:
            x = x.unsqueeze(0)
            if state is not None:
                state = (state[0].unsqueeze(0), state[1].unsqueeze(0))

        if state is None:
            ceros = torch.zeros(x.shape[0], self.hidden_size, dtype=x.dtype, device=x.device)
            state = (ceros, ceros)
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

        if sin_batch:
            return h_new.squeeze(0), c_new.squeeze(0)
        return h_new, c_new
