"""The FastAPI application: lifespan owns the store (and the embedded server behind it)."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

from fastapi import FastAPI

from api.routes import health
from graph.model import ValidationFailed
from graph.store import GraphStore
from loaders.curated import DEFAULT_DATASET
from loaders.pipeline import load
from partnergraph import __version__
from partnergraph.context import store_from_settings
from partnergraph.settings import Settings, get_settings


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
            app.state.store = store or stack.enter_context(store_from_settings(settings))
            if load_if_empty:
                load_dataset_if_empty(app.state.store)
            yield

    app = FastAPI(title="partnergraph", version=__version__, lifespan=lifespan)
    app.state.settings = settings
    app.include_router(health.router)
    return app
