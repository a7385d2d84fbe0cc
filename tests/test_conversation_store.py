"""The durable conversation store on a real SQLite file and a real PostgreSQL server: lines in order, cut-off
replies, redaction before storage, the handoff lifecycle under concurrent agents, webhook deliveries claimed
once, retention, and clear errors for a store that cannot be reached."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import subprocess
import sys
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest

from assistant.handoff import HandoffDesk, HandoffRecord, TranscriptLine
from assistant.records.recorder import Recorder
from assistant.records.store import ConversationStore, HandoffConflict, Line, StoreError
from assistant.records.webhook import SIGNATURE_HEADER, TIMESTAMP_HEADER, WebhookSender


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request: pytest.FixtureRequest, tmp_path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path}/conversations.db"
    return request.getfixturevalue("postgres_url")


@pytest.fixture
def store(store_url: str):
    opened = ConversationStore(store_url)
    yield opened
    opened.close()


def _conversation(store: ConversationStore, channel: str = "browser") -> str:
    conversation = uuid.uuid4().hex[:12]
    store.start_conversation(conversation, channel, {"callSid": "CA1"})
    return conversation


def _handoff(conversation: str, **fields) -> HandoffRecord:
    values = {"channel": "browser", "reason": "asked in words", "language": "en", "transcript": (), "products": ()}
    return HandoffRecord(session=conversation, **(values | fields))


def test_lines_come_back_in_order_with_what_was_heard(store: ConversationStore) -> None:
    conversation = _conversation(store)
    store.append(conversation, Line("user", "¿Tienen zapatillas rojas?", "es", asr_confidence=0.81))
    store.append(conversation, Line("assistant", "Sí, las TrailRunner cuestan 89 dólares.", "es", products=("p1",)))
    store.amend_last(conversation, "assistant", "Sí, las TrailRunner", interrupted=True)
    store.append(conversation, Line("user", "我想要蓝色的", "zh"))
    lines = [line for _, line in store.transcript(conversation)]
    assert [(line.role, line.language) for line in lines] == [("user", "es"), ("assistant", "es"), ("user", "zh")]
    assert lines[0].asr_confidence == pytest.approx(0.81)
    assert lines[1].text == "Sí, las TrailRunner" and lines[1].interrupted and lines[1].products == ("p1",)
    assert lines[2].text == "我想要蓝色的"
    first_id = store.transcript(conversation)[0][0]
    assert [line.text for _, line in store.transcript(conversation, after_line=first_id)][-1] == "我想要蓝色的"
    assert store.conversation(conversation)["language"] == "zh"


def test_the_recorder_redacts_before_anything_is_stored(store: ConversationStore) -> None:
    recorder = Recorder(store)
    conversation = uuid.uuid4().hex[:12]
    recorder.conversation_started(conversation, "phone", {"from": "+15550100"})
    said = [
        ("en", "my card is 4111 1111 1111 1111, expiry 12/27, call me on 555-867-5309"),
        ("es", "mi correo es ana punto lopez arroba gmail punto com"),
        ("de", "meine Karte ist 5555 5555 5555 4444"),
    ]
    for language, text in said:
        recorder.line(conversation, Line("user", text, language))
    recorder.line(conversation, Line("assistant", "Your order A1042 ships tomorrow.", "en"))
    recorder.close()
    stored = " ".join(line.text for _, line in store.transcript(conversation))
    for secret in ("4111", "12/27", "867-5309", "lopez", "5555"):
        assert secret not in stored, stored
    assert "A1042" in stored  # an order id is not personal data


def test_a_handoff_is_accepted_by_one_agent_only(store: ConversationStore) -> None:
    conversation = _conversation(store)
    record = _handoff(conversation)
    store.file_handoff(record)
    with ThreadPoolExecutor(8) as pool:
        outcomes = list(pool.map(lambda agent: _try(store.accept, record.id, agent), [f"agent{i}" for i in range(8)]))
    winners = [o for o in outcomes if isinstance(o, HandoffRecord)]
    assert len(winners) == 1 and winners[0].status == "accepted"
    assert all(isinstance(o, HandoffConflict) for o in outcomes if o not in winners)
    assert store.release(record.id).status == "waiting"
    assert store.accept(record.id, "ann").agent == "ann"
    assert store.close_handoff(record.id, "ann").status == "closed"
    with pytest.raises(HandoffConflict, match="closed"):
        store.accept(record.id, "bob")
    with pytest.raises(KeyError):
        store.accept("no-such-handoff", "bob")


def _try(move, *args):
    try:
        return move(*args)
    except HandoffConflict as exc:
        return exc


def test_a_handoff_filed_without_recorded_lines_keeps_its_transcript(store: ConversationStore) -> None:
    lines = (TranscriptLine("user", "Ich möchte mit einem Menschen sprechen", "de", 1.0),)
    record = _handoff("chat-" + uuid.uuid4().hex[:8], transcript=lines, language="de", cart=({"sku": "S1"},))
    store.file_handoff(record)
    stored = store.handoff(record.id)
    assert stored.transcript[0].text == lines[0].text and stored.cart == ({"sku": "S1"},)
    listed = store.handoffs(status="waiting", limit=500)
    assert record.id in [r.id for r in listed]
    assert record.id not in [r.id for r in store.handoffs(status="closed", limit=500)]


def test_retention_deletes_old_conversations_but_not_open_handoffs(store: ConversationStore) -> None:
    long_ago = time.time() - 100 * 86_400
    old, waiting, recent = (uuid.uuid4().hex[:12] for _ in range(3))
    for conversation, at in ((old, long_ago), (waiting, long_ago), (recent, time.time())):
        store.start_conversation(conversation, "browser", {}, at=at)
        store.append(conversation, Line("user", "hello", "en", at=at))
    closed = _handoff(old)
    store.file_handoff(closed, announce=True)
    store.close_handoff(closed.id, "ann")
    store.file_handoff(_handoff(waiting))
    assert store.purge(time.time() - 90 * 86_400) == 1
    assert store.conversation(old) is None and store.transcript(old) == [] and store.handoff(closed.id) is None
    assert store.delivery(closed.id) is None
    assert store.conversation(waiting) is not None and store.conversation(recent) is not None


def test_deliveries_are_claimed_once_and_retried_until_given_up(store: ConversationStore) -> None:
    conversation = _conversation(store)
    record = _handoff(conversation)
    store.file_handoff(record, announce=True)
    now = time.time()
    with ThreadPoolExecutor(4) as pool:
        claims = list(pool.map(lambda _: store.claim_deliveries(now, 60.0, limit=1000), range(4)))
    assert sum(record.id in claimed for claimed in claims) == 1  # one worker sends it
    store.delivery_done(record.id, "HTTP 500", retry_at=now + 5)
    assert record.id not in store.claim_deliveries(now + 1, 60.0, limit=1000)  # not before its retry time
    assert record.id in store.claim_deliveries(now + 6, 60.0, limit=1000)
    store.delivery_done(record.id, "HTTP 500", retry_at=None)
    delivery = store.delivery(record.id)
    assert delivery["attempts"] == 2 and delivery["last_error"] == "HTTP 500"
    assert record.id not in store.claim_deliveries(now + 10_000, 60.0, limit=1000)
    assert store.handoff(record.id) is not None  # a failed webhook never loses the handoff


class _Receiver(BaseHTTPRequestHandler):
    """The shop's webhook: fails the first two posts, then keeps what it is sent."""

    received: list[tuple[dict, bytes]] = []
    failures_left = 2

    def do_POST(self) -> None:  # noqa: N802 - http.server's name
        body = self.rfile.read(int(self.headers["Content-Length"]))
        if _Receiver.failures_left > 0:
            _Receiver.failures_left -= 1
            self.send_response(500)
        else:
            _Receiver.received.append((dict(self.headers), body))
            self.send_response(204)
        self.end_headers()

    def log_message(self, *args) -> None:
        pass


