"""Rate limits, in process, with the `limits` library's moving window.

Two kinds, both per client and both answered 429 problem+json with `Retry-After`:

- failed authentication (a key that matches nothing), per client address: past the limit, every
  request presenting a key is refused until the window frees, the right key included;
- expensive routes, per caller (a key's name, or the client address when anonymous) and per group:
  `network` (/paths, /neighbourhood, /brokers), `maps` (/maps/…, /explorer/export, /briefings/…), `cypher` (/cypher).

Each limit is a setting (`20/minute`, `5/second`, `none`); see README's configuration table.
Counters live in this process: behind several workers each has its own.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

from limits import RateLimitItem, parse
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter
from starlette.requests import Request
from starlette.types import ASGIApp, Receive, Scope, Send

from api.problems import send_problem
from partnergraph.settings import Settings
from questions.registry import QUESTIONS

# The questions the catalogue marks as costly graph walks (paths, neighbourhood, brokers).
NETWORK_PATHS = tuple(q.route for q in QUESTIONS if q.rate_group == "network")
MAPS_PREFIXES = ("/maps/", "/explorer/export", "/briefings/")
CYPHER_PATHS = ("/cypher",)


def parse_limit(text: str | None) -> RateLimitItem | None:
    """`20/minute` -> a limit; `none`, `0` or empty -> no limit."""
    if text is None or text.strip().lower() in ("", "none", "0", "off"):
        return None
    return parse(text)


def client_address(request_scope: Scope) -> str:
    client = request_scope.get("client")
    return str(client[0]) if client else "unknown"


@dataclass(frozen=True)
class Refusal:
    """Over a limit: how long until the next request may pass, in whole seconds."""

    retry_after: int
    what: str


class RateLimits:
    """Every limit of one app, over one in-memory store."""

    def __init__(self, settings: Settings):
        self._limiter = MovingWindowRateLimiter(MemoryStorage())
        self.auth_failures = parse_limit(settings.rate_limit_auth_failures)
        self.groups: dict[str, RateLimitItem | None] = {
            "network": parse_limit(settings.rate_limit_network),
            "maps": parse_limit(settings.rate_limit_maps),
            "cypher": parse_limit(settings.rate_limit_cypher),
        }

    def _retry_after(self, item: RateLimitItem, *identifiers: str) -> int:
        reset = self._limiter.get_window_stats(item, *identifiers).reset_time
        return max(1, math.ceil(reset - time.time()))

    def auth_blocked(self, address: str) -> Refusal | None:
        """Whether this client already failed authentication too often (checked before any key)."""
        item = self.auth_failures
        if item is None or self._limiter.test(item, "auth", address):
            return None
        return Refusal(self._retry_after(item, "auth", address), "failed authentications")

    def auth_failed(self, address: str) -> Refusal | None:
        """Count one failed authentication; a Refusal when it went past the limit."""
        item = self.auth_failures
        if item is None or self._limiter.hit(item, "auth", address):
            return None
        return Refusal(self._retry_after(item, "auth", address), "failed authentications")

    def spend(self, group: str, caller: str) -> Refusal | None:
        """Count one request of `caller` to a route of `group`; a Refusal when over the limit."""
        item = self.groups.get(group)
        if item is None or self._limiter.hit(item, group, caller):
            return None
        return Refusal(self._retry_after(item, group, caller), f"requests to {group} routes")


def route_group(path: str) -> str | None:
    if path in NETWORK_PATHS:
        return "network"
    if path in CYPHER_PATHS:
        return "cypher"
    if path.startswith(MAPS_PREFIXES):
        return "maps"
    return None


class RateLimitMiddleware:
    """Limits the expensive routes before they run; the caller is a valid key's name, else the address."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        group = route_group(scope.get("path", "")) if scope["type"] == "http" else None
        if group is None:
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        limits: RateLimits = request.app.state.rate_limits
        caller = "address:" + client_address(scope)
        key = request.headers.get("x-api-key") or request.headers.get("authorization", "").partition(" ")[2]
        if key:
            principal = request.app.state.keyring.match(key.strip())
            if principal is not None:
                caller = "key:" + principal.name
            else:  # a wrong key is answered 401 by the route, and counted there, not here
                await self.app(scope, receive, send)
                return
        refusal = limits.spend(group, caller)
        if refusal is None:
            await self.app(scope, receive, send)
            return
        await send_problem(
            send,
            429,
            f"Too many {refusal.what}; try again in {refusal.retry_after} s.",
            scope.get("path"),
            headers={"Retry-After": str(refusal.retry_after)},
            slug="rate-limited",
            title="Too many requests",
        )
