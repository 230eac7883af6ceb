"""Imported on first use: heavy libraries a module needs only on some paths, and the names a
domain's ``__init__.py`` exports from its heavy submodules (``lazy_exports``).

``pd = lazy("pandas")`` at the top of a module costs nothing; the first ``pd.<attr>`` imports
pandas. Type checkers see the real module through an ``if TYPE_CHECKING`` import beside it.
Starting the server or the CLI must not pay for pandas, scikit-learn or LightGBM when the
orders it decides never reach them (a fraud model that is not trained, a command that does not
train one).
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable
from types import ModuleType
from typing import Any


class _LazyModule:
    __slots__ = ("_module", "_name")

    def __init__(self, name: str) -> None:
        self._name = name
        self._module: ModuleType | None = None

    def __getattr__(self, attr: str) -> Any:
        module = self._module
        if module is None:
            module = importlib.import_module(self._name)
            self._module = module
        return getattr(module, attr)

    def __repr__(self) -> str:
        return f"<lazy module {self._name!r} ({'loaded' if self._module else 'not loaded'})>"


def lazy(name: str) -> Any:
    """A stand-in for module ``name`` that imports it at the first attribute access."""
    return _LazyModule(name)


def lazy_exports(
    package: str, exports: dict[str, tuple[str, ...]]
) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """``__getattr__`` and ``__dir__`` for a package root whose public API names live in heavy
    submodules (PEP 562): ``exports`` maps a submodule (relative, ``".training"``) to the names
    taken from it, imported on first use and then kept in the package. Beside it, an
    ``if TYPE_CHECKING:`` block imports the same names so type checkers see the real types::

        if TYPE_CHECKING:
            from borderline.fraud.training import train
        __getattr__, __dir__ = lazy_exports(__name__, {".training": ("train",)})

    A lazily exported name must not also be a submodule's name: importing that submodule
    would replace the attribute with the module (``tests/core/test_public_api.py`` checks).
    """
    where = {name: module for module, names in exports.items() for name in names}
    namespace = sys.modules[package].__dict__

    def __getattr__(name: str) -> Any:
        module = where.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(module, package), name)
        namespace[name] = value
        return value

    def __dir__() -> list[str]:
        return sorted(set(namespace) | set(where))

    return __getattr__, __dir__
