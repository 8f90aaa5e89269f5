"""Briefings: New York, C40 and Tallinn in Finnish, Swedish and English, as HTML, PDF and Markdown,
from the API and the CLI, on both databases.

The quotes looked for are read from the entity route (the graph's own provenance), not from the
briefing; the PDF's text is read back with pypdf. Contact values come from a contacts CSV loaded on
top of the Helsinki data (the dataset itself records none): the contacts role's briefing holds
them, a reader's never does, in any format.
"""

from __future__ import annotations

import re
import socket
import time
from collections.abc import Iterator
from io import BytesIO
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader
from test_api_support import Clients, audit_lines, headers
from typer.testing import CliRunner

from graph.store import GraphStore
from i18n import gettext
from loaders.curated import DEFAULT_DATASET
from loaders.pipeline import load
from partnergraph.cli import app as cli_app
from questions.briefing import briefing, group_rank
from viz import briefing as briefing_view

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "briefings"
CONTACTS_CSV = FIXTURES / "contacts.csv"
KEYS = ("new-york", "c40", "tallinn")
LANGUAGES = ("fi", "sv", "en")


def contact_values() -> list[str]:
    """Every email and phone of the contacts CSV: what must never reach a reader's briefing."""
    lines = CONTACTS_CSV.read_text(encoding="utf-8").splitlines()
    header = lines[0].split(",")
    rows = [dict(zip(header, line.split(","), strict=True)) for line in lines[1:]]
    values = [row[field] for row in rows for field in ("email", "phone") if row[field]]
    assert len(values) == 4
    return values


def squeeze(text: str) -> str:
    """Text without whitespace: PDF extraction breaks lines where the layout did."""
    return re.sub(r"\s+", "", text)


def pdf_text(content: bytes) -> tuple[str, int]:
    reader = PdfReader(BytesIO(content))
    return "\n".join(page.extract_text() for page in reader.pages), len(reader.pages)


@pytest.fixture
def briefing_store(store: GraphStore) -> GraphStore:
    load(store, [(DEFAULT_DATASET, "dataset"), (CONTACTS_CSV, "contacts")])
    return store


@pytest.fixture
def client_for(tmp_path: Path) -> Iterator[Clients]:
    with Clients(tmp_path) as clients:
        yield clients


def quotes_of(client: Any, key: str) -> list[str]:
    """The verbatim quotes of the entity and of its relations, as the entity route gives them."""
    data = client.get(f"/entities/{key}", headers=headers("reader")).json()
    quotes = [s["quote"] for s in data["sources"] if s.get("quote")]
    quotes += [
        s["quote"]
        for relations in data["relations"].values()
        for rel in relations
        if rel["type"] != "CONTACT_FOR"  # contacts are listed by the contacts section, with how found
        for s in rel["sources"]
        if s.get("quote")
    ]
    assert quotes, key
    return quotes


