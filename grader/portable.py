"""What the sandbox does the same way on every OS (Linux, macOS, Windows).

The parent side of a worker's pipes with a deadline on every read and write (threads and
queues: Windows has no ``select`` on pipes), the capture of what the submission prints
(head and tail kept, the rest refused past a limit), and the kill of a worker's whole
process tree (psutil). The Linux hardening in ``grader.sandbox`` (bubblewrap, resource
limits, a user change, a pids cgroup, the fork server) is layered on top of these.

Nothing here imports a POSIX-only module.
"""

from __future__ import annotations

import os
import queue
import signal
import sys
import threading
import time
from collections.abc import Callable

# Whether the Linux layers (bubblewrap, /proc, cgroups, prctl) may be used. A module value so
# that the platform-simulation tests (tests/platform_sim.py) can turn them off on Linux.
LINUX = sys.platform.startswith("linux")


class ChannelTimeout(Exception):
    """The worker did not read a request, or answer it, before the deadline."""


class Channel:
    """Both pipes to one worker, each served by a thread of its own.

    The reader thread reads ahead at most ``ahead`` chunks (so a worker that floods the pipe
    cannot fill this process's memory); the writer thread writes whole messages, so a worker
    that stops reading (and shrinks its pipe) blocks that thread, never the grader. Each
    thread closes its own file descriptor when it ends: closing one another thread is
    blocked on could hand its number to an unrelated file.
    """

    _CHUNK = 1 << 20

    def __init__(self, read_fd: int, write_fd: int, ahead: int = 8) -> None:
        self._chunks: queue.Queue[bytes] = queue.Queue(maxsize=ahead)
        self._pending = b""
        self._eof = False
        self._closed = threading.Event()
        self._writes: queue.Queue[tuple[bytes, queue.Queue[BaseException | None]] | None] = \
            queue.Queue()
        threading.Thread(target=self._read_loop, args=(read_fd,), daemon=True,
                         name="lstm-grader-reader").start()
        threading.Thread(target=self._write_loop, args=(write_fd,), daemon=True,
                         name="lstm-grader-writer").start()

    def _read_loop(self, fd: int) -> None:
        try:
            while True:
                try:
                    data = os.read(fd, self._CHUNK)
                except OSError:
                    data = b""
                while True:  # a full queue: wait for the grader, or for close()
                    try:
                        self._chunks.put(data, timeout=0.2)
                        break
                    except queue.Full:
                        if self._closed.is_set():
                            return
                if not data:
                    return
        finally:
            os.close(fd)

    def _write_loop(self, fd: int) -> None:
        try:
            while True:
                item = self._writes.get()
                if item is None:
                    return
                data, done = item
                view = memoryview(data)
                try:
                    while view:
                        view = view[os.write(fd, view):]
                    done.put(None)
                except OSError as exc:
                    done.put(exc)
        finally:
            os.close(fd)

    def write(self, data: bytes, deadline: float) -> None:
        """Hand ``data`` to the worker; ChannelTimeout if it has not taken it all by
        ``deadline``, OSError (BrokenPipeError) if it is gone."""
        done: queue.Queue[BaseException | None] = queue.Queue()
        self._writes.put((data, done))
        try:
            error = done.get(timeout=max(0.0, deadline - time.monotonic()))
        except queue.Empty:
            raise ChannelTimeout("the worker did not read its request") from None
        if error is not None:
            raise error

    def read_exact(self, n: int, deadline: float) -> bytes:
        """Exactly ``n`` bytes; EOFError if the worker closed its end first, ChannelTimeout
        past ``deadline``."""
        parts, have = [], 0
        while have < n:
            if not self._pending:
                if self._eof:
                    raise EOFError("the worker closed the connection")
                try:
                    chunk = self._chunks.get(timeout=max(0.0, deadline - time.monotonic()))
                except queue.Empty:
                    raise ChannelTimeout("no complete reply before the deadline") from None
                if not chunk:
                    self._eof = True
                    continue
                self._pending = chunk
            take = self._pending[:n - have]
            self._pending = self._pending[len(take):]
            parts.append(take)
            have += len(take)
        return b"".join(parts)

    def close(self) -> None:
        """Close the requests pipe (a healthy worker exits on it) and let the reader go.
        The process must be killed too: a reader blocked on a live worker stays blocked."""
        self._closed.set()
        self._writes.put(None)


