"""All configuration in one place, read from the environment (and `.env`).

The Neo4j variables use the names Neo4j's own tools use, so an existing `.env` for cypher-shell
or the Neo4j drivers works as it is.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Annotated, Any, Literal

from limits import parse_many
from pydantic import BaseModel, ConfigDict, Field, SecretStr, StringConstraints, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from graph.connect import StoreConfig
from graph.schema import load_schema

LOOPBACK_HOSTS = frozenset({"127.0.0.1", "::1", "localhost"})


class ApiKeyEntry(BaseModel):
    """One API key as configured: its holder's name, its role and the SHA-256 (hex) of the key.
    The key itself is never stored; `partnergraph keys new` prints a fresh key and this entry."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    name: Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9 ._@-]{0,99}$")]
    role: Literal["reader", "contacts", "editor", "admin"]
    sha256: Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{64}$", to_lower=True)]


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore", populate_by_name=True)

    neo4j_uri: str | None = Field(
        default=None, validation_alias="NEO4J_URI", description="Neo4j Bolt/neo4j URI; unset = embedded ArcadeDB."
    )
    neo4j_username: str = Field(default="neo4j", validation_alias="NEO4J_USERNAME")
    neo4j_password: SecretStr | None = Field(default=None, validation_alias="NEO4J_PASSWORD")
    neo4j_database: str | None = Field(default=None, validation_alias="NEO4J_DATABASE")
    embedded: Literal["arcadedb", "neo4j"] = Field(
        default="arcadedb",
        validation_alias="PARTNERGRAPH_EMBEDDED",
        description="The database partnergraph starts itself when NEO4J_URI is unset (neo4j needs Java 17+ and Maven).",
    )
    data_dir: Path = Field(
        default=Path("data/db"), validation_alias="PARTNERGRAPH_DATA_DIR", description="Embedded database folder."
    )
    db_heap: str = Field(default="512m", validation_alias="PARTNERGRAPH_DB_HEAP", pattern=r"^\d+[mg]$")
    db_command_timeout_ms: int | None = Field(
        default=None,
        validation_alias="PARTNERGRAPH_DB_COMMAND_TIMEOUT_MS",
        ge=1_000,
        description="The managed server's time limit; unset = the console's limit on ArcadeDB, 1 h on Neo4j.",
    )
    host: str = Field(default="127.0.0.1", validation_alias="PARTNERGRAPH_HOST")
    port: int = Field(default=8000, validation_alias="PARTNERGRAPH_PORT")
    workers: int = Field(
        default=1,
        ge=1,
        le=32,
        validation_alias="PARTNERGRAPH_WORKERS",
        description="Processes `partnergraph serve` answers from (one a core): each holds its own projection, "
        "and a write through any of them is seen by all (the change counter in the database).",
    )
    answer_cache_mb: int = Field(
        default=32,
        ge=0,
        le=4096,
        validation_alias="PARTNERGRAPH_ANSWER_CACHE_MB",
        description="Memory each process keeps answers in until the data changes (0 = off): a question asked "
        "again before any write is answered as it was built.",
    )
    explorer_home: str = Field(
        default="helsinki",
        validation_alias="PARTNERGRAPH_HOME",
        pattern=r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$",
        description="The entity the explorer opens on (its neighbourhood).",
    )
    explorer_home_kinds: Annotated[list[str], NoDecode] = Field(
        default_factory=lambda: list(load_schema().kinds_with_role("opening_view")),
        validation_alias="PARTNERGRAPH_HOME_KINDS",
        description="The kinds the explorer's opening view shows (comma-separated); the rest load unticked. "
        "Default: the schema's `opening_view` kinds.",
    )
    # -- API access -------------------------------------------------------------------------------
    api_keys: list[ApiKeyEntry] = Field(
        default_factory=list,
        validation_alias="PARTNERGRAPH_API_KEYS",
        description='JSON list of {"name", "role", "sha256"}; see `partnergraph keys new`.',
    )
    api_keys_file: Path | None = Field(
        default=None,
        validation_alias="PARTNERGRAPH_API_KEYS_FILE",
        description="A JSON file with more key entries (same format).",
    )
    anonymous: Literal["reader", "none"] | None = Field(
        default=None,
        validation_alias="PARTNERGRAPH_ANONYMOUS",
        description="Access without a key; unset = reader while listening on loopback only, none otherwise.",
    )
    cors_origins: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        validation_alias="PARTNERGRAPH_CORS_ORIGINS",
        description="Origins allowed to call the API from a browser (comma-separated or JSON list); none by default.",
    )
    max_body_bytes: int = Field(default=1_048_576, validation_alias="PARTNERGRAPH_MAX_BODY_BYTES", ge=1_024)
    audit_log: Path = Field(
        default=Path("data/audit.jsonl"),
        validation_alias="PARTNERGRAPH_AUDIT_LOG",
        description="JSON-lines audit log of writes and contact reads (never personal values).",
    )
    cypher_timeout_s: float = Field(default=10.0, validation_alias="PARTNERGRAPH_CYPHER_TIMEOUT_S", gt=0, le=300)
    cypher_max_rows: int = Field(default=1_000, validation_alias="PARTNERGRAPH_CYPHER_MAX_ROWS", ge=1, le=100_000)
    # -- rate limits (per client; `20/minute`, `5/second`, or `none`) -------------------------------
    rate_limit_auth_failures: str = Field(
        default="20/minute",
        validation_alias="PARTNERGRAPH_RATE_LIMIT_AUTH_FAILURES",
        description="Failed authentications per client address; past it, 429 for any key until the window frees.",
    )
    rate_limit_network: str = Field(
        default="300/minute",  # an analyst clicking through the explorer stays well below it
        validation_alias="PARTNERGRAPH_RATE_LIMIT_NETWORK",
        description="Requests per caller to /paths, /neighbourhood and /brokers.",
    )
    rate_limit_maps: str = Field(
        default="300/minute",
        validation_alias="PARTNERGRAPH_RATE_LIMIT_MAPS",
        description="Requests per caller to /maps/… and /explorer/export.",
    )
    rate_limit_cypher: str = Field(
        default="30/minute",
        validation_alias="PARTNERGRAPH_RATE_LIMIT_CYPHER",
        description="Requests per caller to the Cypher console.",
    )

    @field_validator("rate_limit_auth_failures", "rate_limit_network", "rate_limit_maps", "rate_limit_cypher")
    @classmethod
    def _a_limit(cls, value: str) -> str:
        text = value.strip().lower()
        if text in ("", "none", "0", "off"):
            return "none"
        try:
            single = len(parse_many(text)) == 1
        except ValueError:
            single = False
        if not single:
            raise ValueError(f"not one rate limit like '20/minute', or 'none': {value!r}")
        return text

    @field_validator("cors_origins", "explorer_home_kinds", mode="before")
    @classmethod
    def _split_origins(cls, value: Any) -> Any:
        if isinstance(value, str):
            text = value.strip()
            if text.startswith("["):
                return json.loads(text)
            return [part.strip() for part in text.split(",") if part.strip()]
        return value

    @property
    def on_loopback(self) -> bool:
        return self.host.strip("[]").lower() in LOOPBACK_HOSTS or self.host.startswith("127.")

    @property
    def anonymous_role(self) -> str | None:
        """The role of a request without a key: "reader" or None (refused)."""
        if self.anonymous is not None:
            return None if self.anonymous == "none" else self.anonymous
        return "reader" if self.on_loopback else None

    def all_api_keys(self) -> list[ApiKeyEntry]:
        """Keys from PARTNERGRAPH_API_KEYS plus those of PARTNERGRAPH_API_KEYS_FILE (read now)."""
        keys = list(self.api_keys)
        if self.api_keys_file is not None:
            raw = json.loads(self.api_keys_file.read_text(encoding="utf-8"))
            keys.extend(ApiKeyEntry.model_validate(entry) for entry in raw)
        return keys

    def store_config(self) -> StoreConfig:
        return StoreConfig(
            data_dir=self.data_dir,
            neo4j_uri=self.neo4j_uri or None,
            neo4j_username=self.neo4j_username,
            neo4j_password=self.neo4j_password.get_secret_value() if self.neo4j_password else None,
            neo4j_database=self.neo4j_database or None,
            embedded=self.embedded,
            heap=self.db_heap,
            command_timeout_ms=self.server_timeout_ms,
        )

    @property
    def server_timeout_ms(self) -> int:
        """The managed server's own time limit.

        ArcadeDB enforces only its per-statement command timeout (not a transaction's), so there it
        is the console's limit; Neo4j enforces the console's limit per transaction, under this ceiling,
        which only stops a runaway: a large load is one transaction (at 30 s, a 10^4-node load failed)."""
        if self.db_command_timeout_ms is not None:
            return self.db_command_timeout_ms
        console_ms = round(self.cypher_timeout_s * 1000)
        return console_ms if self.embedded == "arcadedb" else max(3_600_000, console_ms)


@cache
def get_settings() -> Settings:
    return Settings()