def test_the_webhook_gets_each_handoff_signed_after_failures(store: ConversationStore) -> None:
    _Receiver.received, _Receiver.failures_left = [], 2
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Receiver)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    secret = "webhook-secret-0123456789"
    url = f"http://127.0.0.1:{server.server_port}/hooks/handoff"
    sender = WebhookSender(store, url, secret, attempts=5, backoff=lambda attempts: 0.0)
    conversation = _conversation(store, "phone")
    store.append(conversation, Line("user", "quiero hablar con una persona", "es"))
    record = _handoff(conversation, language="es", channel="phone")
    store.file_handoff(record, announce=True)

    async def deliver() -> None:
        async with httpx.AsyncClient(timeout=5) as client:
            for _ in range(3):
                await sender.send_due(client)

    try:
        asyncio.run(deliver())
    finally:
        server.shutdown()
    [(headers, body)] = [(h, b) for h, b in _Receiver.received if record.id in b.decode()]
    expected = hmac.new(secret.encode(), headers[TIMESTAMP_HEADER].encode() + b"." + body, hashlib.sha256)
    assert headers[SIGNATURE_HEADER] == f"sha256={expected.hexdigest()}"
    payload = json.loads(body)
    assert payload["event"] == "handoff.created" and payload["handoff"]["transcript"][0]["language"] == "es"
    delivery = store.delivery(record.id)
    assert delivery["attempts"] == 3 and delivery["delivered_at"] > 0


