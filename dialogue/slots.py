"""What a shopper's words ask for, beyond the intent: price limits, colour, size, brand, quantities, an order
id, a country, a policy topic, references to what was shown ("the second one", "the cheaper one", "it"), and
the words left over that name a product. Words that became a filter are not searched as words."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

from catalog.countries import normalize_country
from catalog.order_ids import normalize_order_id
from dialogue.locale import Locale
from dialogue.measures import DIMENSIONS, MEASURE, UNITS
from dialogue.numbers import parse_cjk, words_value
from dialogue.prices import PriceReader
from dialogue.text import Span, blank, matcher, normalize, prepare, words
from dialogue.vocabulary import CatalogVocabulary

_ID_SHAPE = re.compile(r"(?<![\w])[a-z]{1,3}-?\d{3,}(?![\w])|(?<![\d.,])\d{4,}(?![\d.,])")
_MAX_TEXT = 2000


@dataclass(frozen=True)
class Slots:
    text: str  # the transcript as matched (normalized)
    rest: str = ""  # the words that name a product, once filters, references and grammar are gone
    min_price: Decimal | None = None
    max_price: Decimal | None = None
    currency: str | None = None
    color: str | None = None  # as the catalog or the canonical English name says it
    size: str | None = None
    brand: str | None = None
    in_stock: bool = False
    quantity: int | None = None
    ordinal: int | None = None  # 1-based; -1 is "the last one"
    superlative: str | None = None  # cheapest | priciest | best_rated
    pronoun: bool = False
    reference_word: bool = False  # "one", "uno", "那件": points back at something shown
    order_id: str = ""
    country: str | None = None
    topic: str | None = None
    aspect: str | None = None  # what a details question is about: material, rating, colors, sizes, warranty
    frustrated: bool = False
    greeting: bool = False
    everything: bool = False  # "remove everything", "tira tudo"

    @property
    def has_filters(self) -> bool:
        return (
            any(v is not None for v in (self.min_price, self.max_price, self.color, self.size, self.brand))
            or self.in_stock
        )

    @property
    def only_points(self) -> bool:
        """ "Is it in stock?", "the second one": pointing back and naming nothing ("headphones that are ...")."""
        return self.refers_back and not self.rest

    @property
    def refers_back(self) -> bool:
        return self.ordinal is not None or self.superlative is not None or self.pronoun or self.reference_word


class SlotReader:
    """Reads slots with one language's words and the catalog's own names."""

    def __init__(self, locale: Locale, vocabulary: CatalogVocabulary):
        self.locale = locale
        self.vocabulary = vocabulary
        self.unspaced = locale.unspaced
        self.prices = PriceReader(locale)

    def read(self, transcript: str, expecting_order_id: bool = False) -> Slots:
        """`expecting_order_id`: the assistant just asked for one, so bare spoken digits are an id."""
        text = prepare(transcript[:_MAX_TEXT], self.unspaced)
        accented = normalize(transcript[:_MAX_TEXT])  # same length: folding maps letter to letter
        used: list[Span] = []
        found: dict = {}

        def take(spans: list[Span]) -> list[Span]:
            used.extend(spans)
            return spans

        prices = self.prices.prices(text)
        for span, kind, value in prices:
            used.extend(span.parts)
            if kind == "max":
                found["max_price"] = value
            elif kind == "min":
                found["min_price"] = value
            elif kind == "range":
                found["min_price"], found["max_price"] = value
            elif kind == "around":
                found["min_price"], found["max_price"] = (
                    (value * Decimal("0.75")).quantize(Decimal(1)),
                    (value * Decimal("1.25")).quantize(Decimal(1)),
                )
            elif kind == "currency":
                found["currency"] = value
        for span, kind, _ in prices:
            if kind != "currency" and "currency" not in found:
                currency = self.prices.currency_near(text, span)
                if currency:
                    found["currency"] = currency

        found["superlative"] = self._lookup(text, "superlatives", used)
        ordinal = self._ordinal(text, used)
        if ordinal is not None:
            found["ordinal"] = ordinal
        found["color"] = self._color(text, used)
        found["size"] = self._size(text, used)
        brand = self._catalog_phrase(text, self.vocabulary.brands, used, keep_words=True)
        found["brand"] = brand
        found["in_stock"] = bool(take(self.locale.find("in_stock", text)))
        found["frustrated"] = self.locale.phrases("frustration").contains(text)
        found["topic"] = self._topic(text)
        found["aspect"] = self._lookup(text, "aspects", [])
        found["country"] = self._country(text, used)
        found["order_id"] = self._order_id(transcript, text, expecting_order_id)
        found["greeting"] = self.locale.phrases("greetings").contains(text)
        found["everything"] = bool(take(self.locale.find("everything", blank(text, used))))
        # Before pronouns and reference words take "una" / "one": "quita una" is a quantity.
        quantity = self._counted(text, used) if self.unspaced else None
        quantity = quantity or self._quantity(blank(text, used))
        if quantity is not None:
            found["quantity"] = quantity
        discourse = self.locale.phrases("fillers", "continuations").find(blank(text, used))
        pronouns = self.locale.find("pronouns", blank(text, [*used, *discourse]))
        colour_at = {s.start for s in used if s.end - s.start > 1}
        articles = [] if self.unspaced else [p for p in pronouns if any(0 < start - p.end <= 1 for start in colour_at)]
        found["pronoun"] = bool(take([p for p in pronouns if p not in articles]))
        if articles:
            used.extend(articles)
            found["reference_word"] = True
        found["reference_word"] = bool(take(self.locale.find("reference_words", blank(text, used)))) or found.get(
            "reference_word", False
        )
        rest = self._rest(blank(text, used), blank(accented, used) if len(accented) == len(text) else None)
        return Slots(text=text, rest=rest, **{k: v for k, v in found.items() if v is not None})

    # ---- words ----------------------------------------------------------------------------------------
    def _lookup(self, text: str, key: str, used: list[Span]) -> str | None:
        """The first phrase of a table that the text says; every phrase of it found is used up."""
        table = {prepare(k, self.unspaced): v for k, v in self.locale.table(key).items()}
        spans = matcher(tuple(table), self.unspaced).find(blank(text, used))
        if not spans:
            return None
        used.extend(spans)
        return table.get(spans[0].phrase)

    def _ordinal(self, text: str, used: list[Span]) -> int | None:
        table = {prepare(k, self.unspaced): int(v) for k, v in self.locale.values("ordinals").items()}
        spans = matcher(tuple(table), self.unspaced).find(blank(text, used))
        if not spans:
            return None
        used.append(spans[0])
        return table[spans[0].phrase]

    def _catalog_phrase(
        self, text: str, names: dict[str, str], used: list[Span], keep_words: bool = False
    ) -> str | None:
        if not names:
            return None
        table = {prepare(k, self.unspaced): v for k, v in names.items()}
        spans = matcher(tuple(table), self.unspaced).find(blank(text, used))
        if not spans:
            return None
        if not keep_words:
            used.append(spans[0])
        return table[spans[0].phrase]

    def _color(self, text: str, used: list[Span]) -> str | None:
        # The catalog's own colour names first ("Sky Blue"), then the language's colour words ("roja").
        own = self._catalog_phrase(text, self.vocabulary.colors, used)
        if own:
            return own
        return self._lookup(text, "colors", used)

    def _size(self, text: str, used: list[Span]) -> str | None:
        # Catalog sizes: "160x230" said as "160 by 230"; words ("King") unless the language uses them as grammar.
        grammar = {prepare(w, self.unspaced) for w in self.locale.words("stop_words")}
        sized = {k: v for k, v in self.vocabulary.sizes.items() if any(c.isdigit() for c in k) or k not in grammar}
        for m in MEASURE.finditer(blank(text, used)):
            # "20 centimètres", "1,5 litros", "两米" -> the catalog's "20 cm", "1.5 L", ...
            number, unit = m.group(1).replace(",", "."), UNITS.get(m.group(2), m.group(2))
            own = sized.get(f"{number} {unit}") or sized.get(f"{number}{unit}")
            if own:
                used.append(Span(m.start(), m.end(), m.group(0)))
                return own
        numbers = self.locale.number_words
        for m in re.finditer(r"([\w-]+)\s+([a-z]+)(?![a-z])", blank(text, used)):
            if m.group(1) in numbers and m.group(2) in UNITS:
                own = sized.get(f"{int(numbers[m.group(1)])} {UNITS[m.group(2)]}")
                if own:
                    used.append(Span(m.start(), m.end(), m.group(0)))
                    return own
        for m in DIMENSIONS.finditer(blank(text, used)):
            own = sized.get(f"{m.group(1)}x{m.group(2)}")
            if own:
                used.append(Span(m.start(), m.end(), m.group(0)))
                return own
        own = self._catalog_phrase(text, sized, used)
        if own:
            return own
        if self.unspaced:
            numbered = re.search(
                r"([0-9]{1,2}|[一二三四五六七八九十]{1,3})\s*[号码碼號](?![码碼单單])", blank(text, used)
            )
            if numbered:  # "十号", "42码" (never "订单号")
                used.append(Span(numbered.start(), numbered.end(), numbered.group(0)))
                number = parse_cjk(numbered.group(1))
                return str(number) if number is not None else numbered.group(1)
        for cue in self.locale.find("size_words", blank(text, used)):
            near = text[max(0, cue.start - 12) : cue.end + 12]
            word = self._catalog_phrase(near, self.vocabulary.sizes, [])
            if word:
                used.append(cue)
                return word
        # "size 9", "talla M", "taille 38", "M码"
        sizes = {prepare(k, self.unspaced): v for k, v in self.locale.table("sizes").items()}
        for cue in self.locale.find("size_words", blank(text, used)):
            following = text[cue.end :]
            named = matcher(tuple(sizes), self.unspaced).find(following[:24])
            if named and not following[: named[0].start].strip():
                used.append(Span(cue.start, cue.end + named[0].end, ""))
                return sizes[named[0].phrase]
            after = re.match(
                r"\s*([a-z0-9]{1,4})(?![a-z0-9])" if self.unspaced else r"\s*([a-z0-9][a-z0-9.,/]{0,5})\b", following
            )
            if after and after.group(1) not in self.locale.words("stop_words"):
                used.append(Span(cue.start, cue.end + after.end(), ""))
                word = after.group(1)
                number = self.locale.number_words.get(word)
                return str(int(number)) if number is not None and number == int(number) else word.upper()
            before = re.search(r"([a-z0-9]{1,4}|[零一二两三四五六七八九十]{1,3})\s*$", text[: cue.start])
            if self.unspaced and before:  # "M码", "42码", "十号"
                used.append(Span(cue.start - len(before.group(0)), cue.end, ""))
                said = before.group(1)
                number = parse_cjk(said) if not said.isascii() else None
                return str(number) if number is not None else said.upper()
        return self._lookup(text, "sizes", used)

    def _topic(self, text: str) -> str | None:
        table = {prepare(k, self.unspaced): v for k, v in self.locale.table("topics").items()}
        spans = matcher(tuple(table), self.unspaced, self.locale.compounding).find(text)
        topics = [table[s.phrase] for s in spans]
        # "how long do I have to send it back" names shipping words too: the more specific topic wins.
        return next((t for t in topics if t != "shipping"), topics[0] if topics else None)

    def _country(self, text: str, used: list[Span]) -> str | None:
        table = {prepare(k, self.unspaced): v for k, v in self.locale.table("countries").items()}
        spans = matcher(tuple(table), self.unspaced).find(text)
        if spans:
            used.append(spans[0])
            return table[spans[0].phrase]
        # Names in other languages that the catalog knows ("Deutschland" in an English sentence).
        for word in words(text):
            if len(word) > 3:
                code = normalize_country(word)
                if code and len(word) > 2:
                    return code
        return None

    def _order_id(self, transcript: str, text: str, expected: bool) -> str:
        has_order_word = expected or self.locale.phrases("order_words").contains(text)
        if not has_order_word and not _ID_SHAPE.search(text):
            return ""
        digits_said = {w: str(int(v)) for w, v in self.locale.number_words.items() if v == int(v) and 0 <= v <= 9}
        if self.unspaced:
            # No spaces to split on: grammar of two characters or more goes ("一下" is not a digit).
            grammar = [w for w in self.locale.words("stop_words") if len(w) > 1]
            transcript = blank(text, matcher(tuple(grammar), True).find(text))
        kept = _without_words(transcript, self.locale.words("stop_words"), set(digits_said))
        spoken = " ".join(digits_said.get(prepare(w, self.unspaced).strip("¿?¡!.,"), w) for w in kept.split())
        candidate = normalize_order_id(spoken)
        # An id has digits; three at least, or a letter prefix ("A1017", "C2003").
        digits = sum(c.isdigit() for c in candidate)
        return candidate if digits >= 3 else ""

    def _counted(self, text: str, used: list[Span]) -> int | None:
        """A number with a counter word ("两个", "一条", "三つ", "2個"): a quantity, taken from the text."""
        counters = sorted(self.locale.words("counters"), key=len, reverse=True)
        if not counters:
            return None
        alternatives = "|".join(map(re.escape, counters))
        found = re.search(rf"([0-9零一二两兩三四五六七八九十几幾]+)\s*(?:{alternatives})", blank(text, used))
        if found is None:
            return None
        used.append(Span(found.start(), found.end(), found.group(0)))
        value = parse_cjk(found.group(1))
        return int(value) if value is not None and 0 < value <= 99 else None

    def _quantity(self, text: str) -> int | None:
        for _, value in self.prices.numbers(text):
            if value == value.to_integral_value() and 1 <= value <= 99:
                return int(value)
        return None

    def _rest(self, text: str, accented: str | None) -> str:
        """The words left to name a product, with their accents (the embedding reads "campaña", not "campana")."""
        drop = self.locale.phrases(
            "stop_words",
            "greetings",
            "fillers",
            "pronouns",
            "reference_words",
            "currencies",
            "price.max",
            "price.min",
            "price.around",
            "price.range",
            "size_words",
            "order_words",
            "topics",
            "aspects",
        )
        grammar = drop.find(text)
        text = blank(accented if accented is not None else text, grammar)
        if self.unspaced:
            return " ".join(text.split())
        numbers = self.locale.number_words
        joiners = frozenset(self.locale.words("number_joiners"))
        return " ".join(
            w
            for w in words(text)
            if (not w.isdigit() or len(w) > 2)
            and len(w) > 1
            and prepare(w, False) not in numbers
            and not words_value([prepare(w, False)], numbers, joiners)
        )


def _without_words(transcript: str, stop_words: tuple[str, ...], keep: set[str]) -> str:
    """Order ids are read from the words that are not grammar ("is it A1017?" -> "A1017")."""
    stop = {s.lower() for s in stop_words} - {"a", "o"} - keep
    return " ".join(w for w in transcript.split() if w.lower().strip("¿?¡!.,") not in stop)
