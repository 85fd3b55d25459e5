"""Tries to reach the fork server that forked it (found by its command line): read its
memory, environment and file descriptors, attach to it with ptrace, find its control socket
among its own file descriptors. Prints what worked."""
import ctypes
import json
import os
import stat

from torch import nn

server = next(int(p) for p in os.listdir("/proc") if p.isdigit()
              and b"--fork-server" in open(f"/proc/{p}/cmdline", "rb").read())
got = {"server_pid": server}
for what in ("mem", "environ", "maps"):
    try:
        with open(f"/proc/{server}/{what}", "rb") as f:
            got[what] = len(f.read(4096))
    except OSError as exc:
        got[what] = f"refused: {exc.strerror}"
# Its descriptor numbers may be listed; none may be opened or followed.
got["fd"] = {}
try:
    numbers = os.listdir(f"/proc/{server}/fd")
except OSError:
    numbers = [str(n) for n in range(32)]
for n in numbers:
    try:
        got["fd"][n] = os.readlink(f"/proc/{server}/fd/{n}")
    except OSError as exc:
        got["fd"][n] = f"refused: {exc.strerror}"
    try:
        os.close(os.open(f"/proc/{server}/fd/{n}", os.O_RDWR))
        got["fd"][n] += " opened"
    except OSError:
        pass
libc = ctypes.CDLL(None, use_errno=True)
PTRACE_ATTACH = 16
got["ptrace"] = "attached" if libc.ptrace(PTRACE_ATTACH, server, None, None) == 0 \
    else f"refused errno {ctypes.get_errno()}"
sockets = []
for fd in range(1024):
    try:
        if stat.S_ISSOCK(os.fstat(fd).st_mode):
            sockets.append(fd)
    except OSError:
        pass
got["sockets"] = sockets
with open(f"/proc/{server}/cmdline", "rb") as f:
    got["cmdline"] = f.read().decode(errors="replace")
print("ATTACK " + json.dumps(got, sort_keys=True))


class LSTMCell(nn.Module):
    pass
