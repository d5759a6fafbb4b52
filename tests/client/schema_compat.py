"""Structural comparison of two JSON Schemas: does every value one describes fit the other?

Used to hold the SDK's models to the server's OpenAPI document: the server's answers must fit
the SDK's models, and what the SDK sends must fit the server's request schemas. Bounds
(lengths, ranges, patterns) are the server's business and are not compared; types, nesting,
enum values, formats, field names and required fields are.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

Schema = dict[str, Any]


@dataclass
class Side:
    """One schema document: its definitions, and the names visited while comparing."""

    definitions: dict[str, Schema]
    visited: set[str] = field(default_factory=set)

    def resolve(self, schema: Schema) -> Schema:
        while "$ref" in schema:
            name = schema["$ref"].rsplit("/", 1)[-1]
            self.visited.add(name)
            schema = self.definitions[name]
        return schema

    def visit(self, schema: Any) -> None:
        """Record every definition ``schema`` reaches."""
        if isinstance(schema, dict):
            if "$ref" in schema and schema["$ref"].rsplit("/", 1)[-1] not in self.visited:
                self.visit(self.resolve(schema))
            for value in schema.values():
                self.visit(value)
        elif isinstance(schema, list):
            for value in schema:
                self.visit(value)

    def alternatives(self, schema: Schema) -> Iterator[Schema]:
        """The non-union schemas a (possibly nested) ``anyOf`` allows."""
        schema = self.resolve(schema)
        if "anyOf" in schema:
            for option in schema["anyOf"]:
                yield from self.alternatives(option)
        else:
            yield schema


def kind(schema: Schema) -> str:
    if "enum" in schema:
        return "enum"
    if "properties" in schema:
        return "model"
    if schema.get("type") == "object":
        return "map"
    return str(schema.get("type", "any"))


# Source kind -> the target kinds that accept its values.
ACCEPTING = {
    "integer": {"integer", "number"},
    "number": {"number"},
    "string": {"string"},
    "enum": {"enum", "string"},
    "boolean": {"boolean"},
    "null": {"null"},
    "array": {"array"},
    "model": {"model"},
    "map": {"map"},
}


@dataclass
class Comparison:
    """Collects every mismatch between ``source`` values and the ``target`` that must take
    them."""

    source: Side
    target: Side
    problems: list[str] = field(default_factory=list)

    def values_fit(self, source: Schema, target: Schema, where: str) -> None:
        targets = list(self.target.alternatives(target))
        for option in self.source.alternatives(source):
            candidates = [t for t in targets if self._fits(option, t)]
            if not candidates:
                shown = sorted({kind(t) for t in targets})
                self.problems.append(f"{where}: {_describe(option)} does not fit {shown}")
                continue
            self._inside(option, candidates[0], where)

    def _fits(self, source: Schema, target: Schema) -> bool:
        if kind(target) not in ACCEPTING.get(kind(source), set()):
            return False
        if kind(source) == "enum" and kind(target) == "enum":
            return set(source["enum"]) <= set(target["enum"])
        if kind(source) == "enum":
            return "format" not in target
        if kind(source) == "string":
            return target.get("format") in (None, source.get("format"))
        return True

    def _inside(self, source: Schema, target: Schema, where: str) -> None:
        if kind(source) == "array":
            self.values_fit(source.get("items", {}), target.get("items", {}), f"{where}[]")
        elif kind(source) == "map":
            values = source.get("additionalProperties", {})
            self.values_fit(values, target.get("additionalProperties", {}), f"{where}{{}}")
        elif kind(source) == "model":
            self.fields_match(source, target, where)

    def fields_match(self, source: Schema, target: Schema, where: str) -> None:
        """Same field names, same required ones, and each field's values fit."""
        names, other = set(source["properties"]), set(target["properties"])
        for name in sorted(names - other):
            self.problems.append(f"{where}.{name}: missing from the target")
        for name in sorted(other - names):
            self.problems.append(f"{where}.{name}: not in the source")
        required, other_required = set(source.get("required", [])), set(target.get("required", []))
        if required != other_required:
            self.problems.append(
                f"{where}: required only in the source {sorted(required - other_required)}, "
                f"only in the target {sorted(other_required - required)}"
            )
        for name in sorted(names & other):
            self.values_fit(
                source["properties"][name], target["properties"][name], f"{where}.{name}"
            )


def _describe(schema: Schema) -> str:
    described = kind(schema)
    if "format" in schema:
        described += f" ({schema['format']})"
    if "enum" in schema:
        described += f" {schema['enum']}"
    return described
