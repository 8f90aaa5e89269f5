"""`partnergraph backup` and `restore` on each managed database: a backup restored into a fresh
folder holds the same graph (same digest, provenance and contact cards included)."""

from __future__ import annotations

import stat
import subprocess
import tarfile
from pathlib import Path
from typing import cast

import pytest
from test_api_support import graph_state
from test_embedded import CLI, cli_env, jvms_for

from graph.connect import ENGINES, Engine, StoreConfig, open_store
from loaders.curated import DEFAULT_DATASET


def run(args: list[str], data_dir: Path, engine: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*CLI, *args], env=cli_env(data_dir, engine), capture_output=True, text=True, timeout=300, check=False
    )


@pytest.mark.slow
@pytest.mark.parametrize("engine", sorted(ENGINES))
def test_a_backup_restores_into_a_fresh_folder_with_the_same_digest(tmp_path: Path, engine: str) -> None:
    original, copy, archive = tmp_path / "original", tmp_path / "copy", tmp_path / "backup.tar.gz"
    fixtures = Path(__file__).parent / "fixtures" / "loaders"
    loaded = run(["load", str(DEFAULT_DATASET), str(fixtures / "contacts.csv")], original, engine)
    assert loaded.returncode == 0, loaded.stderr

    done = run(["backup", "-o", str(archive)], original, engine)
    assert done.returncode == 0, done.stderr
    assert stat.S_IMODE(archive.stat().st_mode) == 0o600  # it holds the database passwords
    with tarfile.open(archive) as tar:
        assert all(m.name.startswith(f"{engine}/") for m in tar.getmembers())

    restored = run(["restore", str(archive)], copy, engine)
    assert restored.returncode == 0, restored.stderr
    again = run(["restore", str(archive)], copy, engine)
    assert again.returncode == 1 and "--replace" in again.stderr  # never over a database unasked

    states = []
    for folder in (original, copy):
        with open_store(StoreConfig(data_dir=folder, embedded=cast(Engine, engine))) as store:
            cards = sorted(store.read("contacts_for_export"), key=lambda row: str(row["key"]))
            states.append((graph_state(store), cards))
    assert states[0] == states[1]
    assert states[0][0][0] and states[0][1], "not vacuously equal: graph and contact cards are there"
    assert not jvms_for(tmp_path)
