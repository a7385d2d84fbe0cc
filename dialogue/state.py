"""Per-conversation memory: what the shopper was shown (in the order spoken), the product in focus, the
cart, the question the assistant is waiting on, and counters the handoff rules read.

A turn works on a copy and the session adopts it only when the reply is committed, so a speculative
reply changes nothing, the cart included."""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from catalog.cart import CartStore
from catalog.models import Product


@dataclass(frozen=True)
class OpenQuestion:
    """What the assistant just asked, so the next turn can answer it ("the second one", "A1017", "blue")."""

    kind: str  # "product": which one; "order_id"; "option": which size/colour for the cart
    intent: str  # the request waiting for the answer
    choices: tuple[Product, ...] = ()
    option: str | None = None  # for "option": size | color
    quantity: int | None = None
    size: str | None = None  # options the shopper already gave
    color: str | None = None


@dataclass
class ConversationState:
    shown: tuple[Product, ...] = ()  # the products of the latest reply that presented any, in spoken order
    focus: Product | None = None  # "it"
    cart: dict[str, tuple[str, int]] = field(default_factory=dict)  # sku -> (product id, quantity)
    open_question: OpenQuestion | None = None
    country: str | None = None  # destination named earlier ("and returns?" keeps it)
    topic: str | None = None  # policy topic asked last ("and for Germany?" keeps it)
    color: str | None = None  # colour asked for with the products shown ("the red ones" -> "add it")
    size: str | None = None
    unresolved: tuple[str, int] = ("", 0)  # (need, turns in a row it went unanswered)
    frustration: int = 0
    language_notice_given: bool = False
    discussed: tuple[str, ...] = ()  # product ids, oldest first, for the handoff record
    last_intent: str = ""  # "and two of the power banks" goes on with it
    last_search: str = ""  # what the shopper last looked for ("and under 150?" searches it again)

    def copy(self) -> ConversationState:
        # Products are frozen: a shallow copy with a fresh cart is a full copy.
        return replace(self, cart=dict(self.cart))

    def present(self, products: list[Product] | tuple[Product, ...]) -> None:
        """A reply spoke about these products, in this order."""
        if not products:
            return
        if len(products) == 1:
            # One product of the list just shown: the list stays, so "the red one" still picks from it.
            self.focus = products[0]
            if products[0].id not in {p.id for p in self.shown}:
                self.shown = (products[0],)
        else:
            self.shown, self.focus = tuple(products), None
        ids = [p.id for p in products]
        self.discussed = tuple(dict.fromkeys([*[i for i in self.discussed if i not in ids], *ids]))[-50:]

    def cart_store(self, session_id: str) -> CartStore:
        """The cart as the catalog tools keep one (they check stock and options); `keep_cart` takes it back."""
        carts = CartStore()
        for sku, (product_id, quantity) in self.cart.items():
            carts.set(session_id, product_id, sku, quantity)
        return carts

    def keep_cart(self, carts: CartStore, session_id: str) -> None:
        self.cart = {sku: (product_id, quantity) for product_id, sku, quantity in carts.entries(session_id)}

    @property
    def cart_items(self) -> int:
        return sum(quantity for _, quantity in self.cart.values())
