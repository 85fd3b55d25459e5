"""The worker: the only process in which a submission's code runs.

It serves a narrow request protocol (load, build, set_params, call) over two pipes (its stdin
and stdout; a forked worker's come from the fork server). It imports no grading logic, no
reference and no Hypothesis: it computes what the grader asks for, on inputs the grader
chose, and sends back plain tensors. The grader never trusts anything here beyond "these are
the numbers the submission produced".

Run by the sandbox as ``python -I _worker.py`` (requests on stdin, replies on stdout, what the
submission prints on stderr) from a fresh temporary directory that also holds a copy of
``protocol.py`` (as ``_lstm_grader_protocol``). Nothing here imports a POSIX-only module at
import time: the same worker serves on Linux, macOS and Windows.
"""

from __future__ import annotations

import atexit
import ctypes
import gc
import json
import linecache
import os
import platform
import re
import shutil
import signal
import socket
import stat
import sys
import threading
import time
import traceback
import types
from typing import Any, NamedTuple

import torch
from torch import nn
from torch.overrides import TorchFunctionMode

Tensors = dict[str, torch.Tensor]
Reply = tuple[dict[str, Any], Tensors]

_MAX_TEXT = 4000

# Monotonic seconds for the fork server's waits (captured before any submission code runs).
_clock = time.perf_counter


class _OpRecorder(TorchFunctionMode):
    """Records the torch API functions a call goes through (for the integrity check)."""

    def __init__(self) -> None:
        super().__init__()
        self.names: set[str] = set()

    def __torch_function__(self, func, types, args=(), kwargs=None):  # type: ignore[no-untyped-def]
        name = getattr(func, "__qualname__", None) or getattr(func, "__name__", None)
        if name:
            self.names.add(str(name))
        return func(*args, **(kwargs or {}))


def _cxx_available() -> bool:
    """Whether TorchInductor, torch.compile's default backend, finds a C++ compiler (it
    needs one on a CPU; its own lookup costs seconds of imports)."""
    return bool(os.environ.get("CXX")) or any(
        shutil.which(name) for name in ("g++", "clang++", "c++"))


def _tame_compilation() -> None:
    """torch.compile in a submission, once it has imported it. The checks run the compiled
    functions' Python code eagerly (stance force_eager): the maths graded is the student's
    code, not the compiler's rounding, and a grade draws dozens of shapes and dtypes that
    would each cost a compilation of seconds. Only the speed check compiles (op_speed_setup), each
    function at most once, in this process (the sandbox caps processes), and without a C++
    compiler not at all (eagerly; the report says so). In a trusted in-process run this
    configures the host too."""
    dynamo = sys.modules.get("torch._dynamo")
    if dynamo is None or getattr(_tame_compilation, "done", False):
        return
    _tame_compilation.done = True  # type: ignore[attr-defined]
    torch.compiler.set_stance("force_eager")
    dynamo.config.recompile_limit = 1
    inductor = sys.modules.get("torch._inductor.config")
    if inductor is not None:
        inductor.compile_threads = 1  # type: ignore[attr-defined]
    if not _cxx_available():
        dynamo.config.suppress_errors = True


def _grader_fault(exc: BaseException) -> dict[str, Any]:
    """An exception of the worker's own code: the whole traceback, for the grader's authors."""
    text = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
    return {"ok": False, "error": {"kind": "grader", "type": type(exc).__name__,
                                   "message": str(exc)[:_MAX_TEXT],
                                   "traceback": text[-_MAX_TEXT:]}}


def _student_frames(exc: BaseException, filename: str) -> str:
    """The traceback limited to the submission's own frames (and the exception line)."""
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if f.filename == filename]
    text = "".join(traceback.format_list(frames))
    text += "".join(traceback.format_exception_only(type(exc), exc))
    return text[-_MAX_TEXT:]


def _seed(seed: int) -> None:
    """``torch.manual_seed`` without its lazy seeding of CUDA, MTIA and XPU, which records a
    stack trace each time (about 1 ms; a grade builds hundreds of modules). A GPU that is
    already in use is still seeded, so a submission that draws there stays reproducible."""
    torch.default_generator.manual_seed(seed)
    if torch.cuda.is_initialized():
        torch.cuda.manual_seed_all(seed)


