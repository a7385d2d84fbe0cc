"""Numbers as shoppers say them: "150", "1.299,90", "one hundred and fifty", "ciento cincuenta",
"hundertfünfzig", "一百五十", "两千", "5千"."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

_CJK_DIGITS = {
    "零": 0,
    "〇": 0,
    "一": 1,
    "二": 2,
    "两": 2,
    "兩": 2,
    "几": 3,
    "幾": 3,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}
_CJK_UNITS = {"十": 10, "百": 100, "千": 1000, "万": 10_000, "萬": 10_000}
CJK_NUMBER = re.compile(r"[0-9零〇一二两兩三四五六七八九十百千万萬]+(?:\.[0-9]+)?")
DIGITS = re.compile(r"\d{1,3}(?:[ ,.]\d{3})+(?:[.,]\d{1,2})?(?![\d])|\d+(?:[.,]\d{1,2})?(?![\d])")


def parse_digits(text: str) -> Decimal | None:
    """ "1,299.90", "1.299,90", "1 299", "49,99", "100" -> Decimal."""
    text = text.strip()
    if re.fullmatch(r"\d{1,3}(?:[ ,.]\d{3})+", text):  # thousands separators only
        text = re.sub(r"[ ,.]", "", text)
    elif re.fullmatch(r"\d{1,3}(?:[ ,.]\d{3})+[.,]\d{1,2}", text):
        text = re.sub(r"[ ,.]", "", text[:-3]) + "." + text[-2:] if text[-3] in ",." else re.sub(r"[ ,.]", "", text)
    else:
        text = text.replace(",", ".")
    try:
        return Decimal(text)
    except InvalidOperation:
        return None


def parse_cjk(text: str) -> Decimal | None:
    """ "一百五十" -> 150, "两千" -> 2000, "5千" -> 5000, "1万" -> 10000, "十" -> 10."""
    if not text:
        return None
    if re.fullmatch(r"\d+(?:\.\d+)?", text):
        return Decimal(text)
    total, section, digit, last_unit = 0, 0, None, 0
    for match in re.finditer(r"\d+(?:\.\d+)?|.", text):
        token = match.group(0)
        if token[0].isdigit():
            digit = Decimal(token)
        elif token in _CJK_DIGITS:
            if digit is not None:
                last_unit = 0  # "一九" is a digit string, no shorthand
            digit = _CJK_DIGITS[token] if digit is None else digit * 10 + _CJK_DIGITS[token]
        elif token in _CJK_UNITS:
            unit = last_unit = _CJK_UNITS[token]
            if unit == 10_000:
                total = (total + section + (digit or 0)) * unit
                section = 0
            else:
                section += (1 if digit is None else digit) * unit
            digit = None
        else:
            return None
    if digit is not None and last_unit in (100, 1000, 10_000):
        # Spoken shorthand: "一百五" is 150 and "两千五" 2500 (the digit counts in the next unit down).
        digit = digit * last_unit // 10
    value = total + section + (digit or 0)
    return Decimal(value)


def words_value(tokens: list[str], vocabulary: dict[str, float], joiners: frozenset[str]) -> tuple[Decimal, int] | None:
    """Read number words from the start of `tokens`; returns (value, tokens used) or None.

    "one hundred and fifty" -> 150; "two thousand five hundred" -> 2500; "cinquante" -> 50; a word
    vocabulary maps words to values, and compounds written as one word ("hundertfünfzig") are split.
    """
    total, current, used, seen, last = Decimal(0), Decimal(0), 0, False, 0.0
    i = 0
    while i < len(tokens):
        token = tokens[i]
        parts = _split_compound(token, vocabulary)
        if parts is None:
            following = words_value(tokens[i + 1 : i + 6], vocabulary, joiners) if i + 1 < len(tokens) else None
            # "treinta y cinco", "hundred and fifty" join; "cincuenta y cien", "cent et deux cents" are two numbers.
            if seen and token in joiners and following and following[0] < last:
                i += 1
                continue
            break
        last = min(parts)
        for value in parts:
            value = Decimal(str(value))
            if value == 100:
                current = (current or 1) * 100
            elif value >= 1000:
                total += (current or 1) * value
                current = Decimal(0)
            else:
                current += value
        seen = True
        i += 1
        used = i
    if not seen:
        return None
    return total + current, used


def _split_compound(token: str, vocabulary: dict[str, float]) -> list[float] | None:
    if token in vocabulary:
        return [vocabulary[token]]
    if "-" in token:  # "quatre-vingt-dix": the longest known head, then the rest ("quatre-vingt" + "dix")
        parts = token.split("-")
        for cut in range(len(parts), 0, -1):
            head = "-".join(parts[:cut])
            if head in vocabulary:
                tail = _split_compound("-".join(parts[cut:]), vocabulary) if cut < len(parts) else []
                return None if tail is None else [vocabulary[head], *tail]
        return None
    if len(token) < 6:
        return None
    # German and Italian glue number words together: "hundertfünfzig", "centocinquanta", "fünfundzwanzig".
    for cut in range(len(token) - 2, 2, -1):
        head, tail = token[:cut], token[cut:]
        if head in vocabulary:
            rest = _split_compound(tail, vocabulary)
            if rest is None and tail.startswith("und") and tail[3:] in vocabulary:
                rest = [vocabulary[tail[3:]]]
            if rest is not None:
                # "fünfundzwanzig": units before tens are added, so the order does not matter.
                return [vocabulary[head], *rest]
    if "und" in token:
        left, _, right = token.partition("und")
        if left in vocabulary and right in vocabulary:
            return [vocabulary[left], vocabulary[right]]
    return None
