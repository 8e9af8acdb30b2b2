"""A block: one sensor's data notifications of one chunk, stored column-wise and compressed.

Format 2.0 stores each sensor's data notifications of a chunk (0.5 s of arrival time) as one
MCAP message, so that what they share is stored once and what they carry compresses well:

- the arrival times (ns), delta-coded, and, where a chunk's notifications were not written in
  the order of (arrival time, channel id) (a time that went back, a status written before its
  sensor's data of the same nanosecond), the order of each among all those of its chunk;
- the 12-byte headers of protocol v1 packets column by column, sequence and tick delta-coded
  (they advance by a constant; the chunk's zstd then holds them in a few bytes);
- the packets' samples, (n, 6) int16, as the frames of one 6-channel FLAC stream (libFLAC's
  linear prediction and Rice coding: 18.7 MB/h against 22.4 for second differences, see
  docs/recording.md, "Figures"), without the stream's metadata, which the reader makes up;
- any payload that is not a whole v1 packet (another version, a truncated or padded one: what
  the decoder will reject) kept byte for byte.

Multi-byte columns are stored byte plane by byte plane (all low bytes, then all high bytes),
which is where zstd finds the runs. A block depends on nothing outside itself, so a damaged
chunk loses only its own half second. ``decode_block(encode_block(...))`` gives back every
payload byte-identical, with its arrival time and order.

A compact block (layout 2, ``_compact``) stores the arrival times in microseconds and each
sample's code in place of the sample; ``decode_block`` rebuilds the samples from the codes.

Layout (little-endian): ``u8`` layout version (1; 2 for a compact block), ``u32`` notification
count, in a compact block its ``u16`` accelerometer and ``u16`` gyroscope steps (counts), then
seven sections, each a ``u32`` byte length and its bytes: arrival-time deltas (``i64``, ns; µs
in a compact block; the first absolute), order deltas (``u32``; the first absolute; empty when
the chunk is in time order), raw flags (``u8``: 1 where the payload is kept as it is; empty
when none is), raw lengths (``u32``), raw payloads end to end, headers of the v1 packets
(``u8`` flags, ``u16`` sequence delta, ``u32`` tick delta, ``u16`` rate, ``u8`` count, ``u8``
byte 11; the first sequence and tick absolute), their samples (FLAC frames, empty without
samples; a compact block's codes).
"""

from __future__ import annotations

import io
import struct
from collections.abc import Sequence
from typing import NamedTuple

import numpy as np
import soundfile

from anklet.protocol._constants import HEADER_SIZE, PROTOCOL_VERSION, SAMPLE_SIZE
from anklet.protocol._header import HEADER_DTYPE
from anklet.recording._compact import SampleSteps, is_whole_packet, sample_codes, sample_dither, samples_from_codes

LOSSLESS_LAYOUT = 1
COMPACT_LAYOUT = 2
_HEAD = struct.Struct("<BI")
_STEPS = struct.Struct("<HH")  # a compact block's sample steps, accelerometer and gyroscope, counts
_NS_PER_US = 1000
_LENGTH = struct.Struct("<I")
_AXES = SAMPLE_SIZE // 2  # ax, ay, az, gx, gy, gz
_FLAC_RATE_HZ = 8000  # FLAC wants a rate; the packets carry their own, so any will do (8 kHz: coded in 4 bits)
_FLAC_MAGIC = b"fLaC"
_STREAMINFO = struct.Struct(">HH3s3s8s16s")  # block sizes, frame sizes, rate|channels|bits|samples, MD5
_DELTA_COLUMNS = ("sequence", "tick_us")


class BlockEntries(NamedTuple):
    """What a block holds, in the order it was written: arrival times (ns, int64), order among
    the chunk's notifications (int64; None when the chunk's arrival times give it) and
    payloads."""

    times_ns: np.ndarray
    order: np.ndarray | None
    payloads: list[bytes]


class BadBlock(Exception):
    """A block that cannot be decoded (its chunk passed its CRC, so only a writer's bug or a
    forged file gives one)."""


