"""`voice-assistant eval dialogue CASES.yaml`: multi-turn shopper conversations with expected outcomes,
scored per language and per category, with grounding violations and reply latency."""

from __future__ import annotations

import asyncio
import statistics
import time
import unicodedata
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from catalog.store import CatalogStore
from dialogue.grounding import ungrounded_numbers
from dialogue.history import ConversationHistory
from dialogue.manager import DialogueManager
from dialogue.replies import Reply


@dataclass
class CaseResult:
    case_id: str
    language: str
    category: str
    passed: bool
    failures: list[str] = field(default_factory=list)
    latencies_ms: list[float] = field(default_factory=list)
    grounding_violations: int = 0
    generated_turns: int = 0  # answered by the language model


def load_cases(path: str | Path) -> tuple[str, list[dict[str, Any]]]:
    """(catalog, cases): catalog is "demo" or a directory of products/orders/policies JSON files."""
    path = Path(path)
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    catalog = str(data.get("catalog", "demo"))
    if catalog != "demo":
        catalog = str((path.parent / catalog).resolve())
    return catalog, list(data.get("cases") or [])


def open_catalog(catalog: str, db: str | None, embedder: object | None) -> CatalogStore:
    if db:
        return CatalogStore.open(db, embedder=embedder)
    if catalog == "demo":
        return CatalogStore.open_demo(embedder=embedder)
    from catalog.importers.json_import import read_json
    from catalog.importers.pipeline import import_rows

    store = CatalogStore.open(":memory:", embedder=embedder)
    for kind in ("products", "orders", "policies"):
        file = Path(catalog) / f"{kind}.json"
        if file.exists():
            rows, total = read_json(file, kind)
            import_rows(store, rows, kind=kind, source=file.name, total=total)  # type: ignore[arg-type]
    if store.semantic is not None:
        store.semantic.refresh()
    return store


def _fold(text: str) -> str:
    return unicodedata.normalize("NFKC", text).casefold()


def check_turn(reply: Reply, expect: dict[str, Any]) -> list[str]:
    """What the reply got wrong against the case's expectations (empty: right)."""
    wrong: list[str] = []
    ids = [p.id for p in reply.products]
    text = _fold(reply.text)
    intent = expect.get("intent")
    if intent and reply.intent not in ([intent] if isinstance(intent, str) else intent):
        wrong.append(f"intent {reply.intent!r}, expected {intent!r}")
    for product in expect.get("products") or []:
        if product not in ids:
            wrong.append(f"product {product!r} not in {ids}")
    if expect.get("first_product") and (not ids or ids[0] != expect["first_product"]):
        wrong.append(f"first product {ids[:1]}, expected {expect['first_product']!r}")
    if expect.get("no_products") and ids:
        wrong.append(f"named products {ids}, expected none")
    for item in expect.get("must") or []:
        if not any(_fold(alt.strip()) in text for alt in str(item).split(" | ")):
            wrong.append(f"missing {item!r}")
    for item in expect.get("must_not") or []:
        if _fold(str(item)) in text:
            wrong.append(f"says {item!r}")
    if expect.get("language") and reply.language != expect["language"]:
        wrong.append(f"language {reply.language!r}, expected {expect['language']!r}")
    if "handoff" in expect and bool(expect["handoff"]) != reply.handoff:
        wrong.append(f"handoff {reply.handoff}, expected {expect['handoff']}")
    if expect.get("silent") and reply.text.strip():
        wrong.append("spoke, expected silence")
    if "cart_items" in expect and reply.state is not None and reply.state.cart_items != expect["cart_items"]:
        wrong.append(f"cart has {reply.state.cart_items} items, expected {expect['cart_items']}")
    return wrong


async def run_case(dialogue: DialogueManager, case: dict[str, Any]) -> CaseResult:
    language = str(case.get("language", "en"))
    result = CaseResult(str(case.get("id")), language, str(case.get("category", "other")), True)
    state = dialogue.new_state()
    history = ConversationHistory()
    for index, turn in enumerate(case.get("turns") or [], start=1):
        started = time.perf_counter()
        said, turn_language = str(turn["say"]), str(turn.get("language", language))
        reply = await dialogue.respond(said, turn_language, state, history=list(history.messages))
        if reply.generated:
            result.generated_turns += 1
            await reply.complete()
        result.latencies_ms.append((time.perf_counter() - started) * 1000)
        history.add_user(said, turn_language)
        history.add_assistant(reply.text, reply.language)
        state = reply.state or state
        if ungrounded_numbers(reply.text, reply.facts):
            result.grounding_violations += 1
        for problem in check_turn(reply, turn.get("expect") or {}):
            result.failures.append(f"turn {index} ({turn['say']!r} -> {reply.text!r}): {problem}")
        if reply.handoff:
            break  # a person has the conversation now
    result.passed = not result.failures
    return result