class Handler:
    """Serves requests for one submission; usable in-process for trusted test submissions."""

    def __init__(self) -> None:
        self.module: types.ModuleType | None = None
        self.filename = "<submission>"
        self.instances: dict[str, nn.Module] = {}
        self.speed: dict[str, Any] | None = None  # what op_speed_setup prepared
        # False only in a worker that serves the speed check's baseline (grader/speedrun.py,
        # never a submission): PyTorch's own kernels are what it times.
        self.guarded = True

    # -- dispatch -------------------------------------------------------------------------
    def handle(self, header: dict[str, Any], tensors: Tensors) -> Reply:
        op = header.get("op")
        method = getattr(self, f"op_{op}", None)
        if method is None:
            return {"ok": False, "error": {"kind": "protocol", "type": "UnknownOp",
                                           "message": f"unknown op {op!r}"}}, {}
        # A worker keeps the guard armed for good; in a trusted in-process run it is armed
        # only while the submission's requests are served.
        if self.guarded:
            _GUARD.install()
        armed, _GUARD.armed = _GUARD.armed, self.guarded
        _GUARD.reached.clear()
        _tame_compilation()
        try:
            reply, out = method(header, tensors)
            _tame_compilation()  # before a module torch.compile-d in its constructor runs
        except _Failure as failure:
            return {"ok": False, "error": failure.info}, {}
        except (Exception, SystemExit) as exc:  # SystemExit: the student's sys.exit()
            if not self._from_submission(exc):
                return _grader_fault(exc), {}
            return self._error("exception", exc), {}
        finally:
            _GUARD.armed = armed
        return {"ok": True, **reply}, out

    def _from_submission(self, exc: BaseException) -> bool:
        """Whether an exception that escaped the worker's own code passed through the
        submission (its frames, its sys.exit(), a built-in kernel it reached). One that did
        not is a fault of this file, never the student's."""
        if isinstance(exc, SystemExit) or _GUARD.caused(exc):
            return True
        return any(f.filename == self.filename
                   for f in traceback.extract_tb(exc.__traceback__))

    def _error(self, kind: str, exc: BaseException) -> dict[str, Any]:
        info: dict[str, Any] = {
            "kind": kind,
            "type": type(exc).__name__,
            "message": str(exc)[:_MAX_TEXT],
            "traceback": _student_frames(exc, self.filename),
        }
        if _GUARD.caused(exc) or _GUARD.reached:
            # Whatever it was doing, it got there through a built-in recurrent kernel.
            info["kind"] = "builtin_rnn"
            info["doing"] = kind
            info["ops"] = sorted(_GUARD.reached)
        return {"ok": False, "error": info}

    # -- ops ------------------------------------------------------------------------------
    def op_ping(self, header: dict[str, Any], tensors: Tensors) -> Reply:
        return {"torch": torch.__version__, "pid": os.getpid()}, {}

    def op_load(self, header: dict[str, Any], tensors: Tensors) -> Reply:
        source: str = header["source"]
        self.filename = header.get("filename", "submission.py")
        try:
            code = compile(source, self.filename, "exec", dont_inherit=True)
        except SyntaxError as exc:
            raise _Failure({"kind": "syntax", "type": type(exc).__name__,
                            "message": str(exc.msg), "lineno": exc.lineno,
                            "offset": exc.offset, "text": (exc.text or "")[:500]}) from None
        if header.get("speed_baseline"):
            # The grader's own baseline module in a worker of its own (grader/speedrun.py):
            # timed with PyTorch's real kernels, in a process no submission ever ran in.
            self.guarded = False
            _GUARD.uninstall()
        # TorchScript compiles from source (inspect.getsource): the file itself may not be
        # here, so its text is where inspect looks next. No mtime: never checked or dropped.
        linecache.cache[self.filename] = (len(source), None, source.splitlines(True),
                                          self.filename)
        module = types.ModuleType("submission")
        module.__file__ = self.filename
        sys.modules["submission"] = module
        try:
            exec(code, module.__dict__)
        except BaseException as exc:
            if isinstance(exc, KeyboardInterrupt):
                raise
            info = self._error("import", exc)["error"]
            raise _Failure(info) from None
        self.module = module
        classes = sorted(k for k, v in vars(module).items() if isinstance(v, type))
        return {"classes": classes, "cxx": _cxx_available()}, {}

    def op_build(self, header: dict[str, Any], tensors: Tensors) -> Reply:
        if self.module is None:
            raise _Failure({"kind": "protocol", "type": "NotLoaded",
                            "message": "build before load"})
        name = header["class"]
        cls = getattr(self.module, name, None)
        if not isinstance(cls, type):
            raise _Failure({"kind": "missing_class", "type": "AttributeError",
                            "message": f"the submission defines no class {name!r}"})
        _seed(int(header.get("seed", 0)))
        try:
            obj = cls(*header.get("args", []), **header.get("kwargs", {}))
        except (Exception, SystemExit) as exc:
            raise _Failure(self._error("construct", exc)["error"]) from None
        if not isinstance(obj, nn.Module):
            raise _Failure({"kind": "construct", "type": "TypeError",
                            "message": f"{name} is not a torch.nn.Module subclass "
                                       f"(got {type(obj).__name__})"})
        obj.to(getattr(torch, header.get("dtype", "float64")))
        self.instances[header.get("instance", "m")] = obj
        params = [{"name": n, "shape": list(p.shape), "dtype": str(p.dtype).removeprefix("torch."),
                   "requires_grad": bool(p.requires_grad)} for n, p in obj.named_parameters()]
        unregistered = []
        for mod_name, mod in obj.named_modules():
            # Through the public API: a ScriptModule's _parameters is no dict.
            registered = {n for n, _ in mod.named_parameters(recurse=False)} | \
                {n for n, _ in mod.named_buffers(recurse=False)}
            for attr, value in vars(mod).items():
                if (isinstance(value, torch.Tensor) and attr not in registered
                        and value.is_floating_point()):
                    unregistered.append({"name": f"{mod_name}.{attr}".lstrip("."),
                                         "shape": list(value.shape)})
        submodules = sorted({f"{type(m).__module__}.{type(m).__qualname__}"
                             for m in obj.modules()})
        return {"params": params, "unregistered": unregistered, "submodules": submodules}, {}

    def _instance(self, header: dict[str, Any]) -> nn.Module:
        key = header.get("instance", "m")
        if key not in self.instances:
            raise _Failure({"kind": "protocol", "type": "NoInstance",
                            "message": f"no instance {key!r}"})
        return self.instances[key]

    def op_set_params(self, header: dict[str, Any], tensors: Tensors) -> Reply:
        obj = self._instance(header)
        params = dict(obj.named_parameters())
        missing = sorted(set(tensors) - set(params))
        if missing:
            raise _Failure({"kind": "protocol", "type": "UnknownParameter",
                            "message": f"no parameters named {missing}"})
        with torch.no_grad():
            for name, value in tensors.items():
                params[name].copy_(value)
        return {}, {}

    def op_call(self, header: dict[str, Any], tensors: Tensors) -> Reply:
        obj = self._instance(header)
        obj.train(bool(header.get("train", True)))
        inputs = {k: v for k, v in tensors.items() if not k.startswith("gout")}
        grad_outputs = [tensors[f"gout{k}"] for k in range(len(tensors)) if f"gout{k}" in tensors]
        needs_grad = set(header.get("requires_grad", []))
        for name in needs_grad:
            inputs[name].requires_grad_(True)
        before = {k: v.detach().clone() for k, v in inputs.items()} \
            if header.get("return_inputs") else {}
        args = [_build(a, inputs) for a in header.get("args", [])]
        kwargs = {k: _build(v, inputs) for k, v in header.get("kwargs", {}).items()}
        recorder = _OpRecorder() if header.get("trace_ops") else None
        try:
            if recorder is not None:
                with recorder:
                    result = obj(*args, **kwargs)
            else:
                result = obj(*args, **kwargs)
        except (Exception, SystemExit) as exc:
            raise _Failure(self._error("forward", exc)["error"]) from None
        out_tensors: list[torch.Tensor] = []
        structure = _describe(result, out_tensors)
        reply: dict[str, Any] = {"structure": structure,
                                 "out_requires_grad": [bool(t.requires_grad) for t in out_tensors]}
        if recorder is not None:
            reply["ops"] = sorted(recorder.names)
        out: Tensors = {f"out{k}": t.detach() for k, t in enumerate(out_tensors)}
        for name in before:
            out[f"after:{name}"] = inputs[name].detach()
        if header.get("backward"):
            reply.update(self._backward(obj, inputs, needs_grad, out_tensors, grad_outputs, out))
        return reply, out

    def op_jacobian(self, header: dict[str, Any], tensors: Tensors) -> Reply:
        """d(every output element)/d(every parameter element), rows in output order.

        Parameters come in ``named_parameters`` order, each flattened; optional ``params``
        tensors are loaded first. One backward pass per output element: sizes are small.
        """
        obj = self._instance(header)
        obj.train(False)
        params = [(n, p) for n, p in obj.named_parameters()]
        with torch.no_grad():
            for name, p in params:
                if f"param:{name}" in tensors:
                    p.copy_(tensors[f"param:{name}"])
        inputs = {k: v for k, v in tensors.items() if not k.startswith("param:")}
        args = [_build(a, inputs) for a in header.get("args", [])]
        try:
            result = obj(*args)
        except (Exception, SystemExit) as exc:
            raise _Failure(self._error("forward", exc)["error"]) from None
        outs: list[torch.Tensor] = []
        structure = _describe(result, outs)
        flat = torch.cat([o.reshape(-1) for o in outs]) if outs else torch.empty(0)
        total = sum(p.numel() for _, p in params)
        jac = torch.zeros(flat.numel(), total, dtype=torch.float64)
        if flat.requires_grad and params:
            wrt = [p for _, p in params]
            for row in range(flat.numel()):
                try:
                    grads = torch.autograd.grad(flat[row], wrt, retain_graph=True,
                                                allow_unused=True)
                except (Exception, SystemExit) as exc:
                    raise _Failure(self._error("backward", exc)["error"]) from None
                jac[row] = torch.cat([
                    (g if g is not None else torch.zeros_like(p)).reshape(-1).double()
                    for g, p in zip(grads, wrt, strict=True)])
        return ({"structure": structure, "params": [n for n, _ in params]},
                {"jacobian": jac, "outputs": flat.detach().double()})

    def _backward(self, obj: nn.Module, inputs: Tensors, needs_grad: set[str],
                  outs: list[torch.Tensor], gouts: list[torch.Tensor], out: Tensors
                  ) -> dict[str, Any]:
        if len(gouts) != len(outs):
            return {"backward_error": f"expected {len(gouts)} output tensors, got {len(outs)}"}
        terms = [(o * g.to(o.dtype)).sum() for o, g in zip(outs, gouts, strict=True)
                 if o.requires_grad and o.shape == g.shape]
        if not terms:
            return {"detached": True}
        names = sorted(needs_grad)
        params = [(n, p) for n, p in obj.named_parameters() if p.requires_grad]
        wrt = [inputs[n] for n in names] + [p for _, p in params]
        try:
            grads = torch.autograd.grad(torch.stack(terms).sum(), wrt, allow_unused=True)
        except (Exception, SystemExit) as exc:
            raise _Failure(self._error("backward", exc)["error"]) from None
        none: list[str] = []
        for key, g in zip([f"grad:{n}" for n in names] + [f"grad:param:{n}" for n, _ in params],
                          grads, strict=True):
            if g is None:
                none.append(key)
            else:
                out[key] = g.detach()
        return {"grad_none": none}

    # -- speed ----------------------------------------------------------------------------
    def op_devices(self, header: dict[str, Any], tensors: Tensors) -> Reply:
        """Which devices the speed check could time on, as this process sees them."""
        cuda = bool(torch.cuda.is_available())
        names = [torch.cuda.get_device_name(k) for k in range(torch.cuda.device_count())] \
            if cuda else []
        return {"cuda": cuda, "cuda_devices": names}, {}

    def op_speed_setup(self, header: dict[str, Any], tensors: Tensors) -> Reply:
        """Get an instance ready for ``speed_run``: on the device, float32, training mode,
        with the thread count and TF32 setting asked for. Times nothing: the grader times
        ``speed_run`` from outside this process (grader/checks/speed.py)."""
        module = self._instance(header)
        device = torch.device(str(header.get("device", "cpu")))
        threads = int(header.get("threads", 1))
        tf32 = str(header.get("precision", "float32")) == "tf32"
        if device.type == "cuda":
            _set_tf32(tf32)
        torch.set_num_threads(threads)
        _tame_compilation()
        if "torch._dynamo" in sys.modules:  # timed as it would run: compiled
            torch.compiler.set_stance("default")
        try:
            module.to(device=device, dtype=torch.float32).train()
        except (Exception, SystemExit) as exc:
            raise _Failure(self._error("construct", exc)["error"]) from None
        self.speed = {"instance": header.get("instance", "m"), "device": device,
                      "mode": str(header.get("mode", "sequence")),
                      "gru": str(header.get("state", "lstm")) == "gru",
                      "sizes": [int(v) for v in header["sizes"]],
                      "layers": int(header.get("layers", 1))}
        return {"hardware": _hardware(device, threads, tf32)}, {}

    def op_speed_run(self, header: dict[str, Any], tensors: Tensors) -> Reply:
        """``number`` calls (forward, or forward and backward) in a chain: the first on
        inputs drawn from ``seed``, each next one on an input made from the first and the
        previous call's results (``speed_next_input``). The device is synchronised before
        the reply, which carries the last call's output at the last time step and the
        gradient of its input at the first (the grader computes the same chain and compares
        both with its reference)."""
        spec = self.speed
        if spec is None:
            raise _Failure({"kind": "protocol", "type": "NotReady",
                            "message": "speed_run before speed_setup"})
        module = self.instances[spec["instance"]]
        device, gru, mode = spec["device"], spec["gru"], spec["mode"]
        batch, seq_len, input_size, hidden = spec["sizes"]
        import _lstm_grader_protocol as protocol  # next to this script (in-process: aliased)

        x0, h0, c0 = protocol.speed_inputs(int(header.get("seed", 0)), batch, seq_len,
                                           input_size, hidden,
                                           spec["layers"] if mode == "sequence" else 0)
        x0, h0, c0 = (t.to(device) for t in (x0, h0, c0))
        backward = bool(header.get("backward", False))
        weights = [p for p in module.parameters() if p.requires_grad]

        def run(x: torch.Tensor) -> torch.Tensor:
            if mode == "cell":
                steps, out = x.unbind(1), []
                state: Any = h0 if gru else (h0, c0)
                for xt in steps:
                    state = module(xt, state)
                    out.append(state if gru else state[0])
                return torch.stack(out, 1)
            got = module(x, h0 if gru else (h0, c0))
            return got[0] if isinstance(got, tuple | list) else got

        out = grad = None
        x = x0
        try:
            for k in range(max(1, int(header.get("number", 1)))):
                if k:
                    x = protocol.speed_next_input(x0, out, grad)
                x = x.detach().requires_grad_(backward)
                out = run(x)
                if not isinstance(out, torch.Tensor) or out.dim() != 3:
                    break
                if backward:
                    grad = torch.autograd.grad(out.sum(), [*weights, x], allow_unused=True)[-1]
            if device.type == "cuda":
                torch.cuda.synchronize(device)
        except (Exception, SystemExit) as exc:
            info = self._error("backward" if backward else "forward", exc)["error"]
            info["message"] = "while timing your code: " + info["message"]
            raise _Failure(info) from None
        if not isinstance(out, torch.Tensor) or out.dim() != 3:
            raise _Failure({"kind": "speed", "type": "TypeError", "message":
                            "while timing your code: expected an output sequence tensor "
                            "(batch, seq_len, hidden_size)"})
        reply = {"last": out[:, -1].detach().cpu()}
        if grad is not None:
            reply["grad_first"] = grad[:, 0].detach().cpu()
        return {}, reply


