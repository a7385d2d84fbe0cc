"""Versioned SQLite schema. Append migrations; never edit one that has shipped.

Each migration runs in its own transaction and records its version in schema_migrations, so reopening a
file written by an older release upgrades it in place and keeps every row.
"""

from __future__ import annotations

import sqlite3
import time

MIGRATIONS: list[tuple[int, str, str]] = [
    (
        1,
        "products, variants, orders, policies, full-text index",
        """
        CREATE TABLE products (
            id TEXT PRIMARY KEY,
            title TEXT NOT NULL,
            brand TEXT NOT NULL DEFAULT '',
            category TEXT NOT NULL DEFAULT '',
            description TEXT NOT NULL DEFAULT '',
            tags TEXT NOT NULL DEFAULT '[]',          -- JSON list
            price TEXT NOT NULL,                      -- Decimal as text: exact cents
            price_num REAL NOT NULL,                  -- same value as a number, for filters and sorting
            currency TEXT NOT NULL DEFAULT 'USD',
            compare_at_price TEXT,
            rating REAL,
            rating_count INTEGER NOT NULL DEFAULT 0,
            shipping_info TEXT NOT NULL DEFAULT '',
            warranty TEXT NOT NULL DEFAULT '',
            return_policy TEXT NOT NULL DEFAULT '',
            image_url TEXT NOT NULL DEFAULT '',
            total_stock INTEGER NOT NULL DEFAULT 0,
            updated_at REAL NOT NULL
        );
        CREATE INDEX products_brand ON products(brand COLLATE NOCASE);
        CREATE INDEX products_category ON products(category COLLATE NOCASE);
        CREATE INDEX products_price ON products(price_num);
        CREATE TABLE variants (
            sku TEXT PRIMARY KEY,
            product_id TEXT NOT NULL REFERENCES products(id) ON DELETE CASCADE,
            position INTEGER NOT NULL,
            options TEXT NOT NULL DEFAULT '{}',       -- JSON {name: value}
            color TEXT,                               -- copies of common options, for filters
            size TEXT,
            material TEXT,
            price TEXT NOT NULL,
            price_num REAL NOT NULL,
            compare_at_price TEXT,
            stock INTEGER NOT NULL DEFAULT 0,
            gtin TEXT
        );
        CREATE INDEX variants_product ON variants(product_id, position);
        -- FTS rowid = products.rowid (upserts keep the rowid), so the index row is replaced in place.
        CREATE VIRTUAL TABLE products_fts USING fts5(
            title, brand, category, tags, description,
            tokenize = 'porter unicode61 remove_diacritics 2'
        );
        CREATE TABLE orders (
            id TEXT PRIMARY KEY,
            status TEXT NOT NULL,
            items TEXT NOT NULL DEFAULT '[]',         -- JSON list of items
            currency TEXT NOT NULL DEFAULT 'USD',
            total TEXT NOT NULL DEFAULT '0',
            carrier TEXT NOT NULL DEFAULT '',
            tracking_number TEXT NOT NULL DEFAULT '',
            estimated_delivery TEXT,
            destination_country TEXT NOT NULL DEFAULT '',
            placed_at TEXT,
            updated_at REAL NOT NULL
        );
        CREATE TABLE policies (
            topic TEXT NOT NULL,
            country TEXT NOT NULL,                    -- ISO alpha-2 or '*'
            title TEXT NOT NULL,
            text TEXT NOT NULL,
            fee TEXT,
            currency TEXT NOT NULL DEFAULT 'USD',
            free_over TEXT,
            days_min INTEGER,
            days_max INTEGER,
            PRIMARY KEY (topic, country)
        );
    """,
    ),
    (
        2,
        "cached sentence embeddings per product",
        """
        CREATE TABLE product_embeddings (
            product_id TEXT PRIMARY KEY REFERENCES products(id) ON DELETE CASCADE,
            model TEXT NOT NULL,                      -- model id + weight hash: a new model re-embeds
            text_hash TEXT NOT NULL,                  -- hash of the embedded text: unchanged rows are kept
            vector BLOB NOT NULL                      -- float16 little-endian
        );
    """,
    ),
    (
        3,
        "variants.stock_exact: feeds that only say 'in stock' have no count to quote",
        """
        ALTER TABLE variants ADD COLUMN stock_exact INTEGER NOT NULL DEFAULT 1;
    """,
    ),
    (
        4,
        "embeddings of passage parts by text hash, shared by every product with the same part",
        """
        CREATE TABLE text_embeddings (
            model TEXT NOT NULL,
            text_hash TEXT NOT NULL,
            vector BLOB NOT NULL,                     -- float16 little-endian
            PRIMARY KEY (model, text_hash)
        ) WITHOUT ROWID;
    """,
    ),
]

LATEST_VERSION = MIGRATIONS[-1][0]


def current_version(conn: sqlite3.Connection) -> int:
    conn.execute(
        "CREATE TABLE IF NOT EXISTS schema_migrations ("
        "version INTEGER PRIMARY KEY, description TEXT NOT NULL, applied_at REAL NOT NULL)"
    )
    row = conn.execute("SELECT MAX(version) FROM schema_migrations").fetchone()
    return int(row[0] or 0)


def migrate(conn: sqlite3.Connection) -> int:
    """Apply every pending migration; returns the resulting version."""
    version = current_version(conn)
    for number, description, sql in MIGRATIONS:
        if number <= version:
            continue
        # executescript would auto-commit statement by statement; run each in one explicit transaction.
        conn.execute("BEGIN")
        try:
            for statement in _statements(sql):
                conn.execute(statement)
            conn.execute("INSERT INTO schema_migrations VALUES (?, ?, ?)", (number, description, time.time()))
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        version = number
    return version


def _statements(sql: str) -> list[str]:
    lines = [line.split("--", 1)[0] for line in sql.splitlines()]
    return [s.strip() for s in "\n".join(lines).split(";") if s.strip()]
