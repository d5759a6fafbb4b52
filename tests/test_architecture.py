"""STYLE rule 2 (dependencies point one way) and rule 15 (files under 400 lines)."""

from __future__ import annotations

import ast
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

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


def _is_within(imported: str, package: str) -> bool:
    return imported == package or imported.startswith(f"{package}.")


def _is_router(imported: str) -> bool:
    return _is_within(imported, PACKAGE) and imported.rsplit(".", 1)[-1] == "router"


def _is_service(imported: str) -> bool:
    return _is_within(imported, PACKAGE) and imported.rsplit(".", 1)[-1] == "service"


def _may_import_web_framework(module: Module) -> bool:
    return (
        module.file_name == "router.py"
        or _is_within(module.name, HTTP_PACKAGE)
        or module.name == f"{PACKAGE}.app"
    )


def _violations(modules: list[Module], forbidden: Callable[[str], bool]) -> dict[str, list[str]]:
    """For each module importing something forbidden, what it imports."""
    return {
        module.relative_path: sorted(i for i in module.imports if forbidden(i))
        for module in modules
        if any(forbidden(i) for i in module.imports)
    }


def test_the_scan_sees_the_whole_package() -> None:
    names = {module.name for module in MODULES}
    assert {
        "sellers_center.app",
        "sellers_center.cli",
        "sellers_center.catalog.router",
        "sellers_center.catalog.service",
        "sellers_center.catalog.repository",
        "sellers_center.accounts.service",
        "sellers_center.http.dependencies",
        "sellers_center.db.migrations.env",
    } <= names
    catalog_router = next(m for m in MODULES if m.name == "sellers_center.catalog.router")
    assert {"fastapi", "sellers_center.catalog.service"} <= catalog_router.imports


def test_only_routers_http_and_app_import_the_web_framework() -> None:
    others = [module for module in MODULES if not _may_import_web_framework(module)]

    def is_web_framework(imported: str) -> bool:
        return any(_is_within(imported, framework) for framework in WEB_FRAMEWORKS)

    assert _violations(others, is_web_framework) == {}


@pytest.mark.parametrize("layer", ["service.py", "repository.py"])
def test_services_and_repositories_know_no_http(layer: str) -> None:
    modules = [module for module in MODULES if module.file_name == layer]

    def is_http(imported: str) -> bool:
        return _is_router(imported) or _is_within(imported, HTTP_PACKAGE)

    assert modules != []
    assert _violations(modules, is_http) == {}


def test_repositories_do_not_import_services() -> None:
    repositories = [module for module in MODULES if module.file_name == "repository.py"]

    assert repositories != []
    assert _violations(repositories, _is_service) == {}


def test_the_cli_and_the_worker_do_not_import_routers() -> None:
    callers = [
        module
        for module in MODULES
        if _is_within(module.name, f"{PACKAGE}.cli") or module.name == f"{PACKAGE}.engine.worker"
    ]

    assert {f"{PACKAGE}.cli", f"{PACKAGE}.cli.server", f"{PACKAGE}.engine.worker"} <= {
        module.name for module in callers
    }
    assert _violations(callers, _is_router) == {}


def test_the_package_does_not_import_the_tests() -> None:
    def is_tests(imported: str) -> bool:
        return _is_within(imported, "tests")

    assert _violations(MODULES, is_tests) == {}


def _source_files() -> list[Path]:
    """Every file of the package but data (the demo catalogue) and compiled bytecode."""
    return sorted(
        path
        for path in PACKAGE_FOLDER.rglob("*")
        if path.is_file() and DATA_FOLDER not in path.parents and "__pycache__" not in path.parts
    )


def test_source_files_are_under_the_size_limit() -> None:
    files = _source_files()
    too_long = {
        path.relative_to(PACKAGE_FOLDER).as_posix(): length
        for path in files
        if (length := len(path.read_text(encoding="utf-8").splitlines())) > MAX_FILE_LINES
    }

    assert len(files) > len(MODULES)  # the .py modules and the rest (py.typed, the .mako)
    assert too_long == {}