def _set_tf32(enabled: bool) -> None:
    """TF32 on or off for matmuls and cuDNN alike (like with like: by default cuDNN's RNNs may
    use TF32 while a student's matmuls do not)."""
    torch.backends.cuda.matmul.allow_tf32 = enabled
    torch.backends.cudnn.allow_tf32 = enabled


def _hardware(device: torch.device, threads: int, tf32: bool) -> dict[str, Any]:
    facts: dict[str, Any] = {
        "device": device.type, "torch": torch.__version__, "threads": threads,
        "dtype": "float32", "precision": "tf32" if tf32 else "float32 (TF32 off)",
        "cpu": _cpu_name(), "cpu_count": os.cpu_count(),
    }
    if device.type == "cuda":
        facts["device_name"] = torch.cuda.get_device_name(device)
        facts["cudnn"] = torch.backends.cudnn.version()
        facts["cuda"] = torch.version.cuda
        facts["precision"] = "tf32 (matmul and cuDNN)" if tf32 else "float32 (TF32 off)"
    else:
        facts["device_name"] = facts["cpu"]
        facts["precision"] = "float32"
    return facts


def _cpu_name() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8", errors="replace") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    import platform

    return platform.processor() or platform.machine()


class _Failure(Exception):
    def __init__(self, info: dict[str, Any]) -> None:
        super().__init__(info.get("message", ""))
        self.info = info


