"""The guard in front of the power-user Cypher console: it tokenizes the query as Cypher does.

It is the first of three locks, not the only one: after it, Neo4j must classify the query as
read-only (EXPLAIN's query type `r`) and run it in a READ transaction with a timeout; the embedded
ArcadeDB, which enforces neither, runs it as a database user whose group may only read records,
under a server-side timeout and result limit. The guard refuses early, with a reason a user can
act on, what those locks would refuse anyway, and what they would not refuse on ArcadeDB.

The decision is made on tokens, never on substrings: string literals (both quotes, backslash
escapes), backticked names (```` `` ```` escapes a backtick), `//` and `/* */` comments, and
Cypher's unicode whitespace are read as Cypher reads them. A keyword counts only as a bare word, a
procedure or function only by its unquoted, dotted name (``CALL `db`.`labels`()`` is `db.labels`).
Where another reading of the same text is plausible (a server without backslash escapes in strings,
or with them in backticked names), the query must pass under that reading too.
"""

from __future__ import annotations

import enum
import re
import unicodedata
from dataclasses import dataclass

MAX_QUERY_LENGTH = 10_000
# Procedures that only describe the graph, by unquoted name (lower case). Anything else is refused.
ALLOWED_PROCEDURES = frozenset({"db.labels", "db.relationshiptypes", "db.propertykeys"})
# Namespaces of functions that compute on values only; apoc, gds, dbms, db, genai and others are refused.
ALLOWED_FUNCTION_NAMESPACES = frozenset(
    {"date", "datetime", "localdatetime", "localtime", "time", "duration", "point", "vector", "vector.similarity"}
)
# Clauses and commands that write, change the schema, administer, or reach outside the database.
REFUSED_KEYWORDS = frozenset(
    {
        "CREATE", "MERGE", "SET", "DELETE", "DETACH", "NODETACH", "REMOVE", "DROP", "FOREACH", "LOAD", "USE",
        "GRANT", "DENY", "REVOKE", "ALTER", "RENAME", "START", "STOP", "TERMINATE", "ENABLE", "DISABLE",
        "SUSPEND", "REALLOCATE", "DEALLOCATE", "SHOW", "PERIODIC", "COMMIT", "TRANSACTIONS", "EXPLAIN",
        "PROFILE", "INSERT", "FINISH", "IMPORT", "COPY",
    }
)  # fmt: skip
# Cypher's whitespace (Neo4j 5 lexer), beyond Python's own: every one separates tokens.
CYPHER_SPACE = frozenset(
    "\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680\u180e\u2000\u2001\u2002\u2003\u2004\u2005\u2006"
    "\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000\ufeff"
)
# Operators and punctuation, including the unicode dashes and angle brackets Cypher reads as - < >.
PUNCTUATION = frozenset(
    "()[]{},.:;|+-*/%^=<>!?$&~"
    "\u00ad\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe58\ufe63\uff0d"  # dashes
    "\u27e8\u27e9\u3008\u3009\ufe64\ufe65\uff1c\uff1e"  # angle brackets
)
_NUMBER = re.compile(
    r"0[xX][0-9A-Fa-f_]+|0[oO][0-7_]+|(?:\d[\d_]*)?\.\d[\d_]*(?:[eE][+-]?\d+)?|\d[\d_]*(?:[eE][+-]?\d+)?"
)
_UNICODE_ESCAPE = re.compile(r"\\u([0-9A-Fa-f]{4})")


class ReadOnlyRefused(ValueError):
    """The query is not one the console runs; the message says why, without echoing the query."""


class Kind(enum.Enum):
    WORD = "word"  # an unquoted name or keyword (unicode escapes decoded)
    NAME = "name"  # a backticked name, unquoted
    STRING = "string"
    NUMBER = "number"
    PUNCT = "punct"


@dataclass(frozen=True)
class Token:
    kind: Kind
    text: str

    def is_punct(self, char: str) -> bool:
        return self.kind is Kind.PUNCT and self.text == char


