"""Loaders turn sources into validated records. Importing the package registers the built-ins."""

from loaders import curated  # noqa: F401

__all__ = ["curated"]
