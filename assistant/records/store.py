"""The durable conversation store: every line of every conversation, the handoffs agents pick up, and the
webhook deliveries still owed. SQLAlchemy 2 on a SQLite file by default or any PostgreSQL URL; the schema
is brought up to date with Alembic when the store opens."""

from __future__ import annotations

import fcntl
import os
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, delete, event, func, insert, select, text, update
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, SQLAlchemyError
from sqlalchemy.pool import StaticPool

from assistant.config import StoreSettings
from assistant.handoff import HandoffRecord, TranscriptLine
from assistant.records.schema import conversations, deliveries, handoffs, lines

URL_ENV = "VOICE_ASSISTANT_STORE_URL"
_MIGRATIONS = Path(__file__).resolve().parent / "migrations"
_MIGRATION_LOCK = 0x76_61_72_65  # a PostgreSQL advisory lock: one worker migrates, the others wait
_MAX_TEXT = 20_000  # a line is a spoken sentence or two; anything longer is cut, never refused


class StoreError(RuntimeError):
    """The store cannot be opened or used (a bad URL, an unreachable server, a newer schema)."""


class HandoffConflict(RuntimeError):
    """The handoff is not in a state that allows this (another agent accepted it, it is closed)."""


@dataclass(frozen=True)
class Line:
    role: str  # "user", "assistant", "agent"
    text: str
    language: str = ""
    asr_confidence: float | None = None
    language_confidence: float | None = None
    interrupted: bool = False
    intent: str | None = None
    products: tuple[str, ...] = ()
    at: float = 0.0


def open_store(settings: StoreSettings) -> ConversationStore:
    """The configured store (the environment's URL first: a database password belongs there, not in YAML)."""
    return ConversationStore(os.environ.get(URL_ENV) or settings.url)


def engine_for(url: str) -> Engine:
    """An engine for a store URL: sqlite:///path/to/file.db, sqlite:// (memory), postgresql://…"""
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise StoreError(f"store url {url!r} is not a database URL: {exc}") from None
    if parsed.drivername == "postgresql":  # the driver installed with the project
        parsed = parsed.set(drivername="postgresql+psycopg")
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database or ""
        if database and database != ":memory:":
            folder = Path(database).expanduser().resolve().parent
            if not folder.is_dir():
                raise StoreError(f"store url {url!r}: folder {folder} does not exist")
            engine = create_engine(parsed, connect_args={"timeout": 30})
        else:
            engine = create_engine(parsed, poolclass=StaticPool, connect_args={"check_same_thread": False})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    try:
        return create_engine(parsed, pool_pre_ping=True, pool_size=5, max_overflow=5)
    except Exception as exc:  # an unknown dialect or a missing driver
        raise StoreError(f"store url {parsed.render_as_string(hide_password=True)!r}: {exc}") from None


_MIGRATING = threading.Lock()  # Alembic's context is process-global: one migration at a time per process


