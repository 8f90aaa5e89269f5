"""Loaders turn sources into validated records. Importing the package registers the built-ins.

Each loader's `detect` recognises only its own sources, so the registration order does not matter.
"""

from loaders import contacts, csv_neo4j, curated, document, kumu, xlsx

__all__ = ["contacts", "csv_neo4j", "curated", "document", "kumu", "xlsx"]
