"""Hot reload on a real server: a valid edit is used by the next turn, an invalid one is refused and the
running config stays."""

from __future__ import annotations

import logging
import time

from assistant.config import load_config

OPERATOR_INTENT = """
dialogue:
  intents:
    - name: opening_hours
      action: reply
      patterns: {en: ['\\bopen\\b']}
  replies:
    opening_hours: {en: "Our phone line is staffed on weekdays."}
"""


def _wait_for(check, timeout_s: float = 15.0) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.2)
    return False


def test_the_server_reloads_a_valid_config_and_refuses_an_invalid_one(engines, tmp_path, caplog):
    from assistant.server.app import create_app
    from assistant.server.run import BackgroundServer

    path = tmp_path / "assistant.yaml"
    path.write_text("barge_in:\n  min_speech_ms: 300\n")
    original = engines.config
    app = create_app(load_config(path), engines=engines, config_path=str(path))
    caplog.set_level(logging.INFO, logger="assistant")
    try:
        with BackgroundServer(app):

            def says_hours() -> bool:
                return engines.dialogue.respond_now("When are you open?", "en").intent == "opening_hours"

            assert not says_hours()
            path.write_text(OPERATOR_INTENT)
            assert _wait_for(says_hours), "the new intent never took effect"
            path.write_text(OPERATOR_INTENT.replace("['\\bopen\\b']", "['(unclosed']"))
            assert _wait_for(lambda: "still serving the previous config" in caplog.text)
            assert "not a valid regular expression" in caplog.text
            assert says_hours()  # the last valid config keeps serving
    finally:
        engines.reconfigure(original)
    assert not says_hours()
