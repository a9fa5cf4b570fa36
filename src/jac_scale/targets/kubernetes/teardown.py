"""Deleting what Jac-Scale made, by label, in reverse apply order, and waiting until it is gone."""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from jac_scale.errors import DeploymentError
from jac_scale.targets.kubernetes.labels import MANAGED_BY, RETAIN_LABEL

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


#: API groups whose "objects" are computed views, not stored in the namespace.
VIEW_GROUPS = frozenset({"metrics.k8s.io", "custom.metrics.k8s.io", "external.metrics.k8s.io"})
#: Records of what happened, not anyone's objects; they expire on their own.
RECORD_RESOURCES = frozenset({("", "events"), ("events.k8s.io", "events")})
SA_NAME_ANNOTATION = "kubernetes.io/service-account.name"


@dataclass
class NamespaceCheck:
    """What a namespace holds besides this app's objects and Kubernetes' defaults."""

    foreign: list[str] = field(default_factory=list)
    unchecked: list[str] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        """True only when every kind was read and nothing foreign was found."""
        return not self.foreign and not self.unchecked

    def reason(self) -> str:
        """Why the namespace must stay, in one sentence."""
        parts = []
        if self.foreign:
            shown = ", ".join(self.foreign[:8]) + (" ..." if len(self.foreign) > 8 else "")
            parts.append(f"it holds objects that are not this app's: {shown}")
        if self.unchecked:
            parts.append("not every kind in it could be checked: " + "; ".join(self.unchecked[:4]))
        return " and ".join(parts)


def _namespaced_resources(client: "KubeClient") -> tuple[list[tuple[str, str, str]], list[str]]:
    """(group, list path prefix, plural) of every listable namespaced resource, via discovery."""
    versions: list[tuple[str, str]] = [("", "/api/v1")]
    unchecked: list[str] = []
    try:
        groups = client.get_json("/apis").get("groups") or []
    except DeploymentError as exc:
        return [], [f"API group discovery failed ({exc.message})"]
    for group in groups:
        name = str(group.get("name") or "")
        if name in VIEW_GROUPS:
            continue
        for version in group.get("versions") or []:
            versions.append((name, f"/apis/{version['groupVersion']}"))
    found: list[tuple[str, str, str]] = []
    seen: set[tuple[str, str]] = set()
    for group_name, prefix in versions:
        try:
            resources = client.get_json(prefix).get("resources") or []
        except DeploymentError as exc:
            unchecked.append(f"{prefix} ({exc.message})")
            continue
        for res in resources:
            plural = str(res.get("name") or "")
            if (
                "/" in plural
                or not res.get("namespaced")
                or "list" not in (res.get("verbs") or [])
                or (group_name, plural) in RECORD_RESOURCES
                or (group_name, plural) in seen
            ):
                continue
            seen.add((group_name, plural))
            found.append((group_name, prefix, plural))
    return found, unchecked


def _allowed(kind: str, obj: dict[str, Any], app: str) -> bool:
    """Kubernetes' own defaults, or this app's labelled objects that hold no kept data."""
    meta = obj.get("metadata") or {}
    name = meta.get("name")
    if kind == "ServiceAccount" and name == "default":
        return True
    if kind == "ConfigMap" and name == "kube-root-ca.crt":
        return True
    if (
        kind == "Secret"
        and obj.get("type") == "kubernetes.io/service-account-token"
        and (meta.get("annotations") or {}).get(SA_NAME_ANNOTATION) == "default"
    ):
        return True
    labels = meta.get("labels") or {}
    ours = (
        labels.get("app.kubernetes.io/instance") == app
        and labels.get("app.kubernetes.io/managed-by") == MANAGED_BY
    )
    # Left-overs the controllers are still removing (ReplicaSets, Endpoints, pods) are ours;
    # data we were told to keep is not something a namespace deletion may take.
    return ours and not labels.get(RETAIN_LABEL)


def check_namespace(client: "KubeClient", ns: str, app: str) -> NamespaceCheck:
    """Every namespaced kind the server serves (discovery), read, and judged with `_allowed`."""
    resources, unchecked = _namespaced_resources(client)
    check = NamespaceCheck(unchecked=unchecked)
    for group_name, prefix, plural in resources:
        try:
            listing = client.get_json(f"{prefix}/namespaces/{ns}/{plural}")
        except DeploymentError as exc:
            check.unchecked.append(f"{plural} ({exc.message})")
            continue
        kind = str(listing.get("kind") or plural).removesuffix("List")
        for obj in listing.get("items") or []:
            if not _allowed(kind, obj, app):
                where = f".{group_name}" if group_name else ""
                check.foreign.append(f"{kind}{where}/{(obj.get('metadata') or {}).get('name')}")
    return check
