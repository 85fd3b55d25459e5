"""Tries to kill the fork server that forked it (found by its command line) with every
signal that ends a process, and to stop it."""
import json
import os
import signal

from torch import nn

server = next(int(p) for p in os.listdir("/proc") if p.isdigit()
              and b"--fork-server" in open(f"/proc/{p}/cmdline", "rb").read())
sent = {}
for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGQUIT, signal.SIGUSR1,
            signal.SIGALRM, signal.SIGKILL, signal.SIGSTOP, signal.SIGTSTP):
    try:
        os.kill(server, sig)
        sent[sig.name] = "sent"
    except OSError as exc:
        sent[sig.name] = exc.strerror
print("KILL " + json.dumps({"server_pid": server, **sent}))


class LSTMCell(nn.Module):
    pass
