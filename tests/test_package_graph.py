"""The package graph: between top-level packages, the imports of core modules form a DAG.

Composition modules (routers, batch kinds, the request dependencies, the CLI, ``app``,
``kinds``, ``runtime``) are the edges: they may import several domains. Every other module is
core, and its imports must point one way: lifecycle → products → {catalog, accounts, engine, db},
inventory → products; the engine imports no domain; nothing outside ``http`` imports it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from itertools import pairwise

from tests.package_scan import (
    HTTP_PACKAGE,
    MODULES,
    PACKAGE,
    ROOTS,
    Module,
    is_composition,
    is_domain_kind,
    is_repository,
    is_router,
    is_within,
    ours,
    top_package,
    violations,
)

DOMAINS = ("accounts", "catalog", "products", "lifecycle", "inventory", "orders")

Graph = Mapping[str, Mapping[str, frozenset[str]]]
"""Package to package it imports, with the modules that import it."""


def core_modules() -> list[Module]:
    return [module for module in MODULES if not is_composition(module.name)]


def package_graph(modules: Iterable[Module]) -> Graph:
    """Between top-level packages: who imports whom, over core modules only."""
    graph: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    for module in modules:
        source = top_package(module.name)
        for imported in module.imports:
            if ours(imported) and not is_composition(imported):
                target = top_package(imported)
                if target not in (source, PACKAGE):
                    graph[source][target].add(module.name)
    return {
        source: {target: frozenset(names) for target, names in targets.items()}
        for source, targets in graph.items()
    }


def find_cycle(graph: Graph) -> list[str] | None:
    """A cycle of packages (the first package again at the end), or None."""
    finished: set[str] = set()
    path: list[str] = []

    def visit(package: str) -> list[str] | None:
        if package in path:
            return [*path[path.index(package) :], package]
        if package in finished:
            return None
        path.append(package)
        for target in sorted(graph.get(package, {})):
            cycle = visit(target)
            if cycle is not None:
                return cycle
        path.pop()
        finished.add(package)
        return None

    for package in sorted(graph):
        cycle = visit(package)
        if cycle is not None:
            return cycle
    return None


def describe(cycle: list[str], graph: Graph) -> str:
    steps = [
        f"{source} -> {target} (by {', '.join(sorted(graph[source][target]))})"
        for source, target in pairwise(cycle)
    ]
    return "import cycle between packages: " + "; ".join(steps)


def test_the_packages_import_each_other_without_a_cycle() -> None:
    graph = package_graph(core_modules())
    cycle = find_cycle(graph)

    assert cycle is None, describe(cycle, graph)
    assert {"products"} <= set(graph["lifecycle"])
    assert {"products"} <= set(graph["inventory"])


def test_a_cycle_is_found_and_named() -> None:
    graph = {
        "a": {"b": frozenset({"a.x"})},
        "b": {"c": frozenset({"b.y"})},
        "c": {"a": frozenset({"c.z"})},
    }

    cycle = find_cycle(graph)

    assert cycle == ["a", "b", "c", "a"]
    assert describe(cycle, graph) == (
        "import cycle between packages: a -> b (by a.x); b -> c (by b.y); c -> a (by c.z)"
    )
    assert find_cycle({"a": {"b": frozenset({"a.x"})}, "b": {}}) is None


def test_products_never_import_the_lifecycle_nor_the_inventory() -> None:
    graph = package_graph(core_modules())

    assert set(graph["products"]) & {"lifecycle", "inventory", "orders"} == set()


def test_the_engine_imports_no_domain() -> None:
    engine = [module for module in core_modules() if top_package(module.name) == "engine"]

    def is_domain(imported: str) -> bool:
        return ours(imported) and top_package(imported) in DOMAINS

    assert engine != []
    assert violations(engine, is_domain) == {}


def test_no_core_module_outside_http_imports_it() -> None:
    outside = [module for module in core_modules() if top_package(module.name) != "http"]

    def is_http(imported: str) -> bool:
        return is_within(imported, HTTP_PACKAGE)

    assert violations(outside, is_http) == {}


def test_core_modules_import_no_composition_module() -> None:
    def is_edge(imported: str) -> bool:
        return ours(imported) and is_composition(imported)

    assert violations(core_modules(), is_edge) == {}


def test_no_module_imports_another_domains_repository() -> None:
    crossing = {
        module.relative_path: sorted(
            imported
            for imported in module.imports
            if is_repository(imported) and top_package(imported) != top_package(module.name)
        )
        for module in MODULES
    }

    assert {path: found for path, found in crossing.items() if found} == {}


def test_routers_import_no_repository() -> None:
    routers = [module for module in MODULES if is_router(module.name)]

    assert len(routers) >= 5
    assert violations(routers, is_repository) == {}


def test_routers_and_kinds_are_imported_only_by_the_roots() -> None:
    importers = [module for module in MODULES if module.name not in ROOTS]

    def is_edge(imported: str) -> bool:
        return is_router(imported) or is_domain_kind(imported)

    assert violations(importers, is_edge) == {}
