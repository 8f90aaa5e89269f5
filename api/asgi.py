"""The one shape of this app's pure ASGI middleware: HTTP requests are handled, every other scope
(lifespan, websocket) passes straight through, and a response's start can be watched or changed
on its way out."""

from __future__ import annotations

from collections.abc import Callable

from starlette.types import ASGIApp, Message, Receive, Scope, Send


class HttpMiddleware:
    """Pure ASGI middleware for HTTP: `http()` gets the HTTP requests, the app every other scope."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        await self.http(scope, receive, send)

    async def http(self, scope: Scope, receive: Receive, send: Send) -> None:
        raise NotImplementedError


def on_response_start(send: Send, start: Callable[[Message], None]) -> Send:
    """`send`, calling `start` with the `http.response.start` message (status, headers) first."""

    async def watched(message: Message) -> None:
        if message["type"] == "http.response.start":
            start(message)
        await send(message)

    return watched
