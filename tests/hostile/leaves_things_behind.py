"""Tries to leave things behind on a machine without bubblewrap: files in /tmp, /var/tmp and
/dev/shm, System V shared memory, a semaphore and a message queue, a POSIX message queue, a
daemon in a new session with an empty environment (no marker to find it by) and a bounded
fork bomb of such daemons. Its cell is correct; what it managed is printed."""
import ctypes
import os
import subprocess

import torch
from torch import nn

_done = []
KEYS = (0x4C53_5401, 0x4C53_5402, 0x4C53_5403)  # fixed keys the test looks for


def _leave():
    report = {}
    for top in ("/tmp", "/var/tmp", "/dev/shm"):
        path = os.path.join(top, f"lstm-grader-leftover-{os.getpid()}")
        try:
            with open(path, "wb") as f:
                f.write(b"x" * (1 << 20))
            os.chmod(path, 0o644)
            report[top] = "written"
        except OSError as exc:
            report[top] = str(exc)
    libc = ctypes.CDLL(None, use_errno=True)
    create = 0o1000 | 0o666  # IPC_CREAT
    report["shm"] = libc.shmget(KEYS[0], 1 << 20, create)
    report["sem"] = libc.semget(KEYS[1], 1, create)
    report["msg"] = libc.msgget(KEYS[2], create)
    try:
        rt = ctypes.CDLL("librt.so.1", use_errno=True)
        rt.mq_open.restype = ctypes.c_int
        fd = rt.mq_open(b"/lstm-grader-leftover", 0o100 | 0o2, 0o600, None)
        report["mq_open"] = "created" if fd >= 0 else f"failed errno {ctypes.get_errno()}"
    except OSError as exc:
        report["mq_open"] = f"no librt: {exc}"
    started = 0
    try:
        subprocess.Popen(["sleep", "4321.75"], start_new_session=True, env={},
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for _ in range(150):
            subprocess.Popen(["sleep", "4321.875"], start_new_session=True, env={},
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            started += 1
    except OSError as exc:
        report["fork bomb stopped"] = f"{type(exc).__name__} after {started}"
    report["daemons"] = started
    print("LEFT:", report, flush=True)


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
        if not _done:
            _done.append(True)
            _leave()
        return self.cell(x, state)
