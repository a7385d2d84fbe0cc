"""Who may read handoffs: a bearer token from the environment (VOICE_ASSISTANT_AGENT_TOKEN) or the config,
checked in constant time. With no token configured the handoff API is off, and the server says so at start."""

from __future__ import annotations

import os

from fastapi import HTTPException, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from assistant.config import AssistantConfig, ConfigError

TOKEN_ENV = "VOICE_ASSISTANT_AGENT_TOKEN"
_MIN_TOKEN = 16
bearer = HTTPBearer(auto_error=False, description=f"the agent token ({TOKEN_ENV} or server.agent_token)")


def agent_token(config: AssistantConfig) -> str | None:
    """The configured token, or None (the API is then disabled). A token too short to be a secret is refused."""
    token = os.environ.get(TOKEN_ENV) or config.server.agent_token
    if token is not None and len(token) < _MIN_TOKEN:
        raise ConfigError(f"{TOKEN_ENV} must be at least {_MIN_TOKEN} characters")
    return token


def require_agent(request: Request, credentials: HTTPAuthorizationCredentials | None) -> str:
    """The agent acting: 503 when no token or account is configured, 401 when the bearer token is neither the
    agent token nor a console session's (issued at login)."""
    login = request.app.state.agent_login
    if not login.enabled:
        raise HTTPException(503, f"the handoff API is disabled: set {TOKEN_ENV} (or server.agent_token)")
    given = credentials.credentials if credentials is not None else ""
    if login.check_token(given):
        return "agent"
    agent = login.agent_of(given)
    if agent is None:
        raise HTTPException(401, "missing or wrong agent token", headers={"WWW-Authenticate": "Bearer"})
    return agent