def test_the_desk_reads_what_the_recorder_wrote(store_url: str) -> None:
    desk = HandoffDesk(Recorder(ConversationStore(store_url)))
    conversation = uuid.uuid4().hex[:12]
    desk.recorder.conversation_started(conversation, "browser", {})
    desk.recorder.line(conversation, Line("user", "A person, please. My e-mail is ana@example.com", "en"))
    filed = desk.add(_handoff(conversation))
    found = asyncio.run(desk.get(filed.id))  # waits for the writer: no race with the conversation
    assert found is not None and found.transcript[0].text.startswith("A person, please.")
    assert "ana@example.com" not in found.transcript[0].text
    desk.recorder.close()
    desk.store.close()


def test_worker_processes_opening_a_new_store_at_once_all_work(store_url: str) -> None:
    opening = (
        "import sys; from assistant.records.store import ConversationStore; ConversationStore(sys.argv[1]).counts()"
    )
    workers = [subprocess.Popen([sys.executable, "-c", opening, store_url], stderr=subprocess.PIPE) for _ in range(3)]
    for worker in workers:
        _, err = worker.communicate(timeout=120)
        assert worker.returncode == 0, err.decode()[-2000:]
    with ThreadPoolExecutor(3) as pool:  # and threads of one process
        for opened in pool.map(ConversationStore, [store_url] * 3):
            opened.close()


@pytest.mark.parametrize(
    "url,says",
    [
        ("not a url", "not a database URL"),
        ("sqlite:////no/such/folder/c.db", "does not exist"),
        ("postgresql://nobody:secret@127.0.0.1:1/x", "connection"),
        ("mysql://x@127.0.0.1/x", "mysql"),
    ],
)
def test_a_store_that_cannot_open_says_why_without_its_password(url: str, says: str) -> None:
    with pytest.raises(StoreError, match=says) as raised:
        ConversationStore(url)
    assert "secret" not in str(raised.value)


def test_a_generated_turn_keeps_what_the_model_was_given_and_a_cut_reply_what_was_heard() -> None:
    from types import SimpleNamespace

    from assistant.server.conversations import Conversations
    from assistant.server.metrics import Metrics
    from assistant.turn import TurnRecord
    from dialogue.state import ConversationState

    desk = HandoffDesk.in_memory()
    conversations = Conversations(SimpleNamespace(), Metrics(), desk)
    transport = SimpleNamespace(channel="browser", session_id="s-llm")
    session = SimpleNamespace(dialogue_state=ConversationState())
    desk.recorder.conversation_started("s-llm", "browser", {})

    async def a_turn() -> None:  # on the event loop, as in the server: lines are also published to consoles
        conversations._record("s-llm", {"type": "transcript", "text": "Are they good in the rain?", "language": "en"})
        conversations._record("s-llm", {"type": "reply", "text": "Yes, they are water-resistant.", "language": "en"})
        turn = TurnRecord(index=0, speech_end_at=0.0, language="en", interrupted=True, heard_reply="Yes, they")
        turn.facts = ("VoltEdge Wireless Earbuds: water-resistant design, $67.99",)
        conversations._turn_done(transport, session, turn)
        await asyncio.sleep(0)

    asyncio.run(a_turn())
    desk.recorder.close()
    lines = [line for _, line in desk.store.transcript("s-llm")]
    assert [(line.role, line.text) for line in lines] == [
        ("user", "Are they good in the rain?"),
        ("assistant", "Yes, they"),
        ("tool", "VoltEdge Wireless Earbuds: water-resistant design, $67.99"),
    ]
    assert lines[1].interrupted
