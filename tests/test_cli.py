"""The `voice-assistant` command as a user runs it, and audio files that are not what they should be."""

import json
import subprocess
import sys

import numpy as np
import pytest
import soundfile as sf
import soxr

from assistant.simulate import simulate
from tests.conftest import run


def voice_assistant(*args: str, timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "assistant.cli", *args], capture_output=True, text=True, timeout=timeout
    )


def test_simulate_json_shape_with_an_8khz_stereo_file(say, tmp_path):
    # On the 8 kHz band Whisper sometimes hears "wireless earbuds" as "wireless air bits"; hiking boots it hears.
    audio, rate = sf.read(str(say("Do you have hiking boots?")), dtype="float32")
    narrow = soxr.resample(audio, rate, 8000)
    stereo = tmp_path / "stereo8k.wav"
    sf.write(stereo, np.stack([narrow, narrow * 0.8], axis=1), 8000, subtype="PCM_16")
    out = tmp_path / "reply.wav"
    result = voice_assistant("simulate", "--audio", str(stereo), "--json", "--out", str(out))
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert list(data) == ["turns"] and len(data["turns"]) == 1
    turn = data["turns"][0]
    for key, kind in [
        ("transcript", str),
        ("language", str),
        ("reply", str),
        ("interrupted", bool),
        ("heard_reply", str),
        ("latency_ms", dict),
    ]:
        assert isinstance(turn[key], kind), key
    assert set(turn["latency_ms"]) >= {"endpoint", "asr_final", "first_text", "first_audio", "voice_to_voice"}
    assert all(isinstance(v, float) for v in turn["latency_ms"].values())
    assert "hiking boots" in turn["transcript"].lower() and "Hiking Boots" in turn["reply"]
    assert sf.info(str(out)).duration > 1.0


def test_corrupt_and_missing_files_get_a_clear_error(tmp_path):
    corrupt = tmp_path / "corrupt.wav"
    corrupt.write_bytes(b"RIFF\x10\x00\x00\x00WAVEfmt garbage that is not audio")
    result = voice_assistant("simulate", "--audio", str(corrupt))
    assert result.returncode == 1
    assert "corrupt.wav" in result.stderr and "not a readable audio file" in result.stderr
    result = voice_assistant("simulate", "--audio", str(tmp_path / "absent.wav"))
    assert result.returncode == 1 and "no such audio file" in result.stderr
    empty = tmp_path / "empty.wav"
    sf.write(empty, np.zeros(0, dtype="float32"), 16000)
    result = voice_assistant("simulate", "--audio", str(empty))
    assert result.returncode == 1 and "no audio samples" in result.stderr


