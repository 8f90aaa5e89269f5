"""Security headers on every response, errors and static files included.

`nosniff`, `Referrer-Policy: no-referrer` and `X-Frame-Options: DENY` always; a Content-Security-Policy
unless the route set its own (maps, the explorer and the API docs pages do), and `frame-ancestors
'none'` in every one. Everything else (JSON, problems, files) gets a policy that allows nothing.
"""

from __future__ import annotations

from starlette.datastructures import MutableHeaders
from starlette.types import Message, Receive, Scope, Send

from api.asgi import HttpMiddleware, on_response_start

API_CSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
ALWAYS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
}


def _with_frame_ancestors(policy: str) -> str:
    return policy if "frame-ancestors" in policy else policy.rstrip("; ") + "; frame-ancestors 'none'"


def _secure(message: Message) -> None:
    headers = MutableHeaders(scope=message)
    for name, value in ALWAYS.items():
        headers.setdefault(name, value)
    policy = headers.get("content-security-policy")
    headers["Content-Security-Policy"] = API_CSP if policy is None else _with_frame_ancestors(policy)


class SecurityHeadersMiddleware(HttpMiddleware):
    """Pure ASGI, outermost but for the catch-all: every answer passes through it."""

    async def http(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self.app(scope, receive, on_response_start(send, _secure))
