"""Lenient tool-call parsing: every shape local models write, whole or streamed token by token."""

import random

import pytest

from models.llm.toolcalls import ToolCallScanner, parse_tool_calls

TOOLS = {"order_status", "search_products"}
CALL = {"name": "order_status", "arguments": {"order_id": "A1001"}}


def _calls(calls):
    return [(c.name, c.arguments) for c in calls]


@pytest.mark.parametrize(
    "text",
    [
        '<tool_call>\n{"name": "order_status", "arguments": {"order_id": "A1001"}}\n</tool_call>',
        '<tool_call>{"name": "order_status", "arguments": {"order_id": "A1001"}}</tool_call>',
        '<tool_call>\n{"name": "order_status", "arguments": {"order_id": "A1001"}}',  # stopped before </tool_call>
        '```json\n{"name": "order_status", "arguments": {"order_id": "A1001"}}\n```',
        '```\n{"name": "order_status", "arguments": {"order_id": "A1001"}}\n```',
        '```json\n{"name": "order_status", "arguments": {"order_id": "A1001"}}',  # no closing fence
        '```tool_call\n<tool_call>\n{"name": "order_status", "arguments": {"order_id": "A1001"}}\n</tool_call>\n```',
        '{"name": "order_status", "arguments": {"order_id": "A1001"}}',
        '  {"name": "order_status", "arguments": {"order_id": "A1001"}}\n',
        '{"name": "order_status", "parameters": {"order_id": "A1001"}}',
        '{"name": "order_status", "arguments": "{\\"order_id\\": \\"A1001\\"}"}',
        '{"type": "function", "function": {"name": "order_status", "arguments": {"order_id": "A1001"}}}',
        '{"function": {"name": "order_status", "arguments": "{\\"order_id\\": \\"A1001\\"}"}}',
        "{'name': 'order_status', 'arguments': {'order_id': 'A1001'}}",
        '```json\n[{"name": "order_status", "arguments": {"order_id": "A1001"}}]\n```',
    ],
)
def test_each_shape_gives_the_call_and_no_text(text):
    rest, calls = parse_tool_calls(text, TOOLS)
    assert _calls(calls) == [("order_status", {"order_id": "A1001"})]
    assert rest.strip() == ""
    assert calls[0].id


def test_text_around_a_call_stays():
    text = 'Let me check that order.\n```json\n{"name": "order_status", "arguments": {"order_id": "A1001"}}\n```\nOne moment.'
    rest, calls = parse_tool_calls(text, TOOLS)
    assert _calls(calls) == [("order_status", {"order_id": "A1001"})]
    assert rest == "Let me check that order.\nOne moment."


def test_several_calls_in_order():
    text = (
        '<tool_call>\n{"name": "order_status", "arguments": {"order_id": "A1"}}\n</tool_call>\n'
        '<tool_call>\n{"name": "search_products", "arguments": {"query": "kettle"}}\n</tool_call>'
    )
    rest, calls = parse_tool_calls(text, TOOLS)
    assert _calls(calls) == [("order_status", {"order_id": "A1"}), ("search_products", {"query": "kettle"})]
    assert rest == ""
    assert calls[0].id != calls[1].id


def test_several_bare_objects_on_their_own_lines():
    text = '{"name": "order_status", "arguments": {"order_id": "A1"}}\n{"name": "order_status", "arguments": {"order_id": "A2"}}'
    assert [c.arguments["order_id"] for c in parse_tool_calls(text, TOOLS)[1]] == ["A1", "A2"]


def test_missing_arguments_mean_none():
    assert _calls(parse_tool_calls('<tool_call>{"name": "search_products"}</tool_call>', TOOLS)[1]) == [
        ("search_products", {})
    ]


