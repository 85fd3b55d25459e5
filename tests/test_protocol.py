"""The wire format round-trips tensors exactly and rejects anything else, without pickle."""

from __future__ import annotations

import os
import struct

import pytest
import torch

from grader import protocol


def roundtrip(header: dict, tensors: dict) -> tuple[dict, dict]:
    r, w = os.pipe()
    try:
        data = protocol.encode(header, tensors)
        os.write(w, data)
        os.close(w)
        return protocol.read_message(r)
    finally:
        os.close(r)


@pytest.mark.parametrize("dtype", [torch.float64, torch.float32, torch.float16,
                                   torch.bfloat16, torch.int64, torch.bool])
def test_tensors_of_every_supported_dtype_round_trip_bit_for_bit(dtype: torch.dtype) -> None:
    t = (torch.randn(3, 4) * 100).to(dtype)
    header, tensors = roundtrip({"op": "x", "n": 1}, {"a": t, "empty": torch.empty(0, 2)})
    assert header == {"op": "x", "n": 1}
    assert tensors["a"].dtype == dtype
    assert torch.equal(tensors["a"], t)
    assert tensors["empty"].shape == (0, 2)


def test_nan_and_inf_survive_the_trip() -> None:
    t = torch.tensor([float("nan"), float("inf"), -float("inf"), 1.0], dtype=torch.float64)
    _, tensors = roundtrip({}, {"t": t})
    assert torch.equal(tensors["t"].isnan(), t.isnan())
    assert tensors["t"][1] == float("inf")


def _read_raw(data: bytes) -> tuple[dict, dict]:
    r, w = os.pipe()
    os.write(w, data)
    os.close(w)
    try:
        return protocol.read_message(r)
    finally:
        os.close(r)


def test_a_message_without_the_magic_bytes_is_rejected() -> None:
    with pytest.raises(protocol.ProtocolError, match="magic"):
        _read_raw(struct.pack("<6sQ", b"PICKLE", 2) + b"{}")


def test_a_header_that_is_not_json_is_rejected() -> None:
    body = b"\x80\x04K\x01."  # a pickle, which must never be unpickled
    with pytest.raises(protocol.ProtocolError, match="JSON"):
        _read_raw(struct.pack("<6sQ", protocol.MAGIC, len(body)) + body)


def test_a_tensor_whose_size_does_not_match_its_shape_is_rejected() -> None:
    body = (b'{"_tensors": [{"name": "t", "dtype": "float64", "shape": [2, 2], '
            b'"nbytes": 8}]}')
    with pytest.raises(protocol.ProtocolError, match="size"):
        _read_raw(struct.pack("<6sQ", protocol.MAGIC, len(body)) + body + b"\0" * 8)


def test_a_truncated_message_is_end_of_file() -> None:
    data = protocol.encode({}, {"t": torch.ones(10)})
    with pytest.raises(EOFError):
        _read_raw(data[:-3])


def test_a_reply_announcing_more_than_its_limit_is_refused_before_its_bytes_are_read() -> None:
    body = (b'{"_tensors": [{"name": "t", "dtype": "float32", "shape": [268435456], '
            b'"nbytes": 1073741824}]}')
    data = struct.pack("<6sQ", protocol.MAGIC, len(body)) + body
    offset = 0

    def source(n: int) -> bytes:  # serves the prefix and the header, nothing more
        nonlocal offset
        if offset + n > len(data):
            raise AssertionError("read past the header")
        offset += n
        return data[offset - n:offset]

    with pytest.raises(protocol.TooLarge, match="1073741"):
        protocol.read_message(source, max_bytes=1 << 20)


def test_a_header_longer_than_the_limit_is_refused_before_it_is_read() -> None:
    with pytest.raises(protocol.TooLarge, match="header"):
        _read_raw_limited(struct.pack("<6sQ", protocol.MAGIC, 1 << 30), 1 << 20)


def _read_raw_limited(data: bytes, max_bytes: int) -> tuple[dict, dict]:
    r, w = os.pipe()
    os.write(w, data)
    os.close(w)
    try:
        return protocol.read_message(r, max_bytes=max_bytes)
    finally:
        os.close(r)
