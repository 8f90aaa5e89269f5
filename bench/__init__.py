"""Benchmarks: `python -m bench --help`; results in docs/benchmarks.md."""
