"""`partnergraph brief KEY -o FILE`: the API's briefing page as a file (.pdf, .html or .md).

The briefing is `questions.briefing`, its page `viz.briefing`, as `GET /briefings/{key}` serves
them. Email and phone are in it only with `--include-contacts`, as for `ask contacts`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

import typer

from i18n import LANGUAGES, from_environment, translator
from partnergraph.commands.common import _, answer, as_date, err, tagged
from partnergraph.commands.common import language as cli_language
from partnergraph.commands.options import AsOf
from partnergraph.settings import get_settings
from questions.briefing import briefing
from viz.briefing import PdfUnavailable, render_html, render_markdown, render_pdf

FORMATS = {".pdf": "pdf", ".html": "html", ".htm": "html", ".md": "md"}
Lang = Annotated[
    str | None,
    typer.Option(
        "--lang",
        help=_("{languages}; default: PARTNERGRAPH_LANG, else the locale, else en.", languages=", ".join(LANGUAGES)),
    ),
]


HELP = _("A one-page briefing on an entity: who it is, how the home city is connected, contacts, findings.")


def command(
    key: Annotated[str, typer.Argument(help=_("The entity's key."))],
    output: Annotated[
        Path, typer.Option("--output", "-o", help=_("The file to write: .pdf, .html or .md."), dir_okay=False)
    ],
    lang: Lang = None,
    fmt: Annotated[
        Literal["pdf", "html", "md"] | None,
        typer.Option("--format", help=_("pdf, html or md (default: from the suffix).")),
    ] = None,
    include_contacts: Annotated[
        bool, typer.Option("--include-contacts", help=_("Also show email and phone (personal data)."))
    ] = False,
    home: Annotated[str | None, typer.Option(help=_("The home city (default: PARTNERGRAPH_HOME, helsinki)."))] = None,
    as_of: AsOf = None,
) -> None:
    language = from_environment(lang) if lang else cli_language()
    _ = translator(language)
    chosen = fmt or FORMATS.get(output.suffix.lower())
    if chosen is None:
        err.print(tagged("red", _("invalid"), _("write .pdf, .html or .md (or say --format)")), highlight=False)
        raise typer.Exit(2)
    home_key = home or get_settings().explorer_home
    brief = answer(
        lambda store: briefing(store, key, home=home_key, include_personal=include_contacts, as_of=as_date(as_of))
    )
    if chosen == "md":
        output.write_text(render_markdown(brief, language), encoding="utf-8")
    else:
        page = render_html(brief, language)
        if chosen == "html":
            output.write_text(page.html, encoding="utf-8")
        else:
            try:
                output.write_bytes(render_pdf(page.html))
            except PdfUnavailable as exc:
                err.print(tagged("red", _("PDF unavailable"), exc), highlight=False)
                raise typer.Exit(3) from exc
    typer.echo(_("wrote {file}", file=str(output)))
