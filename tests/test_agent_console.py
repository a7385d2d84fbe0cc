"""A person takes over, for real: a shopper on the browser WebSocket asks for a person; an agent logs in to the
console in headless Chromium, accepts, and types a line; the shopper hears it in the assistant's voice (what
Whisper transcribes from the audio the shopper received); what the shopper says next appears on the agent's
screen; the agent hands back and the assistant listens again."""

from __future__ import annotations

import asyncio
import json
import queue
import shutil
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import numpy as np
import pytest
import soxr
import websockets

from assistant.server.agent_auth import TOKEN_ENV
from tests.conftest import AGENT_TOKEN, run
from tests.wire import BROWSER_FRAME, SHOES, browser_frames, next_event, of_type, speech_16k, talk, words, ws_url

CHROMIUM = "/usr/bin/chromium"
AGENT_LINE = "Your parcel leaves our warehouse tomorrow morning."
THANKS = "Thank you very much, that is perfect."
pytestmark = pytest.mark.skipif(
    not Path(CHROMIUM).exists()
    and not shutil.which("chromium")
    and not __import__("os").environ.get("VA_REQUIRE_BROWSER"),
    reason="needs Chromium: apt-get install -y chromium",
)


class Shopper(threading.Thread):
    """The shopper's side on its own event loop: asks, asks for a person, then listens to what comes."""

    def __init__(self, base: str, question: bytes, thanks: bytes):
        super().__init__(daemon=True)
        self.base, self.question, self.thanks = base, question, thanks
        self.session: queue.Queue[str] = queue.Queue()
        self.speak_thanks = threading.Event()
        self.agent_audio: queue.Queue[tuple[np.ndarray, int, str]] = queue.Queue()
        self.states: list[str] = []
        self.failure: BaseException | None = None

    def run(self) -> None:
        try:
            asyncio.run(self._converse())
        except BaseException as exc:  # reported to the test
            self.failure = exc
            self.session.put("")

    async def _converse(self) -> None:
        async with websockets.connect(ws_url(self.base, "/ws"), max_size=None) as ws:
            session = (await next_event(ws, of_type("ready")))["session"]
            seen: list[dict] = []
            mic = asyncio.create_task(talk(ws.send, browser_frames(self.question), b"\x00" * BROWSER_FRAME))
            await next_event(ws, of_type("reply_done"), timeout_s=60, seen=seen)
            await ws.send(json.dumps({"type": "handoff"}))
            await next_event(ws, of_type("handoff"), seen=seen)
            self.session.put(session)
            await self._agent_speaks(ws)
            mic.cancel()
            await asyncio.to_thread(self.speak_thanks.wait, 120)
            mic = asyncio.create_task(talk(ws.send, browser_frames(self.thanks), b"\x00" * BROWSER_FRAME))
            await next_event(ws, lambda e: e == {"type": "state", "state": "listening"}, timeout_s=120)
            self.states.append("listening")
            mic.cancel()

    async def _agent_speaks(self, ws) -> None:
        """The audio that follows the agent's line, until it stops coming."""
        pcm, rate, text = bytearray(), 0, ""
        while True:
            try:
                message = await asyncio.wait_for(ws.recv(), 2.0 if pcm else 120)
            except TimeoutError:
                break
            if isinstance(message, bytes):
                if text:
                    pcm += message
                continue
            event = json.loads(message)
            if event["type"] == "reply" and event.get("by") == "agent":
                text = event["text"]
            elif event["type"] == "audio":
                await ws.send(json.dumps({"type": "played", "seq": event["seq"]}))
                rate = event["sample_rate"] if text else rate
        self.agent_audio.put((np.frombuffer(bytes(pcm), "<i2").astype(np.float32) / 32768, rate, text))


