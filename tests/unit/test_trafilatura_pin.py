"""The trafilatura internals the backend relies on are where it imports them from.

archiver/extraction/trafilatura_backend.py imports functions that are not trafilatura's public
API (``trafilatura.__all__``), so pyproject.toml pins trafilatura to the minor versions they were
checked with. When an upgrade moves one, these tests name it. The names are read from the
backend's own imports, so a new one is checked without editing this file.
"""

from __future__ import annotations

import ast
import importlib
import re
from importlib.metadata import requires, version
from pathlib import Path

import pytest
from packaging.specifiers import SpecifierSet

import archiver.extraction.trafilatura_backend as backend

BACKEND = Path(backend.__file__)
INSTALLED = version("trafilatura")
MINOR = ".".join(INSTALLED.split(".")[:2])
#: Methods of trafilatura's objects the backend calls (not visible in its imports).
METHODS = [("trafilatura.settings", "Document", "clean_and_trim")]


def _imported_names() -> list[tuple[str, str]]:
    """``(module, name)`` of every ``from trafilatura... import name`` and ``trafilatura.name`` in the backend."""
    tree = ast.parse(BACKEND.read_text(encoding="utf-8"))
    names = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "trafilatura":
            names += [(node.module, alias.name) for alias in node.names]
        elif (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)
              and node.value.id == "trafilatura"):
            names.append(("trafilatura", node.attr))
    return sorted(set(names))


def _moved(name: str) -> str:
    return f"trafilatura {MINOR} moved {name}: update archiver/extraction/trafilatura_backend.py and the pin"


def test_the_backend_imports_trafilatura_internals():
    names = _imported_names()
    assert ("trafilatura.xml", "xmltotxt") in names and ("trafilatura", "bare_extraction") in names
    assert len(names) >= 12


@pytest.mark.parametrize(("module", "name"), _imported_names(), ids=lambda value: value)
def test_each_name_the_backend_imports_is_still_there(module, name):
    try:
        found = importlib.import_module(module)
    except ImportError:
        pytest.fail(_moved(f"{module} (whole module, for {name})"))
    assert callable(getattr(found, name, None)), _moved(f"{module}.{name}")


@pytest.mark.parametrize(("module", "cls", "method"), METHODS)
def test_each_method_the_backend_calls_is_still_there(module, cls, method):
    owner = getattr(importlib.import_module(module), cls, None)
    assert callable(getattr(owner, method, None)), _moved(f"{module}.{cls}.{method}")


def test_the_pin_admits_the_installed_version_and_not_the_next_minor():
    requirement = next(r for r in requires("news-archiver") or [] if re.match(r"trafilatura\b", r))
    specifier = SpecifierSet(requirement.removeprefix("trafilatura").split(";")[0].strip())
    major, minor = (int(part) for part in MINOR.split("."))
    assert INSTALLED in specifier, f"trafilatura {INSTALLED} is installed but pyproject.toml asks for {specifier}"
    assert f"{major}.{minor + 1}.0" not in specifier, (
        f"pyproject.toml must pin trafilatura below {major}.{minor + 1} (it allows {specifier}): "
        "archiver/extraction/trafilatura_backend.py imports its internals")
