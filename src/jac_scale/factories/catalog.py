"""The catalogue of every registered component, read without importing any of them."""

from typing import Any

from jac_scale.factories.database_factory import DATABASES
from jac_scale.factories.deployment_factory import TARGETS
from jac_scale.factories.registry_factory import REGISTRIES
from jac_scale.factories.utility_factory import LOGGERS


def list_components() -> list[dict[str, Any]]:
    """Every registered target, database provider, registry and logger, with availability."""
    rows: list[dict[str, Any]] = []
    for kind, registry in (
        ("target", TARGETS),
        ("database", DATABASES),
        ("registry", REGISTRIES),
        ("logger", LOGGERS),
    ):
        for name, spec in sorted(registry.specs().items()):
            missing = spec.missing_modules()
            rows.append(
                {
                    "kind": kind,
                    "name": name,
                    "available": not missing,
                    "missing": missing,
                    "install": f"pip install 'jac-scale[{spec.extra}]'"
                    if missing and spec.extra
                    else None,
                    "description": spec.description,
                    "source": spec.source,
                }
            )
    return rows
