"""Containment without bubblewrap: a user of its own for every worker, and a sweep after it.

Without bubblewrap (most Docker autograder images, Colab, many laptops) the worker would run
with the grader's own privileges. As root the grader instead runs each worker under a user
id of its own, picked from a high range no account uses and held by a lock for as long as
the worker lives, so:

- the submission cannot write the grader's files, read ``/etc/shadow`` or the grader's
  environment, or signal the grader or another submission's worker (a batch slot runs
  under a user of its own: a classmate's worker is another user);
- ``RLIMIT_NPROC`` caps the processes of that user, and a kill by user reaches every
  process the submission left, however it detached (new session, empty environment);
- after the worker, ``sweep`` removes what that user left: its processes, its files in
  ``/tmp``, ``/var/tmp``, ``/dev/shm`` (and ``/dev/mqueue`` where mounted), its System V
  IPC objects. POSIX message queues cannot be created at all (``RLIMIT_MSGQUEUE`` 0);
- the grader's own folders and, in a batch, the class folder, the CSV and the results are
  closed to the workers by a POSIX ACL entry that denies a group every worker belongs to
  (``deny``), so no file's owner, mode or content changes.

The user must be able to run the interpreter. A Python under ``/root`` (pyenv, a venv
there) is not readable by other users: the worker then reaches the interpreter's folders
through directory descriptors the grader opens for it (``/proc/self/fd/N``), which show it
those folders' own tree and nothing else of ``/root``. Where even that is not safe, ``grade``
and ``batch`` refuse (``ConfigError``, saying why and what to do); ``check`` runs the
submission as the student and says so.

Linux only: imported by the sandbox's fallback path as root, never on other platforms.
"""

from __future__ import annotations

import ctypes
import fcntl
import os
import platform
import pwd
import random
import resource
import signal
import site
import stat
import struct
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

# Worker users: far above any account or container's subordinate range start; never
# nobody (65534), whose processes belong to other programs.
UID_FIRST, UID_LAST = 3_100_000, 3_899_999
# The group every worker user also belongs to; the ACL entries that close folders name it.
GROUP = 3_099_999
SWEPT = ("/tmp", "/var/tmp", "/dev/shm", "/dev/mqueue")
_LOCKS = Path("/run/lstm-grader-uids")


class Refused(Exception):
    """No unprivileged user can run the interpreter here; the message says why."""


# -- users --------------------------------------------------------------------------------
def _uids_in_use() -> set[int]:
    """Users of running processes (real, effective, saved and file-system ids)."""
    used: set[int] = set()
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/status") as f:
                for line in f:
                    if line.startswith("Uid:"):
                        used.update(int(v) for v in line.split()[1:])
                        break
        except OSError:
            continue
    return used


def _pids_of(uid: int) -> list[int]:
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/status") as f:
                for line in f:
                    if line.startswith("Uid:"):
                        if uid in (int(v) for v in line.split()[1:]):
                            found.append(int(entry))
                        break
        except OSError:
            continue
    return found


def _lock_dir() -> Path:
    """A folder only root can write, holding one lock file per worker user in use."""
    try:
        _LOCKS.mkdir(mode=0o700, exist_ok=True)
    except FileExistsError:
        pass
    st = os.lstat(_LOCKS)
    if not stat.S_ISDIR(st.st_mode) or st.st_uid != 0 or st.st_mode & 0o022:
        raise Refused(f"{_LOCKS} is not a folder that only root can write")
    return _LOCKS


@dataclass
class WorkerUser:
    """A user id held for one worker (``acquire``) until ``release``."""

    uid: int
    lock_fd: int = field(repr=False)

    @property
    def gid(self) -> int:
        return self.uid  # a private group: files it creates are its alone

    @classmethod
    def acquire(cls) -> WorkerUser:
        """An unused user: no account, no group, no process, no other grader's lock."""
        folder = _lock_dir()
        busy = _uids_in_use()
        rng = random.SystemRandom()
        for _ in range(200):
            uid = rng.randint(UID_FIRST, UID_LAST)
            if uid in busy or _account_exists(uid):
                continue
            path = folder / str(uid)
            fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                os.close(fd)
                continue
            # Checked again under the lock: a process that appeared since.
            if _pids_of(uid):
                os.close(fd)
                continue
            return cls(uid, fd)
        raise Refused("no unused user id was found for the worker")

    def release(self) -> None:
        """Give the user back (after ``sweep``)."""
        if self.lock_fd >= 0:
            try:
                os.unlink(_LOCKS / str(self.uid))
            except OSError:
                pass
            os.close(self.lock_fd)
            self.lock_fd = -1

    def become(self, max_processes: int) -> None:
        """In the worker between fork and exec (still root): cap the user's processes and
        become it, in its own group and the workers' group. Nothing here may import: the
        interpreter's files may be closed to the user it becomes."""
        resource.setrlimit(resource.RLIMIT_NPROC, (max_processes, max_processes))
        os.setgroups([GROUP])
        os.setgid(self.gid)
        os.setuid(self.uid)
        os.umask(0o077)  # what an honest worker writes stays its own
        install_filter()

    def sweep(self) -> list[str]:
        """Remove everything the user left; what could not be removed (none: clean)."""
        return sweep(self.uid)