def _build(spec: Any, inputs: Tensors) -> Any:
    """Argument trees: {"t": name} a tensor, {"tuple": [...]}, {"none": true}, or a scalar."""
    if isinstance(spec, dict):
        if "t" in spec:
            return inputs[spec["t"]]
        if "tuple" in spec:
            return tuple(_build(s, inputs) for s in spec["tuple"])
        if spec.get("none"):
            return None
    return spec


def _describe(value: Any, tensors: list[torch.Tensor], depth: int = 0) -> Any:
    """The returned value as a JSON tree; tensors are numbered into ``tensors``."""
    if isinstance(value, torch.Tensor):
        tensors.append(value)
        return {"tensor": len(tensors) - 1, "shape": list(value.shape),
                "dtype": str(value.dtype).removeprefix("torch."), "device": value.device.type}
    if isinstance(value, tuple | list) and depth < 3 and len(value) <= 16:
        return {"seq": type(value).__name__, "items": [_describe(v, tensors, depth + 1)
                                                      for v in value]}
    text = repr(value) if not isinstance(value, nn.Module) else type(value).__name__
    return {"other": type(value).__name__, "repr": text[:200]}


# -- built-in recurrent kernels ---------------------------------------------------------------
# The integrity check's evidence, established where the work is done rather than from how the
# source spells it: before a submission is loaded, every built-in recurrent kernel of the
# dispatcher is replaced by one that fails (and notes the op). nn.LSTM, nn.LSTMCell,
# torch._VF, torch.ops.aten.lstm_cell, TorchScript and compiled graphs all end up here,
# whatever name or module led to them. Failing matters more than noting: a submission that
# empties the notes still gets no numbers out of the kernel. They are removed only in a worker
# that serves the speed check's baseline and never loads a submission (``speed_baseline``).
_BUILTIN_MARK = "built-in recurrent kernel"

# CompositeImplicitAutograd ops: intercepted at their autograd and backend slots; the
# composite registration itself stays, which is what a disarmed guard calls.
_COMPOSITE_RNN_OPS = (
    "aten::lstm.input", "aten::lstm.data", "aten::gru.input", "aten::gru.data",
    "aten::rnn_tanh.input", "aten::rnn_tanh.data", "aten::rnn_relu.input",
    "aten::rnn_relu.data", "aten::lstm_cell", "aten::gru_cell", "aten::rnn_tanh_cell",
    "aten::rnn_relu_cell", "aten::quantized_lstm_cell", "aten::quantized_gru_cell",
    "aten::quantized_rnn_tanh_cell", "aten::quantized_rnn_relu_cell")
