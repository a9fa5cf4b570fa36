"""Reading what runs: app status from the Deployment and its pods, and where it answers."""

from typing import TYPE_CHECKING, Any

from jac_scale.abstractions.models.resource_status import ResourceStatus, ResourceStatusInfo
from jac_scale.targets.kubernetes import rollout
from jac_scale.targets.kubernetes.labels import instance_selector

if TYPE_CHECKING:
    from jac_scale.targets.kubernetes.kube_client import KubeClient

#: (kind, name suffix) of the databases the providers create.
DATABASE_WORKLOADS = (("StatefulSet", "mongodb"), ("Deployment", "redis"))


def app_status(client: "KubeClient", ns: str, app_name: str) -> ResourceStatusInfo:
    """Running, pending, failed (with the stuck pods), stopped or not found."""
    deployment = client.get("Deployment", app_name, ns)
    if deployment is None:
        return ResourceStatusInfo(
            ResourceStatus.NOT_FOUND,
            message=f"{app_name} is not deployed in context {client.where.context!r}, "
            f"namespace {ns!r}",
        )
    spec_replicas = int(deployment["spec"].get("replicas") or 0)
    ready = int((deployment.get("status") or {}).get("readyReplicas") or 0)
    pods = client.list_objects(
        "Pod",
        ns,
        label_selector=instance_selector(app_name, {"app.kubernetes.io/component": "app"}),
    )
    problems = rollout.pod_problems(pods)
    details: dict[str, Any] = {
        "namespace": ns,
        "context": client.where.context,
        "image": deployment["spec"]["template"]["spec"]["containers"][0]["image"],
        "pods": [
            {"name": p["metadata"]["name"], "phase": (p.get("status") or {}).get("phase")}
            for p in pods
        ],
        "databases": database_status(client, ns, app_name),
    }
    done, progress = rollout.deployment_progress(deployment)
    if problems:
        first = problems[0]
        state, message = ResourceStatus.FAILED, f"pod {first.pod}: {first.reason}"
        details["problems"] = [vars(p) for p in problems]
    elif spec_replicas == 0:
        state, message = ResourceStatus.STOPPED, f"{app_name} is scaled to 0"
    elif done and ready >= spec_replicas:
        state, message = ResourceStatus.RUNNING, f"{app_name} is running ({progress})"
    else:
        state, message = ResourceStatus.PENDING, f"{app_name} is starting ({progress})"
    return ResourceStatusInfo(state, spec_replicas, ready, message, details)


def database_status(client: "KubeClient", ns: str, app_name: str) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for kind, db in DATABASE_WORKLOADS:
        workload = client.get(kind, f"{app_name}-{db}", ns)
        if workload is not None:
            ready, message = rollout.workload_ready(workload)
            result[db] = {"ready": ready, "message": message}
    return result


def service_url(client: "KubeClient", ns: str, app_name: str) -> str | None:
    """Ingress host, else load-balancer address, else node address and port, else in-cluster."""
    service = client.get("Service", app_name, ns)
    if service is None:
        return None
    ingress = client.get("Ingress", app_name, ns)
    if ingress is not None:
        rules = ingress["spec"].get("rules") or []
        host = rules[0].get("host") if rules else None
        if host:
            scheme = "https" if ingress["spec"].get("tls") else "http"
            return f"{scheme}://{host}"
    port = service["spec"]["ports"][0]
    kind = service["spec"].get("type", "ClusterIP")
    if kind == "LoadBalancer":
        entries = ((service.get("status") or {}).get("loadBalancer") or {}).get("ingress")
        if entries:
            address = entries[0].get("hostname") or entries[0].get("ip")
            return f"http://{address}:{port['port']}"
    if kind in ("NodePort", "LoadBalancer") and port.get("nodePort"):
        address = node_address(client)
        if address:
            return f"http://{address}:{port['nodePort']}"
    return f"http://{app_name}.{ns}.svc.cluster.local:{port['port']}"


def node_address(client: "KubeClient") -> str | None:
    """A node's external address, else its internal one."""
    nodes = client.list_objects("Node")
    for preferred in ("ExternalIP", "InternalIP"):
        for node in nodes:
            for address in (node.get("status") or {}).get("addresses") or []:
                if address.get("type") == preferred:
                    return str(address["address"])
    return None
