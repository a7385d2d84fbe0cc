"""JSON schemas of the catalog tools, in the OpenAI / Hugging Face chat-template "tools" format.

The session id is not a parameter: the dialogue passes it to CatalogTools.call, never the model.
"""

from __future__ import annotations

from typing import Any

_ID = {"type": "string", "description": "Product id exactly as returned by search_products."}
_SIZE = {"type": "string", "description": "Size as the shopper said it, e.g. 'M', 'medium', '9', '50 ml'."}
_COLOR = {"type": "string", "description": "Colour or shade, e.g. 'red', 'navy', 'Nude Rose'."}


def _tool(name: str, description: str, properties: dict[str, Any], required: list[str]) -> dict[str, Any]:
    return {
        "type": "function",
        "function": {
            "name": name,
            "description": description,
            "parameters": {
                "type": "object",
                "properties": properties,
                "required": required,
                "additionalProperties": False,
            },
        },
    }


TOOL_SCHEMAS: list[dict[str, Any]] = [
    _tool(
        "search_products",
        "Find products in the store catalog. Works with the shopper's words in any language. Returns ranked "
        "products with id, title, price, currency, rating, stock and options.",
        {
            "query": {"type": "string", "description": "What the shopper wants, in their own words."},
            "max_price": {"type": "number", "description": "Highest acceptable price."},
            "min_price": {"type": "number", "description": "Lowest price."},
            "currency": {"type": "string", "description": "ISO currency code of the price limits, e.g. USD."},
            "brand": {"type": "string"},
            "category": {"type": "string"},
            "color": _COLOR,
            "size": _SIZE,
            "in_stock": {"type": "boolean", "description": "Only products that can ship now."},
            "min_rating": {"type": "number", "description": "Minimum average rating, 0-5."},
            "sort": {"type": "string", "enum": ["relevance", "price_asc", "price_desc", "rating"]},
            "limit": {"type": "integer", "minimum": 1, "maximum": 10},
        },
        ["query"],
    ),
    _tool(
        "get_product",
        "Full details of one product: description, every variant with price and stock, "
        "shipping, warranty and return information.",
        {"product_id": _ID},
        ["product_id"],
    ),
    _tool(
        "check_availability",
        "Stock of one product in a given size and/or colour, with the sizes and colours that are in stock.",
        {"product_id": _ID, "size": _SIZE, "color": _COLOR},
        ["product_id"],
    ),
    _tool(
        "compare_products",
        "Side-by-side facts (price, rating, stock, warranty) of 2 to 5 products.",
        {"product_ids": {"type": "array", "items": {"type": "string"}, "minItems": 2, "maxItems": 5}},
        ["product_ids"],
    ),
    _tool(
        "add_to_cart",
        "Put a product in the shopper's cart. Give size and colour when the product has them.",
        {
            "product_id": _ID,
            "quantity": {"type": "integer", "minimum": 1, "maximum": 20},
            "size": _SIZE,
            "color": _COLOR,
            "sku": {"type": "string", "description": "Exact variant SKU, if known."},
        },
        ["product_id"],
    ),
    _tool("view_cart", "The shopper's cart: items, quantities, prices and subtotal.", {}, []),
    _tool(
        "remove_from_cart",
        "Take a product (or some of its quantity) out of the cart.",
        {
            "product_id": _ID,
            "sku": {"type": "string"},
            "quantity": {"type": "integer", "minimum": 1, "description": "How many to remove; all if omitted."},
        },
        [],
    ),
    _tool(
        "get_order_status",
        "Status, carrier, tracking number and estimated delivery of an order. Accepts the "
        "id as spoken, e.g. 'A one oh four two' or 'a-1042'.",
        {"order_id": {"type": "string", "description": "Order id as the shopper said it."}},
        ["order_id"],
    ),
    _tool(
        "get_policy",
        "Store policy on shipping, returns, payment or warranty, for the shopper's destination country when known.",
        {
            "topic": {"type": "string", "enum": ["shipping", "returns", "payment", "warranty"]},
            "country": {"type": "string", "description": "Destination country name or ISO code, e.g. 'Spain', 'ES'."},
        },
        ["topic"],
    ),
]
