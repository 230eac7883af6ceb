"""A module imported on first use: for heavy libraries a module needs only on some paths.

``pd = lazy("pandas")`` at the top of a module costs nothing; the first ``pd.<attr>`` imports
pandas. Type checkers see the real module through an ``if TYPE_CHECKING`` import beside it.
Starting the server or the CLI must not pay for pandas, scikit-learn or LightGBM when the
orders it decides never reach them (a fraud model that is not trained, a command that does not
train one).
"""

from __future__ import annotations

import importlib
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
