"""CLI command groups, one module each; `partnergraph.commands.app` registers them."""
