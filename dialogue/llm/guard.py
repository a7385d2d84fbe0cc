"""The check every generated clause passes before it is spoken: each number comes from this turn's facts,
and the clause is in the shopper's language."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from catalog.models import Product
from dialogue.grounding import ungrounded_numbers
from dialogue.llm.prompts import EXAMPLE_PRODUCTS
from dialogue.locale import base_language

# Short, frequent words that tell the Latin-script languages apart; a clause is judged only when it has some.
_FUNCTION_WORDS = {
    "en": "the and is are it its you your for with of to this that can has have our we will not be in on",
    "es": "el los las y es son de que en un una para con por su sus se lo del está están tiene puede muy no",
    "pt": "o os as e é são de que em um uma para com por seu sua do da não está tem pode muito você",
    "fr": "le les et est sont de que en un une pour avec par vous il elle du des ce cette pas peut très",
    "it": "il lo gli le e è sono di che in un una per con da del della non può molto questo questa",
    "de": "der die das und ist sind ein eine für mit von zu sie es nicht den dem sich auch kann sehr ihr auf",
}
_WORDS = {code: set(words.split()) for code, words in _FUNCTION_WORDS.items()}
_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)
# An amount of money: a number with a currency sign or word right before or after it.
_CURRENCY = r"(?:[$€£¥]|US\$|USD|EUR|GBP|JPY|CNY|BRL|dollars?|dólares|dolares|dollari|euros?|Euro|reais|pounds?|libras|美元|欧元|元|日元|英镑|円|ドル|ユーロ|ポンド)"
_AMOUNT = r"(\d+(?:[.,]\d{3})*(?:[.,]\d{1,2})?)"
_MONEY = re.compile(rf"{_CURRENCY}\s?{_AMOUNT}|{_AMOUNT}\s?{_CURRENCY}", re.IGNORECASE)
_HAN = re.compile(r"[\u4e00-\u9fff]")
_KANA = re.compile(r"[\u3040-\u30ff]")


def clause_problem(
    clause: str, values: list[str], language: str, products: list[Product], prices: set[Decimal] = frozenset()
) -> str | None:
    """Why this clause must not be spoken, or None. `prices`: every amount of money the facts state."""
    lowered = clause.casefold()
    borrowed = [name for name in EXAMPLE_PRODUCTS if name.casefold() in lowered]
    if borrowed:
        return f"names {borrowed[0]}, a product of the prompt's examples, not of the shop"
    unsupported = ungrounded_numbers(clause, values)
    if unsupported:
        return f"states {', '.join(sorted(unsupported))}, which no catalog value supplied"
    wrong = [amount for amount in money_amounts(clause) if amount not in prices]
    if wrong:
        return f"states the price {wrong[0]}, which is no catalog price"
    if not in_language(clause, language, products):
        return f"is not in {language}"
    return None


def in_language(clause: str, language: str, products: list[Product] = ()) -> bool:
    """Product names are the catalog's words in any language, so they are left out of the judgement."""
    text = clause
    for product in products:
        for name in (product.title, product.brand):
            if name:
                text = re.sub(re.escape(name), " ", text, flags=re.IGNORECASE)
    language = base_language(language)
    han, kana = len(_HAN.findall(text)), len(_KANA.findall(text))
    latin = [w.lower() for w in _WORD.findall(text) if not _HAN.search(w) and not _KANA.search(w)]
    if language in ("zh", "ja"):
        if han + kana == 0:
            return len(latin) < 3
        if language == "ja":
            return kana > 0 or han < 4  # Japanese without a single kana is Chinese
        return kana < 2
    if han + kana > 3:
        return False
    own = _WORDS.get(language)
    if own is None:
        return True
    hits = {code: sum(w in words for w in latin) for code, words in _WORDS.items()}
    best_other = max(v for code, v in hits.items() if code != language)
    return hits[language] + 2 > best_other


def money_amounts(text: str) -> list[Decimal]:
    """Amounts of money in a text, whatever the decimal mark ("$67.99", "67,99 dólares", "1.299 €")."""
    out = []
    for match in _MONEY.finditer(text):
        amount = parse_amount(match.group(1) or match.group(2))
        if amount is not None:
            out.append(amount)
    return out


def parse_amount(text: str) -> Decimal | None:
    """ "67,99" and "67.99" are 67.99; "1.299" and "1,299" are 1299 (a decimal part has one or two digits)."""
    match = re.fullmatch(r"([\d.,]*?)[.,](\d{1,2})", text)
    whole, cents = (match.group(1), match.group(2)) if match else (text, "")
    try:
        amount = Decimal(re.sub(r"[.,]", "", whole) or "0")
        return amount + (Decimal(cents) / 10 ** len(cents) if cents else 0)
    except InvalidOperation:
        return None
