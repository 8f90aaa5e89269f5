"""The CI and set-up scripts: a pipeline under pipefail must not end in a reader that quits early."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SCRIPTS = [ROOT / ".ci" / "run", *sorted((ROOT / "tools").glob("*.sh"))]
# head (or grep -q, or sed ...q) closes the pipe early; the writer's SIGPIPE then fails a pipefail script.
EARLY_QUIT = re.compile(r"\|\s*(head\b|grep\s+(-\w*q|--quiet)|sed\s+[^|]*q\b)")


def test_no_pipefail_script_pipes_into_a_reader_that_quits_early() -> None:
    """CI once failed in 1 s: `mvn -v | head -1` under pipefail, 2 runs in 10 here."""
    strict = [path for path in SCRIPTS if "pipefail" in path.read_text(encoding="utf-8")]
    assert ROOT / ".ci" / "run" in strict
    offending = [
        f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
        for path in strict
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if not line.lstrip().startswith("#") and EARLY_QUIT.search(line)
    ]
    assert offending == []
