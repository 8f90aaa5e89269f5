"""The `partnergraph` command line (`partnergraph.cli:main`, `python -m partnergraph.cli`).

typer reads every help text when the command modules are imported, so the language comes first:
`main` takes `--lang` from the root options of `sys.argv` (then PARTNERGRAPH_LANG, then the
locale, as for every other text of the CLI) and only then imports `partnergraph.commands.app`,
whose `help=_(…)` texts are built in that language. `partnergraph.cli.app` (what the tests'
CliRunner invokes) imports it on first use, in the language of the environment.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING

from rich.console import Console

from graph.store import StoreUnavailable
from partnergraph.commands.common import _, set_language, tagged

if TYPE_CHECKING:
    import typer


def lang_option(argv: Sequence[str]) -> str | None:
    """The value of the root `--lang X` / `--lang=X`: among the options before the command only
    (`brief --lang` is the briefing's own)."""
    args = iter(argv)
    for arg in args:
        if arg == "--lang":
            return next(args, None)
        if arg.startswith("--lang="):
            return arg.removeprefix("--lang=")
        if arg == "--" or not arg.startswith("-"):
            break
    return None


def __getattr__(name: str) -> typer.Typer:
    """`app`, imported when first asked for (PEP 562), so that `main` can choose the language first."""
    if name == "app":
        from partnergraph.commands.app import app  # noqa: PLC0415 - after the language is chosen

        return app
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def main() -> None:
    set_language(lang_option(sys.argv[1:]))
    from partnergraph.commands.app import app  # noqa: PLC0415 - help texts in the language just chosen

    try:
        app()
    except StoreUnavailable as exc:
        Console(stderr=True).print(tagged("red", _("database unavailable"), exc), highlight=False)
        raise SystemExit(3) from exc


if __name__ == "__main__":
    main()
