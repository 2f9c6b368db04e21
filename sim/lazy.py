"""Names of a package loaded on first use (PEP 562), so that importing the package stays
light: `tungsten-sim --help` imports `sim` and must not wait for numpy, simpy and pydantic.

    __getattr__, __dir__ = lazy_names(__name__, {"run": "sim.api"}, __all__)
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable
from typing import Any


def lazy_names(package: str, where: dict[str, str], public: list[str]
               ) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """A module `__getattr__` that imports the module defining each name in `where` when
    the name is first asked for (and keeps it), and a `__dir__` listing the public names."""

    def __getattr__(name: str) -> Any:
        if name not in where:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(where[name]), name)
        setattr(sys.modules[package], name, value)
        return value

    def __dir__() -> list[str]:
        return sorted(set(vars(sys.modules[package])) | set(public))

    return __getattr__, __dir__
