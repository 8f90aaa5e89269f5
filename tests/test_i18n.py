"""The message catalogues: complete for every id the code uses, nothing unused, the same `{fields}`
in every language; pages and the CLI in the language asked for (?lang=, the remembered cookie,
Accept-Language, --lang, PARTNERGRAPH_LANG, the locale), with no English left on a Finnish or
Swedish page."""

from __future__ import annotations

import html
import json
import os
import re
import string
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import typer
from test_api_support import Clients, headers
from typer.core import TyperCommand, TyperGroup
from typer.testing import CliRunner

from graph.model import display_name
from graph.store import GraphStore
from i18n import COOKIE, LANGUAGES, catalogue, choose, from_accept_language, gettext
from i18n.extract import read, used_ids
from partnergraph.cli import app as cli_app
from partnergraph.cli import lang_option

ROOT = Path(__file__).resolve().parents[1]


def fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_every_message_the_code_uses_is_translated_and_nothing_else_is_kept() -> None:
    used = used_ids()
    assert len(used) > 250, "the extractors found too few ids: is the scan broken?"
    problems: list[str] = []
    for language in LANGUAGES:
        entries = {str(m.id): str(m.string) for m in read(language) if m.id}
        for message_id, where in sorted(used.items()):
            text = entries.get(message_id, "")
            if not text.strip():
                problems.append(f"{language}: no translation of {message_id!r} (used at {where[0]})")
            elif fields(text) != fields(message_id):
                problems.append(f"{language}: {message_id!r} -> {text!r} has other {{fields}}")
        problems += [f"{language}: unused entry {i!r}" for i in sorted(set(entries) - set(used))]
    assert problems == [], "\n".join(problems[:40])
    sizes = {language: len(catalogue(language)) for language in LANGUAGES}
    print(f"\ncatalogue sizes: {sizes}")
    # Finnish and Swedish are translations, not copies of the English ids.
    for language in ("fi", "sv"):
        same = [i for i in used if catalogue(language)[i] == i and len(i) > 12 and " " in i]
        assert len(same) < 10, (language, same)


