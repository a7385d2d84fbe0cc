"""Semantic half of hybrid search: cached product embeddings + fusion with BM25.

Vectors live in the SQLite file (product_embeddings, float16) keyed by a hash of the embedded text and
the model id, so reopening a catalog costs no model time and a re-import re-embeds only what changed.
In memory we keep one float32 matrix; a query is one embedding call plus a matrix-vector product.
"""

from __future__ import annotations

import hashlib
import logging
import threading
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np
from tqdm import tqdm

from catalog.query import SearchFilters

if TYPE_CHECKING:
    from catalog.store import CatalogStore

log = logging.getLogger(__name__)
SEMANTIC_WEIGHT = 0.6  # share of the fused score from meaning; the rest from keyword (BM25) overlap
_BATCH = 64


def passage_text(title: str, description: str) -> str:
    """What a product 'means': the title plus the description's first sentence. Short on purpose: embedding
    cost grows with tokens, and on our multilingual query set this beat title+tags and longer texts."""
    first = description.replace("\n", " ").split(". ")[0][:240]
    return f"{title}. {first}" if first else title


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
        """Embed products whose text or model changed since they were cached; returns how many."""
        if self._embedder is None:
            return 0
        model = self._embedder.model_id
        rows = self._store.execute(
            "SELECT p.id, p.title, p.description, e.text_hash, e.model "
            "FROM products p LEFT JOIN product_embeddings e ON e.product_id = p.id"
        )
        todo: list[tuple[str, str, str]] = []
        for r in rows:
            text = passage_text(r["title"], r["description"])
            digest = hashlib.sha1(text.encode("utf-8")).hexdigest()
            if r["text_hash"] != digest or r["model"] != model:
                todo.append((r["id"], text, digest))
        if todo:
            self._embed_and_store(todo, model, progress)
        self._stale = True
        return len(todo)

    def _embed_and_store(self, todo: list[tuple[str, str, str]], model: str, progress: bool) -> None:
        assert self._embedder is not None
        # Identical texts (common in generated or variant-heavy feeds) are embedded once.
        unique = list(dict.fromkeys(text for _, text, _ in todo))
        vectors: dict[str, np.ndarray] = {}
        bar = tqdm(total=len(unique), desc="embedding products", unit=" texts", disable=not progress, leave=False)
        for start in range(0, len(unique), _BATCH):
            chunk = unique[start : start + _BATCH]
            for text, vec in zip(chunk, self._embedder.passages(chunk)):
                vectors[text] = vec.astype(np.float16)
            bar.update(len(chunk))
        bar.close()
        with self._store.transaction() as conn:
            conn.executemany(
                "INSERT OR REPLACE INTO product_embeddings VALUES (?, ?, ?, ?)",
                [(pid, model, digest, vectors[text].tobytes()) for pid, text, digest in todo],
            )

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
                self._stale = False
            return self._ids, self._matrix

    # ---- ranking ----------------------------------------------------------------------------------------
    def margins(self, query: str, product_ids: list[str]) -> dict[str, float]:
        """How far each product's cosine similarity to the query stands above the catalog's median.

        e5 similarities are compressed (unrelated products score only a little lower than related
        ones), so "stands out from the rest of the catalog" is a steadier bar than a raw cosine.
        """
        if self._embedder is None or not product_ids:
            return {}
        ids, matrix = self._load_matrix()
        if not ids:
            return {}
        sims = np.einsum("ij,j->i", matrix, self._embedder.query(query))
        baseline = float(np.median(sims))
        return {pid: float(sims[self._pos[pid]]) - baseline for pid in product_ids if pid in self._pos}

    def fuse(
        self, query: str, keyword: list[tuple[str, float]], spec: SearchFilters, pool: int
    ) -> list[tuple[str, float]]:
        """Hybrid ranking: min-max normalised BM25 and cosine similarity, blended by SEMANTIC_WEIGHT."""
        if self._embedder is None:
            return keyword
        ids, matrix = self._load_matrix()
        pos = self._pos
        if not ids:
            return keyword
        # einsum, not `@`: BLAS matvec wakes OpenBLAS worker threads that spin and starve the embedding
        # engine's OpenMP threads on small CPUs (measured: p95 12 ms -> 100+ ms on 2 cores).
        try:
            vector = self._embedder.query(query)
        except RuntimeError as err:  # a failing model must not fail the search: keywords still work
            log.warning("semantic search skipped: %s", err)
            return keyword
        sims = np.einsum("ij,j->i", matrix, vector)
        if not spec.is_empty:
            sims = self._apply_filters(ids, sims, spec, pool)
        k = min(pool, len(ids))
        top = np.argpartition(-sims, k - 1)[:k]
        top = top[sims[top] > -1.0]
        if top.size == 0:
            return keyword
        semantic = {ids[i]: float(sims[i]) for i in top}
        # Similarities are relative: e5 puts unrelated products only a little below related ones.
        best, floor = float(sims[top].max()), float(np.median(sims[sims > -1.0]))
        span = max(best - floor, 1e-6)
        kw_best = max((s for _, s in keyword), default=0.0) or 1.0
        kw = {pid: s / kw_best for pid, s in keyword}
        scores: dict[str, float] = {}
        for pid in set(semantic) | set(kw):
            sim = semantic.get(pid)
            if sim is None:
                sim = float(sims[pos[pid]]) if pid in pos else floor
            sem_norm = min(max((sim - floor) / span, 0.0), 1.0)
            scores[pid] = SEMANTIC_WEIGHT * sem_norm + (1 - SEMANTIC_WEIGHT) * kw.get(pid, 0.0)
        ranked = sorted(scores.items(), key=lambda kv: -kv[1])[:pool]
        return [(pid, round(score, 4)) for pid, score in ranked]

    def _apply_filters(self, ids: list[str], sims: np.ndarray, spec: SearchFilters, pool: int) -> np.ndarray:
        """Mask products failing the filters with -1. Checks the closest few hundred first and only scans
        the whole catalog when the filter is so selective that too few of those pass."""
        wide = min(len(ids), max(pool * 10, 400))
        near = np.argpartition(-sims, wide - 1)[:wide]
        allowed = self._store.filter_ids(spec, [ids[i] for i in near])
        if len(allowed) < max(pool // 4, 5) and wide < len(ids):
            allowed = self._store.filtered_ids(spec)
            near = np.arange(len(ids))
        keep = np.full(len(ids), -1.0, dtype=sims.dtype)
        hit = np.fromiter((i for i in near if ids[i] in allowed), dtype=np.int64)
        keep[hit] = sims[hit]
        return keep

    def stats(self) -> dict[str, Any]:
        ids, _ = self._load_matrix() if self.available else ([], None)
        return {"available": self.available, "vectors": len(ids), "engine": getattr(self._embedder, "engine", None)}