def test_briefings_in_three_languages_as_html_and_pdf(
    briefing_store: GraphStore, client_for: Clients, tmp_path: Path
) -> None:
    client = client_for(briefing_store)
    secrets = contact_values()
    timings: list[float] = []
    for key in KEYS:
        quotes = quotes_of(client, key)
        for lang in LANGUAGES:
            # HTML: the language's own words, every quote, an inline stylesheet allowed by its hash only.
            page = client.get(f"/briefings/{key}", params={"lang": lang}, headers=headers("reader"))
            assert page.status_code == 200, page.text
            assert page.headers["content-type"].startswith("text/html")
            assert page.headers["content-language"] == lang
            policy = page.headers["content-security-policy"]
            assert "script-src" not in policy and "unsafe-inline" not in policy and "'sha256-" in policy
            assert "frame-ancestors 'none'" in policy
            html = page.text
            assert f'<html lang="{lang}">' in html
            assert "<script" not in html and "src=" not in html and "href=" not in html  # loads nothing
            for words in ("Contacts", "Open governance findings", "Who or what it is"):
                assert gettext(lang, words) in html, (key, lang, words)
            for quote in quotes:
                assert quote.replace("&", "&amp;") in html, (key, lang, quote[:60])
            assert "<svg" in html  # the map
            for secret in secrets:
                assert secret not in html, (key, lang, "reader saw", secret)

            # PDF, asked for both ways: one A4 page holding every quote, and no contact field.
            started = time.perf_counter()
            pdf = client.get(f"/briefings/{key}", params={"lang": lang, "format": "pdf"}, headers=headers("reader"))
            timings.append(time.perf_counter() - started)
            assert pdf.status_code == 200, pdf.text
            assert pdf.headers["content-type"] == "application/pdf"
            assert pdf.content.startswith(b"%PDF-")
            text, pages = pdf_text(pdf.content)
            assert pages == 1, (key, lang, pages)
            width, height = PdfReader(BytesIO(pdf.content)).pages[0].mediabox.upper_right
            assert (round(float(width)), round(float(height))) == (595, 842)  # A4 in points
            for quote in quotes:
                assert squeeze(quote) in squeeze(text), (key, lang, quote[:60])
            assert squeeze(gettext(lang, "Contacts")).lower() in squeeze(text).lower()
            for secret in secrets:
                assert squeeze(secret) not in squeeze(text), (key, lang, "reader's PDF holds", secret)
        accepted = client.get(f"/briefings/{key}", headers={**headers("reader"), "Accept": "application/pdf"})
        assert accepted.headers["content-type"] == "application/pdf"
    print(f"\nPDF briefing over HTTP: median {sorted(timings)[len(timings) // 2]:.2f} s, max {max(timings):.2f} s")

    # The contacts role sees the values, in HTML and PDF (so the checks above can fail), and it is audited.
    for key, expected in (("c40", secrets[:2]), ("new-york", secrets[2:])):
        html = client.get(f"/briefings/{key}", headers=headers("contacts")).text
        pdf = client.get(f"/briefings/{key}", params={"format": "pdf"}, headers=headers("contacts")).content
        text, _ = pdf_text(pdf)
        for secret in expected:
            assert secret in html
            assert squeeze(secret) in squeeze(text)
    reads = [e for e in audit_lines(tmp_path / "audit.jsonl") if e["action"] == "contacts.read"]
    assert {e["target"] for e in reads if e["actor"] == "test-contacts"} == {"c40", "new-york"}
    assert all(secret not in (tmp_path / "audit.jsonl").read_text(encoding="utf-8") for secret in secrets)


def test_a_briefing_says_what_is_inferred_and_how_contacts_were_found(briefing_store: GraphStore) -> None:
    brief = briefing(briefing_store, "c40", include_personal=False)
    assert brief.home is not None and brief.home.key == "helsinki"
    groups = [g.group for g in brief.groups]
    assert groups == sorted(groups, key=group_rank) and {"initiative", "theme"} <= set(groups)
    home_links = [c for g in brief.groups for c in g.connections if c.is_home]
    assert home_links, "Helsinki's own relation to C40 is in the briefing"
    # The contact rule: the direct contact first, then the people of the (inferred) membership owner;
    # each person once, as the first step found them.
    assert [(c.person.key, c.basis) for c in brief.contacts] == [
        ("kaisa-kontakti", "stated"),
        ("director-international-affairs", "inferred"),
        ("nils-natverk", "inferred"),
    ]
    assert all(c.email is None and c.phone is None for c in brief.contacts)
    assert [c.found_by for c in brief.contacts] == ["direct", "membership_owner", "membership_owner"]
    for lang in LANGUAGES:
        html = briefing_view.render_html(brief, lang).html
        item = html[html.index('data-person="director-international-affairs"') :]
        item = item[: item.index("</li>")]
        assert gettext(lang, "inferred") in item and gettext(lang, "owns the membership") in item


def test_markdown_and_html_escape_what_the_data_says() -> None:
    from graph.model import Source
    from questions.briefing import Briefing, Connection, ConnectionGroup
    from questions.common import EntityRef

    hostile = '<script>alert("x")</script> *bold* [link](http://example.org)'
    brief = Briefing(
        key="hostile",
        kind="City",
        names={"en": hostile},
        groups=[
            ConnectionGroup(
                group="partnership",
                connections=[
                    Connection(
                        group="partnership",
                        type="PARTNER_OF",
                        direction="in",
                        other=EntityRef(key="helsinki", kind="City", name_en="Helsinki"),
                        sources=[
                            Source(doc="d", section="<b>s</b>", quote=hostile),
                            Source.model_validate({"by": "<i>clerk</i>", "at": "2026-01-02", "note": hostile}),
                        ],
                        is_home=True,
                    )
                ],
            )
        ],
        contacts=[],
        includes_personal=False,
        findings=[],
    )
    html = briefing_view.render_html(brief, "en").html
    assert "<script>" not in html and "&lt;script&gt;" in html and "<b>s</b>" not in html
    assert "<i>clerk</i>" not in html and "&lt;i&gt;clerk&lt;/i&gt;" in html and "2026-01-02" in html
    markdown = briefing_view.render_markdown(brief, "en")
    assert "<script>" not in markdown and "[link](" not in markdown and "\\*bold\\*" in markdown


