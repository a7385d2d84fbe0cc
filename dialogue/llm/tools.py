"""The catalog tools as the model sees them in `tools` mode, run against this turn's copy of the state.

A tool that changes something (the cart) waits until the turn is committed: a speculative turn, thrown
away when the shopper goes on talking, never runs it."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from catalog.models import Product
from catalog.store import CatalogStore
from catalog.tool_schemas import TOOL_SCHEMAS
from catalog.tools import CatalogTools
from dialogue.state import ConversationState
from models.llm import ToolCall, ToolSpec

SIDE_EFFECTS = frozenset({"add_to_cart", "remove_from_cart"})
_DROPPED = {"score", "image_url", "compare_at_price", "discount_percent", "filters", "gtin", "tags"}
_TEXT_CHARS = 160  # tool results are prefilled before the answer: keep them short
_SEARCH_LIMIT = 3

TOOL_SPECS: tuple[ToolSpec, ...] = tuple(
    ToolSpec(s["function"]["name"], s["function"]["description"], s["function"]["parameters"]) for s in TOOL_SCHEMAS
)


class TurnTools:
    def __init__(
        self,
        store: CatalogStore,
        state: ConversationState,
        session_id: str,
        committed: asyncio.Event | None = None,
    ):
        self.store = store
        self.state = state
        self.session_id = session_id
        self.committed = committed
        self.carts = state.cart_store(session_id)
        self.tools = CatalogTools(store, self.carts)
        self.products: list[Product] = []  # every product a result named, in order

    async def run(self, call: ToolCall) -> tuple[dict[str, Any], str]:
        """The result, and as compact JSON for the model (and for the grounding check)."""
        if call.name in SIDE_EFFECTS and self.committed is not None and not self.committed.is_set():
            await self.committed.wait()
        arguments = dict(call.arguments)
        if call.name == "search_products":
            arguments["limit"] = min(int(arguments.get("limit") or _SEARCH_LIMIT), _SEARCH_LIMIT)
        result = await asyncio.to_thread(self.tools.call, call.name, arguments, session_id=self.session_id)
        if call.name in SIDE_EFFECTS or call.name == "view_cart":
            self.state.keep_cart(self.carts, self.session_id)
        self._note_products(result)
        compact = _compact(result)
        return compact, json.dumps(compact, ensure_ascii=False)

    def _note_products(self, result: dict[str, Any]) -> None:
        ids = [p.get("id") for p in result.get("products") or [] if isinstance(p, dict)]
        if isinstance(result.get("product"), dict):
            ids.append(result["product"].get("id"))
        known = {p.id for p in self.products}
        for product in self.store.get_products([i for i in ids if isinstance(i, str) and i not in known]):
            self.products.append(product)


def _compact(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _compact(v) for k, v in value.items() if k not in _DROPPED and v not in (None, "", [], {})}
    if isinstance(value, list):
        return [_compact(v) for v in value]
    if isinstance(value, str) and len(value) > _TEXT_CHARS:
        return value[:_TEXT_CHARS].rsplit(" ", 1)[0] + " …"
    return value
