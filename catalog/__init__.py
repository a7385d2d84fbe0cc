"""Product catalog: SQLite/FTS5 store, multilingual hybrid search, importers and the dialogue's tools.

Stands alone: imports nothing from the project's other packages.

    from catalog import CatalogStore, CatalogTools
    store = CatalogStore.open_demo()          # or CatalogStore.open("catalog.db")
    tools = CatalogTools(store)
    tools.call("search_products", {"query": "auriculares inalámbricos"}, session_id="s1")
"""

from catalog.cart import Cart, CartLine, CartStore
from catalog.importers.errors import BadRow, CatalogImportError, ImportReport
from catalog.models import Availability, Order, OrderItem, Policy, Product, SearchHit, Variant
from catalog.order_ids import normalize_order_id
from catalog.query import SearchFilters
from catalog.store import CatalogStore
from catalog.tool_results import ToolError
from catalog.tool_schemas import TOOL_SCHEMAS
from catalog.tools import CatalogTools

__all__ = [
    "Availability",
    "BadRow",
    "Cart",
    "CartLine",
    "CartStore",
    "CatalogImportError",
    "CatalogStore",
    "CatalogTools",
    "ImportReport",
    "Order",
    "OrderItem",
    "Policy",
    "Product",
    "SearchFilters",
    "SearchHit",
    "TOOL_SCHEMAS",
    "ToolError",
    "Variant",
    "normalize_order_id",
]
