"""The FastAPI app: the shopper page, the browser and phone WebSockets, health and metrics."""

from __future__ import annotations

import asyncio
import logging
import threading
import uuid
from collections.abc import Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import TypeVar
from urllib.parse import parse_qsl, urlsplit

from fastapi import FastAPI, HTTPException, Request, WebSocket
from fastapi.responses import FileResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from prometheus_client import CONTENT_TYPE_LATEST

from assistant import events
from assistant.agents.auth import AgentLogin
from assistant.agents.console import Console
from assistant.agents.hub import hub_for
from assistant.config import AssistantConfig, ConfigError
from assistant.engines import Engines
from assistant.events import HubKind
from assistant.handoff import HandoffDesk
from assistant.records.recorder import Recorder
from assistant.records.retention import purge_old_conversations
from assistant.records.store import open_store
from assistant.records.webhook import SECRET_ENV, WebhookSender, webhook_secret
from assistant.reload import watch_catalog_export, watch_config
from assistant.server import twilio_auth
from assistant.server.admission import POLICY_VIOLATION, TRY_AGAIN_LATER, Admission
from assistant.server.agent_auth import TOKEN_ENV, agent_token, require_agent
from assistant.server.conversations import Conversations
from assistant.server.handoff_api import AgentCredentials, handoff_router
from assistant.server.metrics import Metrics
from assistant.transports.browser import BrowserTransport
from assistant.transports.twilio import TwilioTransport, twiml_connect
from assistant.transports.websocket import WebSocketLimits, WebSocketTransport, to_json

log = logging.getLogger(__name__)
T = TypeVar("T")
WEB_DIR = Path(__file__).resolve().parent.parent / "web"
_MAX_WEBHOOK_BYTES = 64 * 1024  # Twilio's webhook form is a few hundred bytes
_MAX_PARAMETER_CHARS = 128  # a phone number, a call sid, a language: echoed into TwiML, so bounded
# Webhook fields passed on to the stream; `language` comes from the webhook URL (/twilio/voice?language=es).
_CALL_PARAMETERS = {"From": "from", "To": "to", "CallSid": "callSid", "language": "language"}


class ServerState:
    """Models load once per process, in the background, so /healthz answers during the load."""

    def __init__(self, config: AssistantConfig, engines: Engines | None, limits: WebSocketLimits):
        self.config = config
        self.limits = limits
        self.metrics = Metrics()
        self.store = open_store(config.store)
        self.recorder = Recorder(self.store, config.privacy.redact_personal_data)
        secret = webhook_secret(config.handoff)
        if config.handoff.webhook_url and not secret:
            raise ConfigError(f"handoff.webhook_url needs a signing secret: set {SECRET_ENV} or handoff.webhook_secret")
        self.webhook = (
            WebhookSender(self.store, config.handoff.webhook_url, secret, config.handoff.webhook_attempts)
            if config.handoff.webhook_url and secret
            else None
        )
        self.desk = HandoffDesk(self.recorder, announce=self.webhook is not None)
        self.hub = hub_for(self.store.url)
        server = config.server
        self.admission = Admission(server.max_sessions, server.max_sessions_per_client, server.allowed_origins)
        self.stream_tokens = twilio_auth.StreamTokens()
        self.conversations: Conversations | None = None
        self.load_error: str | None = None
        if engines is not None:
            self.conversations = Conversations(engines, self.metrics, self.desk, self.hub)

    def reconfigure(self, config: AssistantConfig) -> None:
        """A reloaded config: the running conversations' next turns use it."""
        if self.conversations is not None:
            self.conversations.engines.reconfigure(config)
        self.config = config

    async def load(self) -> None:
        try:
            engines = await _in_own_thread(Engines.load, self.config)
        except Exception as exc:  # reported by /readyz; /healthz stays up so the error can be read
            log.exception("models failed to load")
            self.load_error = f"{type(exc).__name__}: {exc}"
            return
        self.conversations = Conversations(engines, self.metrics, self.desk, self.hub)
        log.info("ready")


async def _in_own_thread(work: Callable[..., T], *args: object) -> T:
    """Run `work` on a daemon thread of its own, not the loop's default executor: asyncio waits for the default
    executor's threads when the loop closes, so a server stopped while the models load would wait for them."""
    loop = asyncio.get_running_loop()
    done: asyncio.Future[T] = loop.create_future()

    def settle(result: object, failure: BaseException | None) -> None:
        if done.done():
            return
        if failure is not None:
            done.set_exception(failure)
        else:
            done.set_result(result)  # type: ignore[arg-type]

    def run() -> None:
        result, failure = None, None
        try:
            result = work(*args)
        except Exception as exc:  # handed to the awaiting task
            failure = exc
        try:
            loop.call_soon_threadsafe(settle, result, failure)
        except RuntimeError:  # the server has stopped meanwhile: nobody waits for it
            pass

    threading.Thread(target=run, name="model-load", daemon=True).start()
    return await done


