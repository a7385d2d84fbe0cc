"""The language model's part of the dialogue: which turns it takes, the facts it is given, its answer streamed
clause by clause and checked against them, fillers, tools, and the handoff summary."""