def test_an_agent_takes_over_from_the_console_and_the_shopper_hears_them(live_server, engines, say, tmp_path):
    from playwright.sync_api import expect, sync_playwright

    shopper = Shopper(live_server, speech_16k(say, SHOES), speech_16k(say, THANKS))
    shopper.start()
    session = shopper.session.get(timeout=180)
    assert not shopper.failure, shopper.failure
    agent = {"Authorization": f"Bearer {AGENT_TOKEN}"}
    [handoff] = [h for h in httpx.get(f"{live_server}/api/handoffs", headers=agent).json() if h["session"] == session]

    executable = CHROMIUM if Path(CHROMIUM).exists() else shutil.which("chromium")
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=executable, headless=True, args=["--no-sandbox", "--disable-gpu"])
        page = browser.new_page()
        problems: list[str] = []
        page.on("pageerror", lambda exc: problems.append(str(exc)))
        page.goto(f"{live_server}/agent")
        page.fill("#login-secret", "not-the-token-at-all")
        page.click("#login-button")
        expect(page.locator("#login-error")).to_be_visible()
        page.fill("#login-secret", AGENT_TOKEN)
        page.click("#login-button")
        expect(page.locator("#link")).to_have_text("live", timeout=15_000)
        entry = page.locator(f'#queue button[data-id="{handoff["id"]}"]')
        expect(entry).to_be_visible(timeout=15_000)
        entry.click()
        expect(page.locator("#transcript li.user").first).to_be_visible()
        page.click("#accept")
        expect(page.locator("#say-button")).to_be_enabled(timeout=15_000)
        page.fill("#say-text", AGENT_LINE)
        page.click("#say-button")
        expect(page.locator("#transcript li.agent")).to_have_text(f"You: {AGENT_LINE}", timeout=15_000)

        audio, rate, said = shopper.agent_audio.get(timeout=120)
        assert said == AGENT_LINE and rate > 0
        audio16k = soxr.resample(audio, rate, 16000).astype(np.float32)
        with ThreadPoolExecutor(1) as pool:  # Playwright's loop runs on this thread
            heard = pool.submit(lambda: run(engines.transcriber().final(audio16k))).result()
        assert {"parcel", "tomorrow"} <= set(words(heard.text).split()), heard.text

        shopper.speak_thanks.set()  # the shopper answers: the agent reads it
        expect(page.locator("#transcript li.user").last).to_contain_text("thank", ignore_case=True, timeout=60_000)
        page.click("#hand-back")
        shopper.join(timeout=120)
        browser.close()
    assert not shopper.failure, shopper.failure
    assert shopper.states == ["listening"]  # the assistant answers again
    assert not problems, problems
    record = httpx.get(f"{live_server}/api/handoffs/{handoff['id']}", headers=agent).json()
    assert record["status"] == "closed" and record["agent"] == "agent"
    roles = [line["role"] for line in record["transcript"]]
    assert "agent" in roles and roles.index("agent") < len(roles) - 1  # the shopper's answer came after it


def test_when_no_agent_accepts_in_time_the_assistant_offers_a_call_back(engines, say, monkeypatch) -> None:
    import dataclasses

    from assistant.server.app import create_app
    from assistant.server.run import BackgroundServer

    monkeypatch.setenv(TOKEN_ENV, AGENT_TOKEN)
    config = engines.config.model_copy(deep=True)
    config.handoff.wait_s = 5
    question, number = speech_16k(say, SHOES), speech_16k(say, "You can call me on 555 867 5309.")

    async def shopper(base: str) -> tuple[str, list[dict]]:
        seen: list[dict] = []
        async with websockets.connect(ws_url(base, "/ws"), max_size=None) as ws:
            session = (await next_event(ws, of_type("ready")))["session"]
            mic = asyncio.create_task(talk(ws.send, browser_frames(question), b"\x00" * BROWSER_FRAME))
            await next_event(ws, of_type("reply_done"), timeout_s=60, seen=seen)
            await ws.send(json.dumps({"type": "handoff"}))
            await next_event(ws, lambda e: e["type"] == "reply" and e.get("by") == "assistant", timeout_s=60, seen=seen)
            mic.cancel()
            mic = asyncio.create_task(talk(ws.send, browser_frames(number), b"\x00" * BROWSER_FRAME))
            noted = engines.dialogue.phrase("en", "handoff_callback_noted")
            try:
                await next_event(ws, lambda e: e["type"] == "reply" and e["text"] == noted, timeout_s=60, seen=seen)
            except TimeoutError:
                raise AssertionError(f"no call back noted: {[e for e in seen if e['type'] != 'audio']}") from None
            mic.cancel()
            await asyncio.gather(mic, return_exceptions=True)
        return session, seen

    app = create_app(config, engines=dataclasses.replace(engines, config=config))
    with BackgroundServer(app) as server:
        session, seen = asyncio.run(shopper(server.url))
        agent = {"Authorization": f"Bearer {AGENT_TOKEN}"}
        [record] = [h for h in httpx.get(f"{server.url}/api/handoffs", headers=agent).json() if h["session"] == session]
    offers = [e["text"] for e in seen if e["type"] == "reply" and e.get("by") == "assistant"]
    assert offers[0] == engines.dialogue.phrase("en", "handoff_callback_ask")
    assert offers[-1] == engines.dialogue.phrase("en", "handoff_callback_noted")
    # The number as Whisper heard it ("five three oh nine" is sometimes "53009"): the digits, in order.
    assert record["callback"].startswith("555867") and record["callback"].endswith("9"), record["callback"]
    assert record["status"] == "waiting"
    said = " ".join(line["text"] for line in record["transcript"] if line["role"] == "user")
    assert "867" not in said and "[phone number]" in said  # the number is kept for the call back, not in the text


