"""`catalog import`, `search`, `eval` and `bench` subcommands, registered into the app's argparse tree.

assistant/cli.py calls add_catalog_commands(subparsers) and passes the configured db path as --db's
default via set_defaults(db=...) or the argument itself.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from pathlib import Path

from catalog.importers.errors import CatalogImportError
from catalog.importers.mapping import parse_map_args
from catalog.importers.run import FORMATS, import_file
from catalog.retrieval_eval import Ranker, run_eval_command
from catalog.semantic import MISS_MARGIN, Embedder
from catalog.store import CatalogStore

DEFAULT_DB = "catalog.db"


def add_catalog_commands(
    subparsers: argparse._SubParsersAction,
    default_db: str = DEFAULT_DB,
    embedder_factory: Callable[[], Embedder | None] | None = None,
    rankers: dict[str, Ranker] | None = None,
) -> None:
    """`embedder_factory` gives the multilingual embedder (the app passes models.embedder.load_embedder);
    without one, search and import use keywords only. `rankers` are extra rankings `catalog eval` scores
    beside search (the app adds what the dialogue shows)."""
    catalog = subparsers.add_parser("catalog", help="import products/orders/policies, search the catalog")
    catalog.set_defaults(embedder_factory=embedder_factory or (lambda: None))
    sub = catalog.add_subparsers(dest="catalog_command", required=True)

    imp = sub.add_parser("import", help="import a Shopify CSV, Merchant Center feed, or JSON/JSONL/CSV file")
    imp.add_argument("file")
    imp.add_argument("--format", choices=FORMATS, help="default: from the file name and header")
    imp.add_argument(
        "--map",
        action="append",
        default=[],
        metavar="FIELD=PATH",
        help="canonical field <- dotted path/column in the source (repeatable)",
    )
    imp.add_argument("--kind", choices=("products", "orders", "policies"), default="products")
    imp.add_argument("--skip-bad", action="store_true", help="import good rows, report bad ones")
    imp.add_argument(
        "--sync",
        action="store_true",
        help="the file is the full export: remove stored products it does not list (prices and stock update; "
        "unchanged text is not re-embedded)",
    )
    imp.add_argument("--db", default=default_db, help=f"SQLite catalog file (default: {default_db})")
    imp.add_argument("--no-progress", action="store_true")
    imp.set_defaults(func=run_import)

    search = sub.add_parser("search", help="search the catalog")
    search.add_argument("query")
    search.add_argument("--max-price", type=float)
    search.add_argument("--min-price", type=float)
    search.add_argument("--brand")
    search.add_argument("--category")
    search.add_argument("--color")
    search.add_argument("--size")
    search.add_argument("--in-stock", action="store_true")
    search.add_argument("--sort", choices=("relevance", "price_asc", "price_desc", "rating"), default="relevance")
    search.add_argument("--limit", type=int, default=5)
    search.add_argument("--json", action="store_true", help="print JSON instead of a table")
    search.add_argument("--db", default=default_db, help=f"SQLite catalog file (default: {default_db})")
    search.set_defaults(func=run_search)

    evaluate = sub.add_parser("eval", help="graded retrieval test: top-1/top-3/MRR per language and method")
    evaluate.add_argument("sets", nargs="+", type=Path, metavar="SET.yaml")
    evaluate.add_argument(
        "--miss-threshold",
        type=float,
        default=MISS_MARGIN,
        help=f"match strength below which a request counts as 'not carried' (default {MISS_MARGIN})",
    )
    evaluate.add_argument("--json", action="store_true")
    evaluate.set_defaults(func=run_eval_command, rankers=rankers or {})

    bench = sub.add_parser("bench", help="import N generated products, time search, score multilingual queries")
    bench.add_argument("--products", type=int, default=10_000)
    bench.add_argument("--db", type=Path, help="catalog file to create (default: a temporary one)")
    bench.add_argument("--no-embeddings", action="store_true")
    bench.add_argument("--readers", type=int, default=0, help="also time searches in N other processes during a sync")
    bench.set_defaults(func=_run_bench)


def _run_bench(args: argparse.Namespace) -> int:
    from catalog.bench import run_bench_command  # generates data: only loaded when asked for

    return run_bench_command(args)


def run_import(args: argparse.Namespace) -> int:
    try:
        mapping = parse_map_args(args.map)
    except ValueError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    with CatalogStore.open(args.db, embedder=args.embedder_factory()) as store:
        try:
            report = import_file(
                store,
                args.file,
                fmt=args.format,
                kind=args.kind,
                mapping=mapping,
                skip_bad=args.skip_bad,
                progress=None if not args.no_progress else False,
                sync=args.sync,
            )
        except CatalogImportError as err:
            print(err.report.summary(), file=sys.stderr)
            print("nothing was changed; fix the rows above or re-run with --skip-bad", file=sys.stderr)
            return 1
        except (OSError, ValueError) as err:
            print(f"error: {err}", file=sys.stderr)
            return 2
    print(report.summary() + f"\n({report.seconds:.1f} s)")
    return 0


def run_search(args: argparse.Namespace) -> int:
    with CatalogStore.open(args.db, embedder=args.embedder_factory()) as store:
        try:
            hits = store.search(
                args.query,
                limit=args.limit,
                max_price=args.max_price,
                min_price=args.min_price,
                brand=args.brand,
                category=args.category,
                color=args.color,
                size=args.size,
                in_stock=args.in_stock or None,
                sort=args.sort,
            )
        except ValueError as err:
            print(f"error: {err}", file=sys.stderr)
            return 2
    if args.json:
        print(json.dumps([h.to_dict() for h in hits], ensure_ascii=False, indent=2))
        return 0
    if not hits:
        print("no products found")
    for n, h in enumerate(hits, start=1):
        p = h.product
        stock = "in stock" if p.in_stock else "out of stock"
        print(f"{n:2}. {p.title}  {p.price} {p.currency}  [{stock}]  id={p.id}  score={h.score:.3f}")
    return 0
