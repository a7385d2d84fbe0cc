"""Malformed catalog files in every supported format: each one ends in a row report or a clear file error,
never a traceback, and a refused import leaves the store exactly as it was.

The set is generated: bad values in every field of an otherwise valid product (JSON, JSON Lines, CSV,
Shopify CSV, Merchant Center XML and TSV), broken files (empty, binary, truncated, nesting bombs, a huge
cell, entity bombs) and seeded random byte damage to valid files.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
from pathlib import Path

import pytest

from catalog.cli import add_catalog_commands
from catalog.importers.errors import CatalogImportError
from catalog.importers.run import import_file
from catalog.store import CatalogStore

GOOD = {
    "id": "p-1",
    "title": "Linen Shirt",
    "price": "49.90",
    "currency": "EUR",
    "stock": 4,
    "rating": 4.5,
    "tags": ["shirt", "linen"],
    "description": "A breathable linen shirt.",
}

# field -> values that must be refused, each in a product that is otherwise valid
BAD_VALUES: dict[str, list] = {
    "id": [[], {}, True, ["a", "b"], "a\x00b", "x" * 300, ""],
    "title": [[], {"en": "Shirt"}, False, "Shirt\x00", "t" * 600, ""],
    "price": ["1" * 30, "abc", -5, [], True, 1e19, "NaN", "Infinity", {"amount": 3}, "12,34,56.7.8", ""],
    "stock": [1e19, 9223372036854775808, "1e19", 1.5, "abc", [], True, "inf", "NaN", {"n": 1}],
    "rating": [7, -1, "x", True, [], "NaN", {"r": 4}],
    "tags": [[[1]], [{}], [str(i) for i in range(500)], {"a": 1}],
    "description": ["d" * 60_000, {"x": 1}, ["line"], "bad \x00 byte"],
    "currency": ["EURO", [], "€€€", True],
    "variants": [
        "one",
        [1],
        [{"sku": f"s{i}", "price": 1} for i in range(1_200)],
        [{"sku": "a", "price": 1, "options": "red"}],
        [{"sku": "a", "price": 1, "options": {"color": ["red"]}}],
        [{"sku": "a", "price": "9" * 40}],
        [{"sku": "a", "price": 1, "stock": 1e30}],
        [{"sku": "a", "price": 1}, {"sku": "a", "price": 2}],
        [{"sku": ["x"], "price": 1}],
    ],
}

SHOPIFY_HEADER = "Handle,Title,Body (HTML),Vendor,Type,Tags,Variant SKU,Variant Price,Variant Inventory Qty\n"
GMC_XML = (
    '<?xml version="1.0"?><rss xmlns:g="http://base.google.com/ns/1.0" version="2.0"><channel>'
    "<item><g:id>{id}</g:id><g:title>{title}</g:title><g:price>{price}</g:price>"
    "<g:availability>in stock</g:availability><g:quantity>{stock}</g:quantity></item></channel></rss>"
)
GMC_TSV = "id\ttitle\tprice\tavailability\tquantity\n{id}\t{title}\t{price}\tin stock\t{stock}\n"


def _csv_cell(value) -> str:
    text = str(value)
    return '"' + text.replace('"', '""') + '"'


def _designed_cases() -> list[tuple[str, str, bytes]]:
    """(name, file suffix, content) of files that must be refused."""
    cases: list[tuple[str, str, bytes]] = []
    for field, values in BAD_VALUES.items():
        for n, value in enumerate(values):
            record = {**GOOD, field: value}
            if field == "title" and value == "":
                record = {k: v for k, v in GOOD.items() if k != "title"}
            text = json.dumps([record], ensure_ascii=False)
            cases.append((f"json-{field}-{n}", ".json", text.encode()))
            cases.append((f"jsonl-{field}-{n}", ".jsonl", (json.dumps(GOOD) + "\n" + json.dumps(record)).encode()))
            if isinstance(value, (str, int, float)) and not isinstance(value, bool) and field != "variants":
                row = {**{k: v for k, v in GOOD.items() if k != "tags"}, field: value}
                header = ",".join(row)
                line = ",".join(_csv_cell(v) for v in row.values())
                cases.append((f"csv-{field}-{n}", ".csv", f"{header}\n{line}\n".encode()))
    for field in ("title", "price", "stock"):
        for n, value in enumerate(BAD_VALUES[field]):
            if not isinstance(value, (str, int, float)) or isinstance(value, bool) or value is None:
                continue
            values = {"id": "p-1", "title": "Linen Shirt", "price": "49.90", "stock": 3, field: value}
            shop = [values["id"], values["title"], "", "", "", "", "SKU1", values["price"], values["stock"]]
            cases.append((f"shopify-{field}-{n}", ".csv", (SHOPIFY_HEADER + ",".join(map(_csv_cell, shop))).encode()))
            gmc_values = {**values, "price": f"{values['price']} EUR" if field != "price" else values["price"]}
            if "\x00" not in str(value):
                xml_values = {k: str(v).replace("&", "&amp;").replace("<", "&lt;") for k, v in gmc_values.items()}
                cases.append((f"gmc-xml-{field}-{n}", ".xml", GMC_XML.format(**xml_values).encode()))
            if "\t" not in str(value) and "\n" not in str(value):
                cases.append((f"gmc-tsv-{field}-{n}", ".tsv", GMC_TSV.format(**gmc_values).encode()))
    return cases + _broken_files()


def _broken_files() -> list[tuple[str, str, bytes]]:
    bomb = "[" * 200_000 + "]" * 200_000
    entities = '<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "aaaaaaaaaa">' + "".join(
        f'<!ENTITY {chr(98 + i)} "' + f"&{chr(97 + i)};" * 10 + '">' for i in range(8)
    )
    entities += "]><rss><channel><item><id>&i;</id></item></channel></rss>"
    files = {
        "empty": b"",
        "blank": b"  \n\n\t\n",
        "binary": bytes(range(256)) * 40,
        "bom-only": b"\xef\xbb\xbf",
        "utf16": json.dumps([GOOD]).encode("utf-16"),
    }
    cases = [(f"{name}{suffix}", suffix, data) for name, data in files.items() for suffix in FORMATS_SUFFIXES]
    cases += [
        ("json-truncated", ".json", json.dumps([GOOD, GOOD]).encode()[:-7]),
        ("json-scalar", ".json", b"42"),
        ("json-string", ".json", b'"products"'),
        ("json-object-without-list", ".json", b'{"shop": {"name": "x"}}'),
        ("json-empty-list", ".json", b"[]"),
        ("json-list-of-scalars", ".json", b"[1, 2, 3]"),
        ("json-list-of-nulls", ".json", b"[null, null]"),
        ("json-nesting-bomb", ".json", bomb.encode()),
        ("json-nesting-bomb-in-field", ".json", ('[{"id": "a", "title": ' + bomb + "}]").encode()),
        ("jsonl-nesting-bomb", ".jsonl", (json.dumps(GOOD) + "\n" + bomb).encode()),
        ("jsonl-garbage-lines", ".jsonl", b"{not json}\n[1,\n"),
        ("csv-header-only", ".csv", b"id,title,price\n"),
        ("csv-unrelated-columns", ".csv", b"name,colour,cost\nshirt,red,9\n"),
        ("csv-huge-cell", ".csv", b'id,title,price\np1,"' + b"x" * 1_200_000 + b'",9\n'),
        ("csv-nul-byte", ".csv", b"id,title,price\np1,Sh\x00irt,9\n"),
        ("csv-unclosed-quote", ".csv", b'id,title,price\np1,"Shirt,9\np2,Hat,4\n'),
        ("shopify-huge-cell", ".csv", SHOPIFY_HEADER.encode() + b'p1,"' + b"y" * 1_200_000 + b'",,,,,S,9,1\n'),
        ("gmc-xml-no-items", ".xml", b'<?xml version="1.0"?><rss><channel><title>x</title></channel></rss>'),
        ("gmc-xml-unclosed", ".xml", b"<rss><channel><item><id>1</id>"),
        ("gmc-xml-deep", ".xml", b"<a>" * 50_000 + b"</a>" * 50_000),
        ("gmc-xml-entity-bomb", ".xml", entities.encode()),
        ("gmc-tsv-no-id-column", ".tsv", b"title\tprice\nShirt\t9 EUR\n"),
        ("gmc-tsv-header-only", ".tsv", b"id\ttitle\tprice\n"),
    ]
    return cases


FORMATS_SUFFIXES = (".json", ".jsonl", ".csv", ".xml", ".tsv")


def _random_damage(count: int) -> list[tuple[str, str, bytes]]:
    """Valid files of every format with random bytes flipped, cut or duplicated (seeded)."""
    rng = random.Random(12)
    valid = {
        ".json": json.dumps([GOOD, {**GOOD, "id": "p-2"}]).encode(),
        ".jsonl": (json.dumps(GOOD) + "\n" + json.dumps({**GOOD, "id": "p-2"})).encode(),
        ".csv": b"id,title,price,stock\np-1,Linen Shirt,49.90,4\np-2,Hat,12.00,1\n",
        ".xml": GMC_XML.format(id="g1", title="Hat", price="9.00 EUR", stock=2).encode(),
        ".tsv": GMC_TSV.format(id="g1", title="Hat", price="9.00 EUR", stock=2).encode(),
    }
    cases = []
    for n in range(count):
        suffix = FORMATS_SUFFIXES[n % len(FORMATS_SUFFIXES)]
        data = bytearray(valid[suffix])
        for _ in range(rng.randint(1, 6)):
            at = rng.randrange(len(data))
            action = rng.choice(("flip", "cut", "dup", "insert"))
            if action == "flip":
                data[at] = rng.randrange(256)
            elif action == "cut":
                del data[at : at + rng.randint(1, 20)]
            elif action == "dup":
                data[at:at] = data[at : at + rng.randint(1, 40)] * rng.randint(2, 50)
            else:
                data[at:at] = bytes(rng.choice(b'{}[]",\t\n<>&\x00\x1b\xff') for _ in range(rng.randint(1, 5)))
        cases.append((f"damaged-{n}", suffix, bytes(data)))
    return cases


def _digest(store: CatalogStore) -> str:
    rows = store.execute("SELECT * FROM products ORDER BY id") + store.execute("SELECT * FROM variants ORDER BY sku")
    return hashlib.sha256(repr([tuple(r) for r in rows]).encode()).hexdigest()


def _outcome(store: CatalogStore, path: Path) -> str:
    """'refused' (with a report or a clear message) or 'imported'; anything else fails the test."""
    before = _digest(store)
    try:
        import_file(store, path)
    except CatalogImportError as err:
        report = err.report
        assert report.bad_rows and not report.committed, path.name
        for bad in report.bad_rows:
            assert bad.field and bad.reason and len(str(bad)) < 600, (path.name, str(bad)[:300])
        assert _digest(store) == before, f"{path.name}: a refused import changed the store"
        return "refused"
    except ValueError as err:
        assert str(err) and len(str(err)) < 600, path.name
        assert _digest(store) == before, f"{path.name}: a refused import changed the store"
        return "refused"
    return "imported"


def test_every_designed_bad_file_is_refused_with_a_report(tmp_path):
    cases = _designed_cases()
    store = CatalogStore.open(tmp_path / "shop.db")
    import_file(store, _write(tmp_path, "seed.json", json.dumps([{**GOOD, "id": "kept"}]).encode()))
    accepted = [
        name for name, suffix, data in cases if _outcome(store, _write(tmp_path, name + suffix, data)) != "refused"
    ]
    assert not accepted, f"{len(accepted)} bad files were imported: {accepted[:10]}"
    assert store.count_products() == 1 and store.get_product("kept") is not None
    assert len(cases) >= 250


def test_randomly_damaged_files_never_raise_anything_but_a_report(tmp_path):
    store = CatalogStore.open(tmp_path / "shop.db")
    import_file(store, _write(tmp_path, "seed.json", json.dumps([{**GOOD, "id": "kept"}]).encode()))
    outcomes = [_outcome(store, _write(tmp_path, name + suffix, data)) for name, suffix, data in _random_damage(150)]
    assert outcomes.count("refused") > 50  # most damage is caught; what still parses is stored cleanly
    for row in store.execute("SELECT title, description FROM products"):
        assert not any(ord(c) < 32 and c not in "\n\t" for c in row["title"] + row["description"])


def test_the_fuzz_set_has_three_hundred_files_in_every_format():
    cases = _designed_cases() + _random_damage(150)
    assert len(cases) >= 300
    assert {suffix for _, suffix, _ in cases} == set(FORMATS_SUFFIXES)


@pytest.mark.parametrize(
    "name,content,message",
    [
        ("empty.json", b"", "invalid JSON"),
        ("nothing.csv", b"id,title,price\n", "no products found"),
        ("bomb.json", b"[" * 100_000, "nested too deeply"),
        ("huge.csv", b'id,title\np,"' + b"x" * 1_100_000 + b'"\n', "field larger than field limit"),
        ("list-title.json", b'[{"id": "a", "title": ["x"], "price": 1}]', "title: must be text, got a list"),
        ("stock.json", b'[{"id": "a", "title": "x", "price": 1, "stock": 1e19}]', "stock: out of range"),
    ],
)
def test_the_import_command_exits_non_zero_with_a_clear_message(tmp_path, capsys, name, content, message):
    parser = argparse.ArgumentParser()
    add_catalog_commands(parser.add_subparsers(dest="command"), embedder_factory=lambda: None)
    args = parser.parse_args(
        ["catalog", "import", str(_write(tmp_path, name, content)), "--db", str(tmp_path / "c.db")]
    )
    code = args.func(args)
    err = capsys.readouterr().err
    assert code != 0 and message in err and "Traceback" not in err, err[:500]


def _write(folder: Path, name: str, data: bytes) -> Path:
    path = folder / name
    path.write_bytes(data)
    return path
