"""Field mapping for generic feeds: canonical field <- dotted path into a (nested) source record.

`--map title=name --map price=offers.price.amount --map variants=skus --map variant.sku=code
 --map variant.options.size=attrs.size` : "variant.*" paths apply to each element of the variants list.
Unmapped canonical fields are read from the same name, so a feed already in the canonical shape needs none.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from catalog.importers.errors import FieldError

_MISSING = object()


def parse_map_args(items: Sequence[str] | None) -> dict[str, str]:
    """["title=name", "price=offer.price"] -> {"title": "name", "price": "offer.price"}."""
    out: dict[str, str] = {}
    for item in items or ():
        field, sep, path = item.partition("=")
        if not sep or not field.strip() or not path.strip():
            raise ValueError(f"--map expects FIELD=PATH (e.g. price=offers.price), got {item!r}")
        out[field.strip()] = path.strip()
    return out


def get_path(record: Any, path: str) -> Any:
    """Value at a dotted path ("offers.0.price"); _MISSING-safe: returns None when absent."""
    value = record
    for part in path.split("."):
        if isinstance(value, Mapping):
            value = value.get(part, _MISSING)
        elif isinstance(value, list) and part.lstrip("-").isdigit():
            idx = int(part)
            value = value[idx] if -len(value) <= idx < len(value) else _MISSING
        else:
            value = _MISSING
        if value is _MISSING:
            return None
    return value


def _set_path(target: dict[str, Any], path: str, value: Any) -> None:
    parts = path.split(".")
    for part in parts[:-1]:
        target = target.setdefault(part, {})
    target[parts[-1]] = value


def apply_mapping(record: Any, mapping: Mapping[str, str]) -> dict[str, Any]:
    """A canonical dict from one source record."""
    if not isinstance(record, Mapping):
        raise FieldError("record", f"expected an object, got {type(record).__name__}")
    out: dict[str, Any] = dict(record)
    variant_map = {k[len("variant.") :]: v for k, v in mapping.items() if k.startswith("variant.")}
    for field, path in mapping.items():
        if field.startswith("variant."):
            continue
        value = get_path(record, path)
        if value is not None:
            _set_path(out, field, value) if "." in field else out.__setitem__(field, value)
    if variant_map and isinstance(out.get("variants"), list):
        variants = []
        for v in out["variants"]:
            mapped = dict(v) if isinstance(v, Mapping) else {}
            for field, path in variant_map.items():
                value = get_path(v, path)
                if value is not None:
                    _set_path(mapped, field, value)
            variants.append(mapped)
        out["variants"] = variants
    return out
