"""The API documentation pages, `/docs` (Swagger UI) and `/redoc` (ReDoc), served by the project.

FastAPI's own pages load their scripts from a CDN and start them with an inline script; these load
the assets shipped in the `fastapi-offline` package and a start-up script of ours, under the same
Content-Security-Policy as the explorer, so they work offline and with no inline script.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import fastapi_offline
from fastapi import APIRouter, Depends, Request
from fastapi.responses import FileResponse, HTMLResponse, Response
from jinja2 import Environment, FileSystemLoader, select_autoescape

from api.routes.explorer import FILE_HEADERS, SECURITY_HEADERS, served_file, served_files
from api.security import public

router = APIRouter(tags=["docs"])

API_DIR = Path(__file__).resolve().parents[1]
VENDOR_DIR = Path(fastapi_offline.__file__).resolve().parent / "static"
ASSETS_URL = "/docs/assets"
ASSETS = served_files(
    VENDOR_DIR / "swagger-ui-bundle.js",
    VENDOR_DIR / "swagger-ui.css",
    VENDOR_DIR / "redoc.standalone.js",
    VENDOR_DIR / "favicon.png",
    API_DIR / "static" / "docs.js",
)


# ReDoc's side-menu footer always loads its logo from this CDN; served without it, the footer shows text only.
REDOC_LOGO = b'"https://cdn.redoc.ly/redoc/logo-mini.svg"'


@cache
def _redoc_bundle() -> bytes:
    text = ASSETS["redoc.standalone.js"][0].read_bytes()
    if REDOC_LOGO not in text:  # a new fastapi-offline version: check it for other outside URLs
        raise RuntimeError("ReDoc's bundle changed: review api/routes/docs.py")
    return text.replace(REDOC_LOGO, b'"data:,"')  # an empty image fails to load, and ReDoc then hides it


@cache
def _environment() -> Environment:
    return Environment(
        loader=FileSystemLoader(str(API_DIR / "templates")),
        autoescape=select_autoescape(enabled_extensions=("html", "j2", "html.j2"), default=True),
    )


def _page(request: Request, template: str, title: str) -> HTMLResponse:
    root = str(request.scope.get("root_path") or "")
    context: dict[str, Any] = {
        "title": f"{request.app.title} - {title}",
        "openapi_url": root + str(request.app.openapi_url or "/openapi.json"),
        "assets": root + ASSETS_URL,
    }
    return HTMLResponse(_environment().get_template(template).render(**context), headers=SECURITY_HEADERS)


@router.get("/docs", include_in_schema=False, dependencies=[Depends(public())])
def swagger_ui(request: Request) -> HTMLResponse:
    return _page(request, "swagger.html.j2", "Swagger UI")


@router.get("/redoc", include_in_schema=False, dependencies=[Depends(public())])
def redoc(request: Request) -> HTMLResponse:
    return _page(request, "redoc.html.j2", "ReDoc")


@router.get(f"{ASSETS_URL}/{{name}}", include_in_schema=False, dependencies=[Depends(public())])
def asset(name: str) -> Response:
    path, media_type = served_file(ASSETS, name, "documentation asset")
    if name == "redoc.standalone.js":
        return Response(_redoc_bundle(), media_type=media_type, headers=FILE_HEADERS)
    return FileResponse(path, media_type=media_type, headers=FILE_HEADERS)
