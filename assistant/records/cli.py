"""`voice-assistant conversations …` (the retention purge, the store's write benchmark) and `agents hash-password`."""

from __future__ import annotations

import argparse
import statistics
import time
import uuid

from assistant.agents.auth import hash_password
from assistant.config import load_config
from assistant.records.retention import purge_older_than
from assistant.records.store import URL_ENV, ConversationStore, Line, open_store


def add_conversation_commands(commands: argparse._SubParsersAction) -> None:
    group = commands.add_parser("conversations", help="the stored conversations and handoffs")
    sub = group.add_subparsers(title="conversation commands")
    purge = sub.add_parser("purge", help="delete conversations older than the retention period (store.retention_days)")
    purge.add_argument("--config", help="assistant.yaml (its store.url and retention_days)")
    purge.add_argument("--older-than-days", type=float, help="instead of the config's retention_days")
    purge.set_defaults(run=_purge)
    bench = sub.add_parser("bench", help="turns appended per second (a shopper line and a reply each)")
    bench.add_argument("--url", help=f"store URL (default: {URL_ENV} or the config's store.url)")
    bench.add_argument("--config", help="assistant.yaml")
    bench.add_argument("--turns", type=int, default=500)
    bench.set_defaults(run=_bench)


def add_agent_commands(commands: argparse._SubParsersAction) -> None:
    group = commands.add_parser("agents", help="agent accounts for the console")
    sub = group.add_subparsers(title="agent commands")
    hashing = sub.add_parser(
        "hash-password", help="hash a password for server.agent_accounts (read from the terminal or stdin)"
    )
    hashing.set_defaults(run=_hash_password)


def _hash_password(args: argparse.Namespace) -> int:
    import getpass
    import sys

    password = getpass.getpass("password: ") if sys.stdin.isatty() else sys.stdin.readline().rstrip("\n")
    if len(password) < 10:
        print("error: use at least 10 characters", file=sys.stderr)
        return 1
    print(hash_password(password))
    return 0


def _purge(args: argparse.Namespace) -> int:
    config = load_config(args.config)
    days = config.store.retention_days if args.older_than_days is None else args.older_than_days
    if days <= 0:
        print("retention is 0 days (keep everything): nothing purged")
        return 0
    store = open_store(config.store)
    try:
        gone = purge_older_than(store, days)
    finally:
        store.close()
    print(f"{store.describe()}: deleted {gone} conversations older than {days:g} days")
    return 0


def _bench(args: argparse.Namespace) -> int:
    store = ConversationStore(args.url) if args.url else open_store(load_config(args.config).store)
    conversation = f"bench-{uuid.uuid4().hex[:12]}"
    store.start_conversation(conversation, "browser", {})
    took = []
    try:
        started = time.perf_counter()
        for i in range(args.turns):
            began = time.perf_counter()
            store.append(conversation, Line("user", f"do you have the red trail shoes in size {i}?", "en", 0.9, 0.99))
            store.append(
                conversation, Line("assistant", "Yes, the TrailRunner in red costs $89.", "en", products=("p1",))
            )
            took.append(time.perf_counter() - began)
        total = time.perf_counter() - started
        store.purge_conversation(conversation)
    finally:
        store.close()
    took.sort()
    p95 = took[int(0.95 * (len(took) - 1))]
    print(
        f"{store.describe()}: {args.turns / total:.0f} turns/s appended "
        f"(per turn p50 {statistics.median(took) * 1000:.2f} ms, p95 {p95 * 1000:.2f} ms)"
    )
    return 0