# Ops with kernels of their own (fused cells, cuDNN, oneDNN, MPS, quantized): intercepted at
# BackendSelect, which every call passes between autograd and the backend, so a disarmed
# guard's calls go on to the real kernel (and autograd above it is untouched).
_FUSED_RNN_OPS = (
    "aten::_thnn_fused_lstm_cell", "aten::_thnn_fused_gru_cell", "aten::_cudnn_rnn",
    "aten::miopen_rnn", "aten::mkldnn_rnn_layer", "aten::_lstm_mps",
    "aten::quantized_lstm.input", "aten::quantized_lstm.data",
    "aten::quantized_lstm.input_legacy", "aten::quantized_lstm.data_legacy",
    "aten::quantized_gru.input", "aten::quantized_gru.data",
    "aten::quantized_gru.input_legacy", "aten::quantized_gru.data_legacy",
    "quantized::quantized_lstm_cell_dynamic", "quantized::quantized_gru_cell_dynamic",
    "quantized::quantized_rnn_relu_cell_dynamic", "quantized::quantized_rnn_tanh_cell_dynamic")


class BuiltinRecurrentKernel(RuntimeError):
    """A submission's code reached one of PyTorch's built-in recurrent kernels."""


class _RecurrentGuard:
    """The failing kernels and what they noted. ``armed`` is always on in a worker; in a
    trusted in-process run it is on only while a request is served (disarmed, the kernels
    pass every call on)."""

    def __init__(self) -> None:
        self.libraries: list[Any] = []
        self.armed = False
        self.reached: set[str] = set()

    def uninstall(self) -> None:
        for lib in self.libraries:
            lib._destroy()
        self.libraries = []

    def install(self) -> None:
        if self.libraries:
            return
        import warnings

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # "overriding a previously registered kernel"
            libs: dict[str, Any] = {}
            for qualified in _COMPOSITE_RNN_OPS + _FUSED_RNN_OPS:
                namespace, name = qualified.split("::")
                base, _, overload = name.partition(".")
                packet = getattr(getattr(torch.ops, namespace), base, None)
                op = getattr(packet, overload or "default", None) if packet else None
                if op is None:
                    continue  # not in this build of torch
                lib = libs.setdefault(namespace, torch.library.Library(namespace, "IMPL"))
                if qualified in _COMPOSITE_RNN_OPS:
                    for key in ("Autograd", "CPU", "CUDA"):
                        lib.impl(name, self._composite(qualified, op), key)
                else:
                    lib.impl(name, self._fused(qualified, op), "BackendSelect",
                             with_keyset=True)
            self.libraries = list(libs.values())

    def _refuse(self, qualified: str) -> BuiltinRecurrentKernel:
        self.reached.add(qualified)
        return BuiltinRecurrentKernel(
            f"{_BUILTIN_MARK} {qualified} called: the exercise is to compute the recurrence "
            "yourself (nn.LSTM, nn.LSTMCell, nn.GRUCell, torch._VF and the like all end here)")

    def _composite(self, qualified: str, op: Any) -> Any:
        composite = torch._C.DispatchKey.CompositeImplicitAutograd

        def kernel(*args: Any, **kwargs: Any) -> Any:
            if self.armed:
                raise self._refuse(qualified)
            # The C++ composite kernel, as an unguarded dispatch would run it: op.decompose
            # prefers a Python decomposition where torch has one, and lstm's treats
            # inter-layer dropout differently in training.
            return op._op_dk(composite, *args, **kwargs)
        return kernel

    def _fused(self, qualified: str, op: Any) -> Any:
        below = torch._C.DispatchKey.BackendSelect

        def kernel(keyset: Any, *args: Any, **kwargs: Any) -> Any:
            if self.armed:
                raise self._refuse(qualified)
            return op.redispatch(keyset.remove(below), *args, **kwargs)
        return kernel

    def caused(self, exc: BaseException) -> bool:
        """Whether an exception came from a refused kernel (TorchScript and compiled code
        re-raise it as another type, with the message inside theirs)."""
        seen: set[int] = set()
        current: BaseException | None = exc
        while current is not None and id(current) not in seen:
            seen.add(id(current))
            if isinstance(current, BuiltinRecurrentKernel) or _BUILTIN_MARK in str(current):
                return True
            current = current.__cause__ or current.__context__
        return False


_GUARD = _RecurrentGuard()


class _GraderBlocker:
    """Refuses imports of the grader's own packages from the submission.

    Defence in depth only: under bubblewrap their files are not even visible, and nothing
    the worker could import would hold expected values (those never leave the grader).
    """

    blocked = ("grader", "reference", "hypothesis", "student_template")

    def find_spec(self, name: str, path: Any = None, target: Any = None) -> Any:
        if name.split(".")[0] in self.blocked:
            # A spec without an origin whose loading fails: importing it raises, while a
            # mere look-up (torch.compile asks importlib.util.find_spec("hypothesis") to
            # know which folders to skip) finds nothing to skip and goes on.
            import importlib.machinery

            return importlib.machinery.ModuleSpec(name, self)  # type: ignore[arg-type]
        return None

    def create_module(self, spec: Any) -> None:
        raise ImportError(f"{spec.name} is not available to submissions")

    def exec_module(self, module: Any) -> None:  # never reached: create_module raises
        raise ImportError(f"{module.__name__} is not available to submissions")


def _prepare() -> Any:
    """What every worker does before it serves: the protocol module, the import blocker,
    torch's thread count. Returns the protocol module."""
    # -I leaves the script's folder off sys.path; the protocol copy lives there.
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import _lstm_grader_protocol as protocol  # copied next to this script by the sandbox

    sys.meta_path.insert(0, _GraderBlocker())  # type: ignore[arg-type]
    _GUARD.install()
    _GUARD.armed = True  # for good (only a baseline worker removes them, at its load)
    for name in list(sys.modules):
        if name.split(".")[0] in _GraderBlocker.blocked:
            del sys.modules[name]
    torch.set_num_threads(int(os.environ.get("LSTM_GRADER_THREADS", "1")))
    return protocol


