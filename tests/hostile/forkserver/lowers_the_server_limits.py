"""Changes what a process of the same user may change in another without ptrace: the fork
server's resource limits, priority, scheduling policy and CPUs, which every later child
would inherit (a later honest submission would run out of memory or crawl)."""
import json
import os
import resource

from torch import nn

server = next(int(p) for p in os.listdir("/proc") if p.isdigit()
              and b"--fork-server" in open(f"/proc/{p}/cmdline", "rb").read())
done = {}
for what, action in [
    ("RLIMIT_AS", lambda: resource.prlimit(server, resource.RLIMIT_AS, (1 << 28, 1 << 28))),
    ("RLIMIT_NOFILE", lambda: resource.prlimit(server, resource.RLIMIT_NOFILE, (24, 24))),
    ("nice", lambda: os.setpriority(os.PRIO_PROCESS, server, 19)),
    ("cpus", lambda: os.sched_setaffinity(server, {min(os.sched_getaffinity(0))})),
    ("scheduler", lambda: os.sched_setscheduler(server, os.SCHED_IDLE, os.sched_param(0))),
]:
    try:
        action()
        done[what] = "changed"
    except OSError as exc:
        done[what] = exc.strerror
print("LIMITS " + json.dumps(done))


class LSTMCell(nn.Module):
    pass
