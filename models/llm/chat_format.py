"""What the local engines share: messages and tools in the shape Hugging Face chat templates expect (Qwen's
included), and how much of a new prompt the KV cache already holds."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from models.llm.base import ChatMessage, ToolSpec


def template_message(message: ChatMessage) -> dict[str, Any]:
    out: dict[str, Any] = {"role": message.role, "content": message.content}
    if message.tool_calls:
        out["tool_calls"] = [
            {"id": c.id, "type": "function", "function": {"name": c.name, "arguments": c.arguments}}
            for c in message.tool_calls
        ]
    if message.tool_call_id:
        out["tool_call_id"] = message.tool_call_id
    if message.name:
        out["name"] = message.name
    return out


def template_tool(tool: ToolSpec) -> dict[str, Any]:
    return {
        "type": "function",
        "function": {"name": tool.name, "description": tool.description, "parameters": tool.parameters},
    }


def common_prefix(a: Sequence[int], b: Sequence[int]) -> int:
    """How many leading tokens two prompts share (what the KV cache of the first can serve the second)."""
    n = 0
    for x, y in zip(a, b):
        if x != y:
            break
        n += 1
    return n
