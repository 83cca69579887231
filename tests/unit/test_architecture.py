"""The dependency rule of ARCHITECTURE.md: no two packages import each other.

import-linter's contracts are checked by tests/e2e/test_architecture_contracts.py: lint-imports
runs as a process of its own there (in this one, zope.interface's class attributes, loaded with
Twisted, break import-linter's contract reader).
"""

from __future__ import annotations

import itertools

import grimp
import pytest


@pytest.fixture(scope="module")
def graph() -> grimp.ImportGraph:
    return grimp.build_graph("archiver", "storage", "spiders", cache_dir=None)


def _packages(graph: grimp.ImportGraph) -> list[str]:
    """The packages whose imports must not go in circles: the top three, and their subpackages, two deep."""
    found = {"archiver", "storage", "spiders"}
    for module in graph.modules:
        parts = module.split(".")
        for depth in (2, 3):
            prefix = ".".join(parts[:depth])
            if len(parts) > depth or (len(parts) == depth and graph.find_children(prefix)):
                found.add(prefix)
    return sorted(name for name in found if graph.find_children(name))


def test_no_two_packages_import_each_other(graph: grimp.ImportGraph) -> None:
    packages = _packages(graph)
    assert "archiver.services.watch" in packages and "storage.catalogue" in packages
    cycles = []
    for a, b in itertools.combinations(packages, 2):
        if a.startswith(b + ".") or b.startswith(a + "."):
            continue
        there = graph.find_shortest_chain(a, b, as_packages=True)
        back = graph.find_shortest_chain(b, a, as_packages=True)
        if there and back:
            cycles.append(f"{a} <-> {b}: {' -> '.join(there)} and {' -> '.join(back)}")
    assert not cycles, "packages that import each other:\n" + "\n".join(cycles)