def _is_name_start(char: str) -> bool:
    return char not in CYPHER_SPACE and (char == "_" or char.isidentifier())


def _is_name_part(char: str) -> bool:
    return char not in CYPHER_SPACE and (("a" + char).isidentifier() or unicodedata.category(char) == "Sc")


# One scanning loop, one branch per token kind, is how a lexer reads best; split, it would hide the state.
def tokenize(  # noqa: C901, PLR0912, PLR0915
    query: str, *, string_escapes: bool = True, name_escapes: bool = False
) -> list[Token]:
    """Cypher tokens of `query`, comments and whitespace dropped; ReadOnlyRefused when it cannot be read.

    `string_escapes`: a backslash escapes the next character in a string literal (Cypher's rule);
    `name_escapes`: a backslash escapes a backtick in a backticked name (not Cypher's rule: a variant)."""
    tokens: list[Token] = []
    i, n = 0, len(query)
    while i < n:
        char = query[i]
        if char in CYPHER_SPACE or char.isspace():
            i += 1
        elif query.startswith("//", i):
            end = min((p for p in (query.find("\n", i), query.find("\r", i)) if p >= 0), default=n)
            i = end
        elif query.startswith("/*", i):
            end = query.find("*/", i + 2)
            if end < 0:
                raise ReadOnlyRefused("a /* comment is not closed")
            i = end + 2
        elif char in "'\"":
            j, out = i + 1, []
            while True:
                if j >= n:
                    raise ReadOnlyRefused("a string literal is not closed")
                if query[j] == "\\" and string_escapes:
                    out.append(query[j : j + 2])
                    j += 2
                    continue
                if query[j] == char:
                    break
                out.append(query[j])
                j += 1
            tokens.append(Token(Kind.STRING, "".join(out)))
            i = j + 1
        elif char == "`":
            j, out = i + 1, []
            while True:
                if j >= n:
                    raise ReadOnlyRefused("a `backticked` name is not closed")
                if name_escapes and query[j] == "\\" and j + 1 < n:
                    out.append(query[j + 1])
                    j += 2
                    continue
                if query[j] == "`":
                    if query.startswith("``", j):
                        out.append("`")
                        j += 2
                        continue
                    break
                out.append(query[j])
                j += 1
            tokens.append(Token(Kind.NAME, "".join(out)))
            i = j + 1
        elif char.isdigit() or (char == "." and i + 1 < n and query[i + 1].isdigit() and not _ends_value(tokens)):
            match = _NUMBER.match(query, i)
            if match is None or not match.group(0):  # a non-ASCII digit: no Cypher number starts so
                raise ReadOnlyRefused("unexpected character in the query")
            tokens.append(Token(Kind.NUMBER, match.group(0)))
            i = match.end()
        elif _is_name_start(char) or _UNICODE_ESCAPE.match(query, i):
            j, out = i, []
            while j < n:
                escape = _UNICODE_ESCAPE.match(query, j)
                if escape:  # `\u0043REATE` is read as CREATE: decode before judging the word
                    out.append(chr(int(escape.group(1), 16)))
                    j = escape.end()
                elif _is_name_part(query[j]):
                    out.append(query[j])
                    j += 1
                else:
                    break
            tokens.append(Token(Kind.WORD, "".join(out)))
            i = j
        elif char in PUNCTUATION:
            tokens.append(Token(Kind.PUNCT, char))
            i += 1
        else:
            raise ReadOnlyRefused(f"unexpected character U+{ord(char):04X} in the query")
    return tokens


def _ends_value(tokens: list[Token]) -> bool:
    """Whether the last token ends a value, so a following `.` is property access, not a number."""
    if not tokens:
        return False
    last = tokens[-1]
    return last.kind in (Kind.WORD, Kind.NAME, Kind.STRING, Kind.NUMBER) or last.text in ")]}"


