"""CatalogStore: products, orders and policies in SQLite (FTS5 for keywords, cached embeddings).

One connection guarded by a re-entrant lock: the app calls in from several worker threads, and SQLite
work per call is short, so serialising is simpler and safer than a connection pool.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from catalog import rows
from catalog.countries import normalize_country, normalize_topic
from catalog.fts import filtered_ids, keyword_candidates, term_counts, vocabulary_share
from catalog.models import Availability, Order, Policy, Product, SearchHit
from catalog.order_ids import normalize_order_id
from catalog.query import SearchFilters, query_terms
from catalog.schema import migrate
from catalog.variants import match_variants

if TYPE_CHECKING:
    from catalog.semantic import Embedder

SearchMethod = Literal["fused", "keywords", "embeddings"]


class CatalogStore:
    def __init__(self, conn: sqlite3.Connection, path: str) -> None:
        self._conn = conn
        self.path = path
        self._lock = threading.RLock()
        self._depth = 0  # transaction nesting: only the outermost one commits
        self._data_version = self._read_data_version()
        self.semantic: Any = None  # catalog.semantic.SemanticIndex when embeddings are available

    # ---- opening -------------------------------------------------------------------------------------
    @classmethod
    def open(cls, path: str | Path, *, embedder: Embedder | None = None) -> CatalogStore:
        """Open (creating or upgrading) a catalog file; ":memory:" for a throwaway store."""
        path = str(path)
        if path != ":memory:":
            Path(path).expanduser().parent.mkdir(parents=True, exist_ok=True)
            path = str(Path(path).expanduser())
        conn = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        conn.row_factory = sqlite3.Row
        conn.execute("PRAGMA foreign_keys = ON")
        if path != ":memory:":
            conn.execute("PRAGMA journal_mode = WAL")
            conn.execute("PRAGMA synchronous = NORMAL")
        migrate(conn)
        store = cls(conn, path)
        if embedder is not None:
            store._attach_semantic(embedder)
        return store

    @classmethod
    def open_demo(cls, path: str | Path = ":memory:", *, embedder: Embedder | None = None) -> CatalogStore:
        """A store loaded with the bundled demo catalog, orders and policies."""
        from catalog.importers.demo import load_demo  # local: importers depend on the store

        store = cls.open(path, embedder=embedder)
        load_demo(store)
        return store

    def _attach_semantic(self, embedder: Embedder) -> None:
        from catalog.semantic import SemanticIndex

        self.semantic = SemanticIndex.create(self, embedder)

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    def __enter__(self) -> CatalogStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _read_data_version(self) -> int:
        return int(self._conn.execute("PRAGMA data_version").fetchone()[0])

    def _notice_other_writers(self) -> None:
        """Drop caches when another process (an import or a sync beside the server) committed: SQLite's
        data_version changes only for other connections' commits, and reading it costs microseconds."""
        version = self._read_data_version()
        if version != self._data_version:
            self._data_version = version
            if self.semantic is not None:
                self.semantic.invalidate()

    # ---- writing -------------------------------------------------------------------------------------
    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """All-or-nothing block; nested blocks join the outermost one."""
        with self._lock:
            if self._depth == 0:
                self._conn.execute("BEGIN IMMEDIATE")
            self._depth += 1
            try:
                yield self._conn
            except BaseException:
                self._depth -= 1
                if self._depth == 0:
                    self._conn.execute("ROLLBACK")
                    if self.semantic is not None:
                        self.semantic.invalidate()
                raise
            self._depth -= 1
            if self._depth == 0:
                self._conn.execute("COMMIT")

    def upsert_products(self, products: Iterable[Product]) -> tuple[int, int]:
        """Insert or replace products by id (variants replaced too); returns (inserted, updated)."""
        inserted = updated = 0
        with self.transaction() as conn:
            for p in products:
                existing = conn.execute("SELECT rowid FROM products WHERE id = ?", (p.id,)).fetchone()
                cols = rows.PRODUCT_COLUMNS
                updates = ", ".join(f"{c.strip()} = excluded.{c.strip()}" for c in cols.split(",")[1:])
                conn.execute(
                    f"INSERT INTO products ({cols}) VALUES ({', '.join('?' * 18)}) "
                    f"ON CONFLICT(id) DO UPDATE SET {updates}",
                    rows.product_row(p),
                )
                rowid = (
                    existing[0]
                    if existing
                    else conn.execute("SELECT rowid FROM products WHERE id = ?", (p.id,)).fetchone()[0]
                )
                if existing:
                    conn.execute("DELETE FROM products_fts WHERE rowid = ?", (rowid,))
                    conn.execute("DELETE FROM variants WHERE product_id = ?", (p.id,))
                    updated += 1
                else:
                    inserted += 1
                conn.execute(
                    "INSERT INTO products_fts (rowid, title, brand, category, tags, description) "
                    "VALUES (?, ?, ?, ?, ?, ?)",
                    (rowid, *rows.fts_row(p)),
                )
                conn.executemany(
                    "INSERT INTO variants (sku, product_id, position, options, color, size, "
                    "material, price, price_num, compare_at_price, stock, gtin, stock_exact) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    rows.variant_rows(p),
                )
            if self.semantic is not None:
                self.semantic.invalidate()
        return inserted, updated

    def remove_products_except(self, keep: Iterable[str]) -> int:
        """Delete every product whose id is not in `keep` (a full export's ids); returns how many.
        Variants and cached vectors go with them (foreign keys); the keyword index row by rowid."""
        keep_ids = set(keep)
        with self.transaction() as conn:
            gone = [(r[0], r[1]) for r in conn.execute("SELECT id, rowid FROM products") if r[0] not in keep_ids]
            conn.executemany("DELETE FROM products_fts WHERE rowid = ?", [(rowid,) for _, rowid in gone])
            conn.executemany("DELETE FROM products WHERE id = ?", [(pid,) for pid, _ in gone])
            if gone and self.semantic is not None:
                self.semantic.invalidate()
        return len(gone)

    def upsert_orders(self, orders: Iterable[Order]) -> tuple[int, int]:
        return self._upsert("orders", "id", [((o.id,), rows.order_row(o)) for o in orders])

    def upsert_policies(self, policies: Iterable[Policy]) -> tuple[int, int]:
        return self._upsert(
            "policies", "topic = ? AND country", [((p.topic, p.country), rows.policy_row(p)) for p in policies]
        )

    def _upsert(
        self, table: str, key_sql: str, items: Iterable[tuple[tuple[Any, ...], tuple[Any, ...]]]
    ) -> tuple[int, int]:
        inserted = updated = 0
        with self.transaction() as conn:
            for key, row in items:
                exists = conn.execute(f"SELECT 1 FROM {table} WHERE {key_sql} = ?", key).fetchone()
                conn.execute(f"INSERT OR REPLACE INTO {table} VALUES ({', '.join('?' * len(row))})", row)
                updated += bool(exists)
                inserted += not exists
        return inserted, updated

    def sku_owners(self, skus: Sequence[str]) -> dict[str, str]:
        """sku -> product id for SKUs already stored (to catch one SKU claimed by two products)."""
        out: dict[str, str] = {}
        with self._lock:
            for start in range(0, len(skus), 500):
                chunk = list(skus[start : start + 500])
                q = f"SELECT sku, product_id FROM variants WHERE sku IN ({', '.join('?' * len(chunk))})"
                out.update({r[0]: r[1] for r in self._conn.execute(q, chunk)})
        return out

    # ---- products --------------------------------------------------------------------------------------
    def count_products(self) -> int:
        with self._lock:
            return int(self._conn.execute("SELECT COUNT(*) FROM products").fetchone()[0])

    def main_currency(self) -> str:
        """The currency most products are priced in ("USD" for an empty store)."""
        with self._lock:
            row = self._conn.execute(
                "SELECT currency, COUNT(*) AS n FROM products GROUP BY currency ORDER BY n DESC LIMIT 1"
            ).fetchone()
        return str(row[0]) if row and row[0] else "USD"

    def get_product(self, product_id: str) -> Product | None:
        found = self.get_products([product_id])
        return found[0] if found else None

    def get_products(self, product_ids: Sequence[str]) -> list[Product]:
        """Products in the order asked for; unknown ids are skipped."""
        ids = list(dict.fromkeys(str(i).strip() for i in product_ids if i))
        if not ids:
            return []
        marks = ", ".join("?" * len(ids))
        with self._lock:
            prows = {r["id"]: r for r in self._conn.execute(f"SELECT * FROM products WHERE id IN ({marks})", ids)}
            variants: dict[str, list[Any]] = {}
            for r in self._conn.execute(
                f"SELECT * FROM variants WHERE product_id IN ({marks}) ORDER BY product_id, position", ids
            ):
                variants.setdefault(r["product_id"], []).append(rows.variant_from_row(r))
        return [rows.product_from_row(prows[i], variants.get(i, [])) for i in ids if i in prows]

    def search(
        self,
        query: str,
        limit: int = 5,
        *,
        method: SearchMethod = "fused",
        catalog_language: bool | None = None,
        **filters: Any,
    ) -> list[SearchHit]:
        """Ranked products for free text (any language) plus optional filters (see SearchFilters).

        `method` picks keywords (BM25) or meaning (embeddings) alone instead of both fused, for evaluation.
        `catalog_language`: the caller knows the query is (True) in the catalog's language, so keywords get
        their full weight; by default that is judged from how many of its words the catalog uses.
        Never raises on odd query text. With no usable words, lists products passing the filters.
        """
        spec = filters.pop("filters", None) or SearchFilters.from_kwargs(**filters)
        limit = max(1, min(int(limit), 100))
        with self._lock:
            self._notice_other_writers()
        pool = max(limit * 4, 40)
        semantic = self.semantic if self.semantic is not None and self.semantic.available else None
        if query_terms(query or "") or (method == "embeddings" and (query or "").strip()):
            if semantic is None or method == "keywords":
                with self._lock:
                    ranked = keyword_candidates(self._conn, query, spec, pool)
            elif method == "embeddings":
                ranked = semantic.nearest(query, spec, pool)
            else:
                keyword, share = self._keyword_side(query, spec, pool)
                ranked = semantic.fuse(query, keyword, spec, pool, 1.0 if catalog_language else share)
        elif spec.is_empty:
            return []  # nothing asked for: no hits rather than an arbitrary list
        else:
            with self._lock:
                ranked = [(pid, 0.0) for pid in filtered_ids(self._conn, spec, pool)]
        if spec.sort == "relevance":
            ranked = ranked[:limit]  # only re-sorting needs the whole pool loaded
        products = {p.id: p for p in self.get_products([pid for pid, _ in ranked])}
        hits = [SearchHit(products[pid], score) for pid, score in ranked if pid in products]
        hits = _sort(hits, spec)
        return hits[:limit]

    def _keyword_side(self, query: str, spec: SearchFilters, pool: int) -> tuple[list[tuple[str, float]], float]:
        """Keyword candidates for fusion and the share of the query's words the catalog uses. None of them:
        no keyword search at all (a question in another language). Filters come from the vector index's
        masks, which are much cheaper than SQL over every variant."""
        with self._lock:
            counts = term_counts(self._conn, query)
            share = vocabulary_share(counts)
            if share == 0:
                return [], 0.0
            # Filtered: rank more candidates unfiltered, then keep those the mask lets through.
            wide = pool if spec.is_empty else max(pool * 10, 400)
            ranked = keyword_candidates(self._conn, query, SearchFilters(), wide, counts)
        if not spec.is_empty and self.semantic is not None:
            passing = self.semantic.passing(spec, [pid for pid, _ in ranked])
            ranked = [hit for hit in ranked if hit[0] in passing]
        return ranked[:pool], share

    def match_strength(self, query: str, **filters: Any) -> float | None:
        """How clearly the catalog holds something of the query's meaning (SemanticIndex.match_strength);
        None without an embedding model."""
        if self.semantic is None or not self.semantic.available or not (query or "").strip():
            return None
        with self._lock:
            self._notice_other_writers()
        return self.semantic.match_strength(query, SearchFilters.from_kwargs(**filters))

    def similarity_margin(self, query: str, product_ids: Sequence[str]) -> dict[str, float]:
        """How much closer in meaning each product is to the query than the catalog's typical product
        (see SemanticIndex.margins); empty without an embedding model."""
        if self.semantic is None or not self.semantic.available:
            return {}
        return self.semantic.margins(query, list(product_ids))

    def check_availability(self, product_id: str, size: str | None = None, color: str | None = None) -> Availability:
        product = self.get_product(product_id)
        if product is None:
            return Availability(
                product_id=product_id,
                title="",
                found=False,
                in_stock=False,
                stock=0,
                size=size,
                color=color,
                variant_exists=False,
            )
        return match_variants(product, size=size, color=color)

    # ---- orders and policies -----------------------------------------------------------------------------
    def get_order(self, order_id: str) -> Order | None:
        """Order by id as typed or spoken ("A one oh four two", "a-1042"); None when unknown."""
        key = normalize_order_id(order_id)
        if not key:
            return None
        with self._lock:
            row = self._conn.execute("SELECT * FROM orders WHERE id = ?", (key,)).fetchone()
            if row is None and key.isdigit():
                # Digits only ("one oh four two"): accept when exactly one order ends with them.
                found = self._conn.execute("SELECT * FROM orders WHERE id LIKE ? LIMIT 2", (f"%{key}",)).fetchall()
                row = (
                    found[0] if len(found) == 1 and found[0]["id"].lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ") == key else None
                )
        return rows.order_from_row(row) if row else None

    def get_policy(self, topic: str, country: str | None = None) -> Policy | None:
        """The policy for a destination country, else the store-wide default ("*")."""
        key = normalize_topic(topic)
        if key is None:
            return None
        code = normalize_country(country) or "*"
        with self._lock:
            row = self._conn.execute(
                "SELECT * FROM policies WHERE topic = ? AND country IN (?, '*') ORDER BY country = '*' LIMIT 1",
                (key, code),
            ).fetchone()
        return rows.policy_from_row(row) if row else None

    def list_policies(self, topic: str | None = None) -> list[Policy]:
        key = normalize_topic(topic) if topic else None
        with self._lock:
            cur = self._conn.execute(
                "SELECT * FROM policies WHERE ? IS NULL OR topic = ? ORDER BY topic, country", (key, key)
            )
            return [rows.policy_from_row(r) for r in cur]

    def count_orders(self) -> int:
        with self._lock:
            return int(self._conn.execute("SELECT COUNT(*) FROM orders").fetchone()[0])

    def execute(self, sql: str, params: Sequence[Any] = ()) -> list[sqlite3.Row]:
        """Read-only helper for sibling modules (semantic index, benchmarks)."""
        with self._lock:
            return self._conn.execute(sql, params).fetchall()


def _sort(hits: list[SearchHit], spec: SearchFilters) -> list[SearchHit]:
    if spec.sort == "price_asc":
        return sorted(hits, key=lambda h: (h.product.price, -h.score))
    if spec.sort == "price_desc":
        return sorted(hits, key=lambda h: (-h.product.price, -h.score))
    if spec.sort == "rating":
        return sorted(hits, key=lambda h: (-(h.product.rating or 0), -h.product.rating_count, -h.score))
    return hits
