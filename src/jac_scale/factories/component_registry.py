"""Name -> implementation tables with lazy imports and entry points (libcloud/fsspec style).

Built-ins are "module:Class" strings imported only when asked for, so `jac-scale --help`
never imports an SDK. Third parties add names through the entry-point group or `register`.
"""

import difflib
import importlib
import importlib.util
from collections.abc import Iterable
from dataclasses import dataclass, field
from importlib.metadata import entry_points
from typing import Any

from jac_scale.errors import MissingDependencyError, UnknownComponentError


@dataclass(frozen=True)
class ComponentSpec:
    """Where an implementation lives, and which extra brings its dependencies."""

    name: str
    target: str
    extra: str | None = None
    requires: tuple[str, ...] = ()
    description: str = ""
    source: str = "built-in"
    #: A class registered directly (no import needed).
    loaded: Any = None

    def missing_modules(self) -> list[str]:
        """Required top-level modules that cannot be found (checked without importing)."""
        return [m for m in self.requires if importlib.util.find_spec(m) is None]


@dataclass
class ComponentRegistry:
    """One kind of component (targets, databases, registries, loggers)."""

    kind: str
    group: str
    builtins: dict[str, ComponentSpec]
    _registered: dict[str, ComponentSpec] = field(default_factory=dict)
    _entry_points: dict[str, ComponentSpec] | None = None

    def register(
        self,
        name: str,
        target: str | type,
        *,
        extra: str | None = None,
        requires: Iterable[str] = (),
        description: str = "",
    ) -> None:
        """Add an implementation at run time; a class or a "module:Class" string."""
        loaded = target if isinstance(target, type) else None
        path = f"{target.__module__}:{target.__qualname__}" if loaded else str(target)
        self._registered[name] = ComponentSpec(
            name, path, extra, tuple(requires), description, source="registered", loaded=loaded
        )

    def _from_entry_points(self) -> dict[str, ComponentSpec]:
        if self._entry_points is None:
            found: dict[str, ComponentSpec] = {}
            for ep in entry_points(group=self.group):
                dist = ep.dist.name if ep.dist else "unknown package"
                found[ep.name] = ComponentSpec(ep.name, ep.value, source=f"plugin {dist}")
            self._entry_points = found
        return self._entry_points

    def specs(self) -> dict[str, ComponentSpec]:
        """Every known name; registered names win over entry points, which win over built-ins."""
        return {**self.builtins, **self._from_entry_points(), **self._registered}

    def names(self) -> list[str]:
        return sorted(self.specs())

    def spec(self, name: str) -> ComponentSpec:
        spec = self._registered.get(name) or self.builtins.get(name)
        if spec is None:
            spec = self._from_entry_points().get(name)
        if spec is None:
            known = self.names()
            close = difflib.get_close_matches(name, known, n=1)
            raise UnknownComponentError(
                f"unknown {self.kind} {name!r}; known {self.kind}s: {', '.join(known)}",
                hint=f"did you mean {close[0]!r}?" if close else None,
            )
        return spec

    def load(self, name: str) -> Any:
        """Import and return the implementation, with the extra to install when it is missing."""
        spec = self.spec(name)
        if spec.loaded is not None:
            return spec.loaded
        missing = spec.missing_modules()
        if missing:
            raise MissingDependencyError(
                f"the {self.kind} {name!r} needs {', '.join(missing)}, which is not installed",
                hint=f"pip install 'jac-scale[{spec.extra}]'" if spec.extra else None,
            )
        module_name, _, attr = spec.target.partition(":")
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            hint = f"pip install 'jac-scale[{spec.extra}]'" if spec.extra else None
            raise MissingDependencyError(
                f"the {self.kind} {name!r} could not be imported: {exc}", hint=hint
            ) from exc
        obj: Any = module
        for part in attr.split("."):
            obj = getattr(obj, part)
        return obj
