"""CLI command groups, one module each; `partnergraph.cli` registers them."""
