"""Shared helpers of the API tests (keys, settings, clients, snapshots), and the tests of the
helpers' own building blocks: key hashing, the key ring, settings for anonymous access and CORS."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Literal

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.security import KeyRing
from graph.model import Batch, parse_node, parse_relation
from graph.store import GraphStore
from loaders.curated import DEFAULT_DATASET
from loaders.pipeline import load
from partnergraph.access import Role, hash_key, new_key
from partnergraph.settings import ApiKeyEntry, Settings

# One key per role; only their hashes go into the settings, as in production.
KEYS = {role: f"pg_test_{role.name}_{'x' * 20}" for role in Role}
ROLES: list[str] = ["anonymous", *(r.name for r in Role)]
PLANTED_EMAIL = "planted.person@example.org"
PLANTED_PHONE = "+358 40 123 4567"
PLANTED_KEY = "planted-person"


def make_settings(tmp_path: Path, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "api_keys": [
            ApiKeyEntry.model_validate({"name": f"test-{r.name}", "role": r.name, "sha256": hash_key(k)})
            for r, k in KEYS.items()
        ],
        "audit_log": tmp_path / "audit.jsonl",
        "host": "127.0.0.1",
        "anonymous": None,
        "cors_origins": [],
        # Off here, so suites of many requests measure what they test; tests/test_api_limits.py turns them on.
        "rate_limit_auth_failures": "none",
        "rate_limit_network": "none",
        "rate_limit_maps": "none",
        "rate_limit_cypher": "none",
    }
    values.update(overrides)
    return Settings(**values)


def plant_contact(store: GraphStore) -> GraphStore:
    """Load Helsinki plus one person with contact details, the contact person of Helsinki."""
    load(store, [(DEFAULT_DATASET, "dataset")])
    person = {
        "key": PLANTED_KEY,
        "kind": "Person",
        "name_en": "Planted Person",
        "title_en": "International officer",
        "email": PLANTED_EMAIL,
        "phone": PLANTED_PHONE,
    }
    link = {"start": PLANTED_KEY, "type": "CONTACT_FOR", "end": "helsinki"}
    batch = Batch(
        nodes=[parse_node(store.schema, person, "test")], relations=[parse_relation(store.schema, link, "test")]
    )
    store.apply(batch)
    return store


def headers(role: str) -> dict[str, str]:
    """Request headers for a role name of ROLES ("anonymous" sends no key)."""
    if role == "anonymous":
        return {}
    return {"X-API-Key": KEYS[Role[role]]}


class Clients:
    """`clients(store, **settings)` -> a TestClient on a fresh app; all closed at the end.
    Each test module wraps it in its own `client_for` fixture."""

    def __init__(self, tmp_path: Path):
        self.tmp_path = tmp_path
        self.clients: list[TestClient] = []

    def __call__(self, store: GraphStore, **overrides: Any) -> TestClient:
        app = create_app(make_settings(self.tmp_path, **overrides), store=store)
        client = TestClient(app, raise_server_exceptions=False)
        client.__enter__()
        self.clients.append(client)
        return client

    def __enter__(self) -> Clients:
        return self

    def __exit__(self, *exc: object) -> None:
        for client in self.clients:
            client.__exit__(None, None, None)


def graph_state(store: GraphStore) -> tuple[dict[str, int], dict[str, int], str]:
    """Counts and a digest of every node and relation with its properties: 'unchanged' means this."""
    counts = store.counts()
    graph = store.snapshot()
    nodes = sorted((k, json.dumps(d, sort_keys=True, default=str)) for k, d in graph.nodes(data=True))
    edges = sorted((a, b, json.dumps(d, sort_keys=True, default=str)) for a, b, d in graph.edges(data=True))
    return counts.nodes, counts.relations, json.dumps([nodes, edges])


def audit_lines(path: Path, *, journal: bool = False) -> list[dict[str, Any]]:
    """The audit file's entries, oldest first; without `journal`, a write's pending entry is left out."""
    if not path.exists():
        return []
    lines = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return lines if journal else [e for e in lines if e.get("status") != "pending"]


# -- tests of the building blocks ----------------------------------------------------------------


def test_new_keys_are_random_and_only_their_hash_matches() -> None:
    key, other = new_key(), new_key()
    assert key != other and key.startswith("pg_") and len(key) > 40
    ring = KeyRing([ApiKeyEntry(name="a", role="editor", sha256=hash_key(key))], anonymous_role=None)
    principal = ring.match(key)
    assert principal is not None and principal.name == "a" and principal.role == Role.editor
    assert ring.match(other) is None
    assert ring.match(hash_key(key)) is None  # the stored hash is not itself a key
    assert ring.match("") is None


def test_roles_are_cumulative() -> None:
    assert Role.reader < Role.contacts < Role.editor < Role.admin
    assert [r.sees_contacts for r in Role] == [False, True, True, True]


@pytest.mark.parametrize(
    ("host", "anonymous", "expected"),
    [
        ("127.0.0.1", None, "reader"),
        ("::1", None, "reader"),
        ("localhost", None, "reader"),
        ("0.0.0.0", None, None),
        ("192.168.1.10", None, None),
        ("0.0.0.0", "reader", "reader"),
        ("127.0.0.1", "none", None),
    ],
)
def test_anonymous_access_follows_the_listening_address(
    host: str, anonymous: Literal["reader", "none"] | None, expected: str | None
) -> None:
    assert Settings(host=host, anonymous=anonymous).anonymous_role == expected


def test_keys_and_origins_from_the_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    digest = hash_key("k")
    monkeypatch.setenv("PARTNERGRAPH_API_KEYS", json.dumps([{"name": "ops", "role": "admin", "sha256": digest}]))
    keys_file = tmp_path / "keys.json"
    keys_file.write_text(json.dumps([{"name": "viewer", "role": "reader", "sha256": hash_key("v")}]))
    monkeypatch.setenv("PARTNERGRAPH_API_KEYS_FILE", str(keys_file))
    monkeypatch.setenv("PARTNERGRAPH_CORS_ORIGINS", "https://a.example, https://b.example")
    settings = Settings()
    assert [(k.name, k.role) for k in settings.all_api_keys()] == [("ops", "admin"), ("viewer", "reader")]
    assert settings.cors_origins == ["https://a.example", "https://b.example"]
    monkeypatch.setenv("PARTNERGRAPH_CORS_ORIGINS", '["https://c.example"]')
    assert Settings().cors_origins == ["https://c.example"]


def test_a_key_entry_must_carry_a_sha256_not_a_key() -> None:
    with pytest.raises(ValueError, match="sha256"):
        ApiKeyEntry(name="x", role="admin", sha256="pg_plaintext_key")
    with pytest.raises(ValueError, match="role"):
        ApiKeyEntry(name="x", role="root", sha256=hash_key("k"))  # type: ignore[arg-type]


def test_keys_new_prints_a_key_once_and_an_entry_that_admits_it(tmp_path: Path, store: GraphStore) -> None:
    import re

    import typer
    from typer.testing import CliRunner

    from partnergraph.commands import keys

    root = typer.Typer()
    root.add_typer(keys.app, name="keys")
    root.command("noop")(lambda: None)  # two commands, so `keys` stays a group as in the real CLI
    result = CliRunner().invoke(root, ["keys", "new", "--name", "ops team", "--role", "editor"])
    assert result.exit_code == 0, result.output
    key = re.search(r"\b(pg_[A-Za-z0-9_-]{40,})\b", result.output)
    entry = re.search(r"^\s+(\{.*\})$", result.output, re.M)
    assert key and entry
    config = ApiKeyEntry.model_validate_json(entry.group(1))
    assert (config.name, config.role, config.sha256) == ("ops team", "editor", hash_key(key.group(1)))
    assert result.output.count(key.group(1)) == 1  # shown once; the rest is the hash
    settings = make_settings(tmp_path, api_keys=[config])
    with TestClient(create_app(settings, store=store)) as client:
        assert client.get("/audit", headers={"X-API-Key": key.group(1)}).status_code == 403
        missing = client.delete("/entities/nothing-here", headers={"X-API-Key": key.group(1)})
        assert missing.status_code == 404  # admitted as an editor
    refused = CliRunner().invoke(root, ["keys", "new", "--name", "x", "--role", "root"])
    assert refused.exit_code == 2
