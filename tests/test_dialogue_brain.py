"""The conversation brain on the demo catalog: memory of what was shown, filters from words, policies,
orders, cart, handoff rules, grounding, languages. Real SQLite store; no speech models needed."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest

from catalog.store import CatalogStore
from dialogue.grounding import format_price
from dialogue.manager import DialogueManager
from dialogue.settings import DialogueSettings, HandoffRules
from dialogue.state import ConversationState


def converse(dialogue, lines, language="en", state=None):
    replies = []
    for line in lines:
        reply = dialogue.respond_now(line, language, state)
        state = reply.state
        replies.append(reply)
    return replies


def test_ordinals_and_superlatives_pick_from_the_list_just_spoken(dialogue):
    listed, second = converse(dialogue, ["Do you have running shoes?", "How much is the second one?"])
    assert len(listed.products) >= 3
    assert second.products == [listed.products[1]]
    assert format_price(listed.products[1].price, "USD", "en") in second.text
    listed, cheapest = converse(dialogue, ["Do you have running shoes?", "Which is the cheapest one?"])
    assert cheapest.products == [min(listed.products, key=lambda p: p.price)]
    listed, last = converse(dialogue, ["Do you have running shoes?", "Tell me about the last one"])
    assert last.products == [listed.products[-1]]


def test_a_pronoun_after_a_list_asks_which_one_naming_the_choices(dialogue):
    listed, which, answered = converse(dialogue, ["Do you have running shoes?", "Is it in stock?", "the first one"])
    assert "?" in which.text and all(p.title in which.text for p in listed.products)
    assert answered.intent == "stock" and answered.products == [listed.products[0]]  # the question was answered


def test_a_colour_reference_matching_nothing_shown_asks_back_with_the_choices(dialogue):
    listed, red = converse(dialogue, ["Do you have running shoes?", "I want the purple one"])
    assert "?" in red.text and red.products == listed.products
    assert all(p.title in red.text for p in listed.products)


@pytest.fixture(scope="module")
def kettles():
    """A small shop whose kettles differ by colour, so "the red one" names exactly one."""
    from catalog.models import Product, Variant

    def kettle(pid, title, price, colours, rating):
        variants = tuple(Variant(f"{pid}-{c}", {"color": c}, Decimal(price), 5) for c in colours)
        return Product(
            pid,
            title,
            Decimal(price),
            "EUR",
            brand=title.split()[0],
            category="Kitchen",
            description=f"An electric kettle. {title}.",
            tags=("kettle", "electric kettle"),
            rating=rating,
            rating_count=10,
            variants=variants,
        )

    store = CatalogStore.open(":memory:")
    store.upsert_products(
        [
            kettle("k-steel", "Nordhaus Steel Kettle", "39.90", ["Silver", "Black"], 4.1),
            kettle("k-retro", "Brava Retro Kettle", "54.00", ["Red", "Cream"], 4.7),
            kettle("k-glass", "Lumo Glass Kettle", "29.50", ["Clear"], 3.9),
        ]
    )
    return DialogueManager(store)


@pytest.mark.parametrize(
    "language, lines",
    [
        ("en", ["Do you have kettles?", "I'll take the red one"]),
        ("en", ["Do you have electric kettles?", "how much is the red one?"]),
    ],
)
def test_a_colour_reference_picks_the_product_that_has_it(kettles, language, lines):
    listed, picked = converse(kettles, lines, language)
    assert {p.id for p in listed.products} == {"k-steel", "k-retro", "k-glass"}
    assert [p.id for p in picked.products] == ["k-retro"], picked.text


def test_superlatives_read_the_catalog_facts(kettles):
    listed, cheap, best = converse(kettles, ["Do you have kettles?", "the cheapest one", "which one is best rated?"])
    assert cheap.products[0].id == "k-glass" and "29.50" in cheap.text.replace("€", "")
    assert [p.id for p in best.products] == ["k-retro"]


def test_spoken_price_caps_are_filters(dialogue):
    for line in [
        "Do you have sneakers under 100 dollars?",
        "I need running shoes for less than a hundred and twenty dollars",
        "any headphones below $80?",
    ]:
        reply = dialogue.respond_now(line, "en")
        cap = Decimal(re.search(r"(\d+)", line.replace("a hundred and twenty", "120")).group(1))
        assert all(p.price <= cap for p in reply.products), (line, reply.text)
    nothing = dialogue.respond_now("Do you have running shoes under 20 dollars?", "en")
    assert "no running shoes under $20" in nothing.text.lower() and nothing.products == []  # never one over the cap
    cheaper = dialogue.respond_now("And under 120?", "en", nothing.state)  # the same search, a new limit
    assert cheaper.products and all(p.price <= 120 and "Running Shoes" in p.title for p in cheaper.products)


def test_not_carried_is_an_honest_no(dialogue):
    for line in ["Do you sell the PlayStation 5?", "Do you have a grand piano?", "do you sell car tyres?"]:
        reply = dialogue.respond_now(line, "en")
        assert reply.products == [] and not reply.text.lower().startswith("yes"), reply.text


def test_policies_per_destination_country_and_the_country_is_remembered(dialogue, store):
    germany, returns = converse(dialogue, ["How long does shipping to Germany take?", "And what about returns?"])
    policy = store.get_policy("shipping", "DE")
    assert f"{policy.days_min} to {policy.days_max}" in germany.text and "Germany" in germany.text
    assert format_price(policy.fee, "USD", "en") in germany.text
    back = store.get_policy("returns", "DE")
    assert str(back.days_max) in returns.text and format_price(back.fee, "USD", "en") in returns.text


def test_delivery_operator_is_a_shipping_question_not_a_handoff(dialogue):
    reply = dialogue.respond_now("Which delivery operator do you use?", "en")
    assert not reply.handoff and reply.intent == "policy"


def test_order_status_from_spoken_digits_and_asked_for_when_missing(dialogue, store):
    order = store.get_order("A1017")
    reply = dialogue.respond_now("Where is my order A one oh one seven?", "en")
    assert reply.intent == "order_status" and "A1017" in reply.text and order.carrier in reply.text
    ask, answer = converse(dialogue, ["Where is my package?", "It's A 1 0 1 7"])
    assert "order number" in ask.text and "A1017" in answer.text
    unknown = dialogue.respond_now("What's the status of order Z9999?", "en")
    assert "couldn't find" in unknown.text and "Z9999" in unknown.text


def test_cart_changes_only_when_the_reply_is_committed(dialogue, store):
    start = ConversationState()
    mat = dialogue.respond_now("Do you have the FlowFit yoga mat?", "en", start)
    added = dialogue.respond_now("Add two of them to my cart, in lavender", "en", mat.state)
    assert mat.state.cart == {} and start.cart == {}  # speculation: the state passed in is never changed
    assert added.state.cart_items == 2, added.text
    product = mat.products[0]
    variant = next(v for v in product.variants if v.options.get("color") == "Lavender")
    assert format_price(variant.price * 2, "USD", "en") in added.text
    view = dialogue.respond_now("What's in my cart?", "en", added.state)
    assert product.title in view.text and view.state.cart_items == 2
    removed = dialogue.respond_now("Remove it from my cart", "en", view.state)
    assert removed.state.cart_items == 0 and "empty" in removed.text


def test_cart_asks_for_the_missing_option_and_takes_the_answer(dialogue):
    shoes, ask, size, colour = converse(
        dialogue, ["Do you have the TrailRunner Running Shoes?", "Add it to my cart", "size 9 please", "blue"]
    )
    assert "size" in ask.text.lower() and ask.state.cart_items == 0
    assert "colour" in size.text.lower() and size.state.cart_items == 0  # both options are needed
    assert colour.intent == "cart_add" and colour.state.cart_items == 1, colour.text
    line = next(iter(colour.state.cart))
    assert line == next(v.sku for v in shoes.products[0].variants if v.options == {"size": "9", "color": "Blue"})


def test_stop_says_nothing(dialogue):
    for line in ["Wait, stop.", "Stop.", "hold on"]:
        reply = dialogue.respond_now(line, "en")
        assert reply.intent == "stop" and reply.text == "", line


def test_compare_names_the_cheaper_and_the_better_rated(dialogue):
    listed, compared = converse(dialogue, ["Do you have running shoes?", "Compare the first two"])
    first, second = listed.products[:2]
    assert first.title in compared.text and second.title in compared.text
    cheaper = min((first, second), key=lambda p: p.price)
    assert f"{cheaper.title} is the cheaper one" in compared.text


def test_handoff_rules_from_config(store):
    rules = DialogueManager(store, DialogueSettings(handoff=HandoffRules(unresolved_turns=2, frustration_turns=1)))
    one, two = converse(rules, ["Do you have a grand piano?", "Do you have a grand piano?"])
    assert not one.handoff and two.handoff and two.handoff_reason.startswith("unresolved"), two.text
    different = converse(rules, ["Do you have a grand piano?", "Do you sell the PlayStation 5?"])
    assert not different[1].handoff  # two different needs, each answered honestly
    angry = rules.respond_now("This is useless, you don't understand", "en")
    assert angry.handoff and angry.handoff_reason == "frustration"
    pricey = DialogueManager(store, DialogueSettings(handoff=HandoffRules(cart_value_above=Decimal("50"))))
    mat = pricey.respond_now("Do you have the FlowFit yoga mat?", "en")
    cart = pricey.respond_now("add two to my cart in lavender", "en", mat.state)
    assert cart.handoff and cart.handoff_reason.startswith("rule: cart value")


def test_operator_intents_and_replies_come_from_config(store):
    settings = DialogueSettings(
        intents=[{"name": "opening_hours", "action": "reply", "patterns": {"en": [r"\bopen\b", r"\bhours\b"]}}],
        replies={"opening_hours": {"en": "Our phone line is staffed on weekdays."}},
    )
    reply = DialogueManager(store, settings).respond_now("When are you open?", "en")
    assert reply.intent == "opening_hours" and reply.text == "Our phone line is staffed on weekdays."


def test_a_reply_stating_a_number_no_tool_supplied_is_replaced(store):
    manager = DialogueManager(store)
    manager.locales["en"].replies["product_price"] = "The {title} costs {price}, down from 999."
    reply = manager.respond_now("How much is the FlowFit yoga mat?", "en")
    assert "999" not in reply.text and reply.text == manager.locales["en"].replies["safe"]
    assert manager.grounding_violations == 1


def test_a_language_without_replies_answers_in_the_default_and_says_so_once(dialogue):
    first, second = converse(dialogue, ["안녕하세요", "감사합니다"], language="ko")
    notice = dialogue.locales["en"].replies["language_fallback"]
    assert first.language == "en" and first.text.startswith(notice)
    assert second.language == "en" and notice not in second.text


# ---- every built-in language -------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "language, kind, second",
    [
        ("en", "Do you have running shoes?", "How much is the second one?"),
        ("es", "¿Tienen zapatillas para correr?", "¿Cuánto cuesta la segunda?"),
        ("pt", "Vocês têm tênis de corrida?", "Quanto custa o segundo?"),
        ("fr", "Vous avez des chaussures de course ?", "Combien coûte la deuxième ?"),
        ("it", "Avete scarpe da corsa?", "Quanto costa la seconda?"),
        ("de", "Haben Sie Laufschuhe?", "Was kostet das zweite?"),
        ("zh", "你们有跑步鞋吗？", "第二个多少钱？"),
        ("ja", "ランニングシューズはありますか？", "二つ目はいくらですか？"),
    ],
)
def test_a_kind_then_an_ordinal_in_every_language(dialogue, language, kind, second):
    listed, picked = converse(dialogue, [kind, second], language)
    assert len(listed.products) >= 2 and all("Running Shoes" in p.title for p in listed.products), listed.text
    assert listed.language == language and picked.language == language
    assert picked.products == [listed.products[1]], picked.text
    assert format_price(listed.products[1].price, "USD", language) in picked.text


@pytest.mark.parametrize(
    "language, line, cap",
    [
        ("en", "Do you have headphones under a hundred dollars?", 100),
        ("es", "¿Tienen auriculares por menos de cien dólares?", 100),
        ("pt", "Vocês têm fones de ouvido por menos de cem dólares?", 100),
        ("fr", "Vous avez un casque audio à moins de cent dollars ?", 100),
        ("it", "Avete delle cuffie sotto i cento dollari?", 100),
        ("de", "Haben Sie Kopfhörer unter hundert Dollar?", 100),
        ("zh", "有没有一百美元以下的耳机？", 100),
        ("ja", "百ドル以下のヘッドホンはありますか？", 100),
    ],
)
def test_spoken_price_caps_in_every_language(dialogue, language, line, cap):
    reply = dialogue.respond_now(line, language)
    assert reply.language == language
    assert all(p.price <= cap for p in reply.products), reply.text  # never above the cap
    slots = dialogue._reader(dialogue.locales[language]).read(line)
    assert slots.max_price == cap


@pytest.mark.parametrize(
    "language, line",
    [
        ("en", "How long does shipping to Germany take?"),
        ("es", "¿Cuánto tarda el envío a Alemania?"),
        ("pt", "Quanto tempo demora o envio para a Alemanha?"),
        ("fr", "Combien de temps prend la livraison en Allemagne ?"),
        ("it", "Quanto ci mette la spedizione in Germania?"),
        ("de", "Wie lange dauert der Versand nach Deutschland?"),
        ("zh", "寄到德国要多久？"),
        ("ja", "ドイツへの配送は何日かかりますか？"),
    ],
)
def test_shipping_policy_per_country_in_every_language(dialogue, store, language, line):
    reply = dialogue.respond_now(line, language)
    policy = store.get_policy("shipping", "DE")
    assert reply.intent == "policy" and reply.language == language, reply.text
    assert str(policy.days_min) in reply.text and str(policy.days_max) in reply.text


@pytest.mark.parametrize(
    "language, stop, carrier",
    [
        ("en", "Wait, stop.", "Which delivery operator do you use?"),
        ("es", "Espera, para.", "¿Qué operador de envío usan?"),
        ("pt", "Espera, para.", "Qual transportadora vocês usam?"),
        ("fr", "Attendez, stop.", "Quel transporteur utilisez-vous ?"),
        ("it", "Aspetta, fermati.", "Quale corriere usate?"),
        ("de", "Warte, stopp.", "Welchen Versanddienstleister nutzen Sie?"),
        ("zh", "等一下，别说了。", "你们用哪家快递公司？"),
        ("ja", "ちょっと待って。", "配送業者はどこですか？"),
    ],
)
def test_stop_is_silent_and_a_carrier_question_is_not_a_handoff(dialogue, language, stop, carrier):
    quiet = dialogue.respond_now(stop, language)
    assert quiet.intent == "stop" and quiet.text == ""
    asked = dialogue.respond_now(carrier, language)
    assert not asked.handoff and asked.intent == "policy", asked.text


def test_make_it_two_sets_the_quantity(dialogue):
    mat, added, two = converse(
        dialogue, ["Do you have the FlowFit yoga mat?", "Add it to my cart in lavender", "Actually, make it two"]
    )
    assert added.state.cart_items == 1 and two.state.cart_items == 2, two.text


def test_words_in_another_language_find_the_catalog_through_the_glossary(store):
    plain = DialogueManager(store)  # no embedding model: only words can match
    for language, line in [
        ("es", "¿Tienen sartenes?"),
        ("zh", "有平底锅吗？"),
        ("de", "Haben Sie Bratpfannen?"),
        ("ja", "フライパンはありますか？"),
    ]:
        reply = plain.respond_now(line, language)
        assert reply.products and all("Skillet" in p.title or "Pan" in p.title for p in reply.products), reply.text
