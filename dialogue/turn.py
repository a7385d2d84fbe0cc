"""Everything one turn's skills need: the shopper's words and slots, the state copy it may change, the
reply being built, and the catalog."""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from catalog.models import Product
from catalog.query import SearchFilters
from catalog.store import CatalogStore
from dialogue.finder import Found, ProductFinder
from dialogue.glossary import Glossary
from dialogue.grounding import format_price
from dialogue.intents import Intent
from dialogue.locale import Locale
from dialogue.references import closest_in_meaning, resolve
from dialogue.replies import Phrases, Reply
from dialogue.slots import Slots
from dialogue.state import ConversationState, OpenQuestion
from dialogue.text import prepare, words


@dataclass
class Turn:
    text: str
    locale: Locale  # the language the shopper is understood in
    say: Phrases  # the reply, in the language it is spoken in
    slots: Slots
    state: ConversationState
    intent: Intent
    store: CatalogStore
    finder: ProductFinder
    session_id: str = "conversation"
    catalog_language: str = "en"

    @property
    def language(self) -> str:
        return self.say.locale.code

    def price(self, product: Product, amount=None) -> str:  # noqa: ANN001 - Decimal
        return format_price(product.price if amount is None else amount, product.currency, self.language)

    def reply(self, products: list[Product] | None = None, *, resolved: bool = True) -> Reply:
        return self.say.reply(self.intent.name, products, resolved=resolved)

    stock_intent: Intent | None = None  # for a search that turns out to ask about stock
    glossary: Glossary | None = None
    inferred: bool = False  # no pattern or example named the intent: it was read from the slots
    spoken_language: str = ""  # the shopper's language, also when the dialogue has no words for it
    vocabulary_brands: dict[str, str] = field(default_factory=dict)  # brand as matched -> brand as stored
    question: OpenQuestion | None = None  # what the assistant asked last turn, which this turn may answer
    known_words: frozenset[str] = frozenset()

    @property
    def catalog_currency(self) -> str:
        product = self.state.focus or (self.state.shown[0] if self.state.shown else None)
        return product.currency if product else self.store.main_currency()

    @property
    def speaks_catalog_language(self) -> bool:
        return self.locale.code == self.catalog_language

    def find(self, query: str, filters: SearchFilters | None = None) -> Found:
        """Products the words name: the shopper's own words first when they speak the catalog's language,
        then the glossary's translation of their product words, then meaning alone."""
        if self.speaks_catalog_language:
            found = self.finder.find(query, filters, same_language=True)
            if found.matches:
                self.state.last_search = query
                return found
        translations = (
            self.glossary.queries(self.slots.text, query, self.locale.code, self.known_words)
            if (self.glossary is not None and query)
            else []
        )
        for translated in translations:
            found = self.finder.find(translated, filters, same_language=True)
            if found.matches:
                self.state.last_search = query
                return found
        if self.speaks_catalog_language or translations:
            # The glossary knew what was asked for ("canapés": sofas) and the shop has none: a guess by
            # meaning would offer throws.
            return Found()
        return self.finder.find(query, filters, same_language=False)

    # ---- which product ---------------------------------------------------------------------------------
    def target(self) -> Product | list[Product] | Reply:
        """The one product the turn is about; several when the words name a kind; or a question back."""
        names = self.names_a_product()
        if not names and self.slots.rest and len(self.state.shown) > 1:
            closest = closest_in_meaning(self.slots.rest, self.state.shown, self.finder)
            if closest:
                return closest[0]  # "o de viagem": the travel one of those just shown
        slots = self.slots if names else replace(self.slots, rest="")
        resolution = resolve(slots, self.state, self.finder)
        if resolution is not None:
            if resolution.product is not None:
                return resolution.product
            if resolution.ambiguous:
                return self.ask_which(list(resolution.ambiguous))
            if resolution.no_match:
                return self.ask_which(list(resolution.no_match), no_match=True)
            return self.ask_product()
        if self.slots.rest:
            found = self.find(self.slots.rest, SearchFilters(brand=self.slots.brand) if self.slots.brand else None)
            if found.named is not None:
                return found.named
            choices = found.choices()
            if len(choices) == 1:
                return choices[0]
            if choices:
                return choices
            if (
                self.state.focus is not None
                and not self.speaks_catalog_language
                and not (self.glossary and self.glossary.concepts(self.slots.text, self.locale.code))
            ):
                # "在庫はいくつありますか？": the words left are question words, the product is the one in focus
                return self.state.focus
            return self.not_found()
        if self.state.focus is not None:
            return self.state.focus
        if len(self.state.shown) == 1:
            return self.state.shown[0]
        if self.state.shown:
            return self.ask_which(list(self.state.shown))
        return self.ask_product()

    def single_target(self) -> Product | Reply:
        found = self.target()
        if isinstance(found, list):
            return self.ask_which(found)
        return found

    # ---- questions back ----------------------------------------------------------------------------------
    def ask_which(self, choices: list[Product], no_match: bool = False) -> Reply:
        items = self.locale_items(choices)
        self.say.add("clarify_no_match" if no_match else "clarify_which", choices, items=items)
        self.state.open_question = OpenQuestion(
            "product", self.intent.name, tuple(choices), quantity=self.slots.quantity
        )
        return self.reply(choices, resolved=not no_match)

    def ask_product(self) -> Reply:
        self.say.add("ask_product")
        self.state.open_question = OpenQuestion("product", self.intent.name)
        return self.reply([], resolved=False)

    def not_found(self) -> Reply:
        spoken = self.slots.rest
        self.say.add("not_found" if spoken else "not_found_generic", query=spoken)
        return self.reply([], resolved=False)

    def names_a_product(self) -> bool:
        """The words left name a product or a kind ("the cabin suitcase"), not just "that colour", "how many"."""
        if not self.slots.rest:
            return False
        if self.glossary is not None and self.glossary.concepts(self.slots.text, self.locale.code):
            return True
        return any(w in self.known_words for w in words(prepare(self.slots.rest, self.locale.unspaced)))

    def unexplained_words(self, product: Product) -> list[str]:
        """The shopper's words that neither name this product nor another catalog thing ("how warm does it
        keep you"): what they ask about it."""
        named = set()
        if self.glossary is not None:
            for span, _ in self.glossary.concepts(self.slots.text, self.locale.code):
                named.update(words(span.phrase))
        own = {prepare(w, False) for w in words(f"{product.title} {product.brand} {' '.join(product.tags)}")}
        return [
            w
            for w in words(prepare(self.slots.rest, self.locale.unspaced))
            if w not in named and w not in own and w not in self.known_words
        ]

    def variant_words(self, color: str | None, size: str | None) -> str:
        """A colour and size as the reply's language says them: "Blue size 10", "azul talla 10"."""
        size_word = next(iter(self.say.locale.words("size_words")), "")
        sized = f"{size_word} {size}" if size and size_word and not self.say.locale.unspaced else size
        return " ".join(x for x in (self.color_word(color) if color else None, sized) if x)

    def color_word(self, color: str | None = None) -> str:
        """A colour as the reply's language says it (the first word its language file has for it)."""
        color = color or self.slots.color
        said = self.say.locale.lexicon.get("colors", {}).get(color)
        return (said[0] if isinstance(said, list) and said else color) or ""

    def locale_items(self, products: list[Product], with_price: bool = False) -> str:
        if with_price:
            items = [self.say.text("product_list_item", title=p.title, price=self.price(p)) for p in products]
        else:
            items = [p.title for p in products]
        return self.say.locale.join(items)
