"""Deleting what Jac-Scale made, by label, in reverse apply order, and waiting until it is gone."""

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from jac_scale.targets.kubernetes.labels import RETAIN_LABEL

if TYPE_CHECKING:
    from jac_scale.targets.kubernetes.kube_client import KubeClient

#: Reverse of the apply order; PersistentVolumeClaims last.
DESTROY_ORDER = (
    "HorizontalPodAutoscaler",
    "PodDisruptionBudget",
    "Ingress",
    "Service",
    "Deployment",
    "StatefulSet",
    "Pod",
    "ConfigMap",
    "Secret",
    "ServiceAccount",
    "PersistentVolumeClaim",
)

Wait = Callable[[str, Callable[[], tuple[bool, str]]], None]


def delete_selected(
    client: "KubeClient",
    ns: str,
    selector: str,
    *,
    purge: bool,
    spare: set[str] | frozenset[str],
    wait: Wait,
) -> list[str]:
    """Objects labelled as data are kept unless `purge`; `Kind/name`s in `spare` always are."""

    def doomed(kind: str, obj: dict[str, Any]) -> bool:
        meta = obj["metadata"]
        if f"{kind}/{meta['name']}" in spare:
            return False
        return purge or not (meta.get("labels") or {}).get(RETAIN_LABEL)

    deleted: list[str] = []
    for kind in DESTROY_ORDER:
        for obj in client.list_objects(kind, ns, label_selector=selector):
            meta = obj["metadata"]
            if not doomed(kind, obj):
                continue
            if kind == "Pod" and meta.get("ownerReferences"):
                continue  # its controller's deletion removes it
            if client.delete(kind, meta["name"], ns):
                deleted.append(f"{kind}/{meta['name']}")

    def gone() -> tuple[bool, str]:
        left = [
            f"{kind}/{obj['metadata']['name']}"
            for kind in DESTROY_ORDER
            for obj in client.list_objects(kind, ns, label_selector=selector)
            if doomed(kind, obj)
        ]
        return not left, f"{len(left)} object(s) left: {', '.join(left[:5])}"

    wait("deletion", gone)
    return deleted


def namespace_empty(client: "KubeClient", ns: str) -> bool:
    """Nothing of anyone's left that a namespace deletion would take with it."""
    return not any(
        client.list_objects(kind, ns)
        for kind in ("Deployment", "StatefulSet", "PersistentVolumeClaim", "Pod")
    )
