"""partnergraph: a city's international relations as a property graph."""

__version__ = "0.1.0"
