"""Numbers and prices in a shopper's words: "under 100 dollars", "menos de cien euros", "一百块以下",
"between 50 and 120", "around 50 bucks". A number is a price only next to a currency or a price cue."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

from dialogue.locale import Locale
from dialogue.numbers import CJK_NUMBER, DIGITS, parse_cjk, parse_digits, words_value
from dialogue.text import Span, matcher

_GAP = 14  # characters allowed between a cue and its number ("under the 100", "less than $100")


class PriceReader:
    def __init__(self, locale: Locale):
        self.locale = locale
        self.unspaced = locale.unspaced

    def numbers(self, text: str) -> list[tuple[Span, Decimal]]:
        out: list[tuple[Span, Decimal]] = []
        taken = [False] * len(text)
        if self.unspaced:
            for m in CJK_NUMBER.finditer(text):
                value = parse_cjk(m.group(0))
                if value is not None and value > 0:
                    out.append((Span(m.start(), m.end(), m.group(0)), value))
            return out
        for m in DIGITS.finditer(text):
            value = parse_digits(m.group(0))
            if value is not None:
                out.append((Span(m.start(), m.end(), m.group(0)), value))
                taken[m.start() : m.end()] = [True] * (m.end() - m.start())
        vocabulary = self.locale.number_words
        joiners = frozenset(self.locale.words("number_joiners"))
        tokens = [(m.start(), m.end(), m.group(0)) for m in re.finditer(r"[\w']+(?:-[\w']+)*", text)]
        i = 0
        while i < len(tokens):
            if taken[tokens[i][0]]:
                i += 1
                continue
            read = words_value([t[2] for t in tokens[i : i + 8]], vocabulary, joiners)
            if read is None or read[1] == 0:
                i += 1
                continue
            value, count = read
            start, end = tokens[i][0], tokens[i + count - 1][1]
            out.append((Span(start, end, text[start:end]), value))
            i += count
        return sorted(out, key=lambda item: item[0].start)

    def prices(self, text: str) -> list[tuple[Span, str, object]]:
        """(span, kind, value) for every number that is a price: next to a currency or a price cue."""
        numbers = self.numbers(text)
        currencies = self.locale.phrases("currencies").find(text)
        cues = {
            kind: self.locale.find(f"price.{kind}", text)
            for kind in ("max", "min", "around", "range", "max_after", "min_after", "around_after")
        }
        joiners = matcher(tuple(self.locale.words("price.range_joiners") or ()), self.unspaced)
        out: list[tuple[Span, str, object]] = []
        skip: set[int] = set()
        for index, (span, value) in enumerate(numbers):
            if index in skip:
                continue
            currency_span = _adjacent(currencies, span, text)
            before = _cue_before(cues, ("range", "max", "min", "around"), span, text)
            after_anchor = currency_span if currency_span and currency_span.start >= span.end else span
            after = _cue_after(cues, ("max_after", "min_after", "around_after"), after_anchor, text)
            # A range: "between 50 and 100", "50 to 100 euros", "from 50 to 100", "50到100元".
            if index + 1 < len(numbers):
                nxt_span, nxt_value = numbers[index + 1]
                between = text[span.end : nxt_span.start]
                between_wo_currency = between
                for c in currencies:
                    if span.end <= c.start and c.end <= nxt_span.start:
                        between_wo_currency = between_wo_currency.replace(text[c.start : c.end], " ")
                if (
                    between_wo_currency.strip()
                    and joiners.find(between_wo_currency)
                    and len(between_wo_currency.strip()) <= 4
                    and nxt_value > value
                    and (
                        before
                        and before[0] in ("range", "min")
                        or _adjacent(currencies, nxt_span, text)
                        or currency_span
                    )
                ):
                    end_currency = _adjacent(currencies, nxt_span, text)
                    parts = (
                        [span, nxt_span]
                        + ([before[1]] if before else [])
                        + ([currency_span] if currency_span else [])
                        + ([end_currency] if end_currency else [])
                    )
                    out.append((_cover(parts, text), "range", (value, nxt_value)))
                    skip.add(index + 1)
                    continue
            # "about the last one" is no price: a number without a currency needs digits or a real amount.
            if currency_span is None and not span.phrase[:1].isdigit() and value < 10:
                continue
            kind = None
            if before and before[0] != "range":
                kind = before[0]
            elif after:
                kind = after[0].removesuffix("_after")
            elif currency_span is not None:
                kind = "exact"
            if kind is None:
                continue
            parts = (
                [span]
                + ([currency_span] if currency_span else [])
                + ([before[1]] if before else [])
                + ([after[1]] if after else [])
            )
            out.append((_cover(parts, text), "around" if kind == "exact" else kind, value))
        return out

    def currency_near(self, text: str, span: Span) -> str | None:
        table = self.locale.table("currencies")
        for c in self.locale.phrases("currencies").find(text):
            if span.start - 2 <= c.start <= span.end + 2 or span.start <= c.start <= span.end:
                return table.get(c.phrase)
        return None


def _adjacent(spans: list[Span], span: Span, text: str) -> Span | None:
    for s in spans:
        if 0 <= s.start - span.end <= 2 and not text[span.end : s.start].strip():
            return s
        if 0 <= span.start - s.end <= 2 and not text[s.end : span.start].strip():
            return s
    return None


def _cue_before(cues: dict[str, list[Span]], kinds: tuple[str, ...], span: Span, text: str) -> tuple[str, Span] | None:
    best: tuple[str, Span] | None = None
    for kind in kinds:
        for cue in cues.get(kind, []):
            close = cue.end <= span.start and span.start - cue.end <= _GAP
            if close and (best is None or cue.end > best[1].end):
                best = (kind, cue)
    return best


def _cue_after(cues: dict[str, list[Span]], kinds: tuple[str, ...], span: Span, text: str) -> tuple[str, Span] | None:
    for kind in kinds:
        for cue in cues.get(kind, []):
            if cue.start >= span.end and cue.start - span.end <= 3:
                return kind, cue
    return None


@dataclass(frozen=True)
class _Covered(Span):
    parts: tuple[Span, ...] = ()


def _cover(spans: list[Span], text: str) -> _Covered:
    """The whole price phrase, and the pieces it is made of (only those are taken from the text)."""
    start, end = min(s.start for s in spans), max(s.end for s in spans)
    return _Covered(start, end, text[start:end], tuple(spans))
