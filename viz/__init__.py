"""Maps: a networkx subgraph in, a self-contained interactive HTML page out."""

from viz.maps import DEFAULT_NODE_CAP, MapData, MapError, MapOptions, build_map, map_html, render_map, write_map
from viz.style import MapStyle, default_style, style_from_schema

__all__ = [
    "DEFAULT_NODE_CAP",
    "MapData",
    "MapError",
    "MapOptions",
    "MapStyle",
    "build_map",
    "default_style",
    "map_html",
    "render_map",
    "style_from_schema",
    "write_map",
]
