"""The curated dataset: a folder with `dataset.yaml` and YAML files of nodes and relations.

This is what `make run` loads into an empty database. Its format is described in data/README.md.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, ClassVar

import yaml

from graph.model import RecordError, ValidationFailed, parse_node, parse_relation
from graph.schema import Schema
from loaders.base import LoadOptions, SourceRead, register

DEFAULT_DATASET = Path(__file__).resolve().parent.parent / "data" / "helsinki"


class _LineLoader(yaml.SafeLoader):
    """A YAML loader that remembers the line of every mapping, so errors can point at it."""


def _construct_mapping(loader: _LineLoader, node: yaml.MappingNode) -> dict[str, Any]:
    mapping = {str(k): v for k, v in loader.construct_mapping(node, deep=True).items()}
    mapping["__line__"] = node.start_mark.line + 1
    return mapping


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def _strip_lines(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _strip_lines(v) for k, v in value.items() if k != "__line__"}
    if isinstance(value, list):
        return [_strip_lines(v) for v in value]
    return value


def read_yaml(path: Path) -> Any:
    with path.open(encoding="utf-8") as handle:
        return yaml.load(handle, Loader=_LineLoader)  # noqa: S506 - a SafeLoader subclass


@register
class CuratedDatasetLoader:
    name: ClassVar[str] = "dataset"
    description: ClassVar[str] = "a curated dataset folder (dataset.yaml + YAML node and relation files)"

    def detect(self, path: Path) -> bool:
        return (path / "dataset.yaml").is_file() or path.name == "dataset.yaml"

    def read(self, path: Path, schema: Schema, options: LoadOptions) -> SourceRead:
        folder = path if path.is_dir() else path.parent
        manifest_path = folder / "dataset.yaml"
        result = SourceRead(source=str(folder))
        try:
            manifest = _strip_lines(read_yaml(manifest_path)) or {}
        except (OSError, yaml.YAMLError) as exc:
            result.errors.append(RecordError(str(manifest_path), "(file)", f"cannot read: {exc}"))
            return result
        default_doc = manifest.get("default_document")
        for name in manifest.get("files", []):
            file_path = folder / name
            try:
                content = read_yaml(file_path) or {}
            except (OSError, yaml.YAMLError) as exc:
                result.errors.append(RecordError(str(file_path), "(file)", f"cannot read: {exc}"))
                continue
            for section, parse, target in (
                ("nodes", parse_node, result.batch.nodes),
                ("relations", parse_relation, result.batch.relations),
            ):
                for raw in content.get(section, []) or []:
                    where = f"{file_path.relative_to(folder.parent)} line {raw.get('__line__', '?')}"
                    try:
                        target.append(parse(schema, _strip_lines(raw), where, default_doc=default_doc))  # type: ignore[arg-type]
                    except ValidationFailed as exc:
                        result.errors.extend(exc.errors)
        return result
