"""Personal data out of what is stored, logged or sent: payment card numbers (Luhn-checked, in digits or
spoken digit words, with a security code or expiry date said near them), e-mail addresses (typed or spoken:
"ana at gmail dot com") and phone numbers, in the languages the assistant speaks.

The dialogue gets the words as heard for the turn in flight; what goes into a handoff record or a summary
passes through `redact` first. Order ids ("A1042"), prices and quantities are not personal data and stay: a
run of digits counts only from 7 digits on, and never when it is glued to letters or a currency sign.
"""

from __future__ import annotations

import re

CARD = "[card number]"
SECURITY_CODE = "[security code]"
EXPIRY = "[expiry date]"
EMAIL = "[email]"
PHONE = "[phone number]"

# Digit words (0-9) per language; a run of seven in a row is a number read out, not prose.
_DIGIT_WORDS = {
    **dict.fromkeys(["zero", "oh", "cero", "zéro", "null", "零", "〇"], "0"),
    **dict.fromkeys(["one", "uno", "una", "un", "une", "eins", "um", "uma", "一", "幺"], "1"),
    **dict.fromkeys(["two", "dos", "deux", "zwei", "zwo", "due", "dois", "duas", "二", "两"], "2"),
    **dict.fromkeys(["three", "tres", "trois", "drei", "tre", "três", "三"], "3"),
    **dict.fromkeys(["four", "cuatro", "quatre", "vier", "quattro", "quatro", "四"], "4"),
    **dict.fromkeys(["five", "cinco", "cinq", "fünf", "cinque", "五"], "5"),
    **dict.fromkeys(["six", "seis", "sechs", "sei", "meia", "六"], "6"),
    **dict.fromkeys(["seven", "siete", "sept", "sieben", "sette", "sete", "七"], "7"),
    **dict.fromkeys(["eight", "ocho", "huit", "acht", "otto", "oito", "八"], "8"),
    **dict.fromkeys(["nine", "nueve", "neuf", "neun", "nove", "九"], "9"),
}
_CJK_DIGITS = "".join(w for w in _DIGIT_WORDS if len(w) == 1)
_WORDS = "|".join(sorted((w for w in _DIGIT_WORDS if len(w) > 1), key=len, reverse=True))
# One digit token: numerals not glued to Latin letters (so "A1042" stays; Chinese glues digits to words), a
# digit word, or a CJK digit.
_TOKEN = re.compile(rf"(?<![A-Za-z\d])\d+(?![A-Za-z\d])|\b(?:{_WORDS})\b|[{_CJK_DIGITS}]", re.IGNORECASE)
_GAP = re.compile(r"[\s\-./(),]{0,3}")  # what may separate the digits of one number read out
_CURRENCY = re.compile(r"[$€£¥₹]\s*$")

_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+", re.UNICODE)
_AT = r"(?:at|arroba|arobase|at-zeichen|chiocciola|艾特)"
_DOT = r"(?:dot|punto|point|punkt|ponto|点)"
_SPOKEN_EMAIL = re.compile(rf"\b[\w.]+(?:\s+{_DOT}\s+\w+)*\s+{_AT}\s+\w+(?:\s+{_DOT}\s+\w+)+\b", re.IGNORECASE)
_CODE_WORDS = (
    r"cvv2?|cvc2?|cv2|security code|card code|código de seguridad|code de sécurité|cryptogramme|prüfnummer|"
    r"sicherheitscode|kartenprüfnummer|codice di sicurezza|código de segurança|安全码|セキュリティコード"
)
_EXPIRY_WORDS = (
    r"expires?|expiry|expiration|exp|vence|vencimiento|caducidad|caduca|date d'expiration|gültig bis|ablaufdatum|"
    r"scadenza|scade|validade|vencimento|有效期|有効期限"
)
_SECURITY_CODE = re.compile(rf"((?:{_CODE_WORDS})\W{{0,12}})(\d[\s-]?\d[\s-]?\d(?:[\s-]?\d)?)\b", re.IGNORECASE)
_EXPIRY = re.compile(
    rf"((?:{_EXPIRY_WORDS})\W{{0,12}})(\d{{1,2}}\s*[/\-.]\s*\d{{2,4}}|\d{{1,2}}\s+\d{{2,4}})", re.IGNORECASE
)
_MONTH_YEAR = re.compile(r"(?<!\d)(0?[1-9]|1[0-2])\s*/\s*(\d{2}|20\d{2})(?!\d)")


def redact(text: str) -> str:
    """The text with card numbers, their security codes and expiry dates, e-mail addresses and phone numbers
    replaced by placeholders ("[card number]")."""
    if not text:
        return text
    text = _EMAIL.sub(EMAIL, text)
    text = _SPOKEN_EMAIL.sub(EMAIL, text)
    text, cards = _digit_runs(text)
    if cards:  # a card was read out: the code and date said with it are as secret
        text = _SECURITY_CODE.sub(lambda m: m.group(1) + SECURITY_CODE, text)
        text = _EXPIRY.sub(lambda m: m.group(1) + EXPIRY, text)
        text = _MONTH_YEAR.sub(EXPIRY, text)
    return text


def luhn_valid(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        n = int(ch)
        if i % 2:
            n = n * 2 - 9 if n > 4 else n * 2
        total += n
    return total % 10 == 0


def phone_numbers(text: str) -> list[str]:
    """The phone numbers said in the text, as digits ("five five five 0100" -> "5550100"), for a callback."""
    return [digits for _, _, digits, kind in _classified_runs(text) if kind == PHONE]


def _digit_runs(text: str) -> tuple[str, int]:
    """Replace runs of digit tokens that make a card (13-19 digits passing Luhn, possibly followed by its
    code) or a phone number (7-15 digits); returns the text and how many cards were found."""
    out, cards, last = [], 0, 0
    for start, end, _, kind in _classified_runs(text):
        if kind == CARD:
            cards += 1
        if kind == PHONE and start > 0 and text[start - 1] == "+":
            start -= 1
        out.append(text[last:start] + kind)
        last = end
    out.append(text[last:])
    return "".join(out), cards


def _classified_runs(text: str) -> list[tuple[int, int, str, str]]:
    """(start, end, digits, kind) of each run of digit tokens that is a card or a phone number."""
    runs: list[tuple[int, int, str]] = []
    start = end = -1
    digits = ""
    for token in _TOKEN.finditer(text):
        gap = text[end : token.start()] if end >= 0 else None
        if gap is not None and _GAP.fullmatch(gap):
            end, digits = token.end(), digits + _value(token.group())
            continue
        if digits:
            runs.append((start, end, digits))
        start, end, digits = token.start(), token.end(), _value(token.group())
    if digits:
        runs.append((start, end, digits))
    found = []
    for start, end, digits in runs:
        kind = _kind(digits)
        if kind is not None and not _CURRENCY.search(text[max(0, start - 3) : start]):
            found.append((start, end, digits, kind))
    return found


def _value(token: str) -> str:
    return token if token.isdigit() and token.isascii() else _DIGIT_WORDS.get(token.lower(), "")


def _kind(digits: str) -> str | None:
    for length in range(min(len(digits), 19), 12, -1):  # a card, maybe followed by its code read on
        if luhn_valid(digits[:length]) and len(digits) - length <= 4:
            return CARD
    if 7 <= len(digits) <= 15:
        return PHONE
    return CARD if len(digits) > 15 else None  # a misheard card number is still one
