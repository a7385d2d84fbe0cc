"""Shipping, returns, payment and warranty, for the shopper's destination country, from the policy store."""

from __future__ import annotations

import re
from dataclasses import replace

from catalog.models import Policy, Product
from dialogue.grounding import format_price
from dialogue.references import resolve
from dialogue.replies import Reply
from dialogue.turn import Turn


def policy(turn: Turn) -> Reply:
    topic = turn.intent.topic or turn.slots.topic or turn.state.topic
    turn.state.topic = topic
    product = _product_meant(turn)
    if topic == "warranty" and product is not None and product.warranty:
        turn.say.add("product_warranty", [product], title=product.title, description=product.warranty)
        return turn.reply([product])
    if turn.slots.country:
        turn.state.country = turn.slots.country
    country = turn.state.country
    found = turn.store.get_policy(topic, country) if topic else None
    if found is None:
        turn.say.add("policy_unknown")
        return turn.reply([], resolved=False)
    if country and found.country == "*" and country != "*":
        turn.say.add("policy_other_country", country=turn.say.locale.country_name(country))
    where = (
        turn.say.locale.country_name(found.country)
        if found.country != "*"
        else turn.say.locale.country_name(country)
        if country
        else ""
    )
    carriers = _carriers(turn, found) if found.topic == "shipping" and turn.slots.aspect == "carrier" else []
    if carriers and where:
        turn.say.add("policy_carrier", country=where, items=turn.say.locale.join(carriers))
    elif found.topic == "shipping" and found.days_max is not None and where:
        _shipping(turn, found, where)
    elif found.topic == "returns" and found.days_max is not None:
        turn.say.add("policy_returns", days_max=found.days_max)
        if found.fee is not None and found.fee > 0:
            turn.say.add("policy_returns_fee", fee=_money(turn, found, found.fee))
        elif found.fee is not None:
            turn.say.add("policy_returns_free")
    elif turn.language != turn.catalog_language and found.topic == "payment" and _payments(found):
        # The shop wrote its policy in its own language: say what can be said in the shopper's.
        turn.say.add("policy_payment", items=turn.say.locale.join(_payments(found)))
    elif turn.language != turn.catalog_language and found.topic == "warranty" and found.days_max:
        turn.say.add("policy_warranty", days_max=found.days_max)
    else:
        # The shop's own words, in the language it wrote them.
        turn.say.add("policy_text", title=found.title, text=found.text)
    return turn.reply([])


# Payment methods are names, the same in every language: "we accept Visa, PayPal and Klarna" can be said in
# the shopper's language even when the policy is written in the shop's.
_KNOWN_PAYMENTS = (
    "Visa",
    "Mastercard",
    "Maestro",
    "American Express",
    "Amex",
    "Discover",
    "Diners Club",
    "JCB",
    "UnionPay",
    "PayPal",
    "Apple Pay",
    "Google Pay",
    "Samsung Pay",
    "Amazon Pay",
    "Shop Pay",
    "Klarna",
    "Afterpay",
    "Clearpay",
    "Affirm",
    "Alipay",
    "WeChat Pay",
    "iDEAL",
    "Bancontact",
    "Bizum",
    "MB Way",
    "Multibanco",
    "Satispay",
    "Sofort",
    "Giropay",
    "SEPA",
    "Pix",
    "Boleto",
    "Twint",
    "Przelewy24",
    "BLIK",
    "Konbini",
)


def _payments(found: Policy) -> list[str]:
    text = f" {found.text} "
    named = [name for name in _KNOWN_PAYMENTS if re.search(rf"(?<![\w]){re.escape(name)}(?![\w])", text)]
    return [n for n in named if not any(n != m and n in m for m in named)]


def _product_meant(turn: Turn) -> Product | None:
    """ "Does it have a warranty?" is about the product in focus; "what's your warranty?" is the shop's."""
    names = turn.names_a_product()
    slots = turn.slots if names else replace(turn.slots, rest="")  # "how many years", "何年": not a product
    pointed = resolve(slots, turn.state, turn.finder) if slots.refers_back else None
    if pointed is not None and pointed.product is not None:
        return pointed.product  # "the cheaper one's warranty"
    if turn.state.focus is not None and (slots.pronoun or not names):
        return turn.state.focus  # "and the warranty?" right after talking about a product
    if turn.slots.rest:
        found = turn.find(turn.slots.rest)
        return found.named or (found.products[0] if len(found.products) == 1 else None)
    return None


# Carriers shoppers ask about; the shop's own come from its orders.
_KNOWN_CARRIERS = (
    "DHL Express",
    "DHL",
    "UPS",
    "FedEx",
    "USPS",
    "Royal Mail",
    "Evri",
    "Canada Post",
    "Correos Express",
    "Correos",
    "SEUR",
    "MRW",
    "Colissimo",
    "Chronopost",
    "La Poste",
    "DPD",
    "GLS",
    "Hermes",
    "PostNL",
    "BRT",
    "Poste Italiane",
    "CTT",
    "Australia Post",
    "Japan Post",
    "Yamato",
    "SF Express",
    "TNT",
    "InPost",
    "Deutsche Post",
    "Bpost",
)


def _carriers(turn: Turn, found: Policy) -> list[str]:
    """The delivery companies the policy names: "Which delivery operator do you use?"."""
    names = [str(r[0]) for r in turn.store.execute("SELECT DISTINCT carrier FROM orders") if r[0]]
    text = f"{found.title} {found.text}".lower()
    named = [n for n in dict.fromkeys([*names, *_KNOWN_CARRIERS]) if n.lower() in text]
    # "DHL Express" named: do not also say "DHL".
    return [n for n in named if not any(n != m and n.lower() in m.lower() for m in named)]


def _shipping(turn: Turn, found: Policy, where: str) -> None:
    days = {"days_min": found.days_min if found.days_min is not None else found.days_max, "days_max": found.days_max}
    if found.fee is not None and found.fee == 0:
        turn.say.add("policy_shipping_free", country=where, **days)
        return
    if found.fee is not None:
        turn.say.add("policy_shipping", country=where, fee=_money(turn, found, found.fee), **days)
    else:
        turn.say.add("policy_shipping_days", country=where, **days)
    if found.free_over is not None:
        turn.say.add("policy_free_over", free_over=_money(turn, found, found.free_over))


def _money(turn: Turn, found: Policy, amount) -> str:  # noqa: ANN001 - Decimal
    return format_price(amount, found.currency, turn.language)
