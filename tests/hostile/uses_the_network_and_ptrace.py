"""Tries what no LSTM needs: network sockets, ptrace, a mount, a new namespace, the kernel
keyrings. Its cell is correct; what each attempt got is printed."""
import ctypes
import errno
import platform
import socket

import torch
from torch import nn

_done = []


def _try():
    libc = ctypes.CDLL(None, use_errno=True)
    got = {}
    for family, name in ((socket.AF_INET, "inet"), (socket.AF_INET6, "inet6"),
                         (socket.AF_NETLINK, "netlink"), (socket.AF_UNIX, "unix")):
        try:
            socket.socket(family, socket.SOCK_DGRAM).close()
            got[name] = "ok"
        except OSError as exc:
            got[name] = errno.errorcode.get(exc.errno, str(exc.errno))

    def call(name, *args):
        result = getattr(libc, name)(*args)
        got[name] = "ok" if result >= 0 else errno.errorcode.get(ctypes.get_errno(), "?")

    call("ptrace", 0, 0, None, None)                       # PTRACE_TRACEME
    # A target that does not exist: without the filter this fails with ENOENT (for any
    # user, root included), so no mount can ever happen.
    call("mount", b"none", b"/nonexistent-lstm-grader", b"tmpfs", 0, None)
    call("unshare", 0x10000000)                             # CLONE_NEWUSER
    # add_key has no libc wrapper: its system call number (x86_64, aarch64).
    number = {"x86_64": 248, "aarch64": 217}.get(platform.machine())
    if number is not None:
        result = libc.syscall(number, b"user", b"lstm-grader-key", b"x", 1, -3)
        got["add_key"] = "ok" if result >= 0 else errno.errorcode.get(ctypes.get_errno(), "?")
    print("TRIED:", got, flush=True)


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
            _try()
        return self.cell(x, state)
