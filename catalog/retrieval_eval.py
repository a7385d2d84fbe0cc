"""Graded retrieval evaluation of catalog search, per language and method.

    voice-assistant catalog eval tests/retrieval/dummyjson_queries.yaml tests/retrieval/homegoods_queries.yaml

A set names its catalog (a feed file beside it, imported into a throwaway store) and lists shopper queries
with graded relevant product ids (2: what was asked for, 1: also right), plus `misses`: requests for things
the catalog does not carry. For keywords only, embeddings only and fused search it reports top-1 (the first
hit is relevant), top-3 (a relevant hit among the first three) and MRR per language; and for the
"nothing matches" call (SemanticIndex.match_strength below a threshold) its precision and recall.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from catalog.importers.run import import_file
from catalog.semantic import Embedder
from catalog.store import CatalogStore, SearchMethod

METHODS: tuple[SearchMethod, ...] = ("keywords", "embeddings", "fused")
_DEPTH = 10
# An extra ranking to score beside search's own: given the catalog, a function from (sentence, language)
# to product ids, best first; an empty list means "we don't carry that". The app adds the dialogue's.
Ranker = Callable[[CatalogStore], Callable[[str, str], list[str]]]


@dataclass(frozen=True)
class Query:
    lang: str
    q: str
    relevant: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class QuerySet:
    name: str
    catalog: Path
    queries: list[Query]
    misses: list[Query]


def load_set(path: str | Path) -> QuerySet:
    """Read and check a query set; a mistake names the file and the entry."""
    path = Path(path)
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    if not isinstance(data, dict) or not isinstance(data.get("catalog"), str):
        raise ValueError(f"{path}: expected a mapping with 'catalog: FILE' and 'queries:'")

    def entries(key: str, graded: bool) -> list[Query]:
        out = []
        for n, item in enumerate(data.get(key) or [], start=1):
            if (
                not isinstance(item, dict)
                or not isinstance(item.get("q"), str)
                or not isinstance(item.get("lang"), str)
            ):
                raise ValueError(f"{path}: {key} #{n}: needs 'lang' and 'q' strings")
            relevant = {str(k): int(v) for k, v in (item.get("relevant") or {}).items()}
            if graded and not any(g > 0 for g in relevant.values()):
                raise ValueError(f"{path}: {key} #{n} ({item['q']!r}): no relevant product")
            out.append(Query(item["lang"], item["q"], relevant))
        return out

    return QuerySet(path.stem, path.parent / data["catalog"], entries("queries", True), entries("misses", False))


def open_catalog(query_set: QuerySet, db: Path, embedder: Embedder | None) -> CatalogStore:
    store = CatalogStore.open(db, embedder=embedder)
    import_file(store, query_set.catalog, progress=False)
    ids = {r[0] for r in store.execute("SELECT id FROM products")}
    unknown = sorted({pid for q in query_set.queries for pid in q.relevant} - ids)
    if unknown:
        raise ValueError(f"{query_set.name}: relevant ids not in the catalog: {', '.join(unknown[:10])}")
    return store


def ranking_scores(ranked: Sequence[str], relevant: dict[str, int]) -> dict[str, float]:
    """top1, top3 and reciprocal rank of the first relevant id (grade >= 1) in a ranked list."""
    rank = next((n for n, pid in enumerate(ranked, start=1) if relevant.get(pid, 0) > 0), None)
    return {
        "top1": float(rank == 1),
        "top3": float(rank is not None and rank <= 3),
        "mrr": 1.0 / rank if rank else 0.0,
    }


def evaluate_set(store: CatalogStore, query_set: QuerySet, rankers: dict[str, Ranker] | None = None) -> dict[str, Any]:
    """{"table": {method: {lang: {top1, top3, mrr, n}}}, "strengths": the match strength of each present
    and absent request, "empty": per extra ranker, how many present / absent requests it found nothing for}."""

    def search_with(method: SearchMethod) -> Callable[[str, str], list[str]]:
        return lambda text, _lang: [h.product.id for h in store.search(text, limit=_DEPTH, method=method)]

    ranking = {method: search_with(method) for method in METHODS}
    ranking.update({name: make(store) for name, make in (rankers or {}).items()})
    table: dict[str, dict[str, dict[str, float]]] = {}
    for name, rank in ranking.items():
        per_lang: dict[str, list[dict[str, float]]] = {}
        for query in query_set.queries:
            per_lang.setdefault(query.lang, []).append(ranking_scores(rank(query.q, query.lang), query.relevant))
        table[name] = {lang: _mean(rows) for lang, rows in per_lang.items()}
    empty = {
        name: {
            "present": sum(not ranking[name](q.q, q.lang) for q in query_set.queries),
            "absent": sum(not ranking[name](q.q, q.lang) for q in query_set.misses),
        }
        for name in rankers or {}
    }
    strengths = {
        "present": [_strength(store, q) for q in query_set.queries],
        "absent": [_strength(store, q) for q in query_set.misses],
    }
    return {"table": table, "strengths": strengths, "empty": empty}


def miss_detection(present: list[float], absent: list[float], threshold: float) -> dict[str, float]:
    """Precision and recall of "we don't carry that" (strength below the threshold) on these queries."""
    said_absent_right = sum(s < threshold for s in absent)
    said_absent_wrong = sum(s < threshold for s in present)
    said = said_absent_right + said_absent_wrong
    return {
        "threshold": threshold,
        "precision": round(said_absent_right / said, 3) if said else 1.0,
        "recall": round(said_absent_right / len(absent), 3) if absent else 1.0,
        "present_called_absent": round(said_absent_wrong / len(present), 3) if present else 0.0,
    }


def _strength(store: CatalogStore, query: Query) -> float:
    value = store.match_strength(query.q)
    return float("nan") if value is None else round(value, 3)


def _mean(rows: list[dict[str, float]]) -> dict[str, float]:
    return {key: round(sum(r[key] for r in rows) / len(rows), 3) for key in rows[0]} | {"n": len(rows)}


def format_table(results: dict[str, dict[str, Any]]) -> str:
    """Markdown: one row per set x language, top-1 / top-3 / MRR per method."""
    methods = list(next(iter(results.values()))["table"]) if results else list(METHODS)
    head = "| set | lang | n | " + " | ".join(f"{m} top-1 / top-3 / MRR" for m in methods) + " |"
    lines = [head, "|" + "---|" * (3 + len(methods))]
    for name, result in results.items():
        table = result["table"]
        for lang in table[methods[0]]:
            cells = [
                f"{table[m][lang]['top1']:.2f} / {table[m][lang]['top3']:.2f} / {table[m][lang]['mrr']:.2f}"
                for m in methods
            ]
            lines.append(f"| {name} | {lang} | {table[methods[0]][lang]['n']} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def run_eval_command(args: argparse.Namespace) -> int:
    embedder = args.embedder_factory()
    if embedder is None:
        print("error: the multilingual embedding model is not available; see the install notes", file=sys.stderr)
        return 2
    results: dict[str, dict[str, Any]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for n, path in enumerate(args.sets):
            try:
                query_set = load_set(path)
                with open_catalog(query_set, Path(tmp) / f"set{n}.db", embedder) as store:
                    results[query_set.name] = evaluate_set(store, query_set, args.rankers)
            except (OSError, ValueError, yaml.YAMLError) as err:
                print(f"error: {err}", file=sys.stderr)
                return 2
    present = [s for r in results.values() for s in r["strengths"]["present"]]
    absent = [s for r in results.values() for s in r["strengths"]["absent"]]
    misses = miss_detection(present, absent, args.miss_threshold)
    if args.json:
        print(json.dumps({"results": results, "misses": misses}, ensure_ascii=False, indent=2))
        return 0
    print(format_table(results))
    print(
        f"\n'nothing matches' below {misses['threshold']}: precision {misses['precision']}, recall "
        f"{misses['recall']} ({len(absent)} requests for absent products; {misses['present_called_absent']} of "
        f"{len(present)} present ones called absent)"
    )
    for name in args.rankers or {}:
        said_absent = sum(r["empty"][name]["absent"] for r in results.values())
        said_present_absent = sum(r["empty"][name]["present"] for r in results.values())
        said = said_absent + said_present_absent
        print(
            f"{name} shows nothing: precision {said_absent / said if said else 1.0:.3f}, recall "
            f"{said_absent / len(absent) if absent else 1.0:.3f} ({said_present_absent} of {len(present)} "
            "present ones shown nothing)"
        )
    return 0
