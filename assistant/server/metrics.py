"""Prometheus metrics of one server process (its own registry, so tests can run several apps)."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest

from assistant.turn import LATENCY_FIELDS, TurnRecord

CHANNELS = ("browser", "phone")
_LATENCY_BUCKETS = (0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 1.0, 1.25, 1.5, 2.0, 3.0, 5.0, 10.0)


class Metrics:
    def __init__(self):
        self.registry = CollectorRegistry()
        r = self.registry
        self.sessions_active = Gauge("va_sessions_active", "Conversations in progress", ["channel"], registry=r)
        self.sessions = Counter("va_sessions", "Conversations started", ["channel"], registry=r)
        self.turns = Counter("va_turns", "Shopper turns answered", ["channel"], registry=r)
        self.latency = Histogram(
            "va_turn_latency_seconds",
            "Seconds from the end of the shopper's speech to each stage of the reply",
            ["channel", "stage"],
            buckets=_LATENCY_BUCKETS,
            registry=r,
        )
        self.barge_ins = Counter("va_barge_ins", "Replies the shopper interrupted", ["channel"], registry=r)
        self.handoffs = Counter("va_handoffs", "Conversations handed to a person", ["channel", "reason"], registry=r)
        self.errors = Counter("va_errors", "Bad client input and failed turns", ["channel", "kind"], registry=r)
        for channel in CHANNELS:  # show zeros from the start rather than nothing
            for metric in (self.sessions_active, self.sessions, self.turns, self.barge_ins):
                metric.labels(channel)

    def turn_done(self, channel: str, turn: TurnRecord) -> None:
        self.turns.labels(channel).inc()
        for stage, ms in turn.latency_ms().items():
            if stage in LATENCY_FIELDS and ms is not None:
                self.latency.labels(channel, stage).observe(ms / 1000)

    def render(self) -> bytes:
        return generate_latest(self.registry)