@contextmanager
def _file_lock(engine: Engine) -> Iterator[None]:
    """SQLite has no advisory lock: worker processes migrating one file take turns through a lock file."""
    database = engine.url.database if engine.dialect.name == "sqlite" else None
    if not database or database == ":memory:":
        yield
        return
    with open(f"{database}.migrate-lock", "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _sqlite_pragmas(connection: Any, _record: Any) -> None:
    cursor = connection.cursor()
    # WAL: readers (the agent API, other workers) never block the writer; NORMAL is durable against a crash of
    # the process (kill -9), which is what a server loses; FULL would add an fsync per turn for power loss.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


class ConversationStore:
    def __init__(self, url: str):
        self.url = url
        self.engine = engine_for(url)
        try:
            self._migrate()
        except SQLAlchemyError as exc:
            self.engine.dispose()
            raise StoreError(f"store {self.describe()}: {_short(exc)}") from None

    def describe(self) -> str:
        return make_url(self.url).render_as_string(hide_password=True)

    def close(self) -> None:
        self.engine.dispose()

    def _migrate(self) -> None:
        from alembic import command
        from alembic.config import Config

        config = Config()
        config.set_main_option("script_location", str(_MIGRATIONS))
        with _MIGRATING, _file_lock(self.engine), self.engine.begin() as connection:
            if connection.dialect.name == "postgresql":
                connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _MIGRATION_LOCK})
            config.attributes["connection"] = connection
            command.upgrade(config, "head")

    @contextmanager
    def _write(self) -> Iterator[Connection]:
        try:
            with self.engine.begin() as connection:
                yield connection
        except SQLAlchemyError as exc:
            raise StoreError(f"store {self.describe()}: {_short(exc)}") from None

    # ---- conversations ----------------------------------------------------------------------------------------
    def start_conversation(
        self, conversation_id: str, channel: str, caller: dict[str, str], language: str = "", at: float | None = None
    ) -> None:
        with self._write() as db:
            db.execute(
                insert(conversations).values(
                    id=conversation_id,
                    channel=channel,
                    caller=dict(caller),
                    language=language,
                    cart=[],
                    started_at=at or time.time(),
                )
            )

    def end_conversation(self, conversation_id: str, reason: str, at: float | None = None) -> None:
        with self._write() as db:
            db.execute(
                update(conversations)
                .where(conversations.c.id == conversation_id)
                .values(ended_at=at or time.time(), end_reason=reason[:200])
            )

    def append(self, conversation_id: str, line: Line) -> int:
        with self._write() as db:
            result = db.execute(insert(lines).values(conversation_id=conversation_id, **_line_values(line)))
            if line.language:
                db.execute(
                    update(conversations)
                    .where(conversations.c.id == conversation_id)
                    .values(language=line.language[:16])
                )
            return int(result.inserted_primary_key[0])

    def amend_last(self, conversation_id: str, role: str, text: str, interrupted: bool) -> None:
        """The assistant was cut off: its last line becomes what the shopper heard."""
        with self._write() as db:
            last = db.execute(
                select(func.max(lines.c.id)).where(lines.c.conversation_id == conversation_id, lines.c.role == role)
            ).scalar()
            if last is not None:
                db.execute(
                    update(lines).where(lines.c.id == last).values(text=text[:_MAX_TEXT], interrupted=interrupted)
                )

    def set_cart(self, conversation_id: str, cart: Sequence[dict[str, Any]]) -> None:
        with self._write() as db:
            db.execute(update(conversations).where(conversations.c.id == conversation_id).values(cart=list(cart)))

    def transcript(self, conversation_id: str, after_line: int = 0) -> list[tuple[int, TranscriptLine]]:
        """The conversation's lines in order, each with its id (to ask for the ones after it later)."""
        query = (
            select(lines)
            .where(lines.c.conversation_id == conversation_id, lines.c.id > after_line)
            .order_by(lines.c.id)
        )
        with self.engine.connect() as db:
            return [(row.id, _transcript_line(row)) for row in db.execute(query)]

    def conversation(self, conversation_id: str) -> dict[str, Any] | None:
        with self.engine.connect() as db:
            row = db.execute(select(conversations).where(conversations.c.id == conversation_id)).first()
        return None if row is None else dict(row._mapping)

    # ---- handoffs ---------------------------------------------------------------------------------------------
    def file_handoff(self, record: HandoffRecord, announce: bool = False) -> None:
        """File a handoff (its transcript lives in `lines`); with `announce`, the webhook owes the shop a POST."""
        with self._write() as db:
            known = db.execute(select(conversations.c.id).where(conversations.c.id == record.session)).first()
            if known is None:  # filed by something that did not record the conversation line by line
                self._file_conversation(db, record)
            db.execute(
                insert(handoffs).values(
                    id=record.id,
                    conversation_id=record.session,
                    channel=record.channel,
                    reason=record.reason[:200],
                    language=record.language,
                    caller=dict(record.caller),
                    products=list(record.products),
                    cart=list(record.cart),
                    summary=record.summary,
                    summary_by=record.summary_by,
                    created_at=record.created_at,
                )
            )
            if announce:
                db.execute(insert(deliveries).values(handoff_id=record.id, next_attempt_at=time.time()))

    @staticmethod
    def _file_conversation(db: Connection, record: HandoffRecord) -> None:
        started = record.transcript[0].at if record.transcript else record.created_at
        db.execute(
            insert(conversations).values(
                id=record.session,
                channel=record.channel,
                caller=dict(record.caller),
                language=record.language,
                cart=list(record.cart),
                started_at=started,
            )
        )
        for line in record.transcript:
            values = Line(
                line.role,
                line.text,
                line.language,
                line.asr_confidence,
                None,
                line.interrupted,
                None,
                line.products,
                line.at,
            )
            db.execute(insert(lines).values(conversation_id=record.session, **_line_values(values)))

    def set_callback(self, handoff_id: str, number: str) -> None:
        with self._write() as db:
            db.execute(update(handoffs).where(handoffs.c.id == handoff_id).values(callback=number[:40]))

    def set_summary(self, handoff_id: str, summary: str, by: str) -> None:
        with self._write() as db:
            db.execute(update(handoffs).where(handoffs.c.id == handoff_id).values(summary=summary, summary_by=by))

    def handoffs(self, status: str | None = None, limit: int = 100, offset: int = 0) -> list[HandoffRecord]:
        """Newest first, with their transcripts."""
        query = select(handoffs).order_by(handoffs.c.created_at.desc()).limit(limit).offset(offset)
        if status:
            query = query.where(handoffs.c.status == status)
        with self.engine.connect() as db:
            rows = list(db.execute(query))
            return [self._record(db, row) for row in rows]

    def handoff(self, handoff_id: str) -> HandoffRecord | None:
        with self.engine.connect() as db:
            row = db.execute(select(handoffs).where(handoffs.c.id == handoff_id)).first()
            return None if row is None else self._record(db, row)

    def accept(self, handoff_id: str, agent: str) -> HandoffRecord:
        return self._move(handoff_id, ("waiting",), status="accepted", agent=agent[:64], accepted_at=time.time())

    def close_handoff(self, handoff_id: str, agent: str) -> HandoffRecord:
        return self._move(handoff_id, ("waiting", "accepted"), status="closed", agent=agent[:64], closed_at=time.time())

    def release(self, handoff_id: str) -> HandoffRecord:
        """The agent hands the shopper back to the queue (another agent may accept)."""
        return self._move(handoff_id, ("accepted",), status="waiting", agent=None, accepted_at=None)

    def _move(self, handoff_id: str, allowed: tuple[str, ...], **values: Any) -> HandoffRecord:
        with self._write() as db:
            # One statement decides: two agents accepting at once cannot both win.
            moved = db.execute(
                update(handoffs).where(handoffs.c.id == handoff_id, handoffs.c.status.in_(allowed)).values(**values)
            ).rowcount
        record = self.handoff(handoff_id)
        if record is None:
            raise KeyError(handoff_id)
        if not moved:
            raise HandoffConflict(f"handoff is {record.status}" + (f" by {record.agent}" if record.agent else ""))
        return record

    def _record(self, db: Connection, row: Any) -> HandoffRecord:
        query = select(lines).where(lines.c.conversation_id == row.conversation_id).order_by(lines.c.id)
        transcript = tuple(_transcript_line(line) for line in db.execute(query))
        return HandoffRecord(
            session=row.conversation_id,
            channel=row.channel,
            reason=row.reason,
            language=row.language,
            transcript=transcript,
            products=tuple(row.products),
            caller=dict(row.caller),
            cart=tuple(row.cart),
            summary=row.summary,
            summary_by=row.summary_by,
            created_at=row.created_at,
            id=row.id,
            status=row.status,
            agent=row.agent,
            callback=row.callback,
        )

    # ---- webhook deliveries -----------------------------------------------------------------------------------
    def claim_deliveries(self, now: float, lease_s: float, limit: int = 10) -> list[str]:
        """Handoffs whose announcement is due, claimed for `lease_s` so another worker does not send them too."""
        claimed = []
        with self._write() as db:
            due = db.execute(
                select(deliveries.c.handoff_id)
                .where(
                    deliveries.c.delivered_at.is_(None),
                    deliveries.c.next_attempt_at <= now,
                    deliveries.c.claimed_until <= now,
                )
                .limit(limit)
            ).scalars()
            for handoff_id in list(due):
                won = db.execute(
                    update(deliveries)
                    .where(deliveries.c.handoff_id == handoff_id, deliveries.c.claimed_until <= now)
                    .values(claimed_until=now + lease_s)
                ).rowcount
                if won:
                    claimed.append(handoff_id)
        return claimed

    def delivery_done(self, handoff_id: str, error: str | None, retry_at: float | None) -> None:
        values: dict[str, Any] = {"attempts": deliveries.c.attempts + 1, "claimed_until": 0, "last_error": error}
        if error is None:
            values["delivered_at"] = time.time()
        elif retry_at is not None:
            values["next_attempt_at"] = retry_at
        else:  # given up: kept with its error for the operator, never retried
            values["delivered_at"] = -1.0
        with self._write() as db:
            db.execute(update(deliveries).where(deliveries.c.handoff_id == handoff_id).values(**values))

    def delivery(self, handoff_id: str) -> dict[str, Any] | None:
        with self.engine.connect() as db:
            row = db.execute(select(deliveries).where(deliveries.c.handoff_id == handoff_id)).first()
        return None if row is None else dict(row._mapping)

    def attempts(self, handoff_id: str) -> int:
        found = self.delivery(handoff_id)
        return 0 if found is None else int(found["attempts"])

    # ---- retention --------------------------------------------------------------------------------------------
    def purge(self, older_than: float) -> int:
        """Delete conversations started before `older_than` (unix time) with their lines and handoffs; a
        handoff still waiting or accepted keeps its conversation. Returns how many conversations went."""
        open_handoffs = select(handoffs.c.conversation_id).where(handoffs.c.status != "closed")
        old = select(conversations.c.id).where(
            conversations.c.started_at < older_than, conversations.c.id.not_in(open_handoffs)
        )
        with self._write() as db:
            ids = list(db.execute(old).scalars())
            for start in range(0, len(ids), 500):
                _delete_conversations(db, ids[start : start + 500])
        return len(ids)

    def purge_conversation(self, conversation_id: str) -> None:
        with self._write() as db:
            _delete_conversations(db, [conversation_id])

    def counts(self) -> dict[str, int]:
        with self.engine.connect() as db:
            return {
                table.name: int(db.execute(select(func.count()).select_from(table)).scalar() or 0)
                for table in (conversations, lines, handoffs, deliveries)
            }


