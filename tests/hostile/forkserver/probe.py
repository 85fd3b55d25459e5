"""Not hostile: reports what a submission can see of the sandbox (run before and after the
hostile files of this folder, through the same fork server)."""
import json
import os
import stat

import torch
from torch import nn

def describe(path, st):
    """Mode, owner, link target and extended attributes (times change as it is read)."""
    text = f"{stat.filemode(st.st_mode)} {st.st_uid}:{st.st_gid}"
    if stat.S_ISLNK(st.st_mode):
        text += " -> " + os.readlink(path)
    try:
        names = sorted(os.listxattr(path, follow_symlinks=False))
    except OSError:
        names = []
    return text + "".join(f" {n}" for n in names)


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
            entries[path] = describe(path, st)
        # Mount points are listed, not entered (a virtualenv bound under /tmp, say).
        dirs[:] = [d for d in dirs if os.lstat(os.path.join(root, d)).st_dev == dev]
    entries[point] = describe(point, os.lstat(point))
    seen[point] = entries
for kind in ("shm", "sem", "msg"):
    with open(f"/proc/sysvipc/{kind}") as f:
        seen[f"sysv_{kind}"] = len(f.read().splitlines()) - 1
with open("/proc/keys") as f:
    seen["keys"] = sorted(line.split(":", 1)[-1].strip() for line in f
                          if "left_by_a" in line)
# A file made now can be read back (a default ACL left on the folder would forbid it).
try:
    with open(os.path.join(os.environ["HOME"], "probe.txt"), "w") as f:
        f.write("x")
    with open(os.path.join(os.environ["HOME"], "probe.txt")) as f:
        seen["reads back"] = f.read() == "x"
    os.unlink(os.path.join(os.environ["HOME"], "probe.txt"))
except OSError as exc:
    seen["reads back"] = exc.strerror
with open("/proc/net/tcp") as f:
    seen["tcp"] = len(f.read().splitlines()) - 1
REPORT = json.dumps(seen, sort_keys=True)
print("PROBE " + REPORT[:1000])  # for a person reading the output; the test calls Probe


class Probe(nn.Module):
    """Returns the report as numbers (the captured output keeps only 4 KB)."""

    def forward(self):
        return torch.tensor(list(REPORT.encode()), dtype=torch.float64)


class LSTMCell(nn.Module):
    pass
