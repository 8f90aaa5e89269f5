"""The map routes, the explorer's routes and `partnergraph map …`, without a browser."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from browser_util import CONTACTS_KEY, READER_KEY, browser_settings
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from api.app import create_app
from graph.store import GraphStore
from partnergraph.commands import maps as map_commands
from questions.paths import paths

PROBLEM = "application/problem+json"


@pytest.fixture
def client(helsinki_store: GraphStore, tmp_path: Path) -> Iterator[TestClient]:
    with TestClient(create_app(browser_settings(tmp_path), store=helsinki_store)) as test_client:
        yield test_client


def legend(page: str) -> tuple[set[str], set[str]]:
    return set(re.findall(r'data-kind="([^"]+)"', page)), set(re.findall(r'data-relation="([^"]+)"', page))


def kinds_and_types(payload: dict[str, Any]) -> tuple[set[str], set[str]]:
    return {n["kind"] for n in payload["nodes"]}, {e["type"] for e in payload["edges"]}


def test_neighbourhood_map_page_and_data(client: TestClient, helsinki_store: GraphStore) -> None:
    page = client.get("/maps/neighbourhood", params={"key": "tallinn", "depth": 2})
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert "default-src 'none'" in page.headers["content-security-policy"]
    assert '<script src="/static/vis-network.min.js"></script>' in page.text
    data = client.get("/maps/neighbourhood.json", params={"key": "tallinn", "depth": 2}).json()
    ids = {n["id"] for n in data["nodes"]}
    assert "tallinn" in ids and "helsinki" in ids and len(ids) > 5
    assert data["highlight"] == ["tallinn"]
    assert legend(page.text) == kinds_and_types(data)
    depth1 = client.get("/maps/neighbourhood.json", params={"key": "tallinn", "depth": 1}).json()
    assert {n["id"] for n in depth1["nodes"]} < ids
    only = client.get("/maps/neighbourhood.json", params={"key": "helsinki", "depth": 1, "kind": "Network"}).json()
    assert {n["kind"] for n in only["nodes"]} == {"City", "Network"}  # the seed stays
    tallinn = helsinki_store.snapshot(["tallinn"]).nodes["tallinn"]
    assert data["details"]["tallinn"]["sources"][0]["quote"] == tallinn["sources"][0]["quote"]


def test_themes_map_and_overview(client: TestClient) -> None:
    data = client.get("/maps/themes.json", params=[("theme", "maas"), ("theme", "smart-city")]).json()
    kinds = {n["kind"] for n in data["nodes"]}
    assert "Theme" in kinds and len(kinds) > 1, "partners and themes are on the map"
    assert set(data["highlight"]) == {"maas", "smart-city"}
    page = client.get("/maps/themes", params=[("theme", "maas"), ("theme", "smart-city")])
    assert legend(page.text) == kinds_and_types(data)
    overview = client.get("/maps/themes.json").json()
    assert {n["kind"] for n in overview["nodes"]} == {"Theme"} and len(overview["nodes"]) > 10
    assert {e["type"] for e in overview["edges"]} == {"SUBTHEME_OF"}


def test_paths_map_draws_only_the_path_steps(client: TestClient, helsinki_store: GraphStore) -> None:
    data = client.get("/maps/paths.json", params={"start": "tallinn", "end": "eurocities"}).json()
    ids = {n["id"] for n in data["nodes"]}
    assert {"tallinn", "eurocities"} <= ids and len(ids) >= 3
    assert data["notice"] is None and set(data["highlight"]) == {"tallinn", "eurocities"}
    answer = paths(helsinki_store, "tallinn", "eurocities")
    steps = {(s.start, s.end, t) for p in answer.paths for s in p.steps for t in s.types}
    assert {(e["from"], e["to"], e["type"]) for e in data["edges"]} == steps
    assert ids == {n.key for p in answer.paths for n in p.nodes}
    unlinked = client.get("/maps/paths.json", params={"start": "tallinn", "end": "eurocities", "max_hops": 1}).json()
    assert unlinked["notice"] and "1 step" in unlinked["notice"]


def test_downloaded_maps_are_self_contained(client: TestClient) -> None:
    response = client.get("/maps/neighbourhood", params={"key": "helsinki", "depth": 1, "download": True})
    assert response.headers["content-disposition"].startswith("attachment;")
    assert "vis.js is dual licensed" in response.text and 'src="/static' not in response.text


@pytest.mark.parametrize(
    ("path", "params", "status"),
    [
        ("/maps/neighbourhood.json", {"key": "no-such-entity"}, 404),
        ("/maps/neighbourhood", {"key": "helsinki", "depth": 9}, 422),
        ("/maps/neighbourhood.json", {"key": "<script>"}, 404),  # a name no entity has
        ("/maps/neighbourhood.json", {"key": "helsinki", "kind": "Planet"}, 422),
        ("/maps/themes.json", {"theme": "no-such-theme"}, 404),
        ("/maps/paths.json", {"start": "helsinki", "end": "nowhere"}, 404),
        ("/maps/paths", {"start": "helsinki"}, 422),
        ("/static/../../etc/passwd", {}, 404),
        ("/static/app.py", {}, 404),
    ],
)
def test_bad_requests_are_problems(client: TestClient, path: str, params: dict[str, Any], status: int) -> None:
    response = client.get(path, params=params)
    assert response.status_code == status, response.text
    if path.startswith("/maps"):
        assert response.headers["content-type"].startswith(PROBLEM)


def test_maps_need_a_reader_and_the_page_does_not(helsinki_store: GraphStore, tmp_path: Path) -> None:
    settings = browser_settings(tmp_path).model_copy(update={"host": "0.0.0.0"})  # not loopback
    with TestClient(create_app(settings, store=helsinki_store)) as remote:
        assert remote.get("/maps/neighbourhood.json", params={"key": "helsinki"}).status_code == 401
        assert remote.get("/explorer/session").status_code == 401
        keyed = remote.get("/maps/neighbourhood.json", params={"key": "helsinki"}, headers={"X-API-Key": READER_KEY})
        assert keyed.status_code == 200
        page = remote.get("/")  # the page holds no data: it asks for a key when the API does
        assert page.status_code == 200 and "pg-key-form" in page.text
        assert remote.get("/static/explorer.js").status_code == 200
        assert remote.get("/", headers={"X-API-Key": "pg_wrong_key"}).status_code == 401


def test_explorer_page_config_and_session(client: TestClient, helsinki_store: GraphStore) -> None:
    page = client.get("/", params={"key": "tallinn", "depth": 2})
    assert page.status_code == 200 and "script-src 'self'" in page.headers["content-security-policy"]
    config = json.loads(re.search(r'id="pg-config">(.*?)</script>', page.text, re.S).group(1))  # type: ignore[union-attr]
    assert config["initial"] == {"key": "tallinn", "depth": 2}
    assert config["kinds"] == list(helsinki_store.schema.node_kinds)
    for src in re.findall(r'src="([^"]+)"', page.text):
        assert src.startswith("/static/") and client.get(src).status_code == 200
    assert client.get("/", params={"key": "<x>"}).status_code == 422
    assert client.get("/explorer/session").json() == {
        "name": "anonymous",
        "role": "reader",
        "anonymous": True,
        "sees_contacts": False,
    }
    session = client.get("/explorer/session", headers={"X-API-Key": CONTACTS_KEY}).json()
    assert session["role"] == "contacts" and session["sees_contacts"] is True


def test_export_of_the_current_view(client: TestClient) -> None:
    keys = ["helsinki", "tallinn", "eurocities"]
    graphml = client.post("/explorer/export", json={"keys": keys, "format": "graphml"})
    assert graphml.status_code == 200 and graphml.headers["content-type"].startswith("application/graphml+xml")
    assert graphml.text.count("<node ") == 3
    exported = client.post("/explorer/export", json={"keys": keys, "format": "json"}).json()
    assert {n["id"] for n in exported["nodes"]} == set(keys)
    html_map = client.post("/explorer/export", json={"keys": keys, "format": "html"})
    assert "vis.js is dual licensed" in html_map.text
    bad = client.post("/explorer/export", json={"keys": ["</script>"], "format": "graphml"})
    assert bad.status_code == 422
    assert client.post("/explorer/export", json={"keys": keys, "format": "exe"}).status_code == 422


# -- the CLI ----------------------------------------------------------------------------------------


@pytest.fixture
def cli(helsinki_store: GraphStore, cli_on_backend: None) -> CliRunner:
    """`partnergraph map` opening its own store on the server holding the Helsinki dataset."""
    return CliRunner()


def test_cli_writes_self_contained_maps(cli: CliRunner, tmp_path: Path) -> None:
    out = tmp_path / "n.html"
    result = cli.invoke(map_commands.app, ["neighbourhood", "tallinn", "--depth", "2", "-o", str(out)])
    assert result.exit_code == 0, result.output
    page = out.read_text(encoding="utf-8")
    assert "vis.js is dual licensed" in page and "Neighbourhood of Tallinn" in page
    assert not re.search(r"<(script|link|img)\b[^>]*\b(src|href)=\"(?!data:)", page)

    themes = tmp_path / "t.html"
    result = cli.invoke(map_commands.app, ["themes", "--theme", "maas", "--theme", "smart-city", "-o", str(themes)])
    assert result.exit_code == 0, result.output
    assert 'data-kind="Theme"' in themes.read_text(encoding="utf-8")

    path = tmp_path / "p.html"
    result = cli.invoke(map_commands.app, ["paths", "tallinn", "eurocities", "-o", str(path)])
    assert result.exit_code == 0, result.output and path.exists()


def test_cli_reports_unknown_keys(cli: CliRunner, tmp_path: Path) -> None:
    result = cli.invoke(map_commands.app, ["neighbourhood", "atlantis", "-o", str(tmp_path / "x.html")])
    assert result.exit_code == 1 and "atlantis" in result.output
    assert not (tmp_path / "x.html").exists()


def test_the_explorer_opens_on_the_configured_home(helsinki_store: GraphStore, tmp_path: Path) -> None:
    def config_of(client: TestClient) -> dict[str, Any]:
        page = client.get("/")
        found = re.search(r'id="pg-config">(.*?)</script>', page.text, re.S)
        assert found is not None, "the page has no config block"
        config: dict[str, Any] = json.loads(found.group(1))
        return config

    with TestClient(create_app(browser_settings(tmp_path), store=helsinki_store)) as default:
        assert config_of(default)["home"] == {"key": "helsinki", "kinds": ["City", "Network"]}
    settings = browser_settings(tmp_path).model_copy(
        update={"explorer_home": "tallinn", "explorer_home_kinds": ["City", "NoSuchKind"]}
    )
    with TestClient(create_app(settings, store=helsinki_store)) as other:
        assert config_of(other)["home"] == {"key": "tallinn", "kinds": ["City"]}


def test_the_layout_route_lays_out_what_the_explorer_shows(client: TestClient) -> None:
    body = {"keys": ["a", "b", "c", "d"], "pairs": [["a", "b"], ["b", "c"], ["c", "x"]]}
    answer = client.post("/explorer/layout", json=body)
    assert answer.status_code == 200
    positions = answer.json()["positions"]
    assert set(positions) == {"a", "b", "c", "d"}
    assert len({tuple(p) for p in positions.values()}) == 4  # every node has its own place
    assert client.post("/explorer/layout", json=body).json() == answer.json()  # deterministic
    assert client.post("/explorer/layout", json={"keys": ["</script>"]}).status_code == 422


def test_the_theme_map_says_why_each_partner_matched(client: TestClient) -> None:
    payload = client.get("/maps/themes.json", params={"theme": ["smart-city"], "mode": "any"}).json()
    partners = client.get("/partners", params={"theme": ["smart-city"], "mode": "any", "limit": 200}).json()
    keys = {p["entity"]["key"] for p in partners["partners"]}
    assert keys and keys <= set(payload["details"])
    for key in keys:
        matches = payload["details"][key]["matches"]
        assert matches and all(m["theme"] == "smart-city" and m["relation"] for m in matches)
    via = {m["via_theme"] for k in keys for m in payload["details"][k]["matches"]}
    assert via - {"smart-city"}, "no partner matched through a sub-theme"
    assert payload["sizeLabel"]


def test_the_api_docs_are_served_by_the_project(client: TestClient) -> None:
    for path in ("/docs", "/redoc"):
        page = client.get(path)
        assert page.status_code == 200
        assert "script-src 'self'" in page.headers["content-security-policy"]
        assert "<script>" not in page.text and "cdn" not in page.text.lower()
        for src in re.findall(r'(?:src|href)="([^"]+)"', page.text):
            assert src.startswith("/docs/assets/") and client.get(src).status_code == 200
    assert b"cdn.redoc.ly" not in client.get("/docs/assets/redoc.standalone.js").content
    assert client.get("/docs/assets/nothing.js").status_code == 404