def encode_block(
    times_ns: Sequence[int], order: Sequence[int] | None, payloads: Sequence[bytes], steps: SampleSteps | None = None
) -> bytes:
    """One block holding ``payloads`` with their arrival times (ns) and order (ints; None when
    the reader can sort the chunk by arrival time). With ``steps``, a compact block: the
    payloads' samples and times must be rounded as ``Recorder.take`` rounds them in a compact
    session (``_compact``), else they come back so rounded."""
    raw = np.array([not is_whole_packet(payload) for payload in payloads], dtype=np.uint8)
    whole = [payload for payload, kept in zip(payloads, raw, strict=True) if not kept]
    kept = [payload for payload, kept in zip(payloads, raw, strict=True) if kept]
    headers = np.frombuffer(b"".join(payload[:HEADER_SIZE] for payload in whole), dtype=HEADER_DTYPE)
    samples = np.frombuffer(b"".join(payload[HEADER_SIZE:] for payload in whole), dtype="<i2").reshape(-1, _AXES)
    times = np.asarray(times_ns, dtype=np.int64)
    if steps is not None:
        times = times // _NS_PER_US
        samples = sample_codes(samples, sample_dither(headers["sequence"], headers["n_samples"]), steps)
    sections = [
        _planes(_deltas(times)),
        b"" if order is None else _planes(_deltas(np.asarray(order, dtype=np.int64)).astype(np.uint32)),
        raw.tobytes() if raw.any() else b"",
        np.array([len(payload) for payload in kept], dtype="<u4").tobytes(),
        b"".join(kept),
        _header_planes(headers),
        _flac(samples) if len(samples) else b"",
    ]
    out = [_HEAD.pack(LOSSLESS_LAYOUT, len(payloads))] if steps is None else [
        _HEAD.pack(COMPACT_LAYOUT, len(payloads)), _STEPS.pack(*steps)
    ]
    for section in sections:
        out += [_LENGTH.pack(len(section)), section]
    return b"".join(out)


_DECODE_ERRORS = (struct.error, ValueError, RuntimeError, IndexError, soundfile.LibsndfileError)


class ParsedBlock(NamedTuple):
    """A block read but for its samples (``block_samples`` decodes those, ``block_entries``
    puts the two together)."""

    times_ns: np.ndarray
    order: np.ndarray | None
    is_raw: np.ndarray
    raw_lengths: np.ndarray
    raw_bytes: bytes
    headers: np.ndarray
    frames: bytes
    sample_count: int
    steps: SampleSteps | None


def decode_block(block: bytes) -> BlockEntries:
    """What ``encode_block`` was given. Raises BadBlock when ``block`` is not one."""
    parsed = parse_block(block)
    (entries,) = block_entries([parsed], block_samples([parsed]))
    if entries is None:
        raise BadBlock("its samples do not decode, or its sections do not agree")
    return entries


def parse_block(block: bytes) -> ParsedBlock:
    """Everything in ``block`` but its samples. Raises BadBlock when it is not a block."""
    try:
        return _parse(memoryview(block))
    except _DECODE_ERRORS as exc:
        raise BadBlock(f"{type(exc).__name__}: {exc}") from None


def block_samples(blocks: Sequence[ParsedBlock]) -> list[np.ndarray | None]:
    """Each block's samples, (n, 6) int16; None for a block whose frames do not decode.

    The frames of all are decoded as one stream (each ``soundfile`` stream costs 0.2 ms to
    open, 4 blocks of them a chunk), and block by block when that fails. FLAC frames stand
    alone, so libFLAC reads blocks' frames end to end; were a decoder to balk at frame numbers
    starting again in each block, the count would not match and each block is decoded alone.
    """
    with_samples = [block for block in blocks if block.sample_count]
    total = sum(block.sample_count for block in with_samples)
    try:
        joined = _unflac(b"".join(block.frames for block in with_samples), total) if total else None
    except _DECODE_ERRORS:
        joined = None
    out: list[np.ndarray | None] = []
    start = 0
    for block in blocks:
        if not block.sample_count:
            out.append(np.empty((0, _AXES), dtype="<i2") if not block.frames else None)
        elif joined is not None:
            out.append(joined[start : start + block.sample_count])
            start += block.sample_count
        else:
            out.append(_samples_alone(block))
    return out


