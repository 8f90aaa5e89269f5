"""The guard in front of the power-user Cypher console.

It is the first of three locks, not the only one: after it, Neo4j must classify the query as
read-only (EXPLAIN's query type `r`) and run it in a READ transaction with a timeout; the embedded
ArcadeDB, which enforces neither, runs it as a database user whose group may only read records,
under a server-side timeout and result limit. The guard refuses early, with a reason a user can
act on, what those locks would refuse anyway, and what they would not refuse on ArcadeDB.
"""

from __future__ import annotations

import re

MAX_QUERY_LENGTH = 10_000
# Procedures that only describe the graph. Anything else (apoc.load.*, dbms.*, db.create*) is refused.
ALLOWED_PROCEDURES = frozenset({"db.labels", "db.relationshiptypes", "db.propertykeys"})
# Clauses and commands that write, change the schema, administer, or reach outside the database.
REFUSED_KEYWORDS = frozenset(
    {
        "CREATE", "MERGE", "SET", "DELETE", "DETACH", "REMOVE", "DROP", "FOREACH", "LOAD", "USE",
        "GRANT", "DENY", "REVOKE", "ALTER", "RENAME", "START", "STOP", "TERMINATE", "ENABLE",
        "SHOW", "PERIODIC", "TRANSACTIONS", "EXPLAIN", "PROFILE", "INSERT", "FINISH",
    }
)  # fmt: skip
_STRING_OR_COMMENT = re.compile(r"""'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*"|//[^\n]*|/\*.*?\*/""", re.DOTALL)
_BACKTICKED = re.compile(r"`(?:[^`]|``)*`")
_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_CALL = re.compile(r"\bCALL\s*(\{|\(|[A-Za-z_][A-Za-z0-9_.]*)", re.IGNORECASE)
_FUNCTION_NAMESPACE = re.compile(r"\b(apoc|gds|dbms|genai)\s*\.", re.IGNORECASE)


class ReadOnlyRefused(ValueError):
    """The query is not one the console runs; the message says why, without echoing the query."""


def _code_only(query: str) -> str:
    """The query with string literals, comments and backticked names blanked out."""
    text = _STRING_OR_COMMENT.sub(lambda m: "''" if m.group(0)[:1] in "'\"" else " ", query)
    return _BACKTICKED.sub("`x`", text)


def check_readonly(query: str) -> None:
    """Raise ReadOnlyRefused unless `query` is a single read-only statement."""
    if not query or not query.strip():
        raise ReadOnlyRefused("the query is empty")
    if len(query) > MAX_QUERY_LENGTH:
        raise ReadOnlyRefused(f"the query is longer than {MAX_QUERY_LENGTH} characters")
    if "\x00" in query:
        raise ReadOnlyRefused("the query contains a NUL character")
    code = _code_only(query)
    if ";" in code.strip().rstrip(";"):
        raise ReadOnlyRefused("only one statement may be run at a time")
    if ":" in code.lstrip()[:1]:
        raise ReadOnlyRefused("console commands (:param, :use …) are not Cypher")
    for word in _WORD.findall(code):
        if word.upper() in REFUSED_KEYWORDS:
            raise ReadOnlyRefused(f"{word.upper()} is not allowed in read-only queries")
    for match in _CALL.finditer(code):
        target = match.group(1)
        if target in ("{", "("):
            continue  # a subquery: its clauses were checked above
        if target.lower() not in ALLOWED_PROCEDURES:
            raise ReadOnlyRefused(
                f"procedure {target} is not allowed; allowed: {', '.join(sorted(ALLOWED_PROCEDURES))}"
            )
    if _FUNCTION_NAMESPACE.search(code):
        raise ReadOnlyRefused("apoc, gds, dbms and genai functions are not allowed in read-only queries")