async def _sync_catalog(state: ServerState, loading: asyncio.Task | None) -> None:
    """Keep the catalog in step with the shop's export once the engines (and the store) are loaded."""
    if loading is not None:
        await asyncio.shield(loading)
    if state.conversations is None:
        return  # the models failed to load: /readyz says why
    catalog = state.config.catalog
    await watch_catalog_export(state.conversations.engines.store, catalog.sync_from or "", catalog.sync_check_s)


def create_app(
    config: AssistantConfig | None = None,
    engines: Engines | None = None,
    limits: WebSocketLimits | None = None,
    config_path: str | None = None,
) -> FastAPI:
    state = ServerState(
        config or (engines.config if engines else AssistantConfig()), engines, limits or WebSocketLimits()
    )

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        await state.hub.start()
        loading = None if state.conversations else asyncio.create_task(state.load())
        watcher = asyncio.create_task(watch_config(config_path, state.reconfigure)) if config_path else None
        syncing = asyncio.create_task(_sync_catalog(state, loading)) if state.config.catalog.sync_from else None
        announcing = asyncio.create_task(state.webhook.run()) if state.webhook else None
        purging = asyncio.create_task(purge_old_conversations(state.store, state.config.store.retention_days))
        yield
        for task in (loading, watcher, syncing, announcing, purging):
            if task is not None and not task.done():
                task.cancel()
        await state.hub.close()
        await asyncio.to_thread(state.recorder.close)  # what the last conversations said is written
        state.store.close()

    docs = state.config.server.api_docs or state.config.server.development
    app = FastAPI(
        docs_url="/docs" if docs else None,
        redoc_url=None,
        openapi_url="/openapi.json" if docs else None,
        title="Voice shopping assistant",
        version="0.1.0",
        lifespan=lifespan,
        description="Shoppers talk from a browser tab or a phone call. WebSocket protocols: see README.",
    )
    app.state.server = state
    app.state.agent_login = AgentLogin(state.config, agent_token(state.config))
    if not app.state.agent_login.enabled:
        log.warning(
            "the agent console (/agent) and handoff API (/api/handoffs) are disabled: set %s or server.agent_accounts",
            TOKEN_ENV,
        )
    if state.config.server.development:
        log.warning("development mode: unsigned Twilio webhooks and phone streams are accepted")
    elif twilio_auth.auth_token(state.config.server.twilio_auth_token) is None:
        log.warning("the phone line is off: set %s to check Twilio's signatures", twilio_auth.AUTH_TOKEN_ENV)
    app.mount("/static", StaticFiles(directory=WEB_DIR), name="static")

    @app.get("/", include_in_schema=False)
    async def page() -> FileResponse:
        return FileResponse(WEB_DIR / "index.html", media_type="text/html")

    @app.get("/healthz", summary="The process is up")
    async def healthz() -> dict:
        return {"status": "ok"}

    @app.get("/readyz", summary="The models are loaded and conversations can start")
    async def readyz() -> JSONResponse:
        if state.conversations is not None:
            return JSONResponse({"status": "ready"})
        if state.load_error:
            return JSONResponse({"status": "failed", "error": state.load_error}, status_code=503)
        return JSONResponse({"status": "loading"}, status_code=503)

    @app.get("/metrics", summary="Prometheus metrics (the agent token, unless server.metrics_public)")
    async def metrics(request: Request, credentials: AgentCredentials = None) -> Response:
        if not state.config.server.metrics_public:
            require_agent(request, credentials)
        return Response(state.metrics.render(), media_type=CONTENT_TYPE_LATEST)

    app.include_router(
        handoff_router(lambda request: state.desk, lambda: state.hub.publish_soon({"kind": HubKind.QUEUE}))
    )
    app.include_router(Console(app.state.agent_login, state.desk, state.hub).router())

    async def twilio_voice(request: Request) -> Response:
        form: dict[str, str] = {}
        if request.method == "POST":
            body = await _bounded_body(request, _MAX_WEBHOOK_BYTES)
            form = dict(parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True))
        server = state.config.server
        token = twilio_auth.auth_token(server.twilio_auth_token)
        if token is not None:
            scheme, host = _public_origin(request, state.config)
            url = f"{scheme}://{host}{request.url.path}"
            url += f"?{request.url.query}" if request.url.query else ""
            if not twilio_auth.signature_valid(token, url, form, request.headers.get("x-twilio-signature")):
                raise HTTPException(403, "missing or wrong X-Twilio-Signature")
        elif not server.development:
            raise HTTPException(
                503, f"the phone line is off: set {twilio_auth.AUTH_TOKEN_ENV} (or server.development for local tests)"
            )
        fields = dict(request.query_params) | form
        parameters = {
            name: _printable(fields[key])[:_MAX_PARAMETER_CHARS]
            for key, name in _CALL_PARAMETERS.items()
            if fields.get(key)
        }
        parameters["token"] = state.stream_tokens.issue(parameters.get("callSid", ""))
        return Response(twiml_connect(_stream_url(request, state.config), parameters), media_type="application/xml")

    for method in ("POST", "GET"):  # Twilio posts by default; GET is a per-number choice. One operation id each.
        app.add_api_route(
            "/twilio/voice",
            twilio_voice,
            methods=[method],
            summary="TwiML webhook for an incoming call",
            operation_id=f"twilio_voice_{method.lower()}",
        )

    @app.websocket("/ws")
    async def browser(websocket: WebSocket) -> None:
        await _converse(websocket, BrowserTransport)

    @app.websocket("/twilio/stream")
    async def phone(websocket: WebSocket) -> None:
        await _converse(websocket, TwilioTransport)

    async def _converse(websocket: WebSocket, transport_type: type[WebSocketTransport]) -> None:
        if transport_type is BrowserTransport and not state.admission.origin_allowed(
            websocket.headers.get("origin"), websocket.headers.get("host")
        ):
            await _refuse(websocket, POLICY_VIOLATION, "this page's origin may not talk to the assistant")
            return
        client = websocket.client.host if websocket.client else "unknown"
        refused = state.admission.admit(client)
        if refused is not None:
            await _refuse(websocket, TRY_AGAIN_LATER, refused)
            return
        try:
            await _admitted(websocket, transport_type)
        finally:
            state.admission.release(client)

    async def _admitted(websocket: WebSocket, transport_type: type[WebSocketTransport]) -> None:
        await websocket.accept()
        if state.conversations is None:
            if transport_type is BrowserTransport:
                await websocket.send_text(
                    to_json(events.error("not_ready", "the assistant is still starting; try again soon"))
                )
            await websocket.close(code=TRY_AGAIN_LATER, reason="models are still loading")
            return
        transport = transport_type(websocket, uuid.uuid4().hex[:12], state.limits)
        if isinstance(transport, TwilioTransport) and not state.config.server.development:
            transport.admit_call = state.stream_tokens.redeem  # only a call our webhook answered
        if isinstance(transport, BrowserTransport):
            transport.greet()
        await state.conversations.run(transport)

    return app