def _account_exists(uid: int) -> bool:
    import grp

    for lookup in (pwd.getpwuid, grp.getgrgid):
        try:
            lookup(uid)
            return True
        except KeyError:
            pass
    return False


# -- the sweep ------------------------------------------------------------------------------
def sweep(uid: int) -> list[str]:
    """Kill every process of ``uid``, remove its files in the shared writable folders and
    its System V IPC objects. Returns what is left (empty when clean)."""
    if not UID_FIRST <= uid <= UID_LAST:  # a guard: never anyone else's processes or files
        raise ValueError(f"refusing to sweep user {uid}: not a worker user")
    left = []
    if not _kill_all(uid):
        left.append(f"processes of user {uid}: {_pids_of(uid)[:10]}")
    for top in SWEPT:
        left += _remove_files(Path(top), uid)
    left += _remove_ipc(uid)
    return left


def _kill_all(uid: int, timeout: float = 5.0) -> bool:
    deadline = time.monotonic() + timeout
    while True:
        pids = _pids_of(uid)
        if not pids:
            return True
        if time.monotonic() > deadline:
            return False
        # kill -9 -1 run as that user reaches all its processes at once (not one by one
        # while a fork bomb makes more); then every one seen, from here.
        try:
            subprocess.run(["kill", "-9", "-1"], user=uid, group=uid, extra_groups=[],
                           env={"PATH": "/usr/bin:/bin"}, stdin=subprocess.DEVNULL,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=5,
                           cwd="/")
        except (OSError, subprocess.SubprocessError):
            pass
        for pid in pids:
            try:
                os.kill(pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
        time.sleep(0.01)


def _remove_files(top: Path, uid: int) -> list[str]:
    """Remove what ``uid`` owns under ``top`` (one file system; folders the worker could not
    enter are skipped: it cannot have written there)."""
    try:
        dev = os.lstat(top).st_dev
    except OSError:
        return []
    left = []
    stack = [top]
    while stack:
        folder = stack.pop()
        try:
            entries = list(os.scandir(folder))
        except OSError:
            continue
        for entry in entries:
            try:
                st = entry.stat(follow_symlinks=False)
            except OSError:
                continue
            if st.st_uid == uid:
                try:
                    _remove_tree(entry.path, st)
                except OSError as exc:
                    left.append(f"{entry.path}: {exc}")
            elif stat.S_ISDIR(st.st_mode) and st.st_dev == dev and st.st_mode & 0o001:
                stack.append(Path(entry.path))
    return left


def _remove_tree(path: str, st: os.stat_result) -> None:
    if not stat.S_ISDIR(st.st_mode):
        os.unlink(path)
        return
    os.chmod(path, 0o700)  # it may have taken its own rights away
    for entry in os.scandir(path):
        _remove_tree(entry.path, entry.stat(follow_symlinks=False))
    os.rmdir(path)


_IPC = {"shm": ("shmctl", (0, None)), "sem": ("semctl", (0, 0)), "msg": ("msgctl", (0, None))}


def _remove_ipc(uid: int) -> list[str]:
    libc = ctypes.CDLL(None, use_errno=True)
    left = []
    for kind, (call, args) in _IPC.items():
        for _ in range(3):
            ids = _ipc_ids(kind, uid)
            if not ids:
                break
            for ident in ids:
                if kind == "sem":  # semctl(id, 0, IPC_RMID)
                    libc.semctl(ident, 0, 0)
                else:              # shmctl/msgctl(id, IPC_RMID, NULL)
                    getattr(libc, call)(ident, *args)
        if _ipc_ids(kind, uid):
            left.append(f"System V {kind} objects of user {uid}")
    return left


def _ipc_ids(kind: str, uid: int) -> list[int]:
    """Ids of the System V objects of ``kind`` that ``uid`` owns or created."""
    try:
        with open(f"/proc/sysvipc/{kind}") as f:
            header, *rows = f.read().splitlines()
    except OSError:
        return []
    names = header.split()
    found = []
    for row in rows:
        values = dict(zip(names, row.split(), strict=False))
        if str(uid) in (values.get("uid"), values.get("cuid")):
            found.append(int(values[names[1]]))  # shmid, semid or msqid
    return found


# -- folders closed to the workers ----------------------------------------------------------
_ACL = "system.posix_acl_access"
_USER_OBJ, _USER, _GROUP_OBJ, _GROUP, _MASK, _OTHER = 0x01, 0x02, 0x04, 0x08, 0x10, 0x20
_NO_ID = 0xFFFFFFFF


def _read_acl(path: str) -> list[tuple[int, int, int]] | None:
    try:
        raw = os.getxattr(path, _ACL, follow_symlinks=False)
    except OSError:
        return None
    return [struct.unpack_from("<HHI", raw, 4 + 8 * i) for i in range((len(raw) - 4) // 8)]


def _write_acl(path: str, entries: list[tuple[int, int, int]]) -> None:
    entries = sorted(entries, key=lambda e: (e[0], e[2] if e[0] in (_USER, _GROUP) else 0))
    raw = struct.pack("<I", 2) + b"".join(struct.pack("<HHI", *e) for e in entries)
    os.setxattr(path, _ACL, raw, follow_symlinks=False)


def deny(paths: tuple[str, ...] | list[str]) -> list[str]:
    """Close ``paths`` to every worker (an ACL entry: group ``GROUP``, no rights). Owners,
    modes and contents stay as they were. Returns the paths that could not be closed."""
    failed = []
    for path in dict.fromkeys(paths):
        try:
            st = os.lstat(path)
            if stat.S_ISLNK(st.st_mode):
                continue
            entries = _read_acl(path)
            if entries is None:  # no ACL yet: the mode's three entries, and a mask
                mode = stat.S_IMODE(st.st_mode)
                entries = [(_USER_OBJ, (mode >> 6) & 7, _NO_ID),
                           (_GROUP_OBJ, (mode >> 3) & 7, _NO_ID),
                           (_OTHER, mode & 7, _NO_ID), (_MASK, (mode >> 3) & 7, _NO_ID)]
            if (_GROUP, 0, GROUP) in entries:
                continue
            if not any(e[0] == _MASK for e in entries):  # a named entry needs a mask
                group = next(e[1] for e in entries if e[0] == _GROUP_OBJ)
                entries.append((_MASK, group, _NO_ID))
            _write_acl(path, [*entries, (_GROUP, 0, GROUP)])
        except FileNotFoundError:
            continue
        except OSError:
            failed.append(path)
    return failed


def denied(path: str) -> bool:
    """Whether ``deny`` has closed ``path``."""
    entries = _read_acl(path)
    return entries is not None and any(e[0] == _GROUP and e[2] == GROUP for e in entries)


def undeny(paths: tuple[str, ...] | list[str]) -> None:
    """Take ``deny``'s entry away again (the ACL as it was before, or none)."""
    for path in dict.fromkeys(paths):
        entries = _read_acl(path)
        if entries is None or not any(e[0] == _GROUP and e[2] == GROUP for e in entries):
            continue
        rest = [e for e in entries if not (e[0] == _GROUP and e[2] == GROUP)]
        try:
            if not any(e[0] in (_USER, _GROUP) for e in rest):
                # Only the mode's entries left: no ACL at all, the group bits as they were.
                group = next(e[1] for e in rest if e[0] == _GROUP_OBJ)
                mode = stat.S_IMODE(os.lstat(path).st_mode)
                os.removexattr(path, _ACL, follow_symlinks=False)
                os.chmod(path, (mode & ~0o070) | (group << 3))
            else:
                _write_acl(path, rest)
        except OSError:
            pass


# -- running the interpreter --------------------------------------------------------------
@dataclass(frozen=True)
class Launch:
    """How a worker user starts the interpreter: the command's start, the environment it
    needs and the descriptors to keep open in it."""

    argv: tuple[str, ...]
    env: tuple[tuple[str, str], ...] = ()
    fds: tuple[int, ...] = ()
    note: str = ""  # for the isolation line


def _reachable_by_others(path: Path) -> bool:
    """Whether a user with no special rights can enter ``path`` (mode bits, every folder)."""
    for folder in (path, *path.parents):
        try:
            if not os.stat(folder).st_mode & 0o001:
                return False
        except OSError:
            return False
    return True


def _blocking(path: Path) -> Path | None:
    """The folder nearest ``path`` (itself or an ancestor) that others cannot enter."""
    for folder in (path, *path.parents):
        if not os.stat(folder).st_mode & 0o001:
            return folder
    return None


def _homes() -> set[Path]:
    return {Path(p.pw_dir) for p in pwd.getpwall() if p.pw_dir}


def _launch(protected: list[Path]) -> Launch:
    """The interpreter as a worker user can start it; ``Refused`` when it cannot safely."""
    exe = Path(sys.executable).resolve()
    sitedirs = [Path(p).resolve() for p in site.getsitepackages() if Path(p).is_dir()]
    needed = [Path(sys.executable).absolute().parent, Path(sys.prefix), exe.parent,
              Path(sys.base_prefix).resolve(), *sitedirs]
    if all(_reachable_by_others(p) for p in needed):
        return Launch((sys.executable, "-I"))
    # Through directory descriptors: what the worker then reaches is the tree of the folder
    # just below the one that blocks others (e.g. /root/.pyenv under /root), nothing else.
    home = Path(sys.base_prefix).resolve()
    if not exe.is_relative_to(home):
        raise Refused(f"the interpreter {exe} lies outside its prefix {home}")
    homes = _homes()
    fds: list[int] = []
    paths: dict[Path, str] = {}
    for folder in (home, *sitedirs):
        if _reachable_by_others(folder):
            paths[folder] = str(folder)
            continue
        block = _blocking(folder)
        assert block is not None
        shown = folder if block == folder else next(
            p for p in (folder, *folder.parents) if p.parent == block)
        unsafe = [p for p in protected if p == shown or p.is_relative_to(shown)
                  or shown.is_relative_to(p)]
        if shown in homes or shown == Path("/") or unsafe:
            for fd in fds:
                os.close(fd)
            what = f"it holds {unsafe[0]}" if unsafe else "it is a home folder"
            raise Refused(f"the interpreter's folder {folder} is closed to other users "
                          f"behind {block}, and opening {shown} to the worker is not safe "
                          f"({what})")
        fd = os.open(folder, os.O_PATH | os.O_DIRECTORY | os.O_CLOEXEC)
        fds.append(fd)
        paths[folder] = f"/proc/self/fd/{fd}"
    python = f"{paths[home]}/{exe.relative_to(home)}"
    # -s -P: -I without -E (PYTHONHOME and PYTHONPATH are needed; the environment is the
    # grader's own, scrubbed). PYTHONPATH: the site folders (no .pth: the grader's editable
    # install stays out).
    flags = ["-s", "-P"] if sys.version_info >= (3, 11) else ["-s"]
    env = (("PYTHONHOME", paths[home]),
           ("PYTHONPATH", ":".join(paths[p] for p in sitedirs)),
           ("PYTHONNOUSERSITE", "1"))
    shown_dirs = sorted({str(_blocking(f)) for f in (home, *sitedirs)
                         if not _reachable_by_others(f)})
    return Launch((python, *flags), env, tuple(fds),
                  note=f"interpreter reached through folder descriptors (behind "
                       f"{', '.join(shown_dirs)})")


_launch_cache: Launch | Refused | None = None


def launch(protected: list[Path]) -> Launch:
    """``_launch``, probed once per process: a worker user must import torch with it."""
    global _launch_cache
    if _launch_cache is None:
        try:
            found = _launch(protected)
            _probe(found)
            _launch_cache = found
        except Refused as exc:
            _launch_cache = exc
    if isinstance(_launch_cache, Refused):
        raise _launch_cache
    return _launch_cache


def _probe(found: Launch) -> None:
    user = WorkerUser.acquire()
    try:
        probe = subprocess.run(
            [*found.argv, "-c", "import torch"], env={"PATH": "/usr/bin:/bin", **dict(
                found.env)}, pass_fds=found.fds, cwd="/", capture_output=True, timeout=120,
            preexec_fn=lambda: user.become(64))
        ok = probe.returncode == 0
        why = probe.stderr.decode(errors="replace").strip().splitlines()[-1:] or [""]
    except (OSError, subprocess.SubprocessError) as exc:
        ok, why = False, [str(exc)]
    finally:
        sweep(user.uid)
        user.release()
    if not ok:
        raise Refused(f"a user without privileges cannot run {sys.executable} with torch "
                      f"({why[0][:200]})")


# -- seccomp --------------------------------------------------------------------------------
# No maintained Python binding of libseccomp exists for an interpreter that is not the
# system's (Debian's python3-seccomp serves /usr/bin/python3 only; pyseccomp's last release
# is from 2021), so the filter is a few classic BPF instructions loaded with prctl. It fails
# what no LSTM needs with EPERM: sockets other than AF_UNIX, ptrace and reading or writing
# another process's memory, mounts and new namespaces, the kernel keyrings, BPF, perf
# events, loading a kernel; and every system call of another ABI (32-bit x86 through int
# 0x80, x32), which would skip the checks by number. Signals to other users' processes need
# no filter: the worker's own user may not send them.
_AUDIT_ARCH = {"x86_64": 0xC000003E, "aarch64": 0xC00000B7}
_X32_BIT = 0x40000000
_BLOCKED = {  # system call numbers per architecture
    "x86_64": {"ptrace": 101, "process_vm_readv": 310, "process_vm_writev": 311,
               "mount": 165, "umount2": 166, "pivot_root": 155, "unshare": 272, "setns": 308,
               "open_tree": 428, "move_mount": 429, "fsopen": 430, "fsconfig": 431,
               "fsmount": 432, "fspick": 433, "mount_setattr": 442, "add_key": 248,
               "request_key": 249, "keyctl": 250, "bpf": 321, "perf_event_open": 298,
               "kexec_load": 246, "kexec_file_load": 320},
    "aarch64": {"ptrace": 117, "process_vm_readv": 270, "process_vm_writev": 271,
                "mount": 40, "umount2": 39, "pivot_root": 41, "unshare": 97, "setns": 268,
                "open_tree": 428, "move_mount": 429, "fsopen": 430, "fsconfig": 431,
                "fsmount": 432, "fspick": 433, "mount_setattr": 442, "add_key": 217,
                "request_key": 218, "keyctl": 219, "bpf": 280, "perf_event_open": 241,
                "kexec_load": 104, "kexec_file_load": 294},
}
_SOCKET = {"x86_64": 41, "aarch64": 198}
_AF_UNIX = 1
_EPERM = 1


_MACHINE = platform.machine()  # looked up now: after the user change nothing may import


def _machine() -> str:
    return _MACHINE


def filter_available() -> bool:
    return sys.platform.startswith("linux") and _machine() in _BLOCKED


def _program() -> list[tuple[int, int, int, int]]:
    """The filter as (code, jump if true, jump if false, constant) instructions; a jump
    skips that many instructions."""
    machine = _machine()
    ld_w_abs, jeq_k, jge_k, ret_k = 0x20, 0x15, 0x35, 0x06
    allow, deny = 0x7FFF0000, 0x00050000 | _EPERM  # SECCOMP_RET_ALLOW, RET_ERRNO | EPERM
    blocked = sorted(_BLOCKED[machine].values())
    socket_at = 5 + len(blocked)
    refuse = socket_at + 5  # the last instruction

    def to_refuse(i: int) -> int:
        return refuse - i - 1

    prog = [(ld_w_abs, 0, 0, 4),                     # 0: A = arch
            (jeq_k, 1, 0, _AUDIT_ARCH[machine]),     # 1: this ABI: on at 3
            (ret_k, 0, 0, deny),                     # 2: another ABI (int 0x80...): refused
            (ld_w_abs, 0, 0, 0),                     # 3: A = system call number
            (jge_k, to_refuse(4), 0, _X32_BIT)]      # 4: x32: refused
    prog += [(jeq_k, to_refuse(5 + k), 0, number) for k, number in enumerate(blocked)]
    prog += [(jeq_k, 1, 0, _SOCKET[machine]),        # socket(): look at its domain
             (ret_k, 0, 0, allow),                   # anything else: allowed
             (ld_w_abs, 0, 0, 16),                   # A = args[0], low word (the domain)
             (jeq_k, 0, 1, _AF_UNIX),
             (ret_k, 0, 0, allow),                   # AF_UNIX: allowed
             (ret_k, 0, 0, deny)]                    # refuse: EPERM
    assert len(prog) == refuse + 1
    return prog


def install_filter() -> None:
    """Load the filter into this process (between fork and exec: it holds across exec and
    for every process it starts). A machine it does not know gets none."""
    if not filter_available():
        return

    class Filter(ctypes.Structure):
        _fields_ = [("code", ctypes.c_ushort), ("jt", ctypes.c_ubyte),
                    ("jf", ctypes.c_ubyte), ("k", ctypes.c_uint32)]

    class Program(ctypes.Structure):
        _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.POINTER(Filter))]

    prog = _program()
    array = (Filter * len(prog))(*(Filter(*ins) for ins in prog))
    fprog = Program(len(prog), array)
    libc = ctypes.CDLL(None, use_errno=True)
    pr_set_no_new_privs, pr_set_seccomp, seccomp_mode_filter = 38, 22, 2
    if libc.prctl(pr_set_no_new_privs, 1, 0, 0, 0) != 0 or libc.prctl(
            pr_set_seccomp, seccomp_mode_filter, ctypes.byref(fprog), 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "could not load the seccomp filter")