def _serve(protocol: Any, read_fd: int, write_fd: int) -> int:
    handler = Handler()
    while True:
        try:
            header, tensors = protocol.read_message(read_fd)
        except EOFError:
            return 0
        reply, out = handler.handle(header, tensors)
        # The request's id comes back with its reply: the grader then notices a stream that
        # is out of step (a reply left over, or one it never asked for).
        reply["seq"] = header.get("seq")
        protocol.write_message(write_fd, reply, out)
        _flush_output()


def _take_stdio() -> tuple[int, int]:
    """The protocol's pipes are this process's stdin and stdout (what every OS can give a
    child); they move to descriptors of their own, not inherited by the submission's
    children, and the submission's stdout joins its stderr (the grader's capture pipe)."""
    read_fd, write_fd = os.dup(0), os.dup(1)  # not inheritable (PEP 446)
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)
    os.close(null)
    os.dup2(2, 1)
    return read_fd, write_fd


def _die_with_parent() -> None:
    """This worker ends when the grader that started it does, even in the middle of the
    submission's code: a parent-death SIGKILL on Linux (checked against the grader's pid
    afterwards, in case it died first), and everywhere a watchdog thread."""
    expected = int(os.environ.get("LSTM_GRADER_PARENT", "0") or 0)
    if sys.platform.startswith("linux") and os.environ.get("LSTM_GRADER_PORTABLE") != "1":
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if expected and os.getppid() != expected:
        os._exit(70)  # the grader is already gone
    threading.Thread(target=_watch_parent, args=(expected,), daemon=True,
                     name="lstm-grader-watchdog").start()


def _watch_parent(expected: int) -> None:
    if os.name == "nt":  # a parent's pid is not reused while its handle is held
        kernel32 = ctypes.windll.kernel32  # type: ignore[attr-defined]
        handle = kernel32.OpenProcess(0x00100000, False, expected)  # SYNCHRONIZE
        if handle:
            kernel32.WaitForSingleObject(handle, 0xFFFFFFFF)  # INFINITE
            os._exit(70)
        return
    parent = os.getppid()  # under bubblewrap, its init: gone only with the whole sandbox
    while os.getppid() == parent:
        time.sleep(0.25)
    os._exit(70)


def _flush_output() -> None:
    """What the submission printed goes to the capture files now: a worker killed later (a
    timeout, the end of grading) must not take it along."""
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except Exception:  # the submission may have replaced or closed them
            pass


def main(argv: list[str]) -> int:
    if argv[1:2] == ["--fork-server"]:
        return _ForkServer(_prepare(), int(argv[2])).run()
    read_fd, write_fd = _take_stdio()
    _die_with_parent()
    return _serve(_prepare(), read_fd, write_fd)


# -- fork server ------------------------------------------------------------------------------
# One process per sandbox that has imported torch and never runs a submission: for every
# submission it forks a child that serves that submission alone (a fork costs about 20 ms, a
# fresh interpreter's ``import torch`` 1.5-2 CPU seconds). Between submissions it kills every
# other process in the sandbox's PID namespace and puts every file system a submission can
# write back as it was, so nothing one submission leaves behind reaches the next. The
# grader talks to it over a Unix socket the children never hold (grader/forkserver.py).
_PR_SET_PDEATHSIG, _PR_SET_DUMPABLE = 1, 4
_IPC_RMID = 0