def _public_origin(request: Request, config: AssistantConfig) -> tuple[str, str]:
    """(scheme, host) as the caller's provider reaches us: from the configured public URL, else the request's
    Host (X-Forwarded-* only when the config says a proxy sets them: anyone can send them)."""
    server = config.server
    if server.public_url:
        public = urlsplit(server.public_url)
        scheme, host = public.scheme, public.netloc
    elif server.trust_proxy_headers:
        scheme = request.headers.get("x-forwarded-proto", request.url.scheme).split(",")[0].strip()
        host = request.headers.get("x-forwarded-host", request.headers.get("host", request.url.netloc)).split(",")[0]
    else:
        scheme, host = request.url.scheme, request.headers.get("host", request.url.netloc)
    return ("https" if scheme == "https" else "http"), _printable(host.strip())[:_MAX_PARAMETER_CHARS]


def _stream_url(request: Request, config: AssistantConfig) -> str:
    scheme, host = _public_origin(request, config)
    return f"{'wss' if scheme == 'https' else 'ws'}://{host}/twilio/stream"


async def _refuse(websocket: WebSocket, code: int, reason: str) -> None:
    """Accept only to close at once with a code and reason the client can show (a refused handshake shows
    neither)."""
    await websocket.accept()
    await websocket.close(code=code, reason=reason)


async def _bounded_body(request: Request, limit: int) -> bytes:
    """The request body, or 413 as soon as it is bigger than `limit` (never read whole into memory)."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise HTTPException(413, f"request body over {limit} bytes")
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            raise HTTPException(413, f"request body over {limit} bytes")
    return bytes(body)


def _printable(text: str) -> str:
    """Control characters out: a value a client sent must not forge lines in a log or a document."""
    return "".join(ch for ch in text if ch.isprintable())
