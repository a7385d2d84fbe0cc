"""Whole conversations through the real pipeline, in real time, from WAV files."""

from assistant.simulate import simulate
from dialogue.grounding import format_price
from tests.conftest import run

LONG_QUESTION = "Is the FlowFit yoga mat in stock?"  # its answer takes about five seconds to say


def test_question_about_a_catalog_product_is_answered_with_its_price(engines, say):
    product = next(
        h.product
        for h in engines.store.search("TrailRunner Running Shoes", limit=5)
        if h.product.title == "TrailRunner Running Shoes"
    )
    turns = run(simulate(engines, [say("How much are the TrailRunner running shoes?")]))
    assert len(turns) == 1
    turn = turns[0]
    assert turn.language == "en" and "running shoes" in turn.transcript.lower()
    assert product.title in turn.reply
    assert format_price(product.price, product.currency, "en") in turn.reply
    assert not turn.interrupted and turn.heard_reply == turn.reply
    latency = turn.latency_ms()
    assert all(latency[k] is not None for k in ("endpoint", "asr_final", "first_text", "first_audio", "voice_to_voice"))
    assert latency["first_text"] <= latency["first_audio"] <= latency["voice_to_voice"]


def test_barge_in_stops_playback_and_truncates_history(engines, say, tmp_path):
    out = tmp_path / "heard.wav"
    files = [say(LONG_QUESTION), say("How much are the TrailRunner running shoes?")]
    turns = run(simulate(engines, files, barge_in_after=1.2, out=out))
    assert len(turns) == 2
    first, second = turns
    assert first.interrupted and not second.interrupted
    assert first.heard_reply and len(first.heard_reply) < len(first.reply)
    assert first.reply.startswith(first.heard_reply)
    assert first.latency_ms()["barge_in"] > 0
    assert "TrailRunner" in second.reply
    # The played audio stops early: less than the full first reply plus the second.
    import soundfile as sf

    info = sf.info(str(out))
    assert info.duration < first.tts_audio_s + second.tts_audio_s


def test_backchannel_does_not_interrupt(engines, say):
    files = [say(LONG_QUESTION), say("Okay.")]  # Piper cannot say "uh-huh" clearly
    events = []
    turns = run(simulate(engines, files, barge_in_after=1.2, on_event=events.append))
    assert [e["type"] for e in events].count("backchannel_ignored") == 1  # it was heard, and let pass
    assert len(turns) == 1  # an acknowledgement is not a turn of its own
    assert not turns[0].interrupted and turns[0].heard_reply == turns[0].reply


def test_session_history_holds_only_what_was_heard(engines, say):
    from assistant.audio_io import read_audio_file
    from assistant.session import Session
    from assistant.transports.wav_file import WavFileConversation

    conversation = WavFileConversation(
        [read_audio_file(say(LONG_QUESTION)), read_audio_file(say("Do you have wireless earbuds?"))], barge_in_after=1.0
    )
    session = Session(engines, conversation)
    conversation.is_idle = session.is_idle
    run(session.run(conversation.frames()))
    roles = [m.role for m in session.history.messages]
    assert roles == ["user", "assistant", "user", "assistant"]
    cut = session.history.messages[1]
    assert cut.interrupted and cut.full_text.startswith(cut.text) and len(cut.text) < len(cut.full_text)
    assert session.state.value == "closed"


def test_partial_transcripts_are_shown_while_the_shopper_speaks(engines, say):
    from assistant.audio_io import read_audio_file
    from assistant.session import Session
    from assistant.transports.wav_file import WavFileConversation

    events = []
    question = "Do you have the AirWave wireless earbuds in black, and how much are they in white?"
    conversation = WavFileConversation([read_audio_file(say(question))])
    session = Session(engines, conversation, on_event=events.append)
    conversation.is_idle = session.is_idle
    run(session.run(conversation.frames()))
    kinds = [e["type"] for e in events]
    partials = [e for e in events if e["type"] == "partial"]
    assert partials and kinds.index("partial") < kinds.index("transcript")
    final = next(e for e in events if e["type"] == "transcript")["text"]
    assert "wireless" in final.lower() and "black" in final.lower()
    assert any(p["committed"] for p in partials)  # a stable prefix was committed before the end
    states = [e["state"] for e in events if e["type"] == "state"]
    # Under CPU load the pause after "in black," can still end the turn early (the cut-off that the voice
    # issue fixes); then the rest is a second turn. Either way every turn is heard, answered and finished.
    assert states[:3] == ["user_speaking", "thinking", "speaking"] and states[-1] == "listening", states


def test_spanish_speech_is_answered_in_spanish_by_the_fallback_voice(engines):
    from tests.conftest import recorded_clip

    wav, _ = recorded_clip("es", "conteo")
    turns = run(simulate(engines, [wav]))
    assert len(turns) == 1
    turn = turns[0]
    assert turn.language == "es"
    assert turn.reply == engines.dialogue.locales["es"].replies["fallback"]  # never an English reply
    assert turn.tts_audio_s > 1.0


def test_a_turn_that_fails_is_reported_and_the_conversation_goes_on(engines, say, monkeypatch):
    real_respond = engines.dialogue.respond

    async def broken_for_yoga(text, language, context=None, **turn):
        # Whisper's spelling of the product varies with the CPU and its load ("Yoge Mat", "yogamat").
        if any(word in text.lower() for word in ("yog", "mat", "flow")):
            raise RuntimeError("catalog unavailable")
        return await real_respond(text, language, context, **turn)

    monkeypatch.setattr(engines.dialogue, "respond", broken_for_yoga)
    events = []
    turns = run(
        simulate(
            engines,
            [say("How much is the FlowFit yoga mat?"), say("Do you have wireless earbuds?")],
            on_event=events.append,
        )
    )
    errors = [e for e in events if e["type"] == "error"]
    assert len(errors) == 1 and "catalog unavailable" in errors[0]["message"]
    assert len(turns) == 1 and "Earbuds" in turns[0].reply  # the session was not left stuck
    assert [e["state"] for e in events if e["type"] == "state"][-1] == "listening"


def test_asking_for_a_person_in_words_hands_the_conversation_over(engines, say):
    events: list[dict] = []
    files = [say("Can I talk to a person, please?"), say("Do you have wireless earbuds?")]
    turns = run(simulate(engines, files, on_event=events.append))
    [handoff] = [e for e in events if e["type"] == "handoff"]
    assert handoff["reason"] == "asked in words" and handoff["language"] == "en"
    assert [line["role"] for line in handoff["transcript"]] == ["user", "assistant"]
    assert "person" in turns[0].reply
    # A person has the conversation now: the assistant answers nothing more.
    assert len(turns) == 1
    assert {"type": "state", "state": "handed_off"} in events


def test_a_language_hint_is_kept_only_when_whisper_knows_the_language(engines):
    from assistant.session import Session
    from assistant.transports.wav_file import WavFileConversation

    session = Session(engines, WavFileConversation([]))
    assert session._prior_language() is None  # no hint: an unsure first turn gets a full language-id pass
    session.hint_language("es-MX")
    assert session.language_hint == "es" and session._prior_language() == "es"
    session.hint_language("xx-klingon")
    session.hint_language("")
    assert session.language_hint == "es"
