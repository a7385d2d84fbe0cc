"""Semantic half of hybrid search: cached product embeddings + fusion with BM25.

Vectors live in the SQLite file (product_embeddings, float16) keyed by a hash of the embedded text and
the model id, so reopening a catalog costs no model time and a re-import re-embeds only what changed.
In memory we keep one float32 matrix; a query is one embedding call plus a matrix-vector product.
"""

from __future__ import annotations

import logging
import threading
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np
from tqdm import tqdm

from catalog.filter_index import FilterIndex
from catalog.passages import ProductText, digest, parse_tags, passage_parts, text_hash
from catalog.query import SearchFilters

if TYPE_CHECKING:
    from catalog.store import CatalogStore

log = logging.getLogger(__name__)
# How far above the catalog's median similarity the best product must stand to count as "we have that"
# (SemanticIndex.match_strength). Chosen on the public catalog's retrieval set and checked on the generated
# one (tests/retrieval; the other way round picks 0.036): e5 puts a right product only ~0.04 above the median
# for a question in another language than the catalog's, and a request for something absent ~0.035.
MISS_MARGIN = 0.042
SEMANTIC_WEIGHT = 0.6  # share of the fused score from meaning; the rest from keyword (BM25) overlap
_BATCH = 64


class Embedder(Protocol):
    """L2-normalised sentence vectors: `query` for shopper text, `passages` for catalog text.

    The catalog does not load models itself; the app hands it one (models.embedder.load_embedder).
    """

    model_id: str
    dim: int

    def query(self, text: str) -> np.ndarray: ...

    def passages(self, texts: list[str]) -> np.ndarray: ...


