"""The package's modules and what each imports, for the architecture tests."""

from __future__ import annotations

import ast
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import sellers_center

PACKAGE_FOLDER = Path(sellers_center.__file__).parent
PACKAGE = "sellers_center"
MAX_FILE_LINES = 400
WEB_FRAMEWORKS = ("fastapi", "starlette")
HTTP_PACKAGE = f"{PACKAGE}.http"
# Data files, not code: the demo catalogue is thousands of lines of JSON by nature.
DATA_FOLDER = PACKAGE_FOLDER / "catalog" / "data"


@dataclass(frozen=True)
class Module:
    name: str
    path: Path
    imports: frozenset[str]
    """Every module it imports, anywhere in the file (function-level imports too)."""

    @property
    def file_name(self) -> str:
        return self.path.name

    @property
    def relative_path(self) -> str:
        return self.path.relative_to(PACKAGE_FOLDER.parent).as_posix()


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE_FOLDER.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _imports(path: Path, name: str, known: set[str]) -> frozenset[str]:
    """Imported modules; ``from a import b`` counts ``a.b`` when that is one of ours."""
    is_package = path.name == "__init__.py"
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = name.split(".")[: len(name.split(".")) - node.level + is_package]
                base = ".".join([*anchor, base] if base else anchor)
            found.add(base)
            found.update(
                f"{base}.{alias.name}" for alias in node.names if f"{base}.{alias.name}" in known
            )
    return frozenset(found)


def _modules() -> list[Module]:
    paths = sorted(PACKAGE_FOLDER.rglob("*.py"))
    known = {_module_name(path) for path in paths}
    return [
        Module(_module_name(path), path, _imports(path, _module_name(path), known))
        for path in paths
    ]


MODULES = _modules()


def is_within(imported: str, package: str) -> bool:
    return imported == package or imported.startswith(f"{package}.")


def is_router(imported: str) -> bool:
    return is_within(imported, PACKAGE) and imported.rsplit(".", 1)[-1] == "router"


def is_service(imported: str) -> bool:
    """A domain's verbs: its ``service`` module, or a module of its ``service`` package."""
    return is_within(imported, PACKAGE) and "service" in imported.split(".")[1:]


def is_repository(imported: str) -> bool:
    """A domain's SQL: its ``repository`` module, or a module of its ``repository`` package."""
    return is_within(imported, PACKAGE) and "repository" in imported.split(".")[1:]


def top_package(name: str) -> str:
    """The top-level package (or root module) of one of our modules: ``products`` for
    ``sellers_center.products.rules.style``, ``errors`` for ``sellers_center.errors``."""
    parts = name.split(".")
    return parts[1] if len(parts) > 1 else PACKAGE


# The composition roots: they wire every domain together, so they may import anything.
ROOTS = frozenset(f"{PACKAGE}.{name}" for name in ("app", "kinds", "runtime", "__main__"))
# Where a request meets the process: the runtime, the session and the seller handlers take.
REQUEST_DEPENDENCIES = f"{PACKAGE}.http.dependencies"
# What a batch kind declares: the engine's own vocabulary, not a kind.
ENGINE_KIND = f"{PACKAGE}.engine.kind"


def is_domain_kind(name: str) -> bool:
    return is_within(name, PACKAGE) and name.endswith(".kind") and name != ENGINE_KIND


def is_composition(name: str) -> bool:
    """Edges of the package graph: routers, batch kinds, the request dependencies, the CLI and
    the roots. They may import several domains' services and schemas."""
    return (
        name in ROOTS
        or name == REQUEST_DEPENDENCIES
        or is_within(name, f"{PACKAGE}.cli")
        or is_router(name)
        or is_domain_kind(name)
    )


def ours(imported: str) -> bool:
    return is_within(imported, PACKAGE)


def may_import_web_framework(module: Module) -> bool:
    return (
        module.file_name == "router.py"
        or is_within(module.name, HTTP_PACKAGE)
        or module.name == f"{PACKAGE}.app"
    )


def violations(modules: list[Module], forbidden: Callable[[str], bool]) -> dict[str, list[str]]:
    """For each module importing something forbidden, what it imports."""
    return {
        module.relative_path: sorted(i for i in module.imports if forbidden(i))
        for module in modules
        if any(forbidden(i) for i in module.imports)
    }
