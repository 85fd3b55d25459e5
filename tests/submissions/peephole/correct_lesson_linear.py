# expect: pass
# style: the lesson's nn.Linear pair (one bias) with the three peephole vectors, gates computed one by one
import torch
import torch.nn as nn


class PeepholeLSTMCell(nn.Module):
    """LSTM con conexiones peephole: las puertas miran el cell state."""

    def __init__(self, input_size, hidden_size):
        super().__init__()
        self.hidden_size = hidden_size
        self.W_ih = nn.Linear(input_size, 4 * hidden_size)
        self.W_hh = nn.Linear(hidden_size, 4 * hidden_size, bias=False)
        self.weight_ci = nn.Parameter(torch.zeros(hidden_size))
        self.weight_cf = nn.Parameter(torch.zeros(hidden_size))
        self.weight_co = nn.Parameter(torch.zeros(hidden_size))

    def forward(self, x, state=None):
        if x.dim() == 1:
            s = None if state is None else (state[0][None], state[1][None])
            h, c = self.forward(x[None], s)
            return h[0], c[0]
        if state is None:
            h0 = x.new_zeros(x.shape[0], self.hidden_size)
            state = (h0, h0)
        h_prev, c_prev = state
        H = self.hidden_size
        z = self.W_ih(x) + self.W_hh(h_prev)

        i_t = torch.sigmoid(z[:, 0:H] + self.weight_ci * c_prev)       # entrada
        f_t = torch.sigmoid(z[:, H:2 * H] + self.weight_cf * c_prev)   # olvido
        g_t = torch.tanh(z[:, 2 * H:3 * H])                            # candidato
        c_t = f_t * c_prev + i_t * g_t
        o_t = torch.sigmoid(z[:, 3 * H:] + self.weight_co * c_t)       # salida: mira C_t
        h_t = o_t * torch.tanh(c_t)
        return h_t, c_t
