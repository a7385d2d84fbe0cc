"""Keyword retrieval over the FTS5 index (BM25) and filtered browsing, as (product id, score) pairs."""

from __future__ import annotations

import sqlite3

from catalog.query import SearchFilters, fts_match_expression

# Column weights for bm25(): title, brand, category, tags(+option values), description.
_BM25 = "bm25(products_fts, 8.0, 3.0, 3.0, 3.0, 1.0)"


def keyword_candidates(
    conn: sqlite3.Connection, text: str, filters: SearchFilters, limit: int
) -> list[tuple[str, float]]:
    """Best BM25 matches (higher score = better) that pass the filters."""
    match = fts_match_expression(text)
    if match is None:
        return []
    where, params = filters.where_sql()
    base = (
        f"SELECT p.id, m.score FROM ({{inner}}) m JOIN products p ON p.rowid = m.rowid "
        f"WHERE {where} ORDER BY m.score DESC LIMIT ?"
    )
    inner = f"SELECT rowid, -{_BM25} AS score FROM products_fts WHERE products_fts MATCH ?"
    wide = max(limit * 10, 400)
    try:
        if filters.is_empty:
            rows = conn.execute(base.format(inner=inner), [match, *params, limit]).fetchall()
        else:
            # Filter the best few hundred keyword matches first: checking variants for every match of a
            # common word is what makes filtered searches slow; scan all matches only if too few pass.
            rows = conn.execute(
                base.format(inner=inner + " ORDER BY score DESC LIMIT ?"), [match, wide, *params, limit]
            ).fetchall()
            if len(rows) < limit:
                rows = conn.execute(base.format(inner=inner), [match, *params, limit]).fetchall()
    except sqlite3.OperationalError:
        return []  # the expression is built from quoted terms; this is a last guard, never a crash
    return [(r[0], float(r[1])) for r in rows]


def filtered_ids(conn: sqlite3.Connection, filters: SearchFilters, limit: int | None = None) -> list[str]:
    """Products passing the filters, best-rated first (browsing with no query words)."""
    where, params = filters.where_sql()
    order = filters.order_sql() or "COALESCE(p.rating, 0) DESC, p.rating_count DESC"
    sql = f"SELECT p.id FROM products p WHERE {where} ORDER BY {order}, p.id"
    if limit is not None:
        sql += " LIMIT ?"
        params = [*params, limit]
    return [r[0] for r in conn.execute(sql, params).fetchall()]
