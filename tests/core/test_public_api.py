"""Each domain's ``__init__.py`` is its public API: every name it lists resolves (lazily
exported ones on first use) and no lazily exported name is also a submodule's name (importing
that submodule would replace the attribute with the module)."""

from __future__ import annotations

import ast
import importlib
import pkgutil
import re
from pathlib import Path

import pytest

DOMAINS = (
    "accounts assessment assessors cases decisions fraud intake lists logistics privacy "
    "samples screening trade webhooks"
).split()


@pytest.mark.parametrize("domain", DOMAINS)
def test_every_public_name_resolves(domain: str) -> None:
    package = importlib.import_module(f"borderline.{domain}")
    for name in getattr(package, "__all__", []):
        value = getattr(package, name)
        assert not (
            isinstance(value, type(package)) and value.__name__.startswith("borderline.")
        ), f"borderline.{domain}.{name} is a module, not the exported object"


@pytest.mark.parametrize("domain", DOMAINS)
def test_lazy_names_are_not_submodule_names(domain: str) -> None:
    package = importlib.import_module(f"borderline.{domain}")
    submodules = {m.name for m in pkgutil.iter_modules(package.__path__)}
    lazy: set[str] = set()
    for node in ast.walk(ast.parse(Path(str(package.__file__)).read_text("utf-8"))):
        if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "lazy_exports":
            lazy |= {n for names in ast.literal_eval(node.args[1]).values() for n in names}
    assert not lazy & submodules, f"borderline.{domain} lazily exports {lazy & submodules}"


@pytest.mark.parametrize("domain", DOMAINS)
def test_docstring_lists_every_public_name(domain: str) -> None:
    """The root's docstring is where a reader finds the public API: every name is there."""
    package = importlib.import_module(f"borderline.{domain}")
    doc = package.__doc__ or ""
    missing = [n for n in package.__all__ if not re.search(rf"(?<![\w.]){n}(?!\w)", doc)]
    assert not missing, f"borderline.{domain}'s docstring does not mention {missing}"


def test_unknown_name_is_an_attribute_error() -> None:
    fraud = importlib.import_module("borderline.fraud")
    with pytest.raises(AttributeError, match="no attribute 'no_such_name'"):
        _ = fraud.no_such_name
