"""The read-only console's time limit is the configured one, enforced by the database server itself,
on ArcadeDB and on Neo4j: a query that would run for minutes stops at the limit, and the API
answers 504 as a problem. Each case starts its own managed server from the settings, as `serve` does."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from test_api_support import Clients, headers

from graph.connect import ENGINES, open_store
from graph.store import QueryTimeout, console_of

LIMIT_S = 2.0
# 10^10 rows: minutes on either database unless something stops it.
ENDLESS = "UNWIND range(1, 100000) AS a UNWIND range(1, 100000) AS b WITH a, b WHERE (a * b) % 7 = 0 RETURN count(*)"


@pytest.mark.slow
@pytest.mark.parametrize("engine", sorted(ENGINES))
def test_a_long_console_query_stops_at_the_configured_limit(engine: str, tmp_path: Path) -> None:
    from test_api_support import make_settings

    settings = make_settings(tmp_path, embedded=engine, data_dir=tmp_path / "db", cypher_timeout_s=LIMIT_S)
    with open_store(settings.store_config()) as store, Clients(tmp_path) as clients:
        assert store.info().backend == engine
        with pytest.raises(QueryTimeout):  # a first run pays for the connection, the plan and the JIT
            console_of(store).run_readonly(ENDLESS, timeout_s=0.5)
        started = time.monotonic()
        with pytest.raises(QueryTimeout):
            console_of(store).run_readonly(ENDLESS, timeout_s=settings.cypher_timeout_s)
        elapsed = time.monotonic() - started
        print(f"{engine}: stopped after {elapsed:.2f} s for a {LIMIT_S:.1f} s limit")
        assert LIMIT_S * 0.9 <= elapsed <= LIMIT_S * 1.1 + 0.25, f"{engine} stopped after {elapsed:.2f} s"

        client = clients(store, cypher_timeout_s=LIMIT_S)
        started = time.monotonic()
        answer = client.post("/cypher", json={"query": ENDLESS}, headers=headers("admin"))
        assert answer.status_code == 504, answer.text
        assert answer.headers["content-type"].startswith("application/problem+json")
        assert answer.json()["title"] == "Query timed out"
        assert time.monotonic() - started <= LIMIT_S * 1.1 + 0.5