class _ForkServer:
    def __init__(self, protocol: Any, ctrl_fd: int) -> None:
        self.protocol = protocol
        self.sock = socket.socket(fileno=ctrl_fd)
        self.libc = ctypes.CDLL(None, use_errno=True)
        self.me = os.getpid()

    def _prctl(self, option: int, value: int) -> None:
        if self.libc.prctl(option, value, 0, 0, 0) != 0:
            raise OSError(f"prctl({option}, {value}) failed")

    def run(self) -> int:
        # kill(-1) below must only ever reach this sandbox, and no other process may outlive a
        # cleanup: serve only as the init (pid 1) of a PID namespace of its own.
        if self.me != 1:
            self._send({"ok": False, "error": "not the init of a PID namespace of its own"})
            return 2
        # Every file system a submission could write to (its home, /tmp, /dev, /dev/shm,
        # the tmpfs over hidden folders...), and what each held before any submission ran;
        # only inside the sandbox (outside it, / itself may be writable).
        self.tops = _writable_mounts()
        self.baseline = {top: _tree(top) for top in self.tops}
        # Not dumpable: a child (same user) can neither ptrace this process nor open its
        # /proc files (memory, file descriptors, environment).
        self._prctl(_PR_SET_DUMPABLE, 0)
        # As init it gets only the signals it handles; Python's one (SIGINT) goes too.
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        # POSIX message queues cannot be listed without mounting their file system: none may
        # be created, so none can outlive a submission.
        import resource

        resource.setrlimit(resource.RLIMIT_MSGQUEUE, (0, 0))
        # Without these the cleanup could not know the sandbox is as it was.
        required = {os.environ.get("HOME", ""), "/tmp", "/dev"}
        if not required <= set(self.tops):
            missing = sorted(required - set(self.tops))
            self._send({"ok": False, "error": f"cannot clean up {missing}"})
            return 2
        # What a process of the same user may change in this one without ptrace (limits,
        # priority, scheduling, CPUs, I/O priority) and so in every later child: checked
        # after each submission. As are the sandbox's sockets (TIME_WAIT entries outlive
        # their process).
        self.state = _process_state(self.libc)
        self.sockets = _sockets()
        self.keys = _keys()
        gc.collect()
        gc.freeze()  # the collector then leaves the shared pages alone in the children
        self._send({"ok": True, "ready": True, "pid": self.me})
        while True:
            try:
                data, fds, _flags, _addr = socket.recv_fds(self.sock, 1 << 16, 8)
            except (ConnectionError, OSError):
                return 0
            if not data:
                return 0
            request: Any = None
            try:
                request = json.loads(data)
                op = request["op"]
                if op == "spawn":
                    reply = self._spawn(fds)
                elif op == "wait":
                    reply = self._wait(int(request["pid"]), float(request["timeout"]))
                elif op == "reap":
                    reply = self._reap()
                else:
                    reply = {"ok": False, "error": f"unknown op {op!r}"}
            except Exception as exc:  # reported: the grader then discards this sandbox
                reply = {"ok": False, "error": f"{type(exc).__name__}: {exc}"}
            finally:
                for fd in fds:
                    try:
                        os.close(fd)
                    except OSError:
                        pass
            reply["seq"] = request.get("seq") if isinstance(request, dict) else None
            self._send(reply)

    def _send(self, reply: dict[str, Any]) -> None:
        self.sock.send(json.dumps(reply).encode())

    def _spawn(self, fds: list[int]) -> dict[str, Any]:
        if len(fds) != 4:
            return {"ok": False, "error": f"spawn needs 4 file descriptors, got {len(fds)}"}
        sys.stdout.flush()
        sys.stderr.flush()
        pid = os.fork()
        if pid == 0:  # the child never returns from here
            code = 70
            try:
                code = self._child(fds)
                # What a fresh interpreter does on its way out: the submission's atexit
                # functions and non-daemon threads (their output counts the same).
                threading._shutdown()  # type: ignore[attr-defined]
                atexit._run_exitfuncs()
            except BaseException:
                traceback.print_exc()
            finally:
                try:
                    sys.stdout.flush()
                    sys.stderr.flush()
                finally:
                    os._exit(code)
        return {"ok": True, "pid": pid}

    def _child(self, fds: list[int]) -> int:
        read_fd, write_fd, out_fd, err_fd = fds
        # Before any submission code: the control socket is this server's alone.
        self.sock.close()
        self._prctl(_PR_SET_DUMPABLE, 1)  # its own /proc files readable again (subprocess)
        signal.signal(signal.SIGINT, signal.default_int_handler)  # as in a fresh worker
        if _KEYCTL is not None:  # a session keyring of its own: KEYCTL_JOIN_SESSION_KEYRING
            self.libc.syscall(_KEYCTL, 1, None)
        self._prctl(_PR_SET_PDEATHSIG, 9)  # dies with the server
        os.dup2(out_fd, 1)
        os.dup2(err_fd, 2)
        os.close(out_fd)
        os.close(err_fd)
        # The frozen objects stay frozen: collecting them would touch, and so copy, every
        # page the child shares with the server (the gc module's advice for fork servers).
        return _serve(self.protocol, read_fd, write_fd)

    def _wait(self, pid: int, timeout: float) -> dict[str, Any]:
        deadline = _clock() + timeout
        while True:
            try:
                done, status = os.waitpid(pid, os.WNOHANG)
            except ChildProcessError:
                return {"ok": True, "code": None}
            if done:
                return {"ok": True, "code": os.waitstatus_to_exitcode(status)}
            if _clock() > deadline:
                return {"ok": True, "code": None, "running": True}
            time.sleep(0.005)

    def _others(self) -> list[int]:
        return [int(p) for p in os.listdir("/proc") if p.isdigit() and int(p) != self.me]

    def _reap(self) -> dict[str, Any]:
        """Kill every other process in the namespace, put the writable file systems back,
        remove System V IPC objects and keys, and compare this process's limits and
        scheduling and the sandbox's sockets with the start. Anything left or changed makes
        the reply not clean."""
        left: list[str] = []
        for _ in range(500):
            try:
                os.kill(-1, signal.SIGKILL)  # every process but this one, the init
            except ProcessLookupError:
                pass
            while True:
                try:
                    pid, _status = os.waitpid(-1, os.WNOHANG)
                except ChildProcessError:
                    break
                if pid == 0:
                    break
            if not self._others():
                break
            time.sleep(0.002)
        else:
            left.append(f"processes {self._others()[:10]}")
        for top in self.tops:
            left += self._restore(top)
        for top in self.tops:  # after all: a mount point's mode is seen from two of them
            left += self._differences(top)
        left += self._remove_ipc()
        _clear_keyrings(self.libc)
        # A dead child's own session keyring goes when the kernel collects it (seconds).
        deadline = _clock() + 3.0
        while _keys() != self.keys and _clock() < deadline:
            time.sleep(0.05)
        if _keys() != self.keys:
            left.append("keys left in a keyring")
        changed = _process_state(self.libc)
        left += [f"server's {key} changed" for key in changed if changed[key] != self.state[key]]
        if _sockets() != self.sockets:
            left.append("sockets left in the sandbox's network")
        return {"ok": True, "clean": not left, "left": left[:20]}

    def _restore(self, top: str) -> list[str]:
        """Remove what is not in the baseline; put back its modes, extended attributes,
        symlink targets and times. Every process that could race this is dead, so plain path
        calls are safe."""
        base = self.baseline[top]
        try:
            dev = os.lstat(top).st_dev
            for path in sorted(_tree(top, unlock=True), key=lambda p: -p.count("/")):
                if path in base:
                    continue
                if os.path.isdir(path) and not os.path.islink(path):
                    os.rmdir(path)
                else:
                    os.unlink(path)
            for path, was in base.items():
                now = os.lstat(path)
                if now.st_dev != dev:
                    continue  # a mount point: its own file system's business
                if stat.S_ISLNK(was.mode):
                    if os.readlink(path) != was.link:
                        os.unlink(path)
                        os.symlink(was.link, path)
                    continue
                if stat.S_IMODE(now.st_mode) != stat.S_IMODE(was.mode):
                    os.chmod(path, stat.S_IMODE(was.mode))
                attrs = _xattrs(path)
                if attrs != was.xattrs:
                    for name in attrs.keys() - was.xattrs.keys():
                        os.removexattr(path, name, follow_symlinks=False)
                    for name, value in was.xattrs.items():
                        if attrs.get(name) != value:
                            os.setxattr(path, name, value, follow_symlinks=False)
            # Times last: the removals above changed folders' times. (A change time cannot
            # be put back; it tells a later submission only that something happened.)
            for path, was in base.items():
                now = os.lstat(path)
                if now.st_dev == dev and (now.st_atime_ns, now.st_mtime_ns) != was.times:
                    try:
                        os.utime(path, ns=was.times, follow_symlinks=False)
                    except OSError:
                        pass  # not this user's; times are not compared
        except OSError as exc:
            return [f"{top}: {exc}"]
        return []

    def _differences(self, top: str) -> list[str]:
        base = self.baseline[top]
        try:
            now = _tree(top)
        except OSError as exc:
            return [f"{top}: {exc}"]
        changed = sorted(set(now) ^ set(base)) or sorted(
            p for p in now if not now[p].same(base[p]))
        return [f"{top}: {', '.join(changed[:5])}"] if changed else []

    def _remove_ipc(self) -> list[str]:
        left = []
        for kind, ctl, args in (("shm", self.libc.shmctl, (_IPC_RMID, None)),
                                ("sem", self.libc.semctl, (0, _IPC_RMID)),
                                ("msg", self.libc.msgctl, (_IPC_RMID, None))):
            for ident in _ipc_ids(kind):
                ctl(ident, *args)
            if _ipc_ids(kind):
                left.append(f"System V {kind} objects")
        return left