def _dotted_name(tokens: list[Token], start: int) -> tuple[list[str], int]:
    """The parts of a dotted name starting at `start` (words or backticked names) and the index after it."""
    parts: list[str] = []
    i = start
    while i < len(tokens) and tokens[i].kind in (Kind.WORD, Kind.NAME):
        # A backticked `apoc.text` may be resolved as two parts by a server: judged as both.
        parts.extend(tokens[i].text.split(".") if tokens[i].kind is Kind.NAME else [tokens[i].text])
        if i + 1 < len(tokens) and tokens[i + 1].is_punct(".") and i + 2 < len(tokens):
            i += 2
            continue
        i += 1
        break
    return parts, i


def _is_name_position(tokens: list[Token], i: int) -> bool:
    """A word after `$` (a parameter) or after a property dot is a name, not a keyword."""
    if i == 0:
        return False
    before = tokens[i - 1]
    if before.is_punct("$"):
        return True
    return before.is_punct(".") and i >= 2 and tokens[i - 2].kind in (Kind.WORD, Kind.NAME)


def _check_tokens(tokens: list[Token]) -> None:
    if not tokens:
        raise ReadOnlyRefused("the query is empty")
    if tokens[0].is_punct(":"):
        raise ReadOnlyRefused("console commands (:param, :use …) are not Cypher")
    semicolons = [i for i, t in enumerate(tokens) if t.is_punct(";")]
    if semicolons and semicolons != [len(tokens) - 1]:
        raise ReadOnlyRefused("only one statement may be run at a time")
    for i, token in enumerate(tokens):
        if token.kind is not Kind.WORD or _is_name_position(tokens, i):
            continue
        word = token.text.upper()
        if word in REFUSED_KEYWORDS:
            raise ReadOnlyRefused(f"{word} is not allowed in read-only queries")
        if word == "CALL":
            _check_call(tokens, i + 1)
    for i, token in enumerate(tokens):
        if token.kind not in (Kind.WORD, Kind.NAME) or _is_name_position(tokens, i):
            continue
        parts, after = _dotted_name(tokens, i)
        if len(parts) > 1 and after < len(tokens) and tokens[after].is_punct("("):
            _check_function(parts, tokens, i)


def _check_call(tokens: list[Token], i: int) -> None:
    if i >= len(tokens):
        raise ReadOnlyRefused("CALL needs a procedure or a subquery")
    if tokens[i].is_punct("{") or tokens[i].is_punct("("):
        return  # a subquery (CALL { … } or CALL (x) { … }): its clauses are checked as tokens
    parts, _ = _dotted_name(tokens, i)
    name = ".".join(parts).lower()
    if not parts or name not in ALLOWED_PROCEDURES:
        shown = name if parts and len(name) <= 100 else "this procedure"
        raise ReadOnlyRefused(f"procedure {shown} is not allowed; allowed: {', '.join(sorted(ALLOWED_PROCEDURES))}")


def _check_function(parts: list[str], tokens: list[Token], i: int) -> None:
    if i > 0 and tokens[i - 1].kind is Kind.WORD and tokens[i - 1].text.upper() == "CALL":
        return  # a procedure: checked against its own allow-list
    namespace = ".".join(parts[:-1]).lower()
    if namespace not in ALLOWED_FUNCTION_NAMESPACES:
        shown = namespace if len(namespace) <= 100 else "this namespace"
        raise ReadOnlyRefused(f"functions of {shown} are not allowed in read-only queries")


def check_readonly(query: str) -> None:
    """Raise ReadOnlyRefused unless `query` is a single read-only statement."""
    if not query or not query.strip():
        raise ReadOnlyRefused("the query is empty")
    if len(query) > MAX_QUERY_LENGTH:
        raise ReadOnlyRefused(f"the query is longer than {MAX_QUERY_LENGTH} characters")
    if "\x00" in query:
        raise ReadOnlyRefused("the query contains a NUL character")
    _check_tokens(tokenize(query))
    for variant in ({"string_escapes": False}, {"name_escapes": True}):
        try:
            tokens = tokenize(query, **variant)
        except ReadOnlyRefused:
            continue  # unreadable this way: a server reading it so would refuse it as a syntax error
        _check_tokens(tokens)
