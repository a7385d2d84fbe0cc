"""The fixed system prompts (first in every request, so the engine reuses their KV cache) and the turn
message that carries this turn's facts after them."""

from __future__ import annotations

from collections.abc import Sequence

from dialogue.history import Message

LANGUAGE_NAMES = {
    "en": "English",
    "es": "Spanish",
    "pt": "Portuguese",
    "fr": "French",
    "it": "Italian",
    "de": "German",
    "zh": "Simplified Chinese",
    "ja": "Japanese",
    "ko": "Korean",
    "nl": "Dutch",
}

_RULES = """Rules:
- You are speaking aloud: one to three short sentences, no lists, no markdown, no emojis.
- Always answer in the language the turn asks for, even when the facts are in English.
- Use only the facts. Answer the question first, from what the facts say about the product (its description
  tells you its features). Copy prices, stock and ratings exactly. Never invent a feature, number or policy,
  and never deny something the facts say.
- SOLD OUT means not available: never offer it as available.
- If the facts do not say, say that you don't know that detail and give the closest fact.
- Name products by their exact title. Suggest at most two."""

# Worked examples: part of the fixed prompt, so they cost nothing per turn once it is cached. Their products
# are not the shop's; a reply naming one is refused (EXAMPLE_PRODUCTS).
EXAMPLE_PRODUCTS = ("Brightwater Glass Kettle", "Stonebrook Cast Iron Skillet")
_EXAMPLES = """Example 1
FACTS:
- Brightwater Glass Kettle: $39.50; 12 in stock; rated 4.6/5; 1.7 litre borosilicate glass kettle with blue LED light and auto shut-off.
SHOPPER (Spanish): ¿Es buena para una oficina pequeña?
ANSWER: Sí, la Brightwater Glass Kettle es de 1,7 litros y se apaga sola, así que va bien en una oficina. Cuesta 39,50 dólares y hay 12 disponibles.

Example 2
FACTS:
- Stonebrook Cast Iron Skillet: $54.00; stock: 26 cm sold out, 30 cm 4; rated 4.8/5; Pre-seasoned cast iron skillet for stove, oven and campfire.
SHOPPER (English): Can I put it in the dishwasher?
ANSWER: The description doesn't say, so I can't promise that. It's a pre-seasoned cast iron skillet for stove, oven and campfire, and only the 30 cm size is in stock."""

HYBRID_SYSTEM = f"""You are the voice assistant of an online shop, talking with a shopper.
Each turn gives you FACTS from the shop's catalog, the recent conversation, and the shopper's words.
{_RULES}

{_EXAMPLES}"""

TOOLS_SYSTEM = f"""You are the voice assistant of an online shop, talking with a shopper.
Look things up with the tools before you answer: search_products for anything the shopper wants, get_product
or check_availability for one product, compare_products for differences, get_policy for shipping, returns,
payment and warranty, get_order_status for an order, add_to_cart / view_cart / remove_from_cart for the cart.
Tool results are the only facts you may state.
{_RULES}"""

SUMMARY_SYSTEM = """You write the note a human agent reads before taking over a shop's customer conversation.
Write two or three short sentences in English: what the shopper wants, what the assistant already told them,
and why a person is needed. Use only the transcript; copy any product name, number or order id exactly."""


def language_name(code: str, fallback: str = "") -> str:
    return LANGUAGE_NAMES.get(code) or fallback or code


def hybrid_turn(facts: str, history: Sequence[Message], shopper: str, language: str, said: str = "") -> str:
    earlier = "\n".join(f"{'Shopper' if m.role == 'user' else 'Assistant'}: {_short(m.text)}" for m in history)
    parts = [f"FACTS:\n{facts}"]
    if earlier:
        parts.append(f"CONVERSATION SO FAR:\n{earlier}")
    parts.append(f"SHOPPER ({language}): {shopper}")
    if said:
        parts.append(
            f"YOU ALREADY SAID: {said}\nNow answer the rest of the shopper's question in one or two sentences, "
            f"in {language}, from the FACTS only, without repeating that."
        )
        return "\n\n".join(parts)
    return "\n\n".join(parts) + f"\n\nAnswer in {language}, from the FACTS only."


def _short(text: str, limit: int = 160) -> str:
    return text if len(text) <= limit else text[:limit].rsplit(" ", 1)[0] + "…"


def tools_turn(shopper: str, language: str) -> str:
    return f"{shopper}\n\n(The shopper speaks {language}. Answer in {language}.)"
