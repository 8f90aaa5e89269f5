"""Thin `Annotated` dependencies: the store and the settings, taken from the app's state."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from graph.store import GraphStore
from partnergraph.settings import Settings


def get_store(request: Request) -> GraphStore:
    store: GraphStore = request.app.state.store
    return store


def get_app_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


StoreDep = Annotated[GraphStore, Depends(get_store)]
SettingsDep = Annotated[Settings, Depends(get_app_settings)]
