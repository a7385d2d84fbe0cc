"""Destination countries and policy topics as shoppers name them -> store keys."""

from __future__ import annotations

import unicodedata

# ISO alpha-2 -> names people (and ASR) use, in the languages the assistant speaks.
_COUNTRY_NAMES: dict[str, tuple[str, ...]] = {
    "US": (
        "united states",
        "usa",
        "america",
        "united states of america",
        "estados unidos",
        "états-unis",
        "etats unis",
        "美国",
        "the us",
        "the states",
    ),
    "CA": ("canada", "canadá", "加拿大"),
    "MX": ("mexico", "méxico", "mexique", "墨西哥"),
    "GB": (
        "united kingdom",
        "uk",
        "great britain",
        "britain",
        "england",
        "reino unido",
        "royaume-uni",
        "royaume uni",
        "英国",
    ),
    "DE": ("germany", "deutschland", "alemania", "allemagne", "德国"),
    "FR": ("france", "francia", "frankreich", "法国"),
    "ES": ("spain", "españa", "espana", "espagne", "spanien", "西班牙"),
    "IT": ("italy", "italia", "italie", "意大利"),
    "AU": ("australia", "australie", "澳大利亚", "澳洲"),
    "JP": ("japan", "japón", "japon", "日本"),
    "CN": ("china", "chine", "中国", "中國"),
    "BR": ("brazil", "brasil", "brésil", "巴西"),
    "IN": ("india", "inde", "印度"),
}
_BY_NAME = {name: code for code, names in _COUNTRY_NAMES.items() for name in names}

_TOPICS: dict[str, tuple[str, ...]] = {
    "shipping": (
        "shipping",
        "ship",
        "delivery",
        "deliver",
        "postage",
        "customs",
        "duties",
        "envío",
        "envio",
        "entrega",
        "livraison",
        "expédition",
        "versand",
        "配送",
        "运费",
        "发货",
        "邮寄",
    ),
    "returns": (
        "returns",
        "return",
        "refund",
        "refunds",
        "exchange",
        "devolución",
        "devolucion",
        "reembolso",
        "retour",
        "retours",
        "remboursement",
        "rückgabe",
        "退货",
        "退款",
        "换货",
    ),
    "payment": (
        "payment",
        "payments",
        "pay",
        "card",
        "paypal",
        "installments",
        "pago",
        "pagar",
        "paiement",
        "payer",
        "zahlung",
        "付款",
        "支付",
    ),
    "warranty": ("warranty", "guarantee", "repair", "garantía", "garantia", "garantie", "保修", "质保"),
}


def _fold(text: str) -> str:
    return " ".join(unicodedata.normalize("NFKC", text).lower().replace(".", "").split())


def normalize_country(value: str | None) -> str | None:
    """ISO alpha-2 code for a code or name ("us", "Spain", "España", "美国"); None when unknown/empty."""
    if not value:
        return None
    text = _fold(value)
    if text in _BY_NAME:
        return _BY_NAME[text]
    if len(text) == 2 and text.isalpha():
        return text.upper()
    return next((code for name, code in _BY_NAME.items() if len(name) > 3 and name in text), None)


def country_name(code: str) -> str:
    names = _COUNTRY_NAMES.get(code.upper())
    return names[0].title() if names else code.upper()


def normalize_topic(value: str | None) -> str | None:
    """Policy topic key for a word or phrase ("refund", "envío", "退货"); None when unknown."""
    if not value:
        return None
    text = _fold(value)
    for topic, words in _TOPICS.items():
        if text in words:
            return topic
    for topic, words in _TOPICS.items():
        if any(w in text for w in words):
            return topic
    return None
