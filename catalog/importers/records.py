"""Canonical dict -> typed record conversion with field-level validation.

Every importer maps its format onto the canonical dict shape below, then calls these functions, so the
validation rules (missing title, bad price, ...) are the same for every format.

product: {id, title, brand, category, description, tags, price, currency, compare_at_price, rating,
          rating_count, shipping_info, warranty, return_policy, image_url, stock,
          variants: [{sku, options: {name: value}, price, stock, compare_at_price, gtin}]}
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from catalog.importers.errors import FieldError
from catalog.models import POLICY_TOPICS, Order, OrderItem, Policy, Product, Variant

# Bounds on what one row may hold: a feed is untrusted input, and a 10 MB title or a 30-digit price is a
# mistake in the export, reported on its row rather than stored or sent to the embedding model.
MAX_FIELD_CHARS = {"id": 256, "sku": 256, "title": 500, "description": 50_000}
MAX_OTHER_FIELD_CHARS = 5_000
MAX_VARIANTS = 1_000
MAX_TAGS = 200
MAX_PRICE = Decimal("1000000000")  # a billion in any currency: beyond it the number is a typo
MAX_COUNT = 1_000_000_000  # stock and rating counts
_CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_SCALARS = (str, int, float, Decimal)

_PRICE_RE = re.compile(r"^\s*([A-Za-z]{3})?\s*[$€£¥]?\s*(-?[\d.,]+)\s*([A-Za-z]{3})?\s*$")
_TAG_RE = re.compile(r"<[^>]+>")
_BLOCK_RE = re.compile(r"</?(p|br|li|div|h[1-6]|ul|ol|tr)\b[^>]*>", re.I)
_STRIP_RE = re.compile(r"<(script|style)\b.*?</\1>", re.I | re.S)


def html_to_text(value: str) -> str:
    """Plain text from an HTML description: block tags become line breaks, entities decoded."""
    if "<" not in value and "&" not in value:
        return value.strip()
    text = _STRIP_RE.sub(" ", value)
    text = _BLOCK_RE.sub("\n", text)
    text = html.unescape(_TAG_RE.sub("", text))
    lines = [" ".join(line.split()) for line in text.splitlines()]
    return "\n".join(line for line in lines if line)


def parse_price(value: Any, field_name: str = "price") -> tuple[Decimal, str | None]:
    """Parse 19.99, "19.99", "19.99 USD", "USD 19.99", "$19.99", "1,299.00" -> (Decimal, currency)."""
    if value is None or value == "":
        raise FieldError(field_name, "missing")
    if isinstance(value, bool) or not isinstance(value, _SCALARS):
        raise FieldError(field_name, f"must be a number or text, got {_kind(value)}")
    if isinstance(value, (int, float, Decimal)):
        amount, currency = Decimal(str(value)), None
    else:
        m = _PRICE_RE.match(str(value))
        if not m:
            raise FieldError(field_name, f"cannot read a price from {str(value)[:40]!r}")
        number = m.group(2)
        # "1.299,00" (European) vs "1,299.00": the last separator is the decimal point.
        if "," in number and ("." not in number or number.rfind(",") > number.rfind(".")):
            number = number.replace(".", "").replace(",", ".")
        else:
            number = number.replace(",", "")
        try:
            amount = Decimal(number)
        except InvalidOperation:
            raise FieldError(field_name, f"cannot read a price from {str(value)[:40]!r}") from None
        currency = (m.group(1) or m.group(3) or "").upper() or None
    if not amount.is_finite():
        raise FieldError(field_name, f"not a number: {str(value)[:40]!r}")
    if amount < 0:
        raise FieldError(field_name, f"negative price {amount}")
    if amount > MAX_PRICE:
        raise FieldError(field_name, f"out of range: {str(value)[:40]!r} (the limit is {MAX_PRICE:,})")
    return amount.quantize(Decimal("0.01")), currency


def _optional_price(raw: Mapping[str, Any], key: str) -> Decimal | None:
    value = raw.get(key)
    if value in (None, ""):
        return None
    return parse_price(value, key)[0]


def _int(value: Any, field_name: str, default: int = 0) -> int:
    if value is None or value == "":
        return default
    if isinstance(value, bool) or not isinstance(value, _SCALARS):
        raise FieldError(field_name, f"must be a whole number, got {_kind(value)}")
    try:
        number = float(str(value).replace(",", ""))
    except ValueError:
        raise FieldError(field_name, f"not a whole number: {str(value)[:40]!r}") from None
    if number != number or abs(number) > MAX_COUNT:  # NaN, infinities and 1e19 ("stock" typed as an id)
        raise FieldError(field_name, f"out of range: {str(value)[:40]!r} (the limit is {MAX_COUNT:,})")
    if number != int(number):
        raise FieldError(field_name, f"not a whole number: {str(value)[:40]!r}")
    return int(number)


def _kind(value: Any) -> str:
    names = {bool: "true/false", list: "a list", tuple: "a list", dict: "an object", bytes: "bytes"}
    return next((name for t, name in names.items() if isinstance(value, t)), type(value).__name__)


def clean_text(value: Any, key: str) -> str:
    """A scalar field as text: lists, objects and booleans are refused (they used to be stored as Python
    reprs), NUL is refused, other control characters are dropped, and the length is bounded."""
    if isinstance(value, bool) or not isinstance(value, _SCALARS):
        raise FieldError(key, f"must be text, got {_kind(value)}")
    text = str(value)
    if "\x00" in text:
        raise FieldError(key, "contains a NUL character")
    if "\ufffd" in text:
        raise FieldError(key, "bad text encoding (replacement character found; save the file as UTF-8)")
    text = _CONTROL_RE.sub("", text).strip()
    limit = MAX_FIELD_CHARS.get(key.rsplit(".", 1)[-1], MAX_OTHER_FIELD_CHARS)
    if len(text) > limit:
        raise FieldError(key, f"too long: {len(text):,} characters (the limit is {limit:,})")
    return text


def _text(raw: Mapping[str, Any], key: str) -> str:
    value = raw.get(key)
    if value is None:
        return ""
    return clean_text(value, key)


def _tags(value: Any) -> tuple[str, ...]:
    if value is None or value == "":
        return ()
    items = value if isinstance(value, (list, tuple)) else clean_text(value, "tags").split(",")
    if len(items) > MAX_TAGS:
        raise FieldError("tags", f"too many: {len(items):,} (the limit is {MAX_TAGS})")
    tags = (clean_text(t, "tags") for t in items)
    return tuple(dict.fromkeys(t for t in tags if t))


def _currency(value: str | None, fallback: str = "USD") -> str:
    code = (value or fallback).strip().upper()
    if not re.fullmatch(r"[A-Z]{3}", code):
        raise FieldError("currency", f"not a 3-letter currency code: {value!r}")
    return code


def product_from_dict(raw: Mapping[str, Any]) -> Product:
    pid = _text(raw, "id")
    if not pid:
        raise FieldError("id", "missing")
    title = _text(raw, "title")
    if not title:
        raise FieldError("title", "missing")
    currency_hint: str | None = _text(raw, "currency") or None
    variants: list[Variant] = []
    raw_variants = raw.get("variants") or []
    if not isinstance(raw_variants, list):
        raise FieldError("variants", "must be a list")
    if len(raw_variants) > MAX_VARIANTS:
        raise FieldError("variants", f"too many: {len(raw_variants):,} (the limit is {MAX_VARIANTS:,})")
    base_price = None
    if raw.get("price") not in (None, ""):
        base_price, cur = parse_price(raw.get("price"))
        currency_hint = currency_hint or cur
    for i, rv in enumerate(raw_variants):
        if not isinstance(rv, Mapping):
            raise FieldError(f"variants[{i}]", "must be an object")
        variants.append(_variant(rv, i, pid, base_price))
    if not variants:
        if base_price is None:
            raise FieldError("price", "missing")
        variants.append(
            Variant(
                sku=_text(raw, "sku") or pid,
                price=base_price,
                stock=_int(raw.get("stock"), "stock"),
                compare_at_price=_optional_price(raw, "compare_at_price"),
            )
        )
    skus = [v.sku for v in variants]
    if len(set(skus)) != len(skus):
        raise FieldError("variants.sku", f"duplicate SKU in product {pid}")
    rating = raw.get("rating")
    if isinstance(rating, bool):
        raise FieldError("rating", "must be a number, got true/false")
    try:
        rating_value = None if rating is None or rating == "" else float(rating)
    except (TypeError, ValueError):
        raise FieldError("rating", f"not a number: {str(rating)[:40]!r}") from None
    if rating_value is not None and not 0 <= rating_value <= 5:
        raise FieldError("rating", f"must be between 0 and 5, got {rating_value}")
    return Product(
        id=pid,
        title=title,
        price=min(v.price for v in variants),
        currency=_currency(currency_hint),
        brand=_text(raw, "brand"),
        category=_text(raw, "category"),
        description=html_to_text(_text(raw, "description")),
        tags=_tags(raw.get("tags")),
        compare_at_price=_optional_price(raw, "compare_at_price") or _variant_compare(variants),
        rating=rating_value,
        rating_count=_int(raw.get("rating_count"), "rating_count"),
        shipping_info=_text(raw, "shipping_info"),
        warranty=_text(raw, "warranty"),
        return_policy=_text(raw, "return_policy"),
        image_url=_text(raw, "image_url"),
        variants=tuple(variants),
    )


def _variant_compare(variants: list[Variant]) -> Decimal | None:
    cheapest = min(variants, key=lambda v: v.price)
    return cheapest.compare_at_price


def _variant(rv: Mapping[str, Any], i: int, pid: str, base_price: Decimal | None) -> Variant:
    options_raw = rv.get("options") or {}
    if not isinstance(options_raw, Mapping):
        raise FieldError(f"variants[{i}].options", "must be an object of name: value")
    options = {
        clean_text(k, f"variants[{i}].options").lower(): clean_text(v, f"variants[{i}].options.{k}")
        for k, v in options_raw.items()
        if v is not None and v != "" and str(k).strip()
    }
    if rv.get("price") in (None, ""):
        if base_price is None:
            raise FieldError(f"variants[{i}].price", "missing")
        price = base_price
    else:
        price = parse_price(rv.get("price"), f"variants[{i}].price")[0]
    stock = _int(rv.get("stock"), f"variants[{i}].stock")
    if stock < 0:
        stock = 0  # oversold inventory reads as none left, not as an error
    sku = _text(rv, "sku") or f"{pid}-{i + 1}"
    return Variant(
        sku=sku,
        options=options,
        price=price,
        stock=stock,
        compare_at_price=_optional_price(rv, "compare_at_price"),
        gtin=_text(rv, "gtin") or None,
        stock_exact=rv.get("stock_exact", True) is not False,
    )


def _date(value: Any, field_name: str) -> date | None:
    if value in (None, ""):
        return None
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError:
        raise FieldError(field_name, f"not a date (YYYY-MM-DD): {value!r}") from None


def order_from_dict(raw: Mapping[str, Any]) -> Order:
    from catalog.order_ids import normalize_order_id  # local: keeps records importable standalone

    oid = normalize_order_id(_text(raw, "id"))
    if not oid:
        raise FieldError("id", "missing")
    status = _text(raw, "status").lower().replace(" ", "_").replace("-", "_")
    if not status:
        raise FieldError("status", "missing")
    items: list[OrderItem] = []
    raw_items = raw.get("items") or []
    if not isinstance(raw_items, list):
        raise FieldError("items", f"must be a list, got {_kind(raw_items)}")
    for i, it in enumerate(raw_items):
        if not isinstance(it, Mapping) or not _text(it, "title"):
            raise FieldError(f"items[{i}].title", "missing")
        qty = _int(it.get("quantity"), f"items[{i}].quantity", default=1)
        if qty <= 0:
            raise FieldError(f"items[{i}].quantity", f"must be positive, got {qty}")
        items.append(
            OrderItem(
                title=_text(it, "title"),
                quantity=qty,
                unit_price=parse_price(it.get("unit_price"), f"items[{i}].unit_price")[0],
                product_id=_text(it, "product_id"),
                sku=_text(it, "sku"),
            )
        )
    total = (
        parse_price(raw["total"], "total")[0]
        if raw.get("total") not in (None, "")
        else sum((i.unit_price * i.quantity for i in items), Decimal("0.00"))
    )
    placed = raw.get("placed_at")
    try:
        placed_at = None if placed in (None, "") else datetime.fromisoformat(str(placed))
    except ValueError:
        raise FieldError("placed_at", f"not an ISO date-time: {placed!r}") from None
    return Order(
        id=oid,
        status=status,
        items=tuple(items),
        currency=_currency(_text(raw, "currency") or None),
        total=total,
        carrier=_text(raw, "carrier"),
        tracking_number=_text(raw, "tracking_number"),
        estimated_delivery=_date(raw.get("estimated_delivery"), "estimated_delivery"),
        destination_country=_text(raw, "destination_country").upper(),
        placed_at=placed_at,
    )


def policy_from_dict(raw: Mapping[str, Any]) -> Policy:
    topic = _text(raw, "topic").lower()
    if topic not in POLICY_TOPICS:
        raise FieldError("topic", f"must be one of {', '.join(POLICY_TOPICS)}, got {topic!r}")
    text = _text(raw, "text")
    if not text:
        raise FieldError("text", "missing")
    country = (_text(raw, "country") or "*").upper()
    days_min = _int(raw.get("days_min"), "days_min", default=-1)
    days_max = _int(raw.get("days_max"), "days_max", default=-1)
    return Policy(
        topic=topic,
        country=country,
        title=_text(raw, "title") or topic.title(),
        text=text,
        fee=_optional_price(raw, "fee"),
        currency=_currency(_text(raw, "currency") or None),
        free_over=_optional_price(raw, "free_over"),
        days_min=None if days_min < 0 else days_min,
        days_max=None if days_max < 0 else days_max,
    )
