"""Not hostile: reports what a submission can see of the sandbox (run before and after the
hostile files of this folder, through the same fork server)."""
import json
import os
import stat

from torch import nn

me = os.getpid()
seen = {"processes": sorted(int(p) for p in os.listdir("/proc")
                            if p.isdigit() and int(p) not in (1, me))}
points = set()
with open("/proc/self/mountinfo") as f:
    for line in f:
        point = line.split()[4]
        if not point.startswith(("/proc", "/sys")):
            points.add(point)
for point in sorted(points):
    if not os.path.isdir(point) or not os.access(point, os.W_OK):
        continue
    entries = {}
    dev = os.lstat(point).st_dev
    for root, dirs, files in os.walk(point):
        for name in dirs + files:
            path = os.path.join(root, name)
            st = os.lstat(path)
            entries[path] = stat.filemode(st.st_mode)
        # Mount points are listed, not entered (a virtualenv bound under /tmp, say).
        dirs[:] = [d for d in dirs if os.lstat(os.path.join(root, d)).st_dev == dev]
    entries[point] = stat.filemode(os.lstat(point).st_mode)
    seen[point] = entries
for kind in ("shm", "sem", "msg"):
    with open(f"/proc/sysvipc/{kind}") as f:
        seen[f"sysv_{kind}"] = len(f.read().splitlines()) - 1
print("PROBE " + json.dumps(seen, sort_keys=True))


class LSTMCell(nn.Module):
    pass