class SemanticIndex:
    def __init__(self, store: CatalogStore, embedder: Embedder | None) -> None:
        self._store = store
        self._embedder = embedder
        self._lock = threading.Lock()
        self._ids: list[str] = []
        self._pos: dict[str, int] = {}
        self._matrix: np.ndarray | None = None
        self._filters: FilterIndex | None = None
        self._stale = True

    @classmethod
    def create(cls, store: CatalogStore, embedder: Embedder) -> SemanticIndex:
        index = cls(store, embedder)
        if index.available:
            index.refresh()  # embeds only products added by an older release or without a cached vector
        return index

    @property
    def available(self) -> bool:
        return self._embedder is not None

    def invalidate(self) -> None:
        self._stale = True

    # ---- building -------------------------------------------------------------------------------------
    def refresh(self, progress: bool = False) -> int:
        """Rebuild the vectors of products whose text or model changed since they were cached; returns how
        many. Only part texts never embedded before cost model time (see catalog.passages)."""
        if self._embedder is None:
            return 0
        model = self._embedder.model_id
        rows = self._store.execute(
            "SELECT p.id, p.title, p.brand, p.category, p.tags, p.description, e.text_hash, e.model, "
            "(SELECT group_concat(DISTINCT v.color) FROM variants v WHERE v.product_id = p.id) AS colors "
            "FROM products p LEFT JOIN product_embeddings e ON e.product_id = p.id"
        )
        todo: list[tuple[str, list[tuple[str, float]], str]] = []
        in_use: set[str] = set()
        for r in rows:
            parts = passage_parts(
                ProductText(
                    title=r["title"],
                    brand=r["brand"],
                    category=r["category"],
                    tags=parse_tags(r["tags"]),
                    colors=tuple((r["colors"] or "").split(",")) if r["colors"] else (),
                    description=r["description"],
                )
            )
            key = digest(parts)
            in_use.update(text_hash(text) for text, _ in parts)
            if r["text_hash"] != key or r["model"] != model:
                todo.append((r["id"], parts, key))
        if todo:
            self._embed_and_store(todo, model, progress)
            self._forget_unused_parts(in_use)
        self._stale = True
        return len(todo)

    def _forget_unused_parts(self, in_use: set[str]) -> None:
        """Part vectors no product uses any more (edited titles, removed products) are dropped, so the cache
        stays the size of the catalog however often it changes."""
        rows = self._store.execute("SELECT model, text_hash FROM text_embeddings")
        gone = [(r[0], r[1]) for r in rows if r[1] not in in_use]
        if gone:
            with self._store.transaction() as conn:
                conn.executemany("DELETE FROM text_embeddings WHERE model = ? AND text_hash = ?", gone)

    def _embed_and_store(
        self, todo: list[tuple[str, list[tuple[str, float]], str]], model: str, progress: bool
    ) -> None:
        assert self._embedder is not None
        texts = list(dict.fromkeys(text for _, parts, _ in todo for text, _ in parts))
        vectors = self._part_vectors(texts, model, progress)
        rows = []
        for pid, parts, key in todo:
            total = sum(weight * vectors[text] for text, weight in parts)
            norm = float(np.linalg.norm(total)) or 1.0
            rows.append((pid, model, key, (total / norm).astype(np.float16).tobytes()))
        with self._store.transaction() as conn:
            conn.executemany("INSERT OR REPLACE INTO product_embeddings VALUES (?, ?, ?, ?)", rows)

    def _part_vectors(self, texts: list[str], model: str, progress: bool) -> dict[str, np.ndarray]:
        """Vectors for part texts: from the text-hash cache, embedding (and caching) only new texts."""
        assert self._embedder is not None
        hashes = {text: text_hash(text) for text in texts}
        cached: dict[str, bytes] = {}
        wanted = list(set(hashes.values()))
        for start in range(0, len(wanted), 900):
            chunk = wanted[start : start + 900]
            marks = ", ".join("?" * len(chunk))
            for r in self._store.execute(
                f"SELECT text_hash, vector FROM text_embeddings WHERE model = ? AND text_hash IN ({marks})",
                [model, *chunk],
            ):
                cached[r[0]] = r[1]
        vectors = {
            t: np.frombuffer(cached[h], dtype=np.float16).astype(np.float32) for t, h in hashes.items() if h in cached
        }
        new = [t for t in texts if t not in vectors]
        # Short texts first: batches of similar length waste less padding in the engine.
        new.sort(key=len)
        bar = tqdm(total=len(new), desc="embedding products", unit=" texts", disable=not progress, leave=False)
        for start in range(0, len(new), _BATCH):
            chunk = new[start : start + _BATCH]
            embedded = self._embedder.passages(chunk)
            with self._store.transaction() as conn:
                conn.executemany(
                    "INSERT OR REPLACE INTO text_embeddings VALUES (?, ?, ?)",
                    [(model, hashes[t], v.astype(np.float16).tobytes()) for t, v in zip(chunk, embedded)],
                )
            for text, vec in zip(chunk, embedded):
                vectors[text] = vec.astype(np.float16).astype(np.float32)
            bar.update(len(chunk))
        bar.close()
        return vectors

    def _load_matrix(self) -> tuple[list[str], np.ndarray]:
        """Cached (ids, float32 matrix), reloaded from SQLite after any write."""
        with self._lock:
            if self._stale or self._matrix is None:
                assert self._embedder is not None
                rows = self._store.execute(
                    "SELECT product_id, vector FROM product_embeddings WHERE model = ?", (self._embedder.model_id,)
                )
                self._ids = [r[0] for r in rows]
                self._pos = {pid: i for i, pid in enumerate(self._ids)}
                data = b"".join(r[1] for r in rows)
                self._matrix = (
                    np.frombuffer(data, dtype=np.float16).reshape(len(rows), -1).astype(np.float32)
                    if rows
                    else np.zeros((0, self._embedder.dim), np.float32)
                )
                self._filters = None  # rebuilt from the new rows on the next filtered search
                self._stale = False
            return self._ids, self._matrix

    # ---- ranking ----------------------------------------------------------------------------------------
    def margins(self, query: str, product_ids: list[str]) -> dict[str, float]:
        """How far each product's cosine similarity to the query stands above the catalog's median.

        e5 similarities are compressed (unrelated products score only a little lower than related
        ones), so "stands out from the rest of the catalog" is a steadier bar than a raw cosine.
        """
        found = self._similarities(query, SearchFilters()) if product_ids else None
        if found is None:
            return {}
        _, sims = found
        baseline = _median(sims)
        return {pid: float(sims[self._pos[pid]]) - baseline for pid in product_ids if pid in self._pos}

    def _similarities(self, query: str, spec: SearchFilters) -> tuple[list[str], np.ndarray] | None:
        """(ids, cosine similarity per product; -1 where a filter fails), or None when meaning can't help."""
        if self._embedder is None:
            return None
        ids, matrix = self._load_matrix()
        if not ids:
            return None
        try:
            vector = self._embedder.query(query)
        except RuntimeError as err:  # a failing model must not fail the search: keywords still work
            log.warning("semantic search skipped: %s", err)
            return None
        # einsum, not `@`: BLAS matvec wakes OpenBLAS worker threads that spin and starve the embedding
        # engine's OpenMP threads on small CPUs (measured: p95 12 ms -> 100+ ms on 2 cores).
        sims = np.einsum("ij,j->i", matrix, vector)
        if not spec.is_empty:
            sims = self._apply_filters(sims, spec)
        return ids, sims

    def nearest(self, query: str, spec: SearchFilters, pool: int) -> list[tuple[str, float]]:
        """Products closest in meaning, alone (no keywords)."""
        found = self._similarities(query, spec)
        if found is None:
            return []
        ids, sims = found
        top = _top(sims, pool)
        return [(ids[i], round(float(sims[i]), 4)) for i in top]

    def fuse(
        self,
        query: str,
        keyword: list[tuple[str, float]],
        spec: SearchFilters,
        pool: int,
        vocabulary: float = 1.0,
    ) -> list[tuple[str, float]]:
        """Hybrid ranking: min-max normalised cosine similarity and BM25, blended by SEMANTIC_WEIGHT.

        `vocabulary` is the share of the query's words the catalog uses at all: keywords get their full
        weight only when the shopper speaks the catalog's language, so a question in another language is
        ranked by meaning instead of by its accidental shared words. Squared, because a partial share is
        mostly accidents ("eau" in "Eau de Parfum" for a bottle of water).
        """
        found = self._similarities(query, spec)
        if found is None:
            return keyword
        ids, sims = found
        top = _top(sims, pool)
        if top.size == 0:
            return keyword
        pos = self._pos
        semantic = {ids[i]: float(sims[i]) for i in top}
        # Similarities are relative: e5 puts unrelated products only a little below related ones.
        best, floor = float(sims[top].max()), _median(sims)
        span = max(best - floor, 1e-6)
        kw_best = max((s for _, s in keyword), default=0.0) or 1.0
        kw = {pid: s / kw_best for pid, s in keyword}
        kw_weight = (1 - SEMANTIC_WEIGHT) * min(max(vocabulary, 0.0), 1.0) ** 2
        scores: dict[str, float] = {}
        for pid in set(semantic) | set(kw):
            sim = semantic.get(pid)
            if sim is None:
                sim = float(sims[pos[pid]]) if pid in pos else floor
            sem_norm = min(max((sim - floor) / span, 0.0), 1.0)
            scores[pid] = (1 - kw_weight) * sem_norm + kw_weight * kw.get(pid, 0.0)
        ranked = sorted(scores.items(), key=lambda kv: -kv[1])[:pool]
        return [(pid, round(score, 4)) for pid, score in ranked]

    def match_strength(self, query: str, spec: SearchFilters | None = None) -> float | None:
        """How clearly the catalog holds something of this meaning: the best product's cosine similarity
        minus the median over the whole catalog (see `margins`). Below MISS_MARGIN the catalog most likely
        has nothing of the kind. None without embeddings or products."""
        found = self._similarities(query, spec or SearchFilters())
        if found is None:
            return None
        _, sims = found
        live = sims[sims > -1.0]
        if live.size == 0:
            return None
        return float(live.max()) - _median(live)

    def filter_mask(self, spec: SearchFilters) -> tuple[list[str], np.ndarray]:
        """(ids, True where the product passes the filters), from the columnar filter index."""
        ids, _ = self._load_matrix()
        with self._lock:
            if self._filters is None:
                self._filters = FilterIndex.load(self._store, ids)
            return ids, self._filters.mask(spec)

    def passing(self, spec: SearchFilters, candidates: list[str]) -> set[str]:
        """The candidates that pass the filters (products without a vector never do)."""
        _, allowed = self.filter_mask(spec)
        pos = self._pos
        return {pid for pid in candidates if pid in pos and allowed[pos[pid]]}

    def _apply_filters(self, sims: np.ndarray, spec: SearchFilters) -> np.ndarray:
        """Products failing the filters get -1 (below any cosine similarity)."""
        _, allowed = self.filter_mask(spec)
        return np.where(allowed, sims, np.float32(-1.0)) if allowed.size == sims.size else sims

    def stats(self) -> dict[str, Any]:
        ids, _ = self._load_matrix() if self.available else ([], None)
        return {"available": self.available, "vectors": len(ids), "engine": getattr(self._embedder, "engine", None)}


def _top(sims: np.ndarray, pool: int) -> np.ndarray:
    """Indices of the `pool` highest similarities, best first, skipping filtered-out products (-1)."""
    k = min(pool, sims.size)
    if k == 0:
        return np.zeros(0, dtype=np.int64)
    top = np.argpartition(-sims, k - 1)[:k]
    top = top[sims[top] > -1.0]
    return top[np.argsort(-sims[top])]


def _median(sims: np.ndarray) -> float:
    """The median similarity of products passing the filters (-1 marks the others). From an even sample of
    at most ~8,000 of them: as steady a baseline, and it costs nothing at 100,000 products."""
    sample = sims[:: max(1, sims.size // 8192)]
    live = sample[sample > -1.0]
    if live.size < 64:  # a filter that lets few products through: all of them
        live = sims[sims > -1.0]
    return float(np.median(live)) if live.size else -1.0