def _writable_mounts() -> list[str]:
    """Mount points whose file system is writable here (outside /proc and /sys)."""
    points = set()
    with open("/proc/self/mountinfo", "rb") as f:
        for line in f:
            # The kernel writes space, tab, newline and backslash as \ooo octal escapes.
            raw = re.sub(rb"\\([0-7]{3})", lambda m: bytes([int(m[1], 8)]), line.split()[4])
            point = os.fsdecode(raw)
            if point.startswith(("/proc", "/sys")):
                continue
            points.add(point)
    found = []
    for point in sorted(points):
        try:
            if os.path.isdir(point) and not os.path.islink(point) \
                    and not os.statvfs(point).f_flag & os.ST_RDONLY:
                found.append(point)
        except OSError:
            continue
    return found


class _Entry(NamedTuple):
    """What the cleanup compares of a path (times are put back, not compared)."""

    mode: int
    dev: int
    owner: tuple[int, int]
    link: str
    xattrs: dict[str, bytes]
    times: tuple[int, int]

    def same(self, other: _Entry) -> bool:
        return self[:5] == other[:5]


def _xattrs(path: str) -> dict[str, bytes]:
    try:
        names = os.listxattr(path, follow_symlinks=False)
    except OSError:
        return {}
    return {n: os.getxattr(path, n, follow_symlinks=False) for n in sorted(names)}


def _entry(path: str, st: os.stat_result) -> _Entry:
    link = os.readlink(path) if stat.S_ISLNK(st.st_mode) else ""
    return _Entry(st.st_mode, st.st_dev, (st.st_uid, st.st_gid), link, _xattrs(path),
                  (st.st_atime_ns, st.st_mtime_ns))


def _tree(top: str, unlock: bool = False) -> dict[str, _Entry]:
    """``top`` and every path under it on its own file system (mount points included, not
    entered). ``unlock``: make each folder searchable and writable first (a submission may
    have taken those rights away)."""
    top_stat = os.lstat(top)
    dev = top_stat.st_dev
    found: dict[str, _Entry] = {top: _entry(top, top_stat)}
    stack = [top]
    while stack:
        folder = stack.pop()
        if unlock:
            mode = stat.S_IMODE(os.lstat(folder).st_mode)
            if mode & 0o700 != 0o700:
                try:
                    os.chmod(folder, mode | 0o700)
                except OSError:
                    pass  # not this user's: what is left shows in the comparison
        for entry in os.scandir(folder):
            st = entry.stat(follow_symlinks=False)
            found[entry.path] = _entry(entry.path, st)
            if st.st_dev == dev and stat.S_ISDIR(st.st_mode):
                stack.append(entry.path)
    return found


# System call numbers (no libc wrapper): None on other machines, where the I/O priority is
# not checked and keyrings not cleared.
_IOPRIO_GET = {"x86_64": 252, "aarch64": 31}.get(platform.machine())
_KEYCTL = {"x86_64": 250, "aarch64": 219}.get(platform.machine())


def _process_state(libc: Any) -> dict[str, Any]:
    """This process's limits, priority, scheduling, CPUs and I/O priority."""
    import resource

    state: dict[str, Any] = {
        name: resource.getrlimit(getattr(resource, name))
        for name in sorted(dir(resource)) if name.startswith("RLIMIT_")}
    state["nice"] = os.getpriority(os.PRIO_PROCESS, 0)
    state["scheduler"] = (os.sched_getscheduler(0), os.sched_getparam(0).sched_priority)
    state["cpus"] = sorted(os.sched_getaffinity(0))
    if _IOPRIO_GET is not None:
        state["io priority"] = libc.syscall(_IOPRIO_GET, 1, 0)  # IOPRIO_WHO_PROCESS, itself
    return state


def _sockets() -> dict[str, int]:
    """How many sockets of each kind the sandbox's network namespace holds."""
    counts = {}
    for kind in ("tcp", "tcp6", "udp", "udp6", "raw", "raw6", "unix", "packet"):
        try:
            with open(f"/proc/net/{kind}") as f:
                counts[kind] = len(f.read().splitlines()) - 1
        except OSError:
            counts[kind] = -1
    return counts


def _keys() -> list[str]:
    """The keys (not keyrings) this user can see: type, description and summary."""
    try:
        with open("/proc/keys") as f:
            rows = [line.split(None, 7) for line in f]
    except OSError:
        return []
    return sorted(row[7].strip() for row in rows
                  if len(row) == 8 and not row[7].startswith("keyring"))


def _clear_keyrings(libc: Any) -> None:
    """Empty the user's keyrings (a child's session keyring is its own, see _child)."""
    if _KEYCTL is not None:
        for keyring in (-4, -5):  # KEY_SPEC_USER_KEYRING, KEY_SPEC_USER_SESSION_KEYRING
            libc.syscall(_KEYCTL, 7, keyring)  # KEYCTL_CLEAR


def _ipc_ids(kind: str) -> list[int]:
    try:
        with open(f"/proc/sysvipc/{kind}") as f:
            rows = f.read().splitlines()[1:]
    except OSError:
        return []
    return [int(row.split()[1]) for row in rows if row.split()]


if __name__ == "__main__":
    sys.exit(main(sys.argv))
