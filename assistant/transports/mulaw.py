"""G.711 μ-law, the telephone codec: 8-bit samples at 8 kHz (ITU-T G.711, as Twilio sends it)."""

from __future__ import annotations

import numpy as np

_BIAS = 0x84
_BIAS14, _CLIP14 = 0x21, 8159


def _decode_table() -> np.ndarray:
    codes = ~np.arange(256, dtype=np.int32) & 0xFF
    sign, exponent, mantissa = codes & 0x80, (codes >> 4) & 0x07, codes & 0x0F
    magnitude = (((mantissa << 3) + _BIAS) << exponent) - _BIAS
    return np.where(sign != 0, -magnitude, magnitude).astype(np.int16)


_DECODE = _decode_table()


def decode(data: bytes) -> np.ndarray:
    """μ-law bytes -> int16 samples."""
    return _DECODE[np.frombuffer(data, dtype=np.uint8)]


def encode(pcm: np.ndarray) -> bytes:
    """int16 samples -> μ-law bytes (on the 14-bit scale G.711 defines, rounding as CPython's audioop did)."""
    x = pcm.astype(np.int32) >> 2
    sign = np.where(x < 0, 0x80, 0)
    magnitude = np.minimum(np.abs(x), _CLIP14) + _BIAS14
    segment = np.floor(np.log2(magnitude)).astype(np.int32) - 5
    exponent = np.clip(segment, 0, 7)
    mantissa = np.where(segment > 7, 0x0F, (magnitude >> (exponent + 1)) & 0x0F)  # full scale saturates
    return (~(sign | (exponent << 4) | mantissa) & 0xFF).astype(np.uint8).tobytes()
