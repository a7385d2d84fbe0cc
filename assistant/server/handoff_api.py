"""The agents' REST API over the durable handoffs: list, get, accept, hand back, close and export a
transcript. Every route needs the agent bearer token (assistant.server.agent_auth)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Annotated, Literal, TypeVar

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import JSONResponse
from fastapi.security import HTTPAuthorizationCredentials
from pydantic import BaseModel, ConfigDict, Field

from assistant.handoff import HandoffDesk, HandoffRecord
from assistant.records.store import HandoffConflict, StoreError
from assistant.server.agent_auth import bearer, require_agent

AgentCredentials = Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]
_ID_CHARS = 64
_AUTH_ERRORS = {401: {"description": "missing or wrong token"}, 503: {"description": "no token configured"}}
_ONE = {**_AUTH_ERRORS, 404: {"description": "no such handoff"}}
_MOVE = {**_ONE, 409: {"description": "the handoff is not in a state that allows this (accepted by another agent)"}}


_MOVES = {
    "accept": "An agent takes the conversation",
    "release": "The agent puts the handoff back in the queue",
    "close": "The conversation is dealt with",
}


class AgentAction(BaseModel):
    model_config = ConfigDict(extra="forbid")
    agent: str = Field("agent", min_length=1, max_length=64, pattern=r"^[\w .@+-]+$", description="who acts")


def handoff_router(desk_of: Callable[[Request], HandoffDesk], changed: Callable[[], None] = lambda: None) -> APIRouter:
    """Routes over the desk `desk_of(request)` returns (the server's); `changed` tells the consoles when an agent
    accepted, released or closed a handoff here."""
    router = APIRouter(prefix="/api/handoffs", tags=["handoffs"])

    def desk(request: Request, credentials: HTTPAuthorizationCredentials | None) -> HandoffDesk:
        request.state.agent = require_agent(request, credentials)
        return desk_of(request)

    @router.get(
        "", summary="Handoffs, newest first, with their transcripts (personal data redacted)", responses=_AUTH_ERRORS
    )
    async def list_handoffs(
        request: Request,
        credentials: AgentCredentials = None,
        status: Literal["waiting", "accepted", "closed"] | None = None,
        limit: Annotated[int, Query(ge=1, le=200)] = 50,
        offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
    ) -> list[dict]:
        records = await _stored(desk(request, credentials).records(status, limit, offset))
        return [record.to_json() for record in records]

    @router.get(
        "/{handoff_id}", summary="One handoff: reason, channel, transcript, products, cart and summary", responses=_ONE
    )
    async def get_handoff(handoff_id: str, request: Request, credentials: AgentCredentials = None) -> dict:
        return (await _one(desk(request, credentials), handoff_id)).to_json()

    @router.get(
        "/{handoff_id}/export",
        summary="The handoff and its whole transcript as a JSON file",
        responses=_ONE,
        response_class=JSONResponse,
    )
    async def export_handoff(handoff_id: str, request: Request, credentials: AgentCredentials = None) -> JSONResponse:
        record = await _one(desk(request, credentials), handoff_id)
        filename = f"handoff-{record.id}.json"
        return JSONResponse(record.to_json(), headers={"Content-Disposition": f'attachment; filename="{filename}"'})

    def mover(verb: str) -> Callable[..., Awaitable[dict]]:
        async def move(
            handoff_id: str, request: Request, action: AgentAction | None = None, credentials: AgentCredentials = None
        ) -> dict:
            moved = await _move(desk(request, credentials), verb, handoff_id, _acting(request, action))
            changed()
            return moved

        return move

    for verb, summary in _MOVES.items():
        router.add_api_route(
            f"/{{handoff_id}}/{verb}",
            mover(verb),
            methods=["POST"],
            summary=summary,
            responses=_MOVE,
            operation_id=f"{verb}_handoff",
        )

    return router


def _acting(request: Request, action: AgentAction | None) -> AgentAction:
    """A logged-in agent acts as themself; the shared agent token acts as whoever the body names."""
    logged_in = request.state.agent
    if logged_in != "agent":
        return AgentAction(agent=logged_in)
    return action or AgentAction()


async def _one(desk: HandoffDesk, handoff_id: str) -> HandoffRecord:
    record = await _stored(desk.get(handoff_id[:_ID_CHARS]))
    if record is None:
        raise HTTPException(404, "no such handoff")
    return record


async def _move(desk: HandoffDesk, verb: str, handoff_id: str, action: AgentAction) -> dict:
    agent = action.agent
    await desk.recorder.settled()
    store = desk.store
    move = {"accept": store.accept, "release": store.release, "close": store.close_handoff}[verb]
    args = (handoff_id[:_ID_CHARS],) if verb == "release" else (handoff_id[:_ID_CHARS], agent)
    try:
        record = await asyncio.to_thread(move, *args)
    except KeyError:
        raise HTTPException(404, "no such handoff") from None
    except HandoffConflict as exc:
        raise HTTPException(409, str(exc)) from None
    except StoreError:
        raise HTTPException(503, "the conversation store is unavailable; try again") from None
    return record.to_json()


T = TypeVar("T")


async def _stored(pending: Awaitable[T]) -> T:
    try:
        return await pending
    except StoreError:
        raise HTTPException(503, "the conversation store is unavailable; try again") from None
