"""Tries to reach the fork server (pid 2 in the sandbox) that forked it: read its memory,
environment and file descriptors, attach to it with ptrace, find its control socket among
its own file descriptors. Prints what worked."""
import ctypes
import json
import os
import stat

from torch import nn

got = {}
for what in ("mem", "environ", "maps"):
    try:
        with open(f"/proc/2/{what}", "rb") as f:
            got[what] = len(f.read(4096))
    except OSError as exc:
        got[what] = f"refused: {exc.strerror}"
# Its descriptor numbers may be listed; none may be opened or followed.
got["fd"] = {}
try:
    numbers = os.listdir("/proc/2/fd")
except OSError:
    numbers = [str(n) for n in range(32)]
for n in numbers:
    try:
        got["fd"][n] = os.readlink(f"/proc/2/fd/{n}")
    except OSError as exc:
        got["fd"][n] = f"refused: {exc.strerror}"
    try:
        os.close(os.open(f"/proc/2/fd/{n}", os.O_RDWR))
        got["fd"][n] += " opened"
    except OSError:
        pass
libc = ctypes.CDLL(None, use_errno=True)
PTRACE_ATTACH = 16
got["ptrace"] = "attached" if libc.ptrace(PTRACE_ATTACH, 2, None, None) == 0 \
    else f"refused errno {ctypes.get_errno()}"
sockets = []
for fd in range(1024):
    try:
        if stat.S_ISSOCK(os.fstat(fd).st_mode):
            sockets.append(fd)
    except OSError:
        pass
got["sockets"] = sockets
with open("/proc/2/cmdline", "rb") as f:
    got["pid2"] = f.read().decode(errors="replace")
print("ATTACK " + json.dumps(got, sort_keys=True))


class LSTMCell(nn.Module):
    pass