def test_pdf_rendering_fetches_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every URL a page could name is refused by the renderer, and no socket is opened."""
    connects: list[Any] = []
    real_connect = socket.socket.connect

    def no_connect(self: socket.socket, address: Any) -> None:
        connects.append(address)
        raise OSError("network blocked in this test")

    monkeypatch.setattr(socket.socket, "connect", no_connect)
    page = (
        '<html><head><link rel="stylesheet" href="https://cdn.example.org/x.css">'
        '<style>@import url("http://example.org/y.css"); body { background: url(http://example.org/z.png) }</style>'
        '</head><body><p>Hei</p><img src="http://example.org/i.png"><img src="file:///etc/passwd"></body></html>'
    )
    briefing_view.refused.clear()
    pdf = briefing_view.render_pdf(page)
    monkeypatch.setattr(socket.socket, "connect", real_connect)
    assert pdf.startswith(b"%PDF-")
    assert connects == []
    assert {u for u in briefing_view.refused} >= {
        "https://cdn.example.org/x.css",
        "http://example.org/i.png",
        "file:///etc/passwd",
    }


@pytest.mark.usefixtures("cli_on_backend")
def test_cli_writes_briefings_without_contact_fields_unless_asked(briefing_store: GraphStore, tmp_path: Path) -> None:
    runner = CliRunner()
    secrets = contact_values()
    for suffix in (".pdf", ".html", ".md"):
        for lang in LANGUAGES:
            out = tmp_path / f"c40-{lang}{suffix}"
            result = runner.invoke(cli_app, ["brief", "c40", "-o", str(out), "--lang", lang], catch_exceptions=False)
            assert result.exit_code == 0, result.output
            assert gettext(lang, "wrote {file}", file=str(out)) in result.output
            content = pdf_text(out.read_bytes())[0] if suffix == ".pdf" else out.read_text(encoding="utf-8")
            assert squeeze(gettext(lang, "Contacts")).lower() in squeeze(content).lower()
            for secret in secrets:
                assert squeeze(secret) not in squeeze(content), (suffix, lang, secret)
    with_contacts = tmp_path / "c40-contacts.md"
    result = runner.invoke(cli_app, ["brief", "c40", "-o", str(with_contacts), "--include-contacts"])
    assert result.exit_code == 0, result.output
    assert secrets[0] in with_contacts.read_text(encoding="utf-8")
    # The language from the environment, and a clear refusal of an unknown suffix or key.
    result = runner.invoke(cli_app, ["brief", "tallinn", "-o", str(tmp_path / "t.md")], env={"PARTNERGRAPH_LANG": "sv"})
    assert result.exit_code == 0 and gettext("sv", "Contacts") in (tmp_path / "t.md").read_text(encoding="utf-8")
    assert runner.invoke(cli_app, ["brief", "tallinn", "-o", str(tmp_path / "t.txt")]).exit_code == 2
    assert runner.invoke(cli_app, ["brief", "no-such-entity", "-o", str(tmp_path / "x.md")]).exit_code == 1


def test_a_briefing_lists_the_open_governance_findings_that_name_it(helsinki_store: GraphStore) -> None:
    """For every entity the governance answer names, its briefing lists that finding, in each language."""
    from questions.governance import governance

    answer = governance(helsinki_store).model_dump(mode="json")
    named = {
        ref["key"]: check
        for check, items in answer.items()
        if isinstance(items, list)
        for item in items
        for ref in (item.get("member"), item.get("network"), item if "kind" in item else None)
        if isinstance(ref, dict) and "key" in ref
    }
    assert named, "the Helsinki data has governance findings"
    for key, check in sorted(named.items())[:4]:
        brief = briefing(helsinki_store, key)
        assert check in {f.check for f in brief.findings}, (key, check)
        for lang in LANGUAGES:
            page = briefing_view.render_html(brief, lang).html
            label = briefing_view.FINDING_LABELS.get(check)
            assert f'data-check="{check}"' in page
            if label:
                assert gettext(lang, label) in page
    quiet = briefing(helsinki_store, "tallinn")
    assert quiet.findings == [] or all("tallinn" in [s.key for s in f.subjects] for f in quiet.findings)