def summarise(results: list[CaseResult], violations: int) -> dict[str, Any]:
    def table(key: str) -> dict[str, dict[str, float]]:
        groups: dict[str, list[CaseResult]] = defaultdict(list)
        for r in results:
            groups[getattr(r, key)].append(r)
        return {
            k: {"cases": len(v), "success": round(sum(r.passed for r in v) / len(v), 3)}
            for k, v in sorted(groups.items())
        }

    latencies = sorted(ms for r in results for ms in r.latencies_ms)
    p95 = latencies[min(len(latencies) - 1, int(round(0.95 * (len(latencies) - 1))))] if latencies else 0.0
    return {
        "cases": len(results),
        "success": round(sum(r.passed for r in results) / len(results), 3) if results else 0.0,
        "by_language": table("language"),
        "by_category": table("category"),
        # Spoken replies with a number no tool supplied (must be 0), and replies the check replaced.
        "grounding_violations": sum(r.grounding_violations for r in results),
        "replaced_by_safe_reply": violations,
        "latency_ms": {"p50": round(statistics.median(latencies), 1) if latencies else 0.0, "p95": round(p95, 1)},
        "failures": {r.case_id: r.failures for r in results if not r.passed},
    }


def format_report(report: dict[str, Any], verbose: bool = False) -> str:
    lines = [
        f"mode {report.get('mode', 'off')}: {report.get('generated_turns', 0)} turns answered by the language model"
        + (f" {report['model']}" if report.get("model") else ""),
        f"{report['cases']} cases, task success {report['success']:.1%}, grounding violations "
        f"{report['grounding_violations']} (replies replaced by the safe one: {report['replaced_by_safe_reply']}), "
        f"reply latency p50 {report['latency_ms']['p50']} ms, "
        f"p95 {report['latency_ms']['p95']} ms",
        "",
        "language   cases  success",
    ]
    lines += [f"{k:<10} {v['cases']:>5}  {v['success']:.1%}" for k, v in report["by_language"].items()]
    lines += ["", "category      cases  success"]
    lines += [f"{k:<13} {v['cases']:>5}  {v['success']:.1%}" for k, v in report["by_category"].items()]
    if verbose and report["failures"]:
        lines += ["", "failures:"]
        for case, problems in report["failures"].items():
            lines += [f"  {case}"] + [f"    {p}" for p in problems]
    return "\n".join(lines)


def evaluate(
    cases_path: str | Path,
    db: str | None = None,
    embedder: object | None = None,
    settings: Any = None,
    llm: object | None = None,
) -> dict[str, Any]:
    """Task success over the cases; with `llm` (an engine) and `settings.llm.mode` hybrid or tools, the model
    answers the turns that mode gives it, exactly as in a conversation."""
    catalog, cases = load_cases(cases_path)
    store = open_catalog(catalog, db, embedder)
    dialogue = DialogueManager(store, settings, embedder, llm)  # type: ignore[arg-type]
    dialogue.router.wait_until_ready()
    if dialogue.model is not None:
        dialogue.model.responder.warm_up()

    async def run_all() -> list[CaseResult]:
        return [await run_case(dialogue, case) for case in cases]

    results = asyncio.run(run_all())
    report = summarise(results, dialogue.grounding_violations)
    report["mode"] = dialogue.settings.llm.mode if dialogue.model is not None else "off"
    report["generated_turns"] = sum(r.generated_turns for r in results)
    if dialogue.model is not None:
        report["model"] = dialogue.model.responder.stats.summary()
    return report


def shown_products(embedder: object | None) -> Callable[[CatalogStore], Callable[[str, str], list[str]]]:
    """A `catalog eval` ranking: the products the dialogue shows for one shopper sentence (its first turn),
    best first, after its glossary, filters and "we don't carry that"; empty when it finds nothing."""

    def over(store: CatalogStore) -> Callable[[str, str], list[str]]:
        dialogue = DialogueManager(store, None, embedder)
        dialogue.router.wait_until_ready()
        return lambda text, language: [p.id for p in dialogue.respond_now(text, language).products]

    return over