def block_entries(blocks: Sequence[ParsedBlock], samples: Sequence[np.ndarray | None]) -> list[BlockEntries | None]:
    """Each block's notifications, their payloads rebuilt with its ``samples`` (what
    ``block_samples`` gave); None for a block whose samples did not decode or whose sections
    do not agree. The packets of all are rebuilt at once (per block, the numpy calls cost more
    than the work on a 0.5 s block)."""
    whole = [index for index, (block, block_samples_) in enumerate(zip(blocks, samples, strict=True))
             if block_samples_ is not None and _sections_agree(block, block_samples_)]
    out: list[BlockEntries | None] = [None] * len(blocks)
    if not whole:
        return out
    packets = _packets(
        np.frombuffer(b"".join(blocks[index].headers.tobytes() for index in whole), dtype=HEADER_DTYPE),  # (structured
        np.concatenate([_as_sampled(blocks[index], samples[index]) for index in whole]),  # arrays concatenate
        # slowly: their fields are promoted)
    )
    start = 0
    for index in whole:
        block = blocks[index]
        whole_packets = packets[start : start + len(block.headers)]
        start += len(block.headers)
        out[index] = BlockEntries(block.times_ns, block.order, _with_raw(block, whole_packets))
    return out


def _as_sampled(block: ParsedBlock, samples: np.ndarray) -> np.ndarray:
    """The samples the pipeline saw: a compact block's codes rebuilt, a lossless block's as stored."""
    if block.steps is None:
        return samples
    return samples_from_codes(samples, sample_dither(block.headers["sequence"], block.headers["n_samples"]), block.steps)


def _samples_alone(block: ParsedBlock) -> np.ndarray | None:
    try:
        return _unflac(block.frames, block.sample_count)
    except _DECODE_ERRORS:
        return None


def _parse(block: memoryview) -> ParsedBlock:
    layout, count = _HEAD.unpack_from(block)
    offset, steps = _HEAD.size, None
    if layout == COMPACT_LAYOUT:
        steps = SampleSteps(*_STEPS.unpack_from(block, offset))
        offset += _STEPS.size
        if min(steps) < 1:
            raise ValueError("a compact block's steps must be at least 1 count")
    elif layout != LOSSLESS_LAYOUT:
        raise ValueError(f"block layout {layout}")
    sections = []
    for _ in range(7):
        (length,) = _LENGTH.unpack_from(block, offset)
        offset += _LENGTH.size
        if offset + length > len(block):
            raise ValueError("a section runs past the block's end")
        sections.append(block[offset : offset + length])
        offset += length
    times, order_deltas, raw, raw_lengths, raw_bytes, header_columns, frames = sections
    times_ns = np.cumsum(_unplanes(times, np.dtype("<i8"), count))
    if steps is not None:
        times_ns *= _NS_PER_US
    order = np.cumsum(_unplanes(order_deltas, np.dtype("<u4"), count), dtype=np.int64) if len(order_deltas) else None
    is_raw = np.frombuffer(raw, dtype=np.uint8).astype(bool) if len(raw) else np.zeros(count, dtype=bool)
    if len(is_raw) != count:
        raise ValueError("raw flags do not match the count")
    headers = _headers(header_columns, count - int(is_raw.sum()))
    sample_count = int(headers["n_samples"].sum(dtype=np.int64))
    return ParsedBlock(
        times_ns, order, is_raw, np.frombuffer(raw_lengths, dtype="<u4"), bytes(raw_bytes), headers, bytes(frames),
        sample_count, steps,
    )


def _header_planes(headers: np.ndarray) -> bytes:
    """Bytes 1-11 of each header (byte 0, the version, is 1 in every whole packet), sequence
    and tick delta-coded, byte plane by byte plane: column by column."""
    coded = headers.copy()
    for name in _DELTA_COLUMNS:
        coded[name] = _deltas(headers[name])
    return coded.view(np.uint8).reshape(-1, HEADER_SIZE)[:, 1:].T.tobytes()


def _headers(planes: memoryview, count: int) -> np.ndarray:
    if len(planes) != (HEADER_SIZE - 1) * count:
        raise ValueError("the header columns do not match the count")
    record = np.empty((count, HEADER_SIZE), dtype=np.uint8)
    record[:, 0] = PROTOCOL_VERSION
    record[:, 1:] = np.frombuffer(planes, dtype=np.uint8).reshape(HEADER_SIZE - 1, count).T
    headers = record.view(HEADER_DTYPE).ravel()
    for name in _DELTA_COLUMNS:
        headers[name] = np.cumsum(headers[name], dtype=HEADER_DTYPE[name])
    return headers


def _sections_agree(block: ParsedBlock, samples: np.ndarray) -> bool:
    """Whether ``samples`` are as many as the block's headers say, and its raw payloads as many
    and as long as its flags and lengths say."""
    if block.sample_count != len(samples) or len(block.raw_lengths) != int(block.is_raw.sum()):
        return False
    return (int(block.raw_lengths.sum(dtype=np.int64)) if len(block.raw_lengths) else 0) == len(block.raw_bytes)


