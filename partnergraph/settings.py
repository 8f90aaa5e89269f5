"""All configuration in one place, read from the environment (and `.env`).

The Neo4j variables use the names Neo4j's own tools use, so an existing `.env` for cypher-shell
or the Neo4j drivers works as it is.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from graph.connect import StoreConfig


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore", populate_by_name=True)

    neo4j_uri: str | None = Field(None, validation_alias="NEO4J_URI", description="Neo4j Bolt/neo4j URI; unset = embedded ArcadeDB.")
    neo4j_username: str = Field("neo4j", validation_alias="NEO4J_USERNAME")
    neo4j_password: SecretStr | None = Field(None, validation_alias="NEO4J_PASSWORD")
    neo4j_database: str | None = Field(None, validation_alias="NEO4J_DATABASE")
    data_dir: Path = Field(Path("data/db"), validation_alias="PARTNERGRAPH_DATA_DIR", description="Embedded database folder.")
    db_heap: str = Field("512m", validation_alias="PARTNERGRAPH_DB_HEAP", pattern=r"^\d+[mg]$")
    db_command_timeout_ms: int = Field(30_000, validation_alias="PARTNERGRAPH_DB_COMMAND_TIMEOUT_MS", ge=1_000)
    host: str = Field("127.0.0.1", validation_alias="PARTNERGRAPH_HOST")
    port: int = Field(8000, validation_alias="PARTNERGRAPH_PORT")

    def store_config(self) -> StoreConfig:
        return StoreConfig(
            data_dir=self.data_dir,
            neo4j_uri=self.neo4j_uri or None,
            neo4j_username=self.neo4j_username,
            neo4j_password=self.neo4j_password.get_secret_value() if self.neo4j_password else None,
            neo4j_database=self.neo4j_database or None,
            heap=self.db_heap,
            command_timeout_ms=self.db_command_timeout_ms,
        )


@cache
def get_settings() -> Settings:
    return Settings()