def _delete_conversations(db: Connection, ids: list[str]) -> None:
    old_handoffs = select(handoffs.c.id).where(handoffs.c.conversation_id.in_(ids))
    db.execute(delete(deliveries).where(deliveries.c.handoff_id.in_(old_handoffs)))
    db.execute(delete(handoffs).where(handoffs.c.conversation_id.in_(ids)))
    db.execute(delete(lines).where(lines.c.conversation_id.in_(ids)))
    db.execute(delete(conversations).where(conversations.c.id.in_(ids)))


def _line_values(line: Line) -> dict[str, Any]:
    return {
        "role": line.role[:16],
        "text": line.text[:_MAX_TEXT],
        "language": line.language[:16],
        "asr_confidence": line.asr_confidence,
        "language_confidence": line.language_confidence,
        "interrupted": line.interrupted,
        "intent": (line.intent or None) and line.intent[:64],
        "products": list(line.products),
        "at": line.at or time.time(),
    }


def _transcript_line(row: Any) -> TranscriptLine:
    return TranscriptLine(
        row.role,
        row.text,
        row.language,
        row.at,
        bool(row.interrupted),
        asr_confidence=row.asr_confidence,
        products=tuple(row.products or ()),
    )


def _short(exc: Exception) -> str:
    """The driver's message without SQLAlchemy's statement dump and documentation link."""
    original = getattr(exc, "orig", None) or exc
    return " ".join(str(original).split())[:300]