def test_truncated_file_plays_what_is_there(engines, say, tmp_path):
    whole = say("Do you have wireless earbuds?").read_bytes()
    truncated = tmp_path / "truncated.wav"
    truncated.write_bytes(whole[: len(whole) * 3 // 4])  # the header still claims the full length
    turns = run(simulate(engines, [truncated]))
    assert len(turns) == 1 and "wireless" in turns[0].transcript.lower()


def test_noise_and_silence_do_not_make_the_assistant_talk(engines, tmp_path):
    silence = tmp_path / "silence.wav"
    sf.write(silence, np.zeros(16000 * 2, dtype="float32"), 16000)
    noise = tmp_path / "noise.wav"
    rng = np.random.default_rng(7)
    sf.write(noise, (0.3 * rng.standard_normal(16000 * 2)).astype("float32"), 16000)
    events = []
    turns = run(simulate(engines, [silence, noise], on_event=events.append))
    assert turns == []  # no reply to nothing
    assert not [e for e in events if e["type"] in ("reply", "error")]


def test_config_check_points_at_the_bad_line(tmp_path):
    bad = tmp_path / "assistant.yaml"
    bad.write_text("asr:\n  model: whisper-base\n  vad:\n    aggressiveness: 9\n")
    result = voice_assistant("config", "check", str(bad))
    assert result.returncode == 1
    assert f"{bad}:4: asr.vad.aggressiveness" in result.stderr
    good = tmp_path / "good.yaml"
    good.write_text("barge_in:\n  min_speech_ms: 400\n")
    assert voice_assistant("config", "check", str(good)).returncode == 0


def test_config_mistakes_in_intents_and_replies_are_caught_before_they_can_break_a_turn(tmp_path):
    from assistant.config import ConfigError, parse_config

    no_text = "dialogue:\n  intents:\n    - name: opening_hours\n      action: reply\n      patterns: {en: ['open']}\n"
    with pytest.raises(ConfigError, match="replies.opening_hours has no text"):
        parse_config(no_text)
    made_up = "dialogue:\n  replies:\n    product_price:\n      en: 'Only {discount} today!'\n"
    with pytest.raises(ConfigError, match=r"unknown placeholder\(s\) \{discount\}"):
        parse_config(made_up)
    bad_regex = "dialogue:\n  intents:\n    - name: x\n      action: reply\n      patterns: {en: ['(']}\n"
    with pytest.raises(ConfigError, match="not a valid regular expression"):
        parse_config(bad_regex)
    defaults = tmp_path / "defaults.yaml"
    defaults.write_text(voice_assistant("config", "defaults").stdout)
    assert voice_assistant("config", "check", str(defaults)).returncode == 0  # the defaults round-trip


def test_talk_without_an_audio_device_says_what_to_install():
    result = voice_assistant("talk", timeout=300)
    assert result.returncode == 1
    assert "sounddevice" in result.stderr or "PortAudio" in result.stderr or "audio device" in result.stderr


@pytest.mark.parametrize(
    "text, where, message",
    [
        ("dialogue:\n  language: " + "[" * 500 + "]" * 500 + "\n", ":2:", "nested more than"),
        ("a: &a [x, x]\n" + "".join(f"b{i}: [*a, *a]\n" for i in range(80)), ":", "aliases"),
        ("catalog:\n  path: /no/such/folder/shop.db\n", ":2:", "does not exist"),
        (
            "dialogue:\n  intents:\n    - name: slow\n      action: reply\n      patterns: {en: ['(a+)+$']}\n",
            ":5:",
            "can take forever",
        ),
        (
            "dialogue:\n  intents:\n    - name: big\n      action: reply\n      patterns: {en: ['a{100000}']}\n",
            ":5:",
            "repeat count",
        ),
        ("dialogue:\n  replies:\n    greeting: {en: 'Free shipping over 50 dollars!'}\n", ":2:", "a number of its own"),
    ],
)
def test_config_check_refuses_bombs_and_broken_paths_with_a_line_and_no_traceback(tmp_path, text, where, message):
    bad = tmp_path / "bad.yaml"
    bad.write_text(text)
    result = voice_assistant("config", "check", str(bad))
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert f"{bad}{where}" in result.stderr and message in result.stderr, result.stderr


def test_chat_json_answers_each_line_and_reports_bad_lines():
    lines = [
        {"text": "Do you have running shoes?", "language": "en"},
        {"text": "How much is the second one?", "language": "en"},
        "this is not json",
        ["not", "an", "object"],
        {"text": "¿Cuánto cuesta el FlowFit Yoga Mat?", "language": "es"},
    ]
    stdin = "\n".join(line if isinstance(line, str) else json.dumps(line) for line in lines) + "\n"
    result = subprocess.run(
        [sys.executable, "-m", "assistant.cli", "chat", "--json"],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    out = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(out) == 5
    listed, second, bad_json, bad_shape, spanish = out
    assert listed["intent"] == "search" and len(listed["products"]) >= 2
    assert second["products"][0]["id"] == listed["products"][1]["id"]  # one conversation: "the second one"
    assert "$" in second["reply"] and set(second) >= {
        "reply",
        "language",
        "intent",
        "products",
        "handoff",
        "latency_ms",
    }
    assert "error" in bad_json and "error" in bad_shape
    assert spanish["language"] == "es" and "33,99" in spanish["reply"]


def test_eval_dialogue_scores_a_cases_file(tmp_path):
    cases = tmp_path / "cases.yaml"
    cases.write_text(
        "catalog: demo\ncases:\n"
        "  - {id: en-price, language: en, category: price_stock, turns: [{say: 'How much is the FlowFit yoga mat?',"
        " expect: {intent: price, must: ['33.99'], language: en}}]}\n"
        "  - {id: en-wrong, language: en, category: search, turns: [{say: 'Do you have a grand piano?',"
        " expect: {products: [flowfit-yoga-mat]}}]}\n"
    )
    result = voice_assistant("eval", "dialogue", str(cases), "--json")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)[str(cases)]
    assert report["cases"] == 2 and report["success"] == 0.5 and report["grounding_violations"] == 0
    assert list(report["failures"]) == ["en-wrong"]
    assert report["by_category"]["price_stock"]["success"] == 1.0