def test_an_agent_on_one_worker_talks_to_a_shopper_on_another(engines, say, postgres_url, monkeypatch) -> None:
    """Two server workers share a PostgreSQL store: the handoff filed on one reaches a console on the other
    (LISTEN/NOTIFY), and the agent's line typed there is spoken by the worker that holds the shopper."""
    from assistant.records.store import URL_ENV
    from assistant.server.app import create_app
    from assistant.server.run import BackgroundServer

    monkeypatch.setenv(URL_ENV, postgres_url)
    monkeypatch.setenv(TOKEN_ENV, AGENT_TOKEN)
    question = speech_16k(say, SHOES)

    async def both(shopper_url: str, agent_url: str) -> tuple[str, str]:
        async with (
            websockets.connect(ws_url(agent_url, "/agent/ws")) as console,
            websockets.connect(ws_url(shopper_url, "/ws"), max_size=None) as shopper,
        ):
            await console.send(json.dumps({"type": "auth", "token": AGENT_TOKEN}))
            await next_event(console, of_type("ready"))
            session = (await next_event(shopper, of_type("ready")))["session"]
            mic = asyncio.create_task(talk(shopper.send, browser_frames(question), b"\x00" * BROWSER_FRAME))
            await next_event(shopper, of_type("reply_done"), timeout_s=60)
            await shopper.send(json.dumps({"type": "handoff"}))
            queued = await next_event(
                console, lambda e: e["type"] == "queue" and any(h["session"] == session for h in e["handoffs"]), 30
            )
            handoff_id = next(h["id"] for h in queued["handoffs"] if h["session"] == session)
            await console.send(json.dumps({"type": "accept", "id": handoff_id}))
            await next_event(console, lambda e: e["type"] == "handoff" and e["record"]["status"] == "accepted", 30)
            await console.send(json.dumps({"type": "say", "id": handoff_id, "text": AGENT_LINE}))
            spoken = await next_event(shopper, lambda e: e["type"] == "reply" and e.get("by") == "agent", 60)
            shown = await next_event(console, lambda e: e["type"] == "line" and e["line"]["role"] == "agent", 30)
            mic.cancel()
            await asyncio.gather(mic, return_exceptions=True)
            return spoken["text"], shown["line"]["text"]

    first = create_app(engines.config, engines=engines)
    second = create_app(engines.config, engines=engines)
    with BackgroundServer(first) as shopper_side, BackgroundServer(second) as agent_side:
        spoken, shown = asyncio.run(both(shopper_side.url, agent_side.url))
    assert spoken == AGENT_LINE and shown == AGENT_LINE


def test_an_agent_speaks_to_a_caller_on_the_phone(live_server, engines) -> None:
    """On the phone line: 0 asks for a person; the agent's typed line reaches the caller as μ-law audio that
    Whisper understands."""
    import base64
    import time

    from assistant.callers import dial
    from assistant.transports import mulaw
    from tests.wire import CONNECTED, PHONE_SILENCE, STOP, twilio_start

    call_sid = f"CA{time.monotonic_ns()}"
    parameters = dial(live_server, call_sid, caller="+15557654321")
    agent = {"Authorization": f"Bearer {AGENT_TOKEN}"}

    async def media_until_quiet(ws, quiet_s: float) -> bytes:
        """μ-law audio until none comes for `quiet_s`; marks echoed as Twilio does once audio has played."""
        audio = bytearray()
        while True:
            try:
                message = json.loads(await asyncio.wait_for(ws.recv(), quiet_s if audio else 60))
            except TimeoutError:
                return bytes(audio)
            if message.get("event") == "media":
                audio += base64.b64decode(message["media"]["payload"])
            elif message.get("event") == "mark":
                await ws.send(json.dumps({"event": "mark", "streamSid": "MZagent", "mark": message["mark"]}))

    async def call() -> bytes:
        async with (
            websockets.connect(ws_url(live_server, "/twilio/stream")) as phone,
            websockets.connect(ws_url(live_server, "/agent/ws")) as console,
        ):
            await phone.send(CONNECTED)
            await phone.send(twilio_start("MZagent", call_sid, parameters))
            mic = asyncio.create_task(talk(phone.send, [], PHONE_SILENCE))
            await phone.send(json.dumps({"event": "dtmf", "dtmf": {"track": "inbound_track", "digit": "0"}}))
            await media_until_quiet(phone, 1.5)  # "a person will take over"
            [handoff] = [
                h
                for h in httpx.get(f"{live_server}/api/handoffs", headers=agent).json()
                if h["caller"].get("callSid") == call_sid
            ]
            await console.send(json.dumps({"type": "auth", "token": AGENT_TOKEN}))
            await console.send(json.dumps({"type": "accept", "id": handoff["id"]}))
            await next_event(console, lambda e: e["type"] == "handoff" and e["record"]["status"] == "accepted", 30)
            await console.send(json.dumps({"type": "say", "id": handoff["id"], "text": AGENT_LINE}))
            heard = await media_until_quiet(phone, 2.0)
            mic.cancel()
            await asyncio.gather(mic, return_exceptions=True)
            await phone.send(STOP)
            return heard

    ulaw = asyncio.run(call())
    audio = mulaw.decode(ulaw).astype(np.float32) / 32768
    assert len(audio) > 8000  # over a second of speech
    audio16k = soxr.resample(audio, 8000, 16000).astype(np.float32)
    heard = run(engines.transcriber().final(audio16k))
    assert {"parcel", "tomorrow"} <= set(words(heard.text).split()), heard.text
