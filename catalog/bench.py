"""Catalog benchmark: import N generated products, then time searches and score a multilingual query set.

    voice-assistant catalog bench [--products 10000] [--db PATH] [--no-embeddings]

Prints import time (rows written, then embedding index), search p50/p95 with cold query-embedding cache,
and the top-3 hit rate of catalog/data/multilingual_queries.json (en/es/zh/fr) per language.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import tempfile
import time
from pathlib import Path

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
    queries = json.loads((DATA_DIR / "multilingual_queries.json").read_text("utf-8"))["queries"]
    store.search("warm up", limit=5)
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
    for q in queries[:16]:
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


def run_bench_command(args: argparse.Namespace) -> int:
    embedder = None if args.no_embeddings else args.embedder_factory()
    with tempfile.TemporaryDirectory() as tmp:
        db = args.db or Path(tmp) / "bench.db"
        print(json.dumps(run(args.products, db, embedder), indent=2, ensure_ascii=False))
    return 0
