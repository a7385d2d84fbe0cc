"""Keyword retrieval over the FTS5 index (BM25) and filtered browsing, as (product id, score) pairs."""

from __future__ import annotations

import sqlite3

from catalog.query import SearchFilters, query_terms

# Column weights for bm25(): title, brand, category, tags(+option values), description.
_BM25 = "bm25(products_fts, 8.0, 3.0, 3.0, 3.0, 1.0)"
# A word found in more products than this is looked for only in the words that name a product (title,
# brand, kind, tags, options). Ranking every description that says "warm" or "soft" is what made keyword
# search cost 20-100 ms at 100,000 products, and a word that common says little about which product.
COMMON_WORD_PRODUCTS = 2000
_NAMING_COLUMNS = "{title brand}"
_MAX_TERMS = 32


def term_counts(conn: sqlite3.Connection, text: str) -> dict[str, int]:
    """Query term -> how many products contain it, counted up to COMMON_WORD_PRODUCTS + 1."""
    counts: dict[str, int] = {}
    for term in list(dict.fromkeys(query_terms(text)))[:_MAX_TERMS]:
        try:
            row = conn.execute(
                "SELECT COUNT(*) FROM (SELECT 1 FROM products_fts WHERE products_fts MATCH ? LIMIT ?)",
                [_quoted(term), COMMON_WORD_PRODUCTS + 1],
            ).fetchone()
        except sqlite3.OperationalError:
            row = (0,)
        counts[term] = int(row[0])
    return counts


def vocabulary_share(counts: dict[str, int]) -> float:
    """Share of the query's words that occur anywhere in the catalog (0..1).

    A question in another language than the catalog's shares few words with it, and the few it shares are
    accidents ("cuisine", "pan", "red" in a brand name): keyword scores then deserve little weight.
    """
    return sum(n > 0 for n in counts.values()) / len(counts) if counts else 0.0


def match_expression(counts: dict[str, int]) -> str | None:
    """OR of quoted terms (any odd input becomes plain terms, never syntax); common words only in the
    naming columns, words the catalog never uses left out."""
    rare = [_quoted(t) for t, n in counts.items() if 0 < n <= COMMON_WORD_PRODUCTS]
    common = [_quoted(t) for t, n in counts.items() if n > COMMON_WORD_PRODUCTS]
    parts = rare + ([f"{_NAMING_COLUMNS} : ({' OR '.join(common)})"] if common else [])
    return " OR ".join(parts) or None


def _quoted(term: str) -> str:
    return '"' + term.replace('"', '""') + '"'


def keyword_candidates(
    conn: sqlite3.Connection,
    text: str,
    filters: SearchFilters,
    limit: int,
    counts: dict[str, int] | None = None,
) -> list[tuple[str, float]]:
    """Best BM25 matches (higher score = better) that pass the filters."""
    match = match_expression(term_counts(conn, text) if counts is None else counts)
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