def test_the_check_fails_on_a_missing_translation(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The extraction sees a new id in code the catalogues do not have."""
    import i18n.extract as extract

    probe = tmp_path / "probe.js"
    probe.write_text('el("p", null, t("A message no catalogue has"));\n', encoding="utf-8")
    monkeypatch.setattr(extract, "ROOT", tmp_path)
    monkeypatch.setattr(extract, "PYTHON_PACKAGES", ())
    monkeypatch.setattr(extract, "TEMPLATE_DIRS", ())
    monkeypatch.setattr(extract, "SCRIPTS", ("probe.js",))
    found = extract.used_ids()
    assert list(found) == ["A message no catalogue has"]
    assert "A message no catalogue has" not in catalogue("fi")


def test_the_check_sees_the_schema_labels(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The words for kinds, relation types and groups are the schema's `label`s, extracted from it."""
    import i18n.extract as extract

    (tmp_path / "graph").mkdir()
    (tmp_path / "graph" / "schema.yaml").write_text(
        "node_kinds:\n  City: {label: A kind no catalogue has}\n"
        "relation_types:\n  HOSTS: {label: hosts no catalogue has}\n  PART_OF: {}\n"
        "relation_groups:\n  theme: {label: A group no catalogue has}\n",
        encoding="utf-8",
    )
    monkeypatch.setattr(extract, "ROOT", tmp_path)
    monkeypatch.setattr(extract, "PYTHON_PACKAGES", ())
    monkeypatch.setattr(extract, "TEMPLATE_DIRS", ())
    monkeypatch.setattr(extract, "SCRIPTS", ())
    assert extract.used_ids() == {
        "A kind no catalogue has": ["graph/schema.yaml:node_kinds.City"],
        "hosts no catalogue has": ["graph/schema.yaml:relation_types.HOSTS"],
        "A group no catalogue has": ["graph/schema.yaml:relation_groups.theme"],
    }


def test_the_check_sees_the_cli_help_texts(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A command's, an option's or a group's help is `_()` like any text, so a new one is missing."""
    import i18n.extract as extract

    package = tmp_path / "probe"
    package.mkdir()
    (package / "commands.py").write_text(
        "app = typer.Typer(help=_('The group help no catalogue has'))\n\n\n"
        "@app.command('probe', help=_('The command help no catalogue has'))\n"
        "def probe(\n"
        "    flag: Annotated[bool, typer.Option('--flag', help=_('The option help no catalogue has'))] = False,\n"
        ") -> None: ...\n",
        encoding="utf-8",
    )
    monkeypatch.setattr(extract, "ROOT", tmp_path)
    monkeypatch.setattr(extract, "PYTHON_PACKAGES", ("probe",))
    monkeypatch.setattr(extract, "TEMPLATE_DIRS", ())
    monkeypatch.setattr(extract, "SCRIPTS", ())
    found = set(extract.used_ids())
    assert found == {f"The {what} help no catalogue has" for what in ("group", "command", "option")}
    assert not found & set(catalogue("fi"))


def test_ui_scripts_show_no_literal_text_outside_the_catalogue() -> None:
    """Words shown by the scripts go through t(): a sentence-like literal elsewhere is a leak."""
    sentence = re.compile(r'"([A-Z][a-z]+(?: [a-z]+)+[.…]?)"')
    for name in ("api/static/explorer.js", "viz/static/map.js"):
        text = (ROOT / name).read_text(encoding="utf-8")
        leaks = [m.group(1) for m in sentence.finditer(text) if text[max(0, m.start() - 2) : m.start()] != "t("]
        assert leaks == [], (name, leaks)


def test_language_choice() -> None:
    assert from_accept_language("sv-FI,sv;q=0.9,en;q=0.8") == "sv"
    assert from_accept_language("de-DE, fi;q=0.5, en;q=0.7") == "en"
    assert from_accept_language("da, *;q=0.1") is None
    assert choose("fi", "sv", accept_language="en") == "fi"
    assert choose(None, "sv", accept_language="en") == "sv"
    assert choose(None, None, accept_language="fi-FI") == "fi"
    assert choose("xx", None, accept_language=None) == "en"
    names = {"key": "helsinki", "name_fi": "Helsinki", "name_sv": "Helsingfors", "name_en": "Helsinki"}
    assert display_name(names, "sv") == "Helsingfors"
    assert display_name({"key": "tallinn", "name_fi": "Tallinna"}, "sv") == "Tallinna"  # falls back
    assert display_name({"key": "x"}, "fi") == "x"


ENGLISH_ONLY = {i for i in catalogue("en") if all(catalogue(lang).get(i) != i for lang in ("fi", "sv")) and len(i) > 3}


def visible_texts(page: str) -> list[str]:
    """Text nodes and the shown attributes (title, placeholder, aria-label) of a page."""
    body = re.sub(r"<(script|style)\b[^>]*>.*?</\1>", "", page, flags=re.S)
    texts = [html.unescape(t).strip() for t in re.findall(r">([^<]+)<", body)]
    texts += [html.unescape(v) for v in re.findall(r'(?:title|placeholder|aria-label)="([^"]*)"', body)]
    return [t for t in texts if t]


@pytest.fixture
def client_for(tmp_path: Path) -> Iterator[Clients]:
    with Clients(tmp_path) as clients:
        yield clients


def test_pages_speak_the_language_asked_for(helsinki_store: GraphStore, client_for: Clients) -> None:
    client = client_for(helsinki_store)
    reader = headers("reader")
    pages = {
        "explorer": ("/", {}),
        "map": ("/maps/neighbourhood", {"key": "tallinn", "depth": 1}),
        "briefing": ("/briefings/tallinn", {}),
    }
    for language in ("fi", "sv"):
        for name, (url, params) in pages.items():
            answer = client.get(url, params={**params, "lang": language}, headers=reader)
            assert answer.status_code == 200, (name, answer.text[:300])
            assert f'<html lang="{language}">' in answer.text
            leaks = [t for t in visible_texts(answer.text) if t in ENGLISH_ONLY]
            assert leaks == [], (name, language, leaks)
        # The scripts get the same catalogue, as JSON that cannot close its <script>.
        page = client.get("/", params={"lang": language}, headers=reader).text
        raw = re.search(r'<script type="application/json" id="pg-messages">(.*?)</script>', page, re.S)
        assert raw is not None
        assert json.loads(raw.group(1)) == catalogue(language)
        assert "<" not in raw.group(1)
    # Accept-Language, then the remembered choice over it; ?lang= is remembered.
    assert '<html lang="sv">' in client.get("/", headers={**reader, "Accept-Language": "sv-FI,en;q=0.5"}).text
    chosen = client.get("/", params={"lang": "fi"}, headers=reader)
    assert chosen.cookies.get(COOKIE) == "fi" or f"{COOKIE}=fi" in chosen.headers.get("set-cookie", "")
    client.cookies.set(COOKIE, "fi")
    assert '<html lang="fi">' in client.get("/", headers={**reader, "Accept-Language": "sv"}).text
    data = client.get("/maps/neighbourhood.json", params={"key": "tallinn", "lang": "sv"}, headers=reader).json()
    assert data["title"] == gettext("sv", "Neighbourhood of {names}", names="Tallinn")
    assert data["style"]["kindLabels"]["City"] == gettext("sv", "City")
    client.cookies.clear()


@pytest.fixture
def reset_cli_language() -> Iterator[None]:
    from partnergraph.commands.common import set_language

    yield
    set_language(None)


@pytest.mark.usefixtures("cli_on_backend", "reset_cli_language")
def test_cli_speaks_the_language_asked_for(helsinki_store: GraphStore, monkeypatch: pytest.MonkeyPatch) -> None:
    runner = CliRunner()
    monkeypatch.setenv("COLUMNS", "300")
    heading = "Memberships without an owner"
    for args, env in (
        (["--lang", "sv", "ask", "governance"], {}),
        (["ask", "governance"], {"PARTNERGRAPH_LANG": "sv"}),
        (["ask", "governance"], {"PARTNERGRAPH_LANG": "", "LC_ALL": "", "LC_MESSAGES": "", "LANG": "sv_FI.UTF-8"}),
    ):
        result = runner.invoke(cli_app, args, env=env, catch_exceptions=False)
        assert result.exit_code == 0, result.output
        assert gettext("sv", heading) in result.output and heading not in result.output, (args, env)
    result = runner.invoke(cli_app, ["--lang", "fi", "ask", "contacts", "c40"], catch_exceptions=False)
    title = gettext("fi", "Contacts for {name} ({key})", name="\0", key="c40").split("\0")  # the name is the data's
    assert title[0] in result.output and title[1] in result.output
    assert gettext("fi", "person") in result.output
    result = runner.invoke(cli_app, ["--lang", "fi", "ask", "entity", "no-such-key"])
    assert result.exit_code == 1 and gettext("fi", "not found") in result.output
    english = runner.invoke(cli_app, ["--lang", "en", "ask", "governance"], catch_exceptions=False)
    assert heading in english.output


# -- the CLI's --help -----------------------------------------------------------------------------


def cli_help_texts(command: TyperGroup | TyperCommand, path: str = "partnergraph") -> Iterator[tuple[str, str]]:
    """(where, text) for the help of every group, command, option and argument of the CLI."""
    if command.help:
        yield path, command.help
    for param in command.params:
        text = getattr(param, "help", None)
        if text and param.name not in ("install_completion", "show_completion"):  # typer's own
            yield f"{path} {param.name}", text
    if isinstance(command, TyperGroup):
        for name, sub in command.commands.items():
            assert isinstance(sub, TyperGroup | TyperCommand), name
            yield from cli_help_texts(sub, f"{path} {name}")


def test_every_cli_help_text_comes_from_the_catalogue() -> None:
    """No help text is a bare literal or a docstring: each is an id of the catalogues (the tests
    run in English), its `{fields}` filled in."""
    ids = set(catalogue("en"))
    with_fields = [re.compile(re.sub(r"\\\{\w+\\\}", ".+", re.escape(i))) for i in ids if fields(i)]
    root = typer.main.get_command(cli_app)
    assert isinstance(root, TyperGroup)
    texts = list(cli_help_texts(root))
    assert len(texts) > 80, "too few help texts found: is the walk broken?"
    outside = [(w, t) for w, t in texts if t not in ids and not any(p.fullmatch(t) for p in with_fields)]
    assert outside == [], outside


CLI = [sys.executable, "-m", "partnergraph.cli"]
SCRIPT = Path(sys.executable).with_name("partnergraph")


def cli_help(*args: str, env: dict[str, str] | None = None, script: bool = True) -> str:
    """`partnergraph ARGS` in a fresh process (help texts are built when the modules are imported)."""
    environment = {**os.environ, "COLUMNS": "400", "NO_COLOR": "1", **(env or {})}
    command = [str(SCRIPT)] if script and SCRIPT.exists() else CLI
    done = subprocess.run([*command, *args], env=environment, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    return done.stdout


def assert_help_in(language: str, output: str, *ids: str) -> None:
    for message_id in ids:
        assert gettext(language, message_id) in output, (language, message_id, output)
        assert message_id not in output, (language, message_id, output)


GROUP_HELP = "Ask the graph a question (search, entity, partners, contacts, paths…)."
COMMAND_HELP = "An entity: its properties, its relations by type, and the quotes they rest on."
LOAD_HELP = (
    "Load sources into the graph: the curated dataset, CSV files, contacts, Kumu sheets, .xlsx workbooks, documents."
)


def test_cli_help_speaks_the_language_asked_for() -> None:
    for language in ("fi", "sv"):
        assert_help_in(language, cli_help("--lang", language, "ask", "--help"), GROUP_HELP, COMMAND_HELP)
        contacts = cli_help(f"--lang={language}", "ask", "contacts", "--help", script=False)  # python -m
        argument, option = (
            "An entity or theme: key, name or alias (fi, sv, en).",
            "Print the answer as JSON (the API's format).",
        )
        assert_help_in(language, contacts, argument, option, "Also show email and phone (personal data).")
    # PARTNERGRAPH_LANG; --lang over it; the locale without either; English.
    load = cli_help("load", "--help", env={"PARTNERGRAPH_LANG": "sv"})
    assert_help_in("sv", load, LOAD_HELP, "Validate only; write nothing.", "Loader name, when it cannot be detected.")
    root = cli_help("--lang", "fi", "--help", env={"PARTNERGRAPH_LANG": "sv"})
    assert_help_in("fi", root, "partnergraph: a city's international relations as a property graph.", LOAD_HELP)
    locale = {"PARTNERGRAPH_LANG": "", "LC_ALL": "", "LC_MESSAGES": "", "LANG": "sv_FI.UTF-8"}
    assert_help_in("sv", cli_help("ask", "--help", env=locale), GROUP_HELP)
    english = cli_help("ask", "--help", env={"PARTNERGRAPH_LANG": "en"})
    assert GROUP_HELP in english and COMMAND_HELP in english


def test_the_language_of_the_help_is_the_root_lang_option() -> None:
    assert lang_option(["--lang", "fi", "ask", "--help"]) == "fi"
    assert lang_option(["--lang=sv", "load", "--help"]) == "sv"
    assert lang_option(["--help", "--lang", "sv"]) == "sv"
    assert lang_option(["brief", "tallinn", "--lang", "sv", "-o", "x.pdf"]) is None  # the briefing's own
    assert lang_option(["--lang"]) is None
    assert lang_option([]) is None