def _packets(headers: np.ndarray, samples: np.ndarray) -> list[bytes]:
    """The v1 packets of ``headers`` rebuilt, each its header, then its ``samples``: laid end to
    end as 12-byte records and sliced once each."""
    counts = headers["n_samples"].astype(np.int64)
    record_ends = np.cumsum(counts + 1)
    is_header = np.zeros(int(record_ends[-1]) if len(counts) else 0, dtype=bool)
    is_header[record_ends - counts - 1] = True
    records = np.empty((len(is_header), HEADER_SIZE), dtype=np.uint8)
    records[is_header] = headers.view(np.uint8).reshape(-1, HEADER_SIZE)
    records[~is_header] = np.ascontiguousarray(samples, dtype="<i2").view(np.uint8).reshape(-1, SAMPLE_SIZE)
    joined, byte_ends = records.tobytes(), (HEADER_SIZE * record_ends).tolist()
    return [joined[start:end] for start, end in zip([0, *byte_ends][:-1], byte_ends, strict=True)]


def _with_raw(block: ParsedBlock, packets: list[bytes]) -> list[bytes]:
    """Every payload of ``block``, in block order: its rebuilt ``packets``, the raw ones as kept."""
    if not len(block.raw_lengths):
        return packets
    raw_ends = np.cumsum(block.raw_lengths, dtype=np.int64).tolist()
    kept = [block.raw_bytes[start:end] for start, end in zip([0, *raw_ends][:-1], raw_ends, strict=True)]
    packets, kept = packets[::-1], kept[::-1]
    return [kept.pop() if raw else packets.pop() for raw in block.is_raw.tolist()]


def _deltas(values: np.ndarray) -> np.ndarray:
    """First value, then each one's difference from the one before (wrapping in the dtype)."""
    out = values.copy()
    out[1:] = values[1:] - values[:-1]
    return out


def _planes(values: np.ndarray) -> bytes:
    """``values`` little-endian, byte plane by byte plane."""
    values = np.ascontiguousarray(values, dtype=values.dtype.newbyteorder("<"))
    return values.view(np.uint8).reshape(len(values), values.dtype.itemsize).T.tobytes()


def _unplanes(data: memoryview, dtype: np.dtype, count: int) -> np.ndarray:
    dtype = dtype.newbyteorder("<")
    if len(data) != dtype.itemsize * count:
        raise ValueError("a column does not match the count")
    return np.frombuffer(data, dtype=np.uint8).reshape(dtype.itemsize, count).T.copy().view(dtype).ravel()


def _flac(samples: np.ndarray) -> bytes:
    """``samples`` as FLAC frames: the stream libsndfile writes without its metadata (the
    STREAMINFO's MD5 and sizes, a vendor comment: about 110 bytes a block, which ``_unflac``
    does without)."""
    out = io.BytesIO()
    soundfile.write(out, samples, _FLAC_RATE_HZ, format="FLAC", subtype="PCM_16")
    stream = out.getvalue()
    offset = len(_FLAC_MAGIC)
    while True:  # metadata blocks: a byte (bit 7: the last one), a 24-bit length, the body
        last, length = stream[offset] & 0x80, int.from_bytes(stream[offset + 1 : offset + 4], "big")
        offset += 4 + length
        if last:
            return stream[offset:]


def _unflac(frames: memoryview, count: int) -> np.ndarray:
    """The ``count`` samples of ``_flac``'s frames, read as a stream behind a STREAMINFO made
    up for them (any block size, frame sizes and MD5 unknown: the chunk's CRC guards them)."""
    packed = (_FLAC_RATE_HZ << 44) | ((_AXES - 1) << 41) | (15 << 36) | count  # rate, channels, 16 bits, samples
    streaminfo = _STREAMINFO.pack(16, 65535, bytes(3), bytes(3), packed.to_bytes(8, "big"), bytes(16))
    stream = _FLAC_MAGIC + bytes([0x80, 0, 0, len(streaminfo)]) + streaminfo + frames
    with soundfile.SoundFile(io.BytesIO(stream)) as flac:
        if flac.channels != _AXES or flac.frames != count:
            raise ValueError(f"FLAC stream of {flac.channels} channels and {flac.frames} samples, not {count}")
        samples = flac.read(count, dtype="int16", always_2d=True)
        if len(samples) != count or len(flac.read(1, dtype="int16")):
            raise ValueError(f"the FLAC frames do not hold {count} samples")
    return samples
