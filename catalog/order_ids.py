"""Order ids as people say them: "A one oh four two", "a-1042", "订单 A 一零四二" -> "A1042".

ASR writes digits as words, splits letters off, and adds filler ("my order number is"); the store keys are
compact upper-case ids, so every lookup goes through normalize_order_id first.
"""

from __future__ import annotations

import re
import unicodedata

_DIGITS = {
    # English (+ "oh"/"o" for zero as read out in ids)
    "zero": "0",
    "oh": "0",
    "o": "0",
    "nought": "0",
    "one": "1",
    "two": "2",
    "three": "3",
    "four": "4",
    "five": "5",
    "six": "6",
    "seven": "7",
    "eight": "8",
    "nine": "9",
    # Spanish / Portuguese
    "cero": "0",
    "uno": "1",
    "una": "1",
    "um": "1",
    "dos": "2",
    "tres": "3",
    "cuatro": "4",
    "cinco": "5",
    "seis": "6",
    "siete": "7",
    "ocho": "8",
    "nueve": "9",
    # French
    "zéro": "0",
    "un": "1",
    "une": "1",
    "deux": "2",
    "trois": "3",
    "quatre": "4",
    "cinq": "5",
    "sept": "7",
    "huit": "8",
    "neuf": "9",
    # German
    "null": "0",
    "eins": "1",
    "zwei": "2",
    "drei": "3",
    "vier": "4",
    "fünf": "5",
    "sechs": "6",
    "sieben": "7",
    "acht": "8",
    "neun": "9",
}
_TEENS = {
    "ten": "10",
    "eleven": "11",
    "twelve": "12",
    "thirteen": "13",
    "fourteen": "14",
    "fifteen": "15",
    "sixteen": "16",
    "seventeen": "17",
    "eighteen": "18",
    "nineteen": "19",
}
_TENS = {"twenty": 2, "thirty": 3, "forty": 4, "fifty": 5, "sixty": 6, "seventy": 7, "eighty": 8, "ninety": 9}
_REPEAT = {"double": 2, "triple": 3}
_CJK_DIGITS = str.maketrans("零〇一二三四五六七八九幺两", "0012345678912")
_FILLER = {
    "order",
    "orders",
    "number",
    "no",
    "num",
    "nr",
    "id",
    "is",
    "my",
    "the",
    "its",
    "it's",
    "it",
    "pedido",
    "número",
    "numero",
    "commande",
    "numéro",
    "bestellung",
    "nummer",
    "de",
    "mi",
    "ma",
    "mon",
    "el",
    "la",
    "le",
    "es",
    "est",
    "ist",
    "meine",
    "and",
    "y",
    "et",
    "what",
    "where",
    "about",
    "status",
    "of",
    "for",
    "check",
    "track",
    "please",
    "um",
    "uh",
    "er",
}
# Letter names and the NATO alphabet, only trusted right before digits ("bravo one two" -> B12).
_LETTERS = {
    "ay": "A",
    "alpha": "A",
    "alfa": "A",
    "bee": "B",
    "bravo": "B",
    "cee": "C",
    "charlie": "C",
    "dee": "D",
    "delta": "D",
    "echo": "E",
    "eff": "F",
    "foxtrot": "F",
    "gee": "G",
    "golf": "G",
    "hotel": "H",
    "jay": "J",
    "kay": "K",
    "kilo": "K",
    "lima": "L",
    "mike": "M",
    "november": "N",
    "papa": "P",
    "pee": "P",
    "quebec": "Q",
    "romeo": "R",
    "sierra": "S",
    "tango": "T",
    "tee": "T",
    "victor": "V",
    "vee": "V",
    "whiskey": "W",
    "xray": "X",
    "ex": "X",
    "yankee": "Y",
    "zulu": "Z",
    "zed": "Z",
    "zee": "Z",
}
_TOKEN_RE = re.compile(r"[a-zà-ÿ]+|\d+", re.I)


def normalize_order_id(text: str) -> str:
    """Compact, upper-case order id from typed or spoken text; "" when nothing id-like is present."""
    if not text:
        return ""
    text = unicodedata.normalize("NFKC", text).translate(_CJK_DIGITS)
    text = re.sub(r"[订单号碼码編编號号]", " ", text)
    tokens = [t.lower() for t in _TOKEN_RE.findall(text)]
    out: list[str] = []
    repeat = 1
    i = 0
    while i < len(tokens):
        tok = tokens[i]
        nxt = tokens[i + 1] if i + 1 < len(tokens) else ""
        if tok.isdigit():
            out.append(tok * repeat)
        elif tok in _REPEAT:
            repeat = _REPEAT[tok]
            i += 1
            continue
        elif tok in _TEENS:
            out.append(_TEENS[tok] * repeat)
        elif tok in _TENS:
            # "forty two" -> 42, "forty" -> 40
            if nxt in _DIGITS and _DIGITS[nxt] != "0" and nxt not in ("o", "oh"):
                out.append(f"{_TENS[tok]}{_DIGITS[nxt]}")
                i += 1
            else:
                out.append(f"{_TENS[tok]}0")
        elif tok in _DIGITS and not (tok in ("o", "um", "un", "une", "una") and not _near_digit(tokens, i)):
            out.append(_DIGITS[tok] * repeat)
        elif tok in _LETTERS and (nxt.isdigit() or nxt in _DIGITS or nxt in _TEENS or nxt in _LETTERS):
            out.append(_LETTERS[tok])
        elif tok in _FILLER:
            pass
        elif len(tok) == 1 and tok.isalpha() and _starts_id(tokens, i + 1):
            out.append(tok.upper() * repeat)  # a lone letter only counts right before the id's digits
        elif tok.isalnum() and any(c.isdigit() for c in tok):
            out.append(tok.upper())
        elif re.fullmatch(r"[a-z]{1,3}", tok) and nxt and (nxt.isdigit() or nxt in _DIGITS):
            out.append(tok.upper())  # a short letter prefix before digits: "ab 1042"
        repeat = 1
        i += 1
    return "".join(out).upper()


def _near_digit(tokens: list[str], i: int) -> bool:
    """'o'/'un' are only digits next to other digits ("A one o four"), not as words ("un pedido")."""
    for j in (i - 1, i + 1):
        if 0 <= j < len(tokens):
            t = tokens[j]
            if t.isdigit() or (t in _DIGITS and t not in ("o", "um", "un", "une", "una")) or t in _TEENS:
                return True
    return False


def _starts_id(tokens: list[str], i: int) -> bool:
    """Digits come right after: "A 1 0 1 7", "C dois zero..." (in "é a C 2018" the article "a" is not part of it)."""
    if i >= len(tokens):
        return False
    tok = tokens[i]
    return (
        tok.isdigit()
        or tok in _DIGITS
        or tok in _TEENS
        or tok in _TENS
        or tok in _REPEAT
        or (tok.isalnum() and any(c.isdigit() for c in tok))
    )
