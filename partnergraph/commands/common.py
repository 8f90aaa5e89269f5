"""What the commands share: the CLI's language, its `_`, and how a question's errors reach the user.

This module shows no text when imported (the shared options with their help are in
`partnergraph.commands.options`), so `partnergraph.cli` can set the language from `--lang` before
any command module builds its help texts."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import TypeVar

import typer
from rich.console import Console

from graph.store import GraphStore, NotFound
from i18n import from_environment, gettext
from partnergraph.context import store_from_settings
from questions.common import EntityRef
from questions.resolve import Ambiguous, Unresolved

T = TypeVar("T")
err = Console(stderr=True)

_chosen: list[str | None] = [None]  # `partnergraph --lang …`, for this process


def set_language(explicit: str | None) -> None:
    _chosen[0] = from_environment(explicit) if explicit else None


def language() -> str:
    """The CLI's language: --lang, else PARTNERGRAPH_LANG, else the locale, else English."""
    return _chosen[0] or from_environment()


def _(message: str, /, **values: object) -> str:
    """A message of the catalogues in the CLI's language."""
    return gettext(language(), message, **values)


def tagged(colour: str, label: str, text: object) -> str:
    """Rich markup for a coloured label and its message: `not found: no entity …`."""
    return f"[{colour}]{label}[/]: {text}"


def as_date(value: dt.datetime | None) -> dt.date | None:
    """typer parses dates as datetimes; questions take days."""
    return value.date() if value else None


def _suggested(refs: list[EntityRef]) -> str:
    return ", ".join(f"{r.name} ({r.key})" if r.name != r.key else r.key for r in refs)


def answer(question: Callable[[GraphStore], T]) -> T:
    """Run `question` on the configured store: an unknown key or name exits 1 (with "did you mean
    …" when something is near), an ambiguous name 3, an impossible question 2."""
    try:
        with store_from_settings() as store:
            return question(store)
    except Unresolved as exc:
        err.print(tagged("red", _("not found"), _("no key or name {asked}", asked=repr(exc.asked))), highlight=False)
        if exc.suggestions:
            err.print(_("did you mean: {names}?", names=_suggested(exc.suggestions)), highlight=False)
        raise typer.Exit(1) from exc
    except Ambiguous as exc:
        err.print(tagged("red", _("ambiguous"), _("{asked} names several", asked=repr(exc.asked))), highlight=False)
        err.print(_("did you mean: {names}? (give the key)", names=_suggested(exc.suggestions)), highlight=False)
        raise typer.Exit(3) from exc
    except NotFound as exc:
        err.print(tagged("red", _("not found"), exc), highlight=False)
        raise typer.Exit(1) from exc
    except ValueError as exc:
        err.print(tagged("red", _("invalid question"), exc), highlight=False)
        raise typer.Exit(2) from exc
