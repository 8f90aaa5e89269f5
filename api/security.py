"""API keys and roles.

Roles are ordered and cumulative: each one can do everything the ones before it can.

    reader    everything that reads, except personal contact fields (email, phone)
    contacts  reader + personal contact fields (each such read is written to the audit log)
    editor    contacts + writes (create, update, delete entities and relations)
    admin     editor + the read-only Cypher console and the audit log

Keys are configured by their SHA-256 only (`partnergraph keys new` makes one). A request sends its
key as `X-API-Key: <key>` or `Authorization: Bearer <key>`. A request without a key is anonymous:
a `reader` while the server listens on loopback (or when PARTNERGRAPH_ANONYMOUS=reader), refused
otherwise. A key that matches nothing is always 401, even where anonymous access would do.

Every route declares its access with exactly one dependency made by `require(role)` or `public()`;
`routes_without_access(app)` finds any that does not, and `create_app` refuses to start with one.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import threading
import time
from collections.abc import Callable, Coroutine, Iterable
from functools import cache
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Request
from fastapi.routing import APIRoute
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer

from api.limits import RateLimits, Refusal, client_address
from api.problems import ProblemError
from partnergraph.access import Principal, Role
from partnergraph.settings import ApiKeyEntry, Settings

log = logging.getLogger(__name__)


class KeyRing:
    """The configured keys, matched in constant time per entry and always against all entries.

    With a keys file, the file is re-read when its modification time or size changes (checked at
    most once a second), so a new or revoked key takes effect without a restart. A file that does
    not parse keeps the keys read before, and the error goes to the log."""

    RECHECK_S = 1.0

    def __init__(self, entries: Iterable[ApiKeyEntry], anonymous_role: str | None, *, settings: Settings | None = None):
        self.entries = self._compile(entries)
        self.anonymous_role = Role[anonymous_role] if anonymous_role else None
        self._settings = settings
        self._stamp: tuple[int, int] | None = self._file_stamp()
        self._checked = time.monotonic()
        self._lock = threading.Lock()

    @staticmethod
    def _compile(entries: Iterable[ApiKeyEntry]) -> list[tuple[bytes, str, Role]]:
        return [(bytes.fromhex(e.sha256), e.name, Role[e.role]) for e in entries]

    @classmethod
    def from_settings(cls, settings: Settings) -> KeyRing:
        ring = cls(settings.api_keys, settings.anonymous_role, settings=settings)
        ring.entries = ring._compile(settings.all_api_keys())  # a broken file at start is an error
        return ring

    def _file_stamp(self) -> tuple[int, int] | None:
        path = self._settings.api_keys_file if self._settings is not None else None
        if path is None:
            return None
        try:
            stat = path.stat()
        except OSError:
            return (-1, -1)
        return (stat.st_mtime_ns, stat.st_size)

    def refresh(self, *, force: bool = False) -> None:
        """Re-read the keys file if it changed since it was last read."""
        if self._settings is None or self._settings.api_keys_file is None:
            return
        now = time.monotonic()
        if not force and now - self._checked < self.RECHECK_S:
            return
        with self._lock:
            self._checked = now
            stamp = self._file_stamp()
            if stamp == self._stamp and not force:
                return
            try:
                entries = self._settings.all_api_keys()
            except (OSError, ValueError) as exc:  # keep the keys that worked; say why in the log
                log.error("API keys file %s not reloaded: %s", self._settings.api_keys_file, exc)
                self._stamp = stamp
                return
            self.entries = self._compile(entries)
            self._stamp = stamp
            log.info("API keys reloaded from %s: %d keys", self._settings.api_keys_file, len(entries))

    def match(self, key: str) -> Principal | None:
        self.refresh()
        digest = hashlib.sha256(key.encode("utf-8")).digest()
        found: Principal | None = None
        for stored, name, role in self.entries:
            if hmac.compare_digest(stored, digest) and found is None:
                found = Principal(name=name, role=role)
        return found


# Declared as security schemes so /docs offers an "Authorize" button; auto_error=False: we answer.
_api_key_header = APIKeyHeader(name="X-API-Key", auto_error=False, description="An API key.")
_bearer = HTTPBearer(auto_error=False, description="An API key as a bearer token.")


def _unauthorized(detail: str) -> ProblemError:
    return ProblemError(401, detail, slug="unauthorized", headers={"WWW-Authenticate": 'Bearer realm="partnergraph"'})


def _too_many(refusal: Refusal) -> ProblemError:
    return ProblemError(
        429,
        f"Too many {refusal.what} from this client; try again in {refusal.retry_after} s.",
        slug="rate-limited",
        title="Too many requests",
        headers={"Retry-After": str(refusal.retry_after)},
    )


def match_presented(request: Request, key: str) -> Principal:
    """The principal of a presented key; 401 when it matches nothing, 429 past the failure limit."""
    limits: RateLimits = request.app.state.rate_limits
    address = client_address(request.scope)
    blocked = limits.auth_blocked(address)
    if blocked is not None:
        raise _too_many(blocked)
    principal: Principal | None = request.app.state.keyring.match(key)
    if principal is None:
        refusal = limits.auth_failed(address)
        if refusal is not None:
            raise _too_many(refusal)
        raise _unauthorized("The API key is not valid.")
    return principal


def presented_key(request: Request) -> str | None:
    """The key a request presents (X-API-Key first, else a bearer token), or None.
    An Authorization header of another scheme is refused rather than ignored."""
    key = request.headers.get("x-api-key")
    if key is not None:
        return key.strip()
    authorization = request.headers.get("authorization")
    if authorization is None:
        return None
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise _unauthorized("The Authorization header must be 'Bearer <API key>'.")
    return token.strip()


async def authenticate(
    request: Request,
    # Declared for the OpenAPI security schemes (the "Authorize" button); read via presented_key.
    _api_key: Annotated[str | None, Depends(_api_key_header)],
    _bearer_token: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    """The principal of this request (401 for a bad key, or no key where anonymous access is off)."""
    keyring: KeyRing = request.app.state.keyring
    key = presented_key(request)
    if key is not None:
        return match_presented(request, key)
    if keyring.anonymous_role is None:
        raise _unauthorized("An API key is required (X-API-Key header or Authorization: Bearer).")
    return Principal(name="anonymous", role=keyring.anonymous_role, anonymous=True)


AccessCheck = Callable[..., Coroutine[Any, Any, Principal | None]]


@cache
def require(role: Role) -> AccessCheck:
    """The dependency that admits `role` and every role above it (one function object per role)."""

    async def check(principal: Annotated[Principal, Depends(authenticate)]) -> Principal:
        if principal.role < role:
            if principal.anonymous:
                raise _unauthorized(f"This needs an API key with the {role.name} role.")
            raise ProblemError(403, f"This needs the {role.name} role.", slug="forbidden")
        return principal

    check.__name__ = f"require_{role.name}"
    check.access = role  # type: ignore[attr-defined]
    return check


@cache
def public() -> AccessCheck:
    """The dependency of routes anyone may call, key or not (a bad key is still refused: 401)."""

    async def check(request: Request) -> None:
        key = presented_key(request)
        if key is not None:
            match_presented(request, key)

    check.__name__ = "public"
    check.access = "public"  # type: ignore[attr-defined]
    return check


def api_routes(app: FastAPI) -> list[Any]:
    """Every API route of the app as served, with the dependencies its routers added.

    FastAPI >= 0.13x keeps included routers as such in `app.routes`; `iter_route_contexts` walks
    them and yields each route with its effective (combined) dependant. Older versions flatten."""
    try:
        from fastapi.routing import iter_route_contexts  # noqa: PLC0415
    except ImportError:  # pragma: no cover - older FastAPI: app.routes is flat
        return [r for r in app.routes if isinstance(r, APIRoute)]
    return [ctx for ctx in iter_route_contexts(app.routes) if isinstance(ctx.original_route, APIRoute)]


def route_access(route: Any) -> Role | str | None:
    """The access a route declares (a Role or "public"), or None when it declares none."""
    found: list[Any] = []

    def walk(dependant: Any) -> None:
        for dep in dependant.dependencies:
            access = getattr(dep.call, "access", None)
            if access is not None:
                found.append(access)
            walk(dep)

    walk(route.dependant)
    if not found:
        return None
    roles = [a for a in found if isinstance(a, Role)]
    return max(roles) if roles else "public"  # every check runs: the strictest one decides


def routes_without_access(app: FastAPI) -> list[str]:
    return [f"{','.join(sorted(r.methods or ()))} {r.path}" for r in api_routes(app) if route_access(r) is None]


PrincipalDep = Annotated[Principal, Depends(authenticate)]
