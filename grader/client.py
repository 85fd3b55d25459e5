"""Typed requests to the worker: build, set parameters, call (with or without backward).

Everything returned is data the grader checks: shapes, structure and tensors are validated
here before any comparison, so a reply of the wrong shape is a clear failure, never a crash.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import torch
from torch import Tensor

from grader.errors import NotRunAgain, WorkerGarbage, WorkerTimeout
from grader.layout import ParamInfo
from grader.sandbox import REPLY_FACTOR, Runner

# What a reply without tensors may take (a header with a traceback, timings, a parameter list).
_HEADER_ROOM = 1 << 20


def _reply_cap(sent: dict[str, Tensor], param_count: int) -> int:
    """The most bytes a call's reply can legitimately take: outputs up to REPLY_FACTOR times
    the inputs, the gradients and values of the inputs and parameters, in float64 at most."""
    numel = sum(t.numel() for t in sent.values()) + param_count
    return _HEADER_ROOM + 8 * REPLY_FACTOR * numel


@dataclass
class StudentModel:
    class_name: str
    params: list[ParamInfo]
    requires_grad: dict[str, bool]
    unregistered: list[ParamInfo]
    submodules: list[str]
    instance: str = "m"

    @property
    def param_count(self) -> int:
        total = 0
        for p in self.params:
            n = 1
            for s in p.shape:
                n *= s
            total += n
        return total


@dataclass
class CallResult:
    structure: Any
    outputs: list[Tensor]
    out_requires_grad: list[bool]
    grads: dict[str, Tensor] = field(default_factory=dict)        # "x", "param:<name>"
    grad_none: list[str] = field(default_factory=list)
    after: dict[str, Tensor] = field(default_factory=dict)
    ops: list[str] = field(default_factory=list)
    detached: bool = False
    backward_error: str = ""


@dataclass
class Timing:
    """Raw speed measurements, taken by the grader from outside the workers: seconds per
    call, one number per timed block."""

    times: dict[str, dict[str, list[float]]]  # phase -> "reference" / "student" -> blocks
    rounds: int
    hardware: dict[str, Any]
    number: dict[str, int] = field(default_factory=dict)  # calls per block
    elapsed_s: float = 0.0
    # The same blocks in CPU seconds of each worker's process tree, from the kernel's
    # accounting (CPU timing on Linux only; None on a GPU).
    cpu_times: dict[str, dict[str, list[float]]] | None = None
    # Whether the timed calls' results were compared with the reference (and matched).
    verified: bool = False


# Requests that run the student's forward (and so may hang in it).
_FORWARD_OPS = ("call", "jacobian", "speed_run")
FORWARD_TIMEOUTS = 2  # after this many, forward is not called again for this submission


@dataclass
class Budget:
    """One submission's time: a wall-clock deadline (``time.monotonic``) that no request
    may run past, and the count of its forward calls that timed out."""

    deadline: float
    forward_timeouts: int = 0
    first_timeout: str = ""


class Client:
    def __init__(self, runner: Runner, timeout: float | None = None,
                 budget: Budget | None = None) -> None:
        self.runner = runner
        self.timeout = timeout
        self.budget = budget

    def _ask(self, header: dict[str, Any], tensors: dict[str, Tensor] | None,
             timeout: float | None, max_reply: int | None = None
             ) -> tuple[dict[str, Any], dict[str, Tensor]]:
        """``runner.request`` within the budget: a request never outlives the deadline, and
        once forward has timed out ``FORWARD_TIMEOUTS`` times it is not called again."""
        budget = self.budget
        if budget is None:
            return self.runner.request(header, tensors, timeout, max_reply)
        import time

        forward = header.get("op") in _FORWARD_OPS
        if forward and budget.forward_timeouts >= FORWARD_TIMEOUTS:
            raise NotRunAgain(f"not run: your forward already timed out "
                              f"{budget.forward_timeouts} times ({budget.first_timeout}), "
                              f"so it is not called again")
        left = budget.deadline - time.monotonic()
        if left <= 0:
            raise NotRunAgain("not run: the time for grading this submission is used up")
        limit = min(timeout or self.timeout or 30.0, left)
        try:
            return self.runner.request(header, tensors, limit, max_reply)
        except WorkerTimeout as exc:
            if forward:
                budget.forward_timeouts += 1
                budget.first_timeout = budget.first_timeout or str(exc)
            raise

    def build(self, class_name: str, args: list[Any], dtype: torch.dtype, seed: int = 0,
              instance: str = "m") -> StudentModel:
        reply, _ = self._ask(  # no tensors come back: a header's room
            {"op": "build", "class": class_name, "args": args, "instance": instance,
             "dtype": str(dtype).removeprefix("torch."), "seed": seed}, None, self.timeout,
            _HEADER_ROOM)
        try:
            params = [ParamInfo(str(p["name"]), tuple(int(s) for s in p["shape"]))
                      for p in reply["params"]]
            grads = {str(p["name"]): bool(p["requires_grad"]) for p in reply["params"]}
            unregistered = [ParamInfo(str(p["name"]), tuple(int(s) for s in p["shape"]))
                            for p in reply.get("unregistered", [])]
            submodules = [str(s) for s in reply.get("submodules", [])]
        except (KeyError, TypeError, ValueError) as exc:
            raise WorkerGarbage(f"malformed build reply: {exc}") from None
        return StudentModel(class_name, params, grads, unregistered, submodules, instance)

    def set_params(self, model: StudentModel, values: dict[str, Tensor]) -> None:
        self._ask({"op": "set_params", "instance": model.instance}, values,
                            self.timeout, _HEADER_ROOM)

    def jacobian(self, model: StudentModel, args: list[Any], inputs: dict[str, Tensor],
                 params: dict[str, Tensor]) -> tuple[Tensor, Tensor]:
        """(d outputs / d parameters, outputs) with ``params`` loaded first; float64."""
        tensors = dict(inputs)
        tensors.update({f"param:{k}": v for k, v in params.items()})
        # Outputs as large as REPLY_FACTOR times the inputs, each with a row of parameters.
        n_outputs = REPLY_FACTOR * sum(t.numel() for t in inputs.values())
        _, out = self._ask({"op": "jacobian", "instance": model.instance,
                                      "args": args}, tensors, self.timeout,
                                     _HEADER_ROOM + 8 * n_outputs * (model.param_count + 1))
        jac, flat = out.get("jacobian"), out.get("outputs")
        n_params = model.param_count
        if jac is None or flat is None or jac.dim() != 2 or jac.shape != (flat.numel(),
                                                                          n_params):
            raise WorkerGarbage("malformed jacobian reply")
        return jac.to(torch.float64), flat.to(torch.float64)

    def call(self, model: StudentModel, args: list[Any], inputs: dict[str, Tensor], *,
             requires_grad: tuple[str, ...] = (), grad_outputs: list[Tensor] | None = None,
             return_inputs: bool = False, trace_ops: bool = False, kwargs: dict[str, Any]
             | None = None) -> CallResult:
        tensors = dict(inputs)
        for k, g in enumerate(grad_outputs or []):
            tensors[f"gout{k}"] = g
        header = {"op": "call", "instance": model.instance, "args": args,
                  "kwargs": kwargs or {}, "requires_grad": list(requires_grad),
                  "backward": grad_outputs is not None, "return_inputs": return_inputs,
                  "trace_ops": trace_ops}
        reply, out = self._ask(header, tensors, self.timeout,
                                         _reply_cap(tensors, model.param_count))
        n_out = sum(1 for k in out if k.startswith("out"))
        outputs = [out[f"out{k}"] for k in range(n_out) if f"out{k}" in out]
        result = CallResult(
            structure=reply.get("structure"),
            outputs=outputs,
            out_requires_grad=[bool(b) for b in reply.get("out_requires_grad", [])],
            grads={k.removeprefix("grad:"): v for k, v in out.items() if k.startswith("grad:")},
            grad_none=[str(k).removeprefix("grad:") for k in reply.get("grad_none", [])],
            after={k.removeprefix("after:"): v for k, v in out.items()
                   if k.startswith("after:")},
            ops=[str(o) for o in reply.get("ops", [])],
            detached=bool(reply.get("detached", False)),
            backward_error=str(reply.get("backward_error", "")),
        )
        return result

    def devices(self) -> dict[str, Any]:
        """The devices the worker can time on (``{"cuda": bool, "cuda_devices": [...]}``)."""
        reply, _ = self._ask({"op": "devices"}, None, self.timeout, _HEADER_ROOM)
        return {"cuda": bool(reply.get("cuda", False)),
                "cuda_devices": [str(n) for n in reply.get("cuda_devices", [])]}

    def speed_setup(self, model: StudentModel, *, mode: str, state: str, device: str,
                    sizes: tuple[int, int, int, int], layers: int, threads: int,
                    precision: str) -> dict[str, Any]:
        """Get ``model`` ready for ``speed_run`` on ``device``; the worker's hardware facts.
        ``sizes``: (batch, seq_len, input_size, hidden_size)."""
        reply, _ = self._ask({"op": "speed_setup", "instance": model.instance, "mode": mode,
                              "state": state, "device": device, "sizes": list(sizes),
                              "layers": layers, "threads": threads, "precision": precision},
                             None, self.timeout, _HEADER_ROOM)
        hardware = reply.get("hardware")
        if not isinstance(hardware, dict):
            raise WorkerGarbage("malformed speed_setup reply")
        return dict(hardware)

    def speed_run(self, clocks: Any, *, seed: int, number: int, backward: bool,
                  reply_numel: int, timeout: float | None = None) -> SpeedBlock:
        """``number`` timed calls on the inputs of ``seed``, timed here: the wall-clock time
        of the request (the worker synchronises the device before it replies) and the CPU
        time of the worker's processes (``clocks``, from the kernel; None where unreadable).
        Nothing the worker reports takes part in the time."""
        cpu0 = clocks.cpu_s() if clocks is not None else None
        t0 = time.perf_counter()
        _, out = self._ask({"op": "speed_run", "seed": seed, "number": number,
                            "backward": backward}, None, timeout or self.timeout,
                           _HEADER_ROOM + 8 * 2 * reply_numel)
        wall = time.perf_counter() - t0
        cpu1 = clocks.cpu_s() if clocks is not None else None
        cpu = None if cpu0 is None or cpu1 is None else cpu1 - cpu0
        last = out.get("last")
        if last is None or (backward and "grad_first" not in out):
            raise WorkerGarbage("malformed speed_run reply")
        return SpeedBlock(wall / number, None if cpu is None else cpu / number, last,
                          out.get("grad_first"), number)


@dataclass
class SpeedBlock:
    """One timed request: seconds per call (wall clock; CPU or None), what the last call
    returned (output at the last step; gradient of the input at the first) and how many
    calls it made."""

    wall_s: float
    cpu_s: float | None
    last: Tensor
    grad_first: Tensor | None
    number: int = 1   # calls in the request's chain (``speed_next_input``)
