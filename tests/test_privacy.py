"""Personal data never reaches a handoff record or a summary model, and only an agent with the token reads
handoffs: card numbers (Luhn, digits or spoken words, with their code and expiry), e-mail addresses and phone
numbers in several languages; order ids, prices and quantities kept."""

from __future__ import annotations

import asyncio

import pytest
from fastapi.testclient import TestClient

from assistant.config import AssistantConfig, ConfigError
from assistant.handoff import HandoffDesk, HandoffRecord
from assistant.pii import CARD, EMAIL, EXPIRY, PHONE, SECURITY_CODE, luhn_valid, redact
from assistant.records.store import URL_ENV
from assistant.server.agent_auth import TOKEN_ENV
from assistant.server.app import create_app
from dialogue.history import ConversationHistory, Message
from tests.scripted_llm import ScriptedEngine

TOKEN = "an-agent-token-for-tests-42"


@pytest.mark.parametrize(
    "said, secret, placeholder",
    [
        ("My card number is 4111 1111 1111 1111.", "4111", CARD),
        ("card 4111-1111-1111-1111 please", "4111", CARD),
        ("mi tarjeta es cuatro uno uno uno uno uno uno uno uno uno uno uno uno uno uno uno", "cuatro uno", CARD),
        ("ma carte : 5555 5555 5555 4444", "5555", CARD),
        ("meine Karte ist 4012 8888 8888 1881", "4012", CARD),
        ("我的卡号是4111111111111111", "4111", CARD),
        ("卡号四一一一一一一一一一一一一一一一", "四一一一", CARD),
        ("call me back on 555-867-5309", "867", PHONE),
        ("mi número es +34 612 345 678", "612", PHONE),
        ("Ich heiße Anna, meine Nummer ist null eins sieben zwei drei vier fünf sechs sieben acht", "sieben", PHONE),
        ("我的电话是13812345678", "1381", PHONE),
        ("電話番号は090-1234-5678です", "1234", PHONE),
        ("il mio numero è 333 123 4567", "4567", PHONE),
        ("write to ana.garcia@example.com", "garcia", EMAIL),
        ("my email is john at example dot com", "john", EMAIL),
        ("mi correo es ana punto garcia arroba gmail punto com", "garcia", EMAIL),
        ("o meu e-mail é joao arroba gmail ponto com", "joao", EMAIL),
    ],
)
def test_personal_data_is_replaced_in_every_language(said: str, secret: str, placeholder: str) -> None:
    cleaned = redact(said)
    assert placeholder in cleaned and secret not in cleaned, cleaned


def test_a_cards_security_code_and_expiry_go_with_it() -> None:
    cleaned = redact("My card number is 4111 1111 1111 1111, CVV 123, expires 12/27.")
    assert cleaned == f"My card number is {CARD}, CVV {SECURITY_CODE}, expires {EXPIRY}."
    assert SECURITY_CODE in redact("tarjeta 4111111111111111, código de seguridad 456")
    assert EXPIRY in redact("我的卡号是4111111111111111，有效期12/27")


@pytest.mark.parametrize(
    "said",
    [
        "Where is my order A1042?",
        "le numéro de commande est A-1042",
        "It cost $1,299.99 and I want 2 of them.",
        "one two three, size 10, 3 pairs",
        "Order 1042 please",
        "the TrailRunner 2 in size 42",
        "¿tienen la talla 38 en azul por 59,90 €?",
        "Is it 100% cotton?",
    ],
)
def test_what_is_not_personal_data_stays(said: str) -> None:
    assert redact(said) == said


def test_luhn() -> None:
    assert luhn_valid("4111111111111111") and luhn_valid("79927398713")
    assert not luhn_valid("4111111111111112")


def _record(*lines: str) -> tuple[HandoffRecord, list[Message]]:
    messages = [Message("user", line, "en") for line in lines]
    record = HandoffRecord.from_history(
        ConversationHistory(messages),
        [],
        session="s1",
        channel="phone",
        reason="asked in words",
        language="en",
        caller={"from": "+15558675309"},
        summary="The shopper read out 4111 1111 1111 1111 and wants a person.",
    )
    return record, messages


def test_the_desk_files_records_without_personal_data() -> None:
    record, _ = _record("My card is 4111 1111 1111 1111, CVV 123.", "Where is order A1042?", "mail me at a@b.co")
    desk = HandoffDesk.in_memory()
    filed = desk.add(record)
    stored = asyncio.run(desk.get(filed.id))  # what an agent (or a thief of the database file) reads
    for kept in (filed, stored):
        text = " ".join(line.text for line in kept.transcript) + kept.summary
        assert "4111" not in text and "123" not in text and "a@b.co" not in text and "A1042" in text
        assert kept.caller == {"from": "+15558675309"}  # the call's own number stays, for a callback
    assert HandoffDesk.in_memory(redact=False).add(record).transcript == record.transcript  # configurable


