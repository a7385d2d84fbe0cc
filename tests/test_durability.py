"""A server killed with SIGKILL mid-conversation loses no turn the shopper finished: after a restart the agents'
API shows every committed line of the conversation and its handoff. Real `voice-assistant serve` processes,
real models, real speech."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import websockets

from assistant.records.store import URL_ENV
from assistant.server.agent_auth import TOKEN_ENV
from tests.conftest import AGENT_TOKEN, free_port
from tests.wire import BROWSER_FRAME, SHOES, browser_frames, next_event, of_type, speech_16k, talk, ws_url

AGENT = {"Authorization": f"Bearer {AGENT_TOKEN}"}
SECOND = "How much are the yoga mats?"


class Server:
    def __init__(self, folder: Path, port: int):
        self.url = f"http://127.0.0.1:{port}"
        config = folder / "assistant.yaml"
        config.write_text('dialogue:\n  llm:\n    mode: "off"\n', encoding="utf-8")
        env = os.environ | {URL_ENV: f"sqlite:///{folder}/conversations.db", TOKEN_ENV: AGENT_TOKEN}
        command = [sys.executable, "-m", "assistant.cli", "serve", "--config", str(config), "--port", str(port)]
        self.log = open(folder / f"server-{port}.log", "wb")  # noqa: SIM115 - closed in kill()
        self.process = subprocess.Popen(command, env=env, stdout=self.log, stderr=subprocess.STDOUT)

    def wait(self, path: str, limit_s: float = 240.0) -> None:
        deadline = time.monotonic() + limit_s
        while time.monotonic() < deadline:
            assert self.process.poll() is None, f"the server exited: {self.process.returncode}"
            try:
                if httpx.get(f"{self.url}{path}", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.25)
        raise AssertionError(f"{path} not ready in {limit_s} s")

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=30)
        self.log.close()


def test_a_server_killed_mid_conversation_keeps_every_committed_turn(say, tmp_path: Path) -> None:
    first, second = speech_16k(say, SHOES), speech_16k(say, SECOND)
    server = Server(tmp_path, free_port())
    try:
        server.wait("/readyz")

        async def converse() -> tuple[str, list[dict]]:
            seen: list[dict] = []
            async with websockets.connect(ws_url(server.url, "/ws")) as ws:
                session = (await next_event(ws, of_type("ready")))["session"]
                for pcm in (first, second):
                    mic = asyncio.create_task(talk(ws.send, browser_frames(pcm), b"\x00" * BROWSER_FRAME))
                    await next_event(ws, of_type("reply_done"), timeout_s=60, seen=seen)
                    mic.cancel()
                    await asyncio.gather(mic, return_exceptions=True)
                await ws.send(json.dumps({"type": "handoff"}))
                await next_event(ws, of_type("handoff"), seen=seen)
                # The shopper goes on talking to the person who will take over: the server dies meanwhile.
                mic = asyncio.create_task(talk(ws.send, browser_frames(first), b"\x00" * BROWSER_FRAME))
                await asyncio.sleep(0.5)
                server.kill()
                mic.cancel()
                await asyncio.gather(mic, return_exceptions=True)
            return session, seen

        session, seen = asyncio.run(converse())
    finally:
        server.kill()
    heard = [e["text"] for e in seen if e["type"] == "transcript"]
    replies = [e["text"] for e in seen if e["type"] == "reply"]
    assert len(heard) == 2 and len(replies) == 3  # two answers and "a person will take over"

    restarted = Server(tmp_path, free_port())
    try:
        restarted.wait("/healthz")  # the agents' API answers while the models load
        [record] = [
            r for r in httpx.get(f"{restarted.url}/api/handoffs", headers=AGENT).json() if r["session"] == session
        ]
    finally:
        restarted.kill()
    lines = record["transcript"]
    assert [line["text"] for line in lines if line["role"] == "user"] == heard
    assert [line["text"] for line in lines if line["role"] == "assistant"] == replies
    assert all(0 < line["asr_confidence"] <= 1 for line in lines if line["role"] == "user")
    assert record["reason"] == "button" and record["status"] == "waiting"
