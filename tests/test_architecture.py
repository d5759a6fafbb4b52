"""Layers: dependencies point one way (router → service → repository → tables), only the HTTP
edge knows the web framework, and files stay under 400 lines. The package graph is
``test_package_graph.py``."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.package_scan import (
    DATA_FOLDER,
    HTTP_PACKAGE,
    MAX_FILE_LINES,
    MODULES,
    PACKAGE,
    PACKAGE_FOLDER,
    WEB_FRAMEWORKS,
    is_repository,
    is_router,
    is_service,
    is_within,
    may_import_web_framework,
    violations,
)


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
    others = [module for module in MODULES if not may_import_web_framework(module)]

    def is_web_framework(imported: str) -> bool:
        return any(is_within(imported, framework) for framework in WEB_FRAMEWORKS)

    assert violations(others, is_web_framework) == {}


@pytest.mark.parametrize("layer", ["service", "repository"])
def test_services_and_repositories_know_no_http(layer: str) -> None:
    is_layer = is_service if layer == "service" else is_repository
    modules = [module for module in MODULES if is_layer(module.name)]

    def is_http(imported: str) -> bool:
        return is_router(imported) or is_within(imported, HTTP_PACKAGE)

    assert modules != []
    assert violations(modules, is_http) == {}


def test_repositories_do_not_import_services() -> None:
    repositories = [module for module in MODULES if is_repository(module.name)]

    assert repositories != []
    assert violations(repositories, is_service) == {}


def test_the_cli_and_the_worker_do_not_import_routers() -> None:
    callers = [
        module
        for module in MODULES
        if is_within(module.name, f"{PACKAGE}.cli") or module.name == f"{PACKAGE}.engine.worker"
    ]

    assert {f"{PACKAGE}.cli", f"{PACKAGE}.cli.server", f"{PACKAGE}.engine.worker"} <= {
        module.name for module in callers
    }
    assert violations(callers, is_router) == {}


def test_the_package_does_not_import_the_tests() -> None:
    def is_tests(imported: str) -> bool:
        return is_within(imported, "tests")

    assert violations(MODULES, is_tests) == {}


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
