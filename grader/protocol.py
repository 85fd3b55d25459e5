"""Wire format between the grader and its worker: JSON headers plus raw tensor bytes.

Nothing here can execute code on load: a message is a length-prefixed UTF-8 JSON header that
lists the tensors that follow (name, dtype, shape), then their raw little-endian bytes, read
with ``torch.frombuffer``. No pickle anywhere.

This module imports only the standard library and torch, because the sandbox copies it next
to the worker script (the worker must not import the ``grader`` package).
"""

from __future__ import annotations

import json
import os
import struct
from collections.abc import Callable
from typing import Any

import torch

MAGIC = b"LSTMG1"
_PREFIX = struct.Struct("<6sQ")  # magic, header length

DTYPES: dict[str, torch.dtype] = {
    "float64": torch.float64,
    "float32": torch.float32,
    "float16": torch.float16,
    "bfloat16": torch.bfloat16,
    "int64": torch.int64,
    "int32": torch.int32,
    "bool": torch.bool,
}
_NAMES = {v: k for k, v in DTYPES.items()}

Tensors = dict[str, torch.Tensor]


class ProtocolError(Exception):
    """A message that does not follow the wire format (garbage, truncated, too large)."""


class TooLarge(ProtocolError):
    """A message larger than its reader allows (announced, not yet read)."""


def encode(header: dict[str, Any], tensors: Tensors | None = None) -> bytes:
    tensors = tensors or {}
    meta = []
    blobs = []
    for name, t in tensors.items():
        t = t.detach()
        if t.device.type != "cpu":
            t = t.cpu()
        if t.dtype not in _NAMES:
            raise ProtocolError(f"tensor {name!r} has unsupported dtype {t.dtype}")
        data = t.contiguous().view(-1).view(torch.uint8).numpy().tobytes() if t.numel() else b""
        meta.append({"name": name, "dtype": _NAMES[t.dtype], "shape": list(t.shape),
                     "nbytes": len(data)})
        blobs.append(data)
    body = json.dumps({**header, "_tensors": meta}, allow_nan=True).encode()
    return _PREFIX.pack(MAGIC, len(body)) + body + b"".join(blobs)


def _fd_reader(fd: int) -> Callable[[int], bytes]:
    """Blocking reads of exactly n bytes from a file descriptor (the worker's side)."""

    def read_exact(n: int) -> bytes:
        chunks = []
        while n:
            chunk = os.read(fd, min(n, 1 << 20))
            if not chunk:
                raise EOFError("the other side closed the connection")
            chunks.append(chunk)
            n -= len(chunk)
        return b"".join(chunks)

    return read_exact


def write_message(fd: int, header: dict[str, Any], tensors: Tensors | None = None) -> None:
    data = memoryview(encode(header, tensors))
    while data:
        written = os.write(fd, data)
        data = data[written:]


def read_message(source: int | Callable[[int], bytes], max_bytes: int = 1 << 30
                 ) -> tuple[dict[str, Any], Tensors]:
    """Read one message from a file descriptor, or from ``source(n)`` returning n bytes.

    ``max_bytes`` bounds the whole message (header and tensors) and is checked against what
    the header announces before anything more is read, so a forged header cannot make this
    process allocate what it claims. Raises EOFError when the peer is gone, ProtocolError on
    garbage, TooLarge past ``max_bytes``; ``source`` may raise its own timeout.
    """
    read_exact = _fd_reader(source) if isinstance(source, int) else source
    magic, length = _PREFIX.unpack(read_exact(_PREFIX.size))
    if magic != MAGIC:
        raise ProtocolError("reply does not start with the protocol's magic bytes")
    # The prefix counts too: a budget over many replies must not leak 14 bytes per reply.
    if _PREFIX.size + length > max_bytes:
        raise TooLarge(f"a header of {length} bytes, more than the {max_bytes} bytes this "
                       f"request can return")
    try:
        header = json.loads(read_exact(length))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ProtocolError(f"header is not valid JSON: {exc}") from None
    if not isinstance(header, dict) or not isinstance(header.get("_tensors"), list):
        raise ProtocolError("header is not an object with a tensor list")
    parts = []
    total = _PREFIX.size + length
    for meta in header.pop("_tensors"):
        try:
            name, dtype = str(meta["name"]), DTYPES[meta["dtype"]]
            shape = [int(s) for s in meta["shape"]]
            nbytes = int(meta["nbytes"])
        except (KeyError, TypeError, ValueError) as exc:
            raise ProtocolError(f"bad tensor description {meta!r}: {exc}") from None
        numel = 1
        for s in shape:
            if s < 0:
                raise ProtocolError(f"negative dimension in {meta!r}")
            numel *= s
        if numel * torch.empty((), dtype=dtype).element_size() != nbytes:
            raise ProtocolError(f"tensor {name!r}: size does not match its shape")
        total += nbytes
        parts.append((name, dtype, shape, nbytes))
    if total > max_bytes:  # checked on the announced sizes, before reading any of them
        raise TooLarge(f"a reply of {total} bytes, more than the {max_bytes} bytes this "
                       f"request can return")
    tensors: Tensors = {}
    for name, dtype, shape, nbytes in parts:
        raw = read_exact(nbytes)
        if nbytes:
            flat = torch.frombuffer(bytearray(raw), dtype=dtype)
        else:
            flat = torch.empty(0, dtype=dtype)
        tensors[name] = flat.reshape(shape)
    return header, tensors


def speed_inputs(seed: int, batch: int, seq_len: int, input_size: int, hidden: int,
                 layers: int) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """(x, h0, c0) of one timed request, float32 on the CPU; the grader draws the same
    (grader/checks/speed.py). ``layers`` 0: a cell's state (batch, hidden)."""
    gen = torch.Generator().manual_seed(seed)
    state = (layers, batch, hidden) if layers else (batch, hidden)
    return (torch.randn(batch, seq_len, input_size, generator=gen) * 0.5,
            torch.randn(*state, generator=gen) * 0.5, torch.randn(*state, generator=gen) * 0.5)


def speed_next_input(x0: torch.Tensor, out: torch.Tensor, grad: torch.Tensor | None
                     ) -> torch.Tensor:
    """The input of the next call of a ``speed_run`` request: the request's first input
    passed through a non-linearity scaled by the previous call's results (the mean of its
    output at the last step and, with backward, of its input's gradient).

    Each call thus needs the whole of the one before (a skipped call, forward or backward,
    changes every later output, and the last one is compared with the reference), calls
    cannot be batched together, and no part of the work on one input (its projection) can be
    reused for the next: the tanh makes the inputs of two calls no linear function of each
    other. The same code runs in the workers and in the grader's reference."""
    a = out[:, -1].detach().mean()
    if grad is not None:
        a = a + grad.detach().mean()
    return torch.tanh(x0 * (1 + 0.1 * a))
