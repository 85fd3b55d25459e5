"""Typed requests to the worker: build, set parameters, call (with or without backward).

Everything returned is data the grader checks: shapes, structure and tensors are validated
here before any comparison, so a reply of the wrong shape is a clear failure, never a crash.
"""

from __future__ import annotations

import math
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
    """The worker's raw speed measurements: seconds per call, one number per timed block."""

    times: dict[str, dict[str, list[float]]]  # phase -> "reference" / "student" -> blocks
    rounds: int
    hardware: dict[str, Any]
    number: dict[str, int] = field(default_factory=dict)  # calls per block
    elapsed_s: float = 0.0
    # The same blocks in CPU seconds of the worker's timing thread (CPU timing only; None on a
    # GPU).
    cpu_times: dict[str, dict[str, list[float]]] | None = None


# Requests that run the student's forward (and so may hang in it).
_FORWARD_OPS = ("call", "jacobian", "time")
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

    def build(self, class_name: str, args: list[int], dtype: torch.dtype, seed: int = 0,
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

    def time(self, class_name: str, args: list[int], *, workload: tuple[int, int, int, int],
             mode: str, baseline: str, device: str, layers: int = 1, threads: int = 1,
             budget_s: float = 0.3, min_rounds: int = 5, max_rounds: int = 60,
             precision: str = "float32", seed: int = 0) -> Timing:
        """Time the student's module against PyTorch's (nn.LSTM or nn.GRU) in the worker.

        ``workload`` is (seq_len, batch, input_size, hidden_size); ``mode`` "sequence" calls
        the module on the whole sequence, "cell" loops over time steps calling the cell.
        """
        timeout = self.timeout or 30.0
        header = {"op": "time", "class": class_name, "args": args, "workload": list(workload),
                  "mode": mode, "baseline": baseline, "device": device, "layers": layers,
                  "threads": threads, "budget_s": budget_s, "min_rounds": min_rounds,
                  "max_rounds": max_rounds, "precision": precision, "seed": seed,
                  "hard_limit_s": timeout / 2}
        reply, _ = self._ask(header, None, timeout, _HEADER_ROOM)
        try:
            times = {str(phase): {who: [float(t) for t in reply["times"][phase][who]]
                                  for who in ("reference", "student")}
                     for phase in ("forward", "forward_backward")}
            hardware = dict(reply.get("hardware", {}))
            number = {str(k): int(v) for k, v in reply.get("number", {}).items()}
            elapsed = float(reply.get("elapsed_s", 0.0))
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise WorkerGarbage(f"malformed timing reply: {exc}") from None
        if not all(_valid_blocks(phase) for phase in times.values()):
            raise WorkerGarbage("malformed timing reply: block times missing or not positive")
        # CPU times are optional: when missing or unusable, the check scores wall-clock times.
        cpu_times: dict[str, dict[str, list[float]]] | None
        try:
            cpu_times = {phase: {who: [float(t) for t in reply["cpu_times"][phase][who]]
                                 for who in ("reference", "student")} for phase in times}
        except (KeyError, TypeError, ValueError, AttributeError):
            cpu_times = None
        if cpu_times is not None and not all(
                _valid_blocks(phase) and len(phase["reference"]) == len(times[name]["reference"])
                for name, phase in cpu_times.items()):
            cpu_times = None
        return Timing(times, len(times["forward"]["student"]), hardware, number, elapsed,
                      cpu_times)


def _valid_blocks(phase: dict[str, list[float]]) -> bool:
    ref, stu = phase["reference"], phase["student"]
    return bool(ref) and len(ref) == len(stu) and all(math.isfinite(t) and t > 0
                                                      for t in ref + stu)
