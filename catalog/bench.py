"""Catalog benchmark: import N generated products, then time searches and score a multilingual query set.

    voice-assistant catalog bench [--products 10000] [--db PATH] [--no-embeddings] [--readers 4]

Prints import time (rows written, then embedding index), search p50/p95 with cold query-embedding cache,
and the top-3 hit rate of catalog/data/multilingual_queries.json (en/es/zh/fr) per language. With --readers N,
N other processes search the file, first idle, then while this one syncs it to a changed full export.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import random
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from catalog.data.make_demo_catalog import TYPES, build_product
from catalog.importers.demo import DATA_DIR
from catalog.importers.run import import_file
from catalog.semantic import Embedder
from catalog.store import CatalogStore

_SYLLABLES_A = [
    "Nor",
    "Vel",
    "Ar",
    "Kes",
    "Lum",
    "Tor",
    "Bri",
    "Cal",
    "Dra",
    "Fen",
    "Gal",
    "Hal",
    "Iso",
    "Jun",
    "Kal",
    "Mar",
    "Nim",
    "Ost",
    "Pel",
    "Quin",
    "Ros",
    "Sol",
    "Tal",
    "Ul",
    "Ves",
    "Wyn",
]
_SYLLABLES_B = [
    "vik",
    "ora",
    "den",
    "mont",
    "ara",
    "wick",
    "lin",
    "ton",
    "vale",
    "rix",
    "mere",
    "stone",
    "field",
    "berg",
    "ley",
    "wood",
    "crest",
    "port",
    "brook",
    "ridge",
]
_EDITIONS = ["", "Pro", "Lite", "Classic", "Plus", "Everyday", "Essential", "Max", "Sport", "Studio", "Air", "Flex"]


def generate(n: int, seed: int = 7) -> list[dict]:
    rng = random.Random(seed)
    brands = [a + b for a in _SYLLABLES_A for b in _SYLLABLES_B]
    rng.shuffle(brands)
    products: list[dict] = []
    seen: set[str] = set()
    i = 0
    while len(products) < n:
        spec = TYPES[i % len(TYPES)]
        brand = brands[(i // len(TYPES)) % len(brands)]
        edition = _EDITIONS[(i // (len(TYPES) * len(brands))) % len(_EDITIONS)]
        i += 1
        p = build_product(rng, spec, brand, edition, None, len(products) + 1)
        if p["id"] not in seen:
            seen.add(p["id"])
            products.append(p)
    return products


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(pct / 100 * (len(ordered) - 1))))]


def run(n: int, db: Path, embedder: Embedder | None) -> dict:
    products = generate(n)
    feed = db.with_suffix(".jsonl")
    feed.write_text("\n".join(json.dumps(p, ensure_ascii=False) for p in products) + "\n", encoding="utf-8")
    store = CatalogStore.open(db, embedder=embedder)
    semantic, store.semantic = store.semantic, None  # time the row import and the embedding index apart
    t0 = time.perf_counter()
    report = import_file(store, feed, progress=True)
    t_rows = time.perf_counter() - t0
    store.semantic = semantic
    t_embed = 0.0
    if semantic is not None and semantic.available:
        t1 = time.perf_counter()
        semantic.refresh(progress=True)
        t_embed = time.perf_counter() - t1
    queries = _query_set()
    store.search("warm up", limit=5)
    store.search("warm up", limit=5, max_price=100, in_stock=True)  # builds the filter index once
    latencies, per_lang = [], {}
    for q in queries:
        if semantic is not None and getattr(semantic, "_embedder", None) is not None:
            semantic._embedder._cache.clear()  # cold: every query pays its embedding
        t = time.perf_counter()
        hits = store.search(q["q"], limit=5)
        latencies.append((time.perf_counter() - t) * 1000)
        ok = any(q["expect"].lower() in h.product.title.lower() for h in hits[:3])
        per_lang.setdefault(q["lang"], []).append(ok)
    filtered = []
    for q in queries:
        if semantic is not None and getattr(semantic, "_embedder", None) is not None:
            semantic._embedder._cache.clear()
        t = time.perf_counter()
        store.search(q["q"], limit=5, max_price=100, in_stock=True)
        filtered.append((time.perf_counter() - t) * 1000)
    hits_all = [ok for oks in per_lang.values() for ok in oks]
    store.close()
    return {
        "products": report.inserted + report.updated,
        "variants": sum(len(p["variants"]) for p in products),
        "import_rows_s": round(t_rows, 2),
        "embedding_index_s": round(t_embed, 2),
        "search_p50_ms": round(statistics.median(latencies), 2),
        "search_p95_ms": round(percentile(latencies, 95), 2),
        "filtered_search_p95_ms": round(percentile(filtered, 95), 2),
        "top3_hit_rate": round(sum(hits_all) / len(hits_all), 3),
        "top3_by_language": {k: round(sum(v) / len(v), 3) for k, v in per_lang.items()},
        "queries": len(hits_all),
        "embeddings": bool(semantic is not None and semantic.available),
    }


def _query_set() -> list[dict]:
    """The multilingual query set: {"lang", "q", "expect"} each."""
    return json.loads((DATA_DIR / "multilingual_queries.json").read_text("utf-8"))["queries"]


def _reader(
    db: str,
    embedder_factory: Callable[[], Embedder | None],
    ready: Any,
    sync_started: Any,
    stop: Any,
    results: Any,
    threads: int,
) -> None:
    """A server worker's view: its own store on the file, searching (cold query embeddings) until told to
    stop; each latency is tagged with whether the sync had started."""
    # Several workers on one machine share its cores: each embedding engine gets its share of threads, and
    # idle OpenMP threads sleep instead of spinning (set before the engine's library starts).
    os.environ.setdefault("OMP_NUM_THREADS", str(threads))
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    embedder = embedder_factory()
    store = CatalogStore.open(db, embedder=embedder)
    queries = [q["q"] for q in _query_set()]
    store.search(queries[0], limit=5, max_price=100)
    ready.release()
    out: list[tuple[bool, float]] = []
    n = 0
    while not stop.is_set():
        if embedder is not None and hasattr(embedder, "_cache"):
            embedder._cache.clear()
        query = queries[n % len(queries)]
        n += 1
        t = time.perf_counter()
        store.search(query, limit=5, max_price=100 if n % 2 else None)
        out.append((sync_started.is_set(), (time.perf_counter() - t) * 1000))
    results.put(out)


def readers_during_sync(
    n: int, db: Path, embedder_factory: Callable[[], Embedder | None], readers: int, idle_s: float = 5.0
) -> dict:
    """Search latency in `readers` other processes, first idle, then while this process syncs the catalog
    to a new full export (every price changed, stock moved, 1% of products gone)."""
    products = generate(n)
    for i, p in enumerate(products):
        for v in p["variants"]:
            v["price"] = f"{float(v['price']) + 1:.2f}"
            v["stock"] = (v.get("stock") or 0) + i % 3
    feed = db.with_suffix(".next.jsonl")
    kept = [p for i, p in enumerate(products) if i % 100]
    feed.write_text("\n".join(json.dumps(p, ensure_ascii=False) for p in kept) + "\n", encoding="utf-8")
    threads = max(1, (os.cpu_count() or 1) // readers)
    context = multiprocessing.get_context("spawn")
    ready, sync_started, stop, results = context.Semaphore(0), context.Event(), context.Event(), context.Queue()
    procs = [
        context.Process(target=_reader, args=(str(db), embedder_factory, ready, sync_started, stop, results, threads))
        for _ in range(readers)
    ]
    for proc in procs:
        proc.start()
    for _ in procs:
        ready.acquire(timeout=600)
    time.sleep(idle_s)
    sync_started.set()
    store = CatalogStore.open(db, embedder=embedder_factory())
    t = time.perf_counter()
    report = import_file(store, feed, sync=True, progress=False)
    sync_s = time.perf_counter() - t
    store.close()
    stop.set()
    samples = [s for _ in procs for s in results.get(timeout=600)]
    for proc in procs:
        proc.join(timeout=60)
    idle = [ms for during, ms in samples if not during]
    busy = [ms for during, ms in samples if during]
    return {
        "readers": readers,
        "engine_threads_per_reader": threads,
        "sync_s": round(sync_s, 2),
        "sync_updated": report.updated,
        "sync_removed": report.removed,
        "idle_search_p50_ms": round(statistics.median(idle), 2) if idle else None,
        "idle_search_p95_ms": round(percentile(idle, 95), 2) if idle else None,
        "during_sync_search_p50_ms": round(statistics.median(busy), 2) if busy else None,
        "during_sync_search_p95_ms": round(percentile(busy, 95), 2) if busy else None,
        "searches_during_sync": len(busy),
    }


def run_bench_command(args: argparse.Namespace) -> int:
    embedder = None if args.no_embeddings else args.embedder_factory()
    with tempfile.TemporaryDirectory() as tmp:
        db = args.db or Path(tmp) / "bench.db"
        result = run(args.products, db, embedder)
        if args.readers:
            factory = (lambda: None) if args.no_embeddings else args.embedder_factory
            result["during_sync"] = readers_during_sync(args.products, db, factory, args.readers)
        print(json.dumps(result, indent=2, ensure_ascii=False))
    return 0
