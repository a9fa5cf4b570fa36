"""Reading rollout progress and pod failures from Deployment, StatefulSet and Pod status."""

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from jac_scale.utilities.redaction import redact_text

if TYPE_CHECKING:
    from jac_scale.targets.kubernetes.kube_client import KubeClient

#: Waiting reasons that will not fix themselves: report at once instead of waiting.
FATAL_REASONS = frozenset(
    {
        "ImagePullBackOff",
        "ErrImagePull",
        "InvalidImageName",
        "CrashLoopBackOff",
        "CreateContainerConfigError",
        "CreateContainerError",
    }
)
LOG_LINES = 20


@dataclass
class PodProblem:
    """A container that is stuck for a reason that needs the user."""

    pod: str
    container: str
    reason: str
    message: str


def pod_problems(pods: list[dict[str, Any]]) -> list[PodProblem]:
    problems: list[PodProblem] = []
    for pod in pods:
        status = pod.get("status") or {}
        statuses = [
            *(status.get("initContainerStatuses") or []),
            *(status.get("containerStatuses") or []),
        ]
        for container in statuses:
            waiting = (container.get("state") or {}).get("waiting") or {}
            reason = waiting.get("reason")
            if reason in FATAL_REASONS:
                problems.append(
                    PodProblem(
                        pod["metadata"]["name"],
                        container.get("name", "?"),
                        reason,
                        redact_text(waiting.get("message") or ""),
                    )
                )
    return problems


def problem_details(client: "KubeClient", namespace: str, problem: PodProblem) -> dict[str, Any]:
    """The pod's events and last log lines, for the deploy result."""
    events = client.list_objects(
        "Event",
        namespace,
        field_selector=f"involvedObject.kind=Pod,involvedObject.name={problem.pod}",
    )
    lines = [
        redact_text(f"{e.get('type', '')} {e.get('reason', '')}: {e.get('message', '')}")
        for e in events
    ]
    log_tail = [
        redact_text(line) for line in client.pod_log(problem.pod, namespace, tail=LOG_LINES)
    ]
    return {
        "pod": problem.pod,
        "container": problem.container,
        "reason": problem.reason,
        "events": lines[-LOG_LINES:],
        "log_tail": log_tail,
    }


def deployment_progress(deployment: dict[str, Any]) -> tuple[bool, str]:
    """Done when the newest spec is observed and every desired replica is updated and available."""
    meta = deployment.get("metadata") or {}
    spec = deployment.get("spec") or {}
    status = deployment.get("status") or {}
    desired = int(spec.get("replicas", 1) if spec.get("replicas") is not None else 1)
    observed = int(status.get("observedGeneration") or 0)
    if observed < int(meta.get("generation") or 0):
        return False, "waiting for the controller to see the new spec"
    updated = int(status.get("updatedReplicas") or 0)
    available = int(status.get("availableReplicas") or 0)
    total = int(status.get("replicas") or 0)
    message = f"{updated}/{desired} updated, {available}/{desired} available"
    if total > updated:
        return False, f"{message}, {total - updated} old replica(s) still running"
    return updated >= desired and available >= desired, message


def workload_ready(workload: dict[str, Any] | None) -> tuple[bool, str]:
    """StatefulSet or single-replica Deployment of a database: ready when all replicas are."""
    if workload is None:
        return False, "not created yet"
    desired = int((workload.get("spec") or {}).get("replicas") or 1)
    ready = int((workload.get("status") or {}).get("readyReplicas") or 0)
    return ready >= desired, f"{ready}/{desired} ready"
