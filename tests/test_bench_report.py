"""The README's benchmark summary is built from a run's targets, both databases side by side."""

from __future__ import annotations

from bench.common import Results, Target
from bench.report import README_END, README_START, readme_summary, with_readme_summary

META = {"date": "2026-12-01 16:00 UTC", "runtime_s": 1800.0, "machine": {"cores": 2, "load_average_at_start": [3.0]}}


def test_the_summary_puts_each_target_once_with_both_databases() -> None:
    results = Results()
    results.targets = [
        Target("ArcadeDB: fixed cost of one read", "0.27 ms", "≤ 0.5 ms", True),
        Target("Neo4j: fixed cost of one read", "0.78 ms", "≤ 0.5 ms", False, "a session per read"),
        Target("maps: first draw", "35×", "≥ 10×", True),
    ]
    summary = readme_summary(results, {**META, "load_average_at_end": [4.0]})
    assert "| fixed cost of one read | ≤ 0.5 ms | 0.27 ms ✓ | 0.78 ms ✗ |" in summary
    assert "| maps: first draw | ≥ 10× | 35× ✓ (not per database) | |" in summary
    assert "load average 3.0 at the start and 4.0 at the end" in summary
    readme = f"intro\n{README_START}\nold numbers\n{README_END}\nrest"
    written = with_readme_summary(readme, summary)
    assert "old numbers" not in written and summary in written and written.endswith("rest")
    assert with_readme_summary("no markers", summary) == "no markers"