@pytest.mark.parametrize(
    "text",
    [
        '<tool_call>{"name": "delete_everything", "arguments": {}}</tool_call>',  # unknown tool
        '```json\n{"name": "refund", "arguments": {"order_id": "A1"}}\n```',
        '{"name": "order_status", "arguments": "not json"}',
        '{"name": "order_status", "arguments": [1, 2]}',
        '{"price": 12.5, "currency": "EUR"}',  # JSON, but not a call
        "```python\nprint('hello')\n```",
        "```json\n{broken\n```",
        '```json\n[{"name": "order_status", "arguments": {}}, {"name": "refund", "arguments": {}}]\n```',
        "{curly text that is not JSON}",
        "The set {a, b} is small.",
        'Prices: {"a": 1} inline is not a call',
        "a < b and c > d, `code` and ``two``",
        "",
    ],
)
def test_things_that_are_not_calls_stay_text(text):
    rest, calls = parse_tool_calls(text, TOOLS)
    assert calls == []
    assert rest == text


def test_no_tools_means_plain_text():
    text = '<tool_call>{"name": "order_status", "arguments": {}}</tool_call>'
    assert parse_tool_calls(text, ()) == (text, [])
    scanner = ToolCallScanner(())
    assert scanner.feed("<tool_") == "<tool_"
    assert scanner.finish() == ("", [])


def test_ordinary_text_streams_at_once():
    scanner = ToolCallScanner(TOOLS)
    assert scanner.feed("Hello") == "Hello"
    assert scanner.feed(", the kettle is in stock.") == ", the kettle is in stock."
    assert scanner.feed(" It costs {price}") == " It costs {price}"  # a brace mid-line is text
    assert scanner.feed("\n") == "\n"
    assert scanner.finish() == ("", [])


def test_possible_starts_are_held_back_until_decided():
    scanner = ToolCallScanner(TOOLS)
    assert scanner.feed("Sure.\n<tool") == "Sure.\n"
    assert scanner.feed("_call>\n{") == ""
    assert scanner.feed('"name": "order_status", "arguments": {"order_id": "A1001"}}\n</tool_') == ""
    assert scanner.feed("call>") == ""
    rest, calls = scanner.finish()
    assert rest == "" and _calls(calls) == [("order_status", {"order_id": "A1001"})]


def test_held_back_text_is_released_when_it_is_not_a_call():
    scanner = ToolCallScanner(TOOLS)
    assert scanner.feed("Is a <") == "Is a "
    assert scanner.feed(" b? yes") == "< b? yes"
    assert scanner.feed("\n{") == "\n"
    assert scanner.feed("x} ok") == "{x} ok"  # `{` then not a quote: not JSON
    assert scanner.feed(" `") == " "
    assert scanner.feed("a` b") == "`a` b"
    assert scanner.finish() == ("", [])


def test_fenced_block_that_is_not_a_call_is_released_at_its_closing_fence():
    scanner = ToolCallScanner(TOOLS)
    assert scanner.feed("```text\nhello\n") == ""
    assert scanner.feed("```\nbye") == "```text\nhello\n```\nbye"


def test_unclosed_block_that_is_not_a_call_comes_back_at_finish():
    scanner = ToolCallScanner(TOOLS)
    assert scanner.feed('{"name": "order_st') == ""
    assert scanner.finish() == ('{"name": "order_st', [])


CASES = [
    'Let me look.\n<tool_call>\n{"name": "order_status", "arguments": {"order_id": "A1001"}}\n</tool_call>',
    'Checking.\n```json\n{\n  "name": "order_status",\n  "arguments": {"order_id": "A1001"}\n}\n```\nDone.',
    '{"name": "search_products", "arguments": {"query": "a \\"quoted\\" {brace}"}}\nThanks!',
    "No call here, just {braces} and `ticks` and a <b>tag</b>.\n{not json either}",
    'Une bouilloire à 29,99 €.\n{"prix": 29.99}\n```\ncode\n```',
]


@pytest.mark.parametrize("text", CASES)
def test_streaming_in_any_chunks_matches_the_whole_text(text):
    expected = parse_tool_calls(text, TOOLS)
    rng = random.Random(text)
    for _ in range(20):
        scanner = ToolCallScanner(TOOLS)
        out, i = [], 0
        while i < len(text):
            n = rng.randint(1, 6)
            out.append(scanner.feed(text[i : i + n]))
            i += n
        rest, calls = scanner.finish()
        assert ("".join(out) + rest, _calls(calls)) == (expected[0], _calls(expected[1]))
