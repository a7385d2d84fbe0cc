"""Reading shopper audio from files: any rate, mono or stereo, into 16 kHz mono int16."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import soundfile as sf
import soxr

from asr.settings import SAMPLE_RATE

PIPELINE_RATE = SAMPLE_RATE


class AudioFileError(ValueError):
    """A file that cannot be used as shopper audio; the message names the file and why."""


def to_pipeline_pcm(audio: np.ndarray, sample_rate: int) -> bytes:
    """Float or int samples, any rate, (frames,) or (frames, channels) -> 16 kHz mono int16 bytes."""
    if audio.ndim == 2:
        audio = audio.mean(axis=1)
    if audio.dtype.kind in "iu":
        audio = audio.astype(np.float32) / float(np.iinfo(audio.dtype).max)
    audio = audio.astype(np.float32)
    if sample_rate != PIPELINE_RATE:
        audio = soxr.resample(audio, sample_rate, PIPELINE_RATE, quality="HQ")
    return (np.clip(audio, -1.0, 1.0) * 32767).astype("<i2").tobytes()


def read_audio_file(path: str | Path) -> bytes:
    path = Path(path)
    if not path.is_file():
        raise AudioFileError(f"{path}: no such audio file")
    try:
        audio, rate = sf.read(str(path), dtype="float32", always_2d=False)
    except (sf.LibsndfileError, RuntimeError, ValueError) as exc:
        raise AudioFileError(f"{path}: not a readable audio file ({exc})") from None
    if rate < 8000:
        raise AudioFileError(f"{path}: sample rate {rate} Hz is too low for speech (need at least 8000 Hz)")
    if len(audio) == 0:
        raise AudioFileError(f"{path}: contains no audio samples")
    if not np.all(np.isfinite(audio)):
        raise AudioFileError(f"{path}: contains invalid (NaN or infinite) samples")
    return to_pipeline_pcm(audio, rate)
