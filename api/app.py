"""The FastAPI application: lifespan owns the store (and the embedded server behind it)."""

from __future__ import annotations

import contextlib
import json
from collections.abc import AsyncIterator
from typing import Any

from fastapi import Depends, FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi.openapi.utils import get_openapi

from api import problems
from api.audit import STALE_PENDING_S, AuditLog
from api.contract import allowed_methods_finder, single_valued_query
from api.headers import SecurityHeadersMiddleware
from api.limits import RateLimitMiddleware, RateLimits
from api.routes import admin, ask, briefings, docs, explorer, health, maps, writes
from api.security import KeyRing, api_routes, route_access, routes_without_access
from graph.connect import open_store
from graph.model import ValidationFailed
from graph.store import GraphStore
from loaders.curated import DEFAULT_DATASET
from loaders.pipeline import load
from partnergraph import __version__
from partnergraph.access import Role
from partnergraph.settings import Settings, get_settings
from questions.answer_cache import AnswerCache
from questions.search import invalidate as invalidate_search

DESCRIPTION = """\
Helsinki's international relations as a property graph.

**Access.** Send an API key as `X-API-Key` or `Authorization: Bearer`. Roles are cumulative:
`reader` (all reads, without personal contact fields) < `contacts` (adds email and phone; each read
is audited) < `editor` (writes) < `admin` (read-only Cypher console, audit log). Without a key a
request is `reader` while the server listens on loopback, and refused otherwise (configurable).

**Errors** are `application/problem+json` (RFC 9457).
"""


def load_dataset_if_empty(store: GraphStore) -> None:
    if store.counts().total_nodes == 0:
        try:
            load(store, [(DEFAULT_DATASET, "dataset")])
        except ValidationFailed as exc:  # the shipped dataset is tested; this is a broken checkout
            raise RuntimeError(f"the Helsinki dataset does not validate: {exc}") from exc


def create_app(
    settings: Settings | None = None, *, store: GraphStore | None = None, load_if_empty: bool = False
) -> FastAPI:
    """Build the app. Pass `store` to serve an already open store (tests); otherwise the lifespan
    opens the configured one and closes it, stopping an embedded server it started."""
    settings = settings or get_settings()

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        with contextlib.ExitStack() as stack:
            if store is None:
                app.state.store = stack.enter_context(open_store(settings.store_config(), supervise=True))
            if load_if_empty:
                load_dataset_if_empty(app.state.store)
            # Writes a crash interrupted between commit and audit are settled from their receipts; beside
            # other workers only the stale ones (`partnergraph serve` settles them all before it starts any).
            stale_s = 0.0 if settings.workers == 1 else STALE_PENDING_S
            app.state.audit.reconcile(app.state.store, older_than_s=stale_s)
            yield

    app = FastAPI(
        title="partnergraph",
        version=__version__,
        description=DESCRIPTION,
        lifespan=lifespan,
        docs_url=None,  # FastAPI's pages load from a CDN; api/routes/docs.py serves ours
        redoc_url=None,
        dependencies=[Depends(single_valued_query)],
    )
    app.state.settings = settings
    app.state.keyring = KeyRing.from_settings(settings)
    app.state.rate_limits = RateLimits(settings)
    app.state.audit = AuditLog(settings.audit_log)
    app.state.answers = AnswerCache(settings.answer_cache_mb * 1024 * 1024)
    app.state.after_write = [invalidate_search]  # called with the store after every API write
    if store is not None:
        app.state.store = store  # served as given, lifespan or not

    for router in (health.router, ask.router, writes.router, admin.router):
        app.include_router(router)
    # Maps and explorer routers (owned by the maps engineer) are included here, one line each.
    app.include_router(maps.router)
    app.include_router(explorer.router)
    app.include_router(docs.router)
    app.include_router(briefings.router)
    # Every route must declare its access (require(Role.x) or public()), or the app refuses to start.

    app.state.allowed_methods = allowed_methods_finder(app, api_routes(app))
    missing = routes_without_access(app)
    if missing:
        raise RuntimeError(f"routes without a declared access level (api.security.require/public): {missing}")

    problems.install(app)
    app.add_middleware(RateLimitMiddleware)
    app.add_middleware(problems.BodyLimitMiddleware, limit=settings.max_body_bytes)
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=["GET", "POST", "PATCH", "DELETE"],
            allow_headers=["X-API-Key", "Authorization", "Content-Type"],
        )
    app.add_middleware(problems.CatchAllMiddleware)
    app.add_middleware(SecurityHeadersMiddleware)  # outermost: the catch-all's 500s get the headers too
    app.openapi = lambda: _openapi(app)  # type: ignore[method-assign]
    return app


_COMMON_PROBLEMS = {
    400: "Bad request",
    404: "Not found (for a key or name: with `suggestions`)",
    409: "Conflict: a name several entities carry (`suggestions` lists them), or a write that collided",
    413: "Request body too large",
    422: "Invalid request or record",
    429: "Too many requests (failed keys, or an expensive route's limit); see Retry-After",
    500: "Unexpected error",
    503: "Graph database unavailable",
}
_AUTH_PROBLEMS = {401: "Missing or invalid API key", 403: "The key's role is not sufficient"}


def _anonymous_may(access: Role | str | None, app: FastAPI) -> bool:
    anonymous: Role | None = app.state.keyring.anonymous_role
    if access == "public":
        return True
    return isinstance(access, Role) and anonymous is not None and access <= anonymous


def _openapi(app: FastAPI) -> dict[str, Any]:
    """The generated schema, with every error documented as problem+json and each route's role."""
    if app.openapi_schema:
        return app.openapi_schema
    schema = get_openapi(title=app.title, version=app.version, description=app.description, routes=app.routes)
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    components["Problem"] = problems.Problem.model_json_schema(ref_template="#/components/schemas/{model}")
    for name, sub in components["Problem"].pop("$defs", {}).items():
        components.setdefault(name, sub)
    problem_content = {problems.PROBLEM_MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}}
    for route in api_routes(app):
        if not route.include_in_schema:
            continue
        access = route_access(route)
        for method in route.methods or ():
            operation = schema["paths"][route.path_format].get(method.lower())
            if operation is None:
                continue
            responses = operation.setdefault("responses", {})
            wanted = dict(_COMMON_PROBLEMS)
            if isinstance(access, Role) or access == "public":
                wanted.update(_AUTH_PROBLEMS if isinstance(access, Role) else {401: _AUTH_PROBLEMS[401]})
            for status, description in wanted.items():
                entry = responses.setdefault(str(status), {"description": description})
                entry["content"] = problem_content
            responses["429"]["headers"] = {
                "Retry-After": {"description": "Seconds to wait", "schema": {"type": "integer", "minimum": 1}}
            }
            for status, entry in responses.items():
                if status.startswith(("4", "5")):
                    entry["content"] = problem_content
            if "security" in operation and _anonymous_may(access, app):
                # Truthful: on this server a request without a key is admitted to this route.
                operation["security"] = [{}, *operation["security"]]
            role = access.name if isinstance(access, Role) else str(access)
            operation["description"] = (operation.get("description") or "").rstrip() + f"\n\nAccess: `{role}`."
            operation["x-partnergraph-role"] = role
    text = json.dumps(schema)
    for name in ("HTTPValidationError", "ValidationError"):  # FastAPI's default 422 body, replaced above
        if f'"#/components/schemas/{name}"' not in text:
            components.pop(name, None)
    app.openapi_schema = schema
    return schema