def test_the_summary_model_never_reads_personal_data() -> None:
    record, messages = _record("My card is 4111 1111 1111 1111.", "A person, please.")
    desk = HandoffDesk.in_memory()
    desk.add(record)
    engine = ScriptedEngine("The shopper wants help with a payment and asked for a person.")
    asyncio.run(desk.summarise(record, messages, engine))
    [(prompt, _)] = engine.requests
    assert all("4111" not in m.content for m in prompt if isinstance(m.content, str))
    [filed] = asyncio.run(desk.records())
    assert filed.summary_by == "model"


def test_handoffs_need_the_agent_token(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    monkeypatch.setenv(URL_ENV, f"sqlite:///{tmp_path}/conversations.db")
    monkeypatch.delenv(TOKEN_ENV, raising=False)
    disabled = TestClient(create_app(AssistantConfig()))
    answer = disabled.get("/api/handoffs")
    assert answer.status_code == 503 and TOKEN_ENV in answer.json()["detail"]
    assert disabled.get("/handoffs").status_code == 404  # the old open list is gone
    assert disabled.get("/metrics").status_code == 503 and disabled.get("/docs").status_code == 404
    assert disabled.get("/openapi.json").status_code == 404  # documentation only with server.api_docs

    monkeypatch.setenv(TOKEN_ENV, TOKEN)
    app = create_app(AssistantConfig.model_validate({"server": {"api_docs": True}}))
    record, _ = _record("Call me on 555-867-5309.")
    filed = app.state.server.desk.add(record)
    client = TestClient(app)
    assert client.get("/api/handoffs").status_code == 401
    assert client.get("/api/handoffs", headers={"Authorization": "Bearer wrong-token-wrong-token"}).status_code == 401
    assert client.get("/api/handoffs", headers={"Authorization": TOKEN}).status_code == 401  # not a bearer header
    agent = {"Authorization": f"Bearer {TOKEN}"}
    [listed] = client.get("/api/handoffs", headers=agent).json()
    assert listed["id"] == filed.id and PHONE in listed["transcript"][0]["text"]
    assert client.get(f"/api/handoffs/{filed.id}", headers=agent).json()["session"] == "s1"
    assert client.get("/api/handoffs/nope", headers=agent).status_code == 404
    assert client.get("/api/handoffs/" + "x" * 5000, headers=agent).status_code == 404
    for path in (f"/api/handoffs/{filed.id}/export", f"/api/handoffs/{filed.id}/accept", "/api/handoffs?status=closed"):
        assert client.request("POST" if path.endswith("accept") else "GET", path).status_code == 401
    security = client.get("/openapi.json").json()["components"]["securitySchemes"]
    assert any(s.get("scheme") == "bearer" for s in security.values())


def test_a_token_too_short_to_be_secret_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(TOKEN_ENV, "short")
    with pytest.raises(ConfigError, match="at least 16"):
        create_app(AssistantConfig())
    monkeypatch.delenv(TOKEN_ENV)
    with pytest.raises(ValueError):
        AssistantConfig.model_validate({"server": {"agent_token": "short"}})


def test_agents_accept_hand_back_close_and_export_a_handoff(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    monkeypatch.setenv(URL_ENV, f"sqlite:///{tmp_path}/conversations.db")
    monkeypatch.setenv(TOKEN_ENV, TOKEN)
    app = create_app(AssistantConfig())
    filed = app.state.server.desk.add(_record("Où est ma commande A1042 ?")[0])
    client = TestClient(app, headers={"Authorization": f"Bearer {TOKEN}"})
    base = f"/api/handoffs/{filed.id}"
    assert [r["id"] for r in client.get("/api/handoffs?status=waiting").json()] == [filed.id]
    accepted = client.post(f"{base}/accept", json={"agent": "ann"})
    assert accepted.status_code == 200 and accepted.json()["status"] == "accepted" and accepted.json()["agent"] == "ann"
    taken = client.post(f"{base}/accept", json={"agent": "bob"})
    assert taken.status_code == 409 and "ann" in taken.json()["detail"]
    assert client.post(f"{base}/release").json()["status"] == "waiting"
    assert client.post(f"{base}/accept", json={"agent": "bob"}).json()["agent"] == "bob"
    assert client.post(f"{base}/close", json={"agent": "bob"}).json()["status"] == "closed"
    assert client.post(f"{base}/accept", json={"agent": "ann"}).status_code == 409
    assert client.get("/api/handoffs?status=waiting").json() == []
    exported = client.get(f"{base}/export")
    assert exported.status_code == 200 and "attachment" in exported.headers["content-disposition"]
    assert exported.json()["transcript"][0]["text"] == "Où est ma commande A1042 ?"
    for bad in ({"agent": "x" * 65}, {"agent": "ann\nforged"}, {"agent": 7}, {"who": "ann"}):
        assert client.post(f"{base}/accept", json=bad).status_code == 422, bad
    assert client.post("/api/handoffs/nope/accept").status_code == 404
    assert client.get("/api/handoffs?limit=100000").status_code == 422
    assert client.get("/api/handoffs?status=lost").status_code == 422
