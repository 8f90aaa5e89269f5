"""Security headers on every response, errors and static files included.

`nosniff`, `Referrer-Policy: no-referrer` and `X-Frame-Options: DENY` always; a Content-Security-Policy
unless the route set its own (maps and the explorer do), and `frame-ancestors 'none'` in every one.
JSON answers get a policy that allows nothing. The API docs page (`/docs`) gets one that allows
scripts, styles and images from 'self' only, plus its own inline scripts by their SHA-256 hash,
computed from the page as served (so a new Swagger UI version needs no change here).
"""

from __future__ import annotations

import base64
import hashlib
import re

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

API_CSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
DOCS_PATHS = frozenset({"/docs", "/docs/oauth2-redirect", "/redoc"})
DOCS_CSP = (
    "default-src 'none'; script-src 'self'{hashes}; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
)
ALWAYS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
}
_INLINE_SCRIPT = re.compile(rb"<script(?![^>]*\bsrc\s*=)[^>]*>(.*?)</script>", re.DOTALL | re.IGNORECASE)


def script_hashes(html: bytes) -> list[str]:
    """CSP sources allowing exactly the inline scripts of `html`."""
    return [
        "'sha256-" + base64.b64encode(hashlib.sha256(body).digest()).decode() + "'"
        for body in _INLINE_SCRIPT.findall(html)
    ]


def _with_frame_ancestors(policy: str) -> str:
    return policy if "frame-ancestors" in policy else policy.rstrip("; ") + "; frame-ancestors 'none'"


class SecurityHeadersMiddleware:
    """Pure ASGI, outermost but for the catch-all: every answer passes through it."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        docs = scope.get("path") in DOCS_PATHS
        held: list[Message] = []  # the docs page is held until its body is known, to hash its scripts

        async def secured_send(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in ALWAYS.items():
                    headers.setdefault(name, value)
                policy = headers.get("content-security-policy")
                if policy is not None:
                    headers["Content-Security-Policy"] = _with_frame_ancestors(policy)
                elif docs:
                    held.append(message)
                    return
                else:
                    headers["Content-Security-Policy"] = API_CSP
            elif held:
                held.append(message)
                if message.get("more_body", False):
                    return
                body = b"".join(m.get("body", b"") for m in held[1:])
                hashes = "".join(" " + h for h in script_hashes(body))
                MutableHeaders(scope=held[0])["Content-Security-Policy"] = DOCS_CSP.format(hashes=hashes)
                start = held[0]
                held.clear()
                await send(start)
                await send({"type": "http.response.body", "body": body})
                return
            await send(message)

        await self.app(scope, receive, secured_send)