class OutputCapture:
    """Drains a pipe carrying what the submission prints (stdout and stderr together),
    keeping its first and last ``keep`` bytes. Past ``limit`` bytes the pipe is closed, so
    the submission's next write fails (BrokenPipeError) instead of flooding on."""

    def __init__(self, fd: int, keep: int = 4000, limit: int = 64 << 20) -> None:
        self.keep, self.limit = keep, limit
        self.head = b""
        self.tail = b""
        self.total = 0
        self.refused = False
        self._lock = threading.Lock()
        self._done = threading.Event()
        threading.Thread(target=self._drain, args=(fd,), daemon=True,
                         name="lstm-grader-output").start()

    def _drain(self, fd: int) -> None:
        try:
            while True:
                try:
                    data = os.read(fd, 1 << 16)
                except OSError:
                    return
                if not data:
                    return
                with self._lock:
                    self.total += len(data)
                    if len(self.head) < self.keep:
                        room = self.keep - len(self.head)
                        self.head += data[:room]
                        data = data[room:]
                    self.tail = (self.tail + data)[-self.keep:]
                    if self.total > self.limit:
                        self.refused = True
                        return
        finally:
            os.close(fd)
            self._done.set()

    def wait(self, timeout: float) -> None:
        """Give the drain ``timeout`` seconds to reach the end of the output."""
        self._done.wait(timeout)

    def text(self) -> str:
        with self._lock:
            dropped = self.total - len(self.head) - len(self.tail)
            text = self.head.decode(errors="replace")
            if dropped > 0:
                text += f"\n[… {dropped} bytes dropped …]\n"
            text += self.tail.decode(errors="replace")
            if self.refused:
                text += f"\n[output refused past {self.limit >> 20} MiB]\n"
        return text

    def last(self, limit: int = 2000) -> str:
        with self._lock:
            data = (self.head + self.tail if self.total <= 2 * self.keep else self.tail)
        return data[-limit:].decode(errors="replace").strip()


def kill_tree(pid: int, token: str = "", group: int | None = None,
              also: Callable[[], object] | None = None) -> None:
    """Kill ``pid``, every process descending from it and, when ``token`` is given, every
    process whose environment carries ``LSTM_GRADER_WORKER=token`` (a child that detached
    leaves the tree, not the marker). ``group``: a POSIX process group killed too. ``also``:
    a platform-specific sweep (a cgroup) run between the rounds."""
    import psutil

    marker = f"LSTM_GRADER_WORKER={token}"
    for _round in range(20):
        victims: list[psutil.Process] = []
        try:
            root = psutil.Process(pid)
            victims = [*root.children(recursive=True), root]
        except psutil.Error:
            pass
        if token:
            victims += _marked(marker)
        if group is not None and hasattr(os, "killpg"):
            try:
                os.killpg(group, signal.SIGKILL)
            except OSError:
                pass
        if also is not None:
            also()
        alive = []
        for proc in victims:
            try:
                if proc.status() != psutil.STATUS_ZOMBIE:
                    proc.kill()
                    alive.append(proc)
            except psutil.Error:
                pass
        if not alive:
            return
        # Not psutil.wait_procs: it would reap the worker, whose exit status its Popen needs.
        deadline = time.monotonic() + 0.5
        while alive and time.monotonic() < deadline:
            time.sleep(0.01)
            alive = [p for p in alive if _running(p)]


def _running(proc: object) -> bool:
    import psutil

    assert isinstance(proc, psutil.Process)
    try:
        return proc.status() != psutil.STATUS_ZOMBIE
    except psutil.Error:
        return False


def _marked(marker: str) -> list[object]:
    import psutil

    found = []
    key, _, value = marker.partition("=")
    for proc in psutil.process_iter():
        try:
            if proc.environ().get(key) == value:
                found.append(proc)
        except psutil.Error:
            pass
    return found


def euid() -> int | None:
    """This process's effective user id; None where there is none (Windows)."""
    geteuid = getattr(os, "geteuid", None)
    return geteuid() if geteuid is not None else None
