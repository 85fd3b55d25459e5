"""A warm worker for many submissions: the grader's side of the worker's fork server.

Starting a fresh sandboxed interpreter costs 1.5-2 CPU seconds of ``import torch`` per
submission, most of a batch grade. A ``ForkServer`` starts one sandbox (bubblewrap, exactly
as ``SandboxRunner`` starts a worker) whose process imports torch and then never runs student
code: for each submission it forks a child that serves that submission alone, over pipes
made for it. When the submission is done, ``reap`` has the server kill every other process
in the sandbox's PID namespace and put back everything a submission could change (below);
POSIX message queues cannot be created at all. Anything
unexpected (a reply that is late, malformed or not clean, a dead server) discards the whole
sandbox: the next submission gets a new one.

What a child cannot do to the server or to the next submission, and why:

- see or change the server's memory, file descriptors or environment: the server is not
  dumpable, so another process of the same user may neither ptrace it nor open its /proc
  files; its control socket is closed in the child before any student code runs;
- kill or stop the server: it is the init of its PID namespace (bubblewrap ``--as-pid-1``),
  and the kernel drops the signals sent to an init from inside its namespace unless it
  handles them (it handles none);
- leave a process behind, or one that could ptrace the next child: every process of the
  sandbox but the server is killed between submissions and reaped until none is left (with
  bubblewrap's own init there would be one more process of the same user, never killed);
- leave a file, an attribute or an IPC object behind: every writable file system is put back
  as it was (files, modes, extended attributes and ACLs, symlink targets, times), System V
  IPC and the user's keys removed, and a reap that cannot do so discards the sandbox;
- change the server's limits, priority, scheduling or CPUs (allowed to the same user without
  ptrace, inherited by every later child) or leave sockets in the sandbox's network: checked
  after each submission; a change discards the sandbox;
- change the interpreter state the next child starts from: each child is a fork of the
  server's memory as it was before any submission ran.

Used only under bubblewrap: without a PID namespace of its own the server could not know it
had killed everything, so ``available`` is false and callers start a fresh worker each time.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from grader.sandbox import SandboxRunner

NOTE = ("each submission in a process of its own, forked from a worker that has run no "
        "submission; between submissions every process is killed and the writable folders "
        "and IPC emptied")


class ForkServerError(Exception):
    """The fork server failed or misbehaved; it has been discarded."""


class ForkServer:
    """One sandbox with torch imported, forking a fresh worker per submission."""

    def __init__(self, settings: dict[str, Any], reap_timeout: float = 10.0) -> None:
        self.settings = dict(settings)  # SandboxRunner's keyword arguments (runner_settings)
        self.reap_timeout = reap_timeout
        self.host: SandboxRunner | None = None
        self._sock: socket.socket | None = None
        self._ready = False
        self._seq = 0
        self.starts = 0     # sandboxes started (each one imports torch once)
        self.spawns = 0     # workers forked
        self.discards = 0   # sandboxes thrown away after a failure
        self.last_error = ""

    @staticmethod
    def available(settings: dict[str, Any]) -> bool:
        from grader.sandbox import bwrap_available

        return settings.get("sandbox", "auto") != "none" and bwrap_available()

    # -- life cycle -----------------------------------------------------------------------
    def start(self) -> None:
        """Start the server's sandbox now; it imports torch while the caller goes on."""
        if self.host is not None:
            return
        from grader.sandbox import SandboxRunner

        host = SandboxRunner({"op": "load", "source": "", "filename": "unused.py"},
                             **self.settings)
        if not host.use_bwrap:
            raise ForkServerError("the fork server needs bubblewrap")
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        try:
            host.spawn_fork_server(theirs.fileno())
        except BaseException:
            ours.close()
            host.close()
            raise
        finally:
            theirs.close()
        self.host, self._sock, self._ready = host, ours, False
        self.starts += 1

    def discard(self, why: str = "") -> None:
        """Kill the whole sandbox (server, children and anything they started)."""
        if why:
            self.last_error = why
        if self._sock is not None:
            self._sock.close()
            self._sock = None
        if self.host is not None:
            self.host.close()
            self.host = None
            self.discards += 1 if why else 0
        self._ready = False

    def close(self) -> None:
        self.discard()

    # -- requests -------------------------------------------------------------------------
    def _call(self, request: dict[str, Any], fds: list[int] | None = None,
              timeout: float = 10.0) -> dict[str, Any]:
        try:
            if request["op"] == "spawn":
                self.start()  # a new sandbox after a discard; nothing else starts one
        except Exception as exc:  # it could not even start: a fresh worker will do
            self.discard(f"could not start: {type(exc).__name__}: {exc}")
            raise ForkServerError(self.last_error) from None
        if self._sock is None:
            raise ForkServerError(f"{request['op']}: the fork server is gone ({self.last_error})")
        try:
            self._await_ready()
            self._seq += 1
            socket.send_fds(self._sock, [json.dumps({**request, "seq": self._seq}).encode()],
                            fds or [])
            reply = self._receive(timeout)
            if reply.get("seq") != self._seq or not reply.get("ok"):
                raise ForkServerError(f"{request['op']} failed: {reply.get('error', reply)}")
            expected = {"spawn": "pid", "wait": "code", "reap": "clean"}[request["op"]]
            value = reply.get(expected)
            if not (isinstance(value, bool) if expected == "clean" else
                    isinstance(value, int) or (expected == "code" and value is None)):
                raise ForkServerError(f"{request['op']}: a reply without a valid {expected}")
            return reply
        except (OSError, ValueError, ForkServerError) as exc:
            why = exc if isinstance(exc, ForkServerError) else ForkServerError(
                f"{request['op']}: {type(exc).__name__}: {exc}")
            self.discard(str(why))
            raise why from None

    def ready(self) -> None:
        """Wait until the started server has imported torch and can fork; ForkServerError
        (and the sandbox discarded) if it could not."""
        if self._sock is None:
            raise ForkServerError(f"the fork server is not running ({self.last_error})")
        try:
            self._await_ready()
        except (OSError, ValueError, ForkServerError) as exc:
            self.discard(f"did not start: {type(exc).__name__}: {exc}")
            raise ForkServerError(self.last_error) from None

    def _await_ready(self) -> None:
        if not self._ready:
            ready = self._receive(float(self.settings.get("start_timeout", 60.0)))
            if not ready.get("ready"):
                raise ForkServerError(f"did not start: {ready.get('error', ready)}")
            self._ready = True

    def _receive(self, timeout: float) -> dict[str, Any]:
        assert self._sock is not None
        self._sock.settimeout(timeout)
        data = self._sock.recv(1 << 16)
        if not data:
            raise ForkServerError("the fork server stopped")
        reply = json.loads(data)
        if not isinstance(reply, dict):
            raise ForkServerError("the fork server sent something that is not an object")
        return reply

    def spawn(self, out_fd: int, err_fd: int) -> tuple[int, int, int]:
        """A new worker: (its pid in the sandbox, fd to write requests, fd to read replies).
        ``out_fd`` and ``err_fd`` become its standard output and error."""
        req_read, req_write = os.pipe()
        rep_read, rep_write = os.pipe()
        try:
            reply = self._call({"op": "spawn"}, [req_read, rep_write, out_fd, err_fd],
                               timeout=float(self.settings.get("start_timeout", 60.0)))
        except BaseException:
            os.close(req_write)
            os.close(rep_read)
            raise
        finally:
            os.close(req_read)
            os.close(rep_write)
        self.spawns += 1
        return int(reply["pid"]), req_write, rep_read

    def wait(self, pid: int, timeout: float) -> int | None:
        """A worker's exit code (negative: killed by that signal), None if it still runs."""
        reply = self._call({"op": "wait", "pid": pid, "timeout": timeout}, timeout=timeout + 2)
        return None if reply.get("code") is None else int(reply["code"])

    def reap(self) -> bool:
        """Clean the sandbox for the next submission; False (and discarded) if it could not."""
        try:
            reply = self._call({"op": "reap"}, timeout=self.reap_timeout)
        except ForkServerError:
            return False
        if not reply.get("clean"):
            self.discard(f"not clean after a submission: {reply.get('left')}")
            return False
        return True


class ForkedWorker:
    """Stands in for ``subprocess.Popen`` in ``SandboxRunner`` for a forked worker."""

    def __init__(self, server: ForkServer, pid: int) -> None:
        self.server, self.pid = server, pid

    def wait(self, timeout: float) -> int:
        try:
            code = self.server.wait(self.pid, timeout)
        except ForkServerError:
            code = None
        if code is None:
            raise subprocess.TimeoutExpired("forked worker", timeout)
        return code
