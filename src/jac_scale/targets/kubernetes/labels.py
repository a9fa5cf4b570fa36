"""The labels that mark what Jac-Scale made, and the selectors that find only that."""

from typing import Any

MANAGED_BY = "jac-scale"
#: Objects carrying this label hold data; destroy keeps them unless --purge.
RETAIN_LABEL = "jac-scale.io/retain"
CONFIG_HASH = "jac-scale.io/config-hash"
CODE_FINGERPRINT = "jac-scale.io/code-fingerprint"
SCALED_REPLICAS = "jac-scale.io/scaled-replicas"
#: The config value `scale` overrode; a changed config value wins over the recorded scale.
SCALED_FROM = "jac-scale.io/scaled-from"
CREATED_BY = "jac-scale.io/created-by"


def app_labels(app: str, component: str, name: str | None = None) -> dict[str, str]:
    """Recommended labels: name, instance, component, managed-by."""
    return {
        "app.kubernetes.io/name": name or app,
        "app.kubernetes.io/instance": app,
        "app.kubernetes.io/component": component,
        "app.kubernetes.io/managed-by": MANAGED_BY,
    }


def selector_labels(app: str, component: str, name: str | None = None) -> dict[str, str]:
    """The immutable subset used in Deployment/StatefulSet selectors and Service selectors."""
    return {
        "app.kubernetes.io/name": name or app,
        "app.kubernetes.io/instance": app,
        "app.kubernetes.io/component": component,
    }


def instance_selector(app: str, extra: dict[str, str] | None = None) -> str:
    """Label selector for everything of this app that Jac-Scale manages, and nothing else."""
    parts = {
        "app.kubernetes.io/instance": app,
        "app.kubernetes.io/managed-by": MANAGED_BY,
        **(extra or {}),
    }
    return ",".join(f"{k}={v}" for k, v in parts.items())


def metadata(
    name: str,
    namespace: str,
    labels: dict[str, str],
    annotations: dict[str, str] | None = None,
) -> dict[str, Any]:
    meta: dict[str, Any] = {"name": name, "namespace": namespace, "labels": dict(labels)}
    if annotations:
        meta["annotations"] = dict(annotations)
    return meta
