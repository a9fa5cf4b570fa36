"""The one place that talks to the Kubernetes API: server-side apply, get, list, delete, logs.

Wraps the official client's `DynamicClient` with a fixed table of the kinds Jac-Scale uses
(no discovery round-trips), bounded retries on 409/429/5xx, and errors that name the context,
the verb, the object and what to do, instead of a traceback.
"""

import json
import os
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from jac_scale.errors import ConfigError, DeploymentError
from jac_scale.targets.kubernetes.labels import CREATED_BY, MANAGED_BY

FIELD_MANAGER = MANAGED_BY
RETRY_STATUSES = frozenset({409, 429, 500, 502, 503, 504})
#: Seconds one API request may take before it counts as a dropped connection (retried).
REQUEST_TIMEOUT = 30

#: kind -> (apiVersion, plural, namespaced): every kind Jac-Scale reads or writes.
KINDS: dict[str, tuple[str, str, bool]] = {
    "Namespace": ("v1", "namespaces", False),
    "Node": ("v1", "nodes", False),
    "ServiceAccount": ("v1", "serviceaccounts", True),
    "Secret": ("v1", "secrets", True),
    "ConfigMap": ("v1", "configmaps", True),
    "PersistentVolumeClaim": ("v1", "persistentvolumeclaims", True),
    "Service": ("v1", "services", True),
    "Pod": ("v1", "pods", True),
    "Event": ("v1", "events", True),
    "Deployment": ("apps/v1", "deployments", True),
    "StatefulSet": ("apps/v1", "statefulsets", True),
    "Ingress": ("networking.k8s.io/v1", "ingresses", True),
    "HorizontalPodAutoscaler": ("autoscaling/v2", "horizontalpodautoscalers", True),
    "PodDisruptionBudget": ("policy/v1", "poddisruptionbudgets", True),
}

T = TypeVar("T")


class _StaticDiscoverer:
    """Stands in for the client's discovery: Jac-Scale only uses the kinds in KINDS."""

    def __init__(self, client: Any, cache_file: str | None = None) -> None:
        from kubernetes.dynamic.resource import Resource

        self._resources: dict[str, Any] = {}
        for kind, (api_version, plural, namespaced) in KINDS.items():
            group, _, version = api_version.rpartition("/")
            self._resources[kind] = Resource(
                prefix="apis" if group else "api",
                group=group or None,
                api_version=version,
                kind=kind,
                name=plural,
                namespaced=namespaced,
                client=client,
            )

    def get(self, kind: str, **_: Any) -> Any:
        return self._resources[kind]


@dataclass
class KubeTarget:
    """Which cluster: the kubeconfig file and context actually used."""

    context: str
    host: str
    kubeconfig: str | None


def _kubeconfig_path(explicit: str | None) -> Path | None:
    if explicit:
        return Path(explicit).expanduser()
    for part in os.environ.get("KUBECONFIG", "").split(os.pathsep):
        if part and Path(part).expanduser().is_file():
            return Path(part).expanduser()
    default = Path("~/.kube/config").expanduser()
    return default if default.is_file() else None


class KubeClient:
    """Apply, read and delete objects in one cluster; every call retried a bounded number."""

    def __init__(
        self,
        api_client: Any,
        where: KubeTarget,
        *,
        retries: int = 4,
        retry_delay: float = 0.5,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        from kubernetes.dynamic import DynamicClient

        self.api_client = api_client
        self.where = where
        self.retries = retries
        self.retry_delay = retry_delay
        self._sleep = sleep
        self.dynamic = DynamicClient(api_client, discoverer=_StaticDiscoverer)

    # -- construction -----------------------------------------------------------
    @classmethod
    def connect(
        cls,
        kubeconfig: str | None = None,
        context: str | None = None,
        *,
        retries: int = 4,
        retry_delay: float = 0.5,
    ) -> "KubeClient":
        """From a kubeconfig file (or in-cluster credentials); errors name file and context."""
        from kubernetes import config as kube_config

        path = _kubeconfig_path(kubeconfig)
        if path is None or not path.is_file():
            if os.environ.get("KUBERNETES_SERVICE_HOST") and not context:
                kube_config.load_incluster_config()
                from kubernetes.client import ApiClient

                api = ApiClient()
                where = KubeTarget("in-cluster", api.configuration.host, None)
                return cls(api, where, retries=retries, retry_delay=retry_delay)
            shown = str(path) if path else "$KUBECONFIG or ~/.kube/config"
            raise ConfigError(
                f"no kubeconfig found at {shown}",
                hint="point KUBECONFIG (or [plugins.scale.kubernetes] kubeconfig) at a cluster's "
                "kubeconfig; for a local cluster run `kind create cluster` or `minikube start`",
            )
        try:
            contexts, active = kube_config.list_kube_config_contexts(config_file=str(path))
        except kube_config.ConfigException as exc:
            raise ConfigError(f"kubeconfig {path} cannot be used: {exc}") from None
        names = [c["name"] for c in contexts or []]
        if context and context not in names:
            raise ConfigError(
                f"kube context {context!r} is not in {path}; known contexts: "
                f"{', '.join(names) or 'none'}",
                hint="fix [plugins.scale.kubernetes] context or JAC_SCALE_KUBERNETES__CONTEXT",
            )
        chosen = context or (active or {}).get("name")
        if not chosen:
            raise ConfigError(
                f"kubeconfig {path} has no current context",
                hint="set [plugins.scale.kubernetes] context to one of: "
                + (", ".join(names) or "(none)"),
            )
        try:
            api = kube_config.new_client_from_config(config_file=str(path), context=chosen)
        except kube_config.ConfigException as exc:
            raise ConfigError(f"kube context {chosen!r} in {path} cannot be used: {exc}") from None
        where = KubeTarget(chosen, api.configuration.host, str(path))
        return cls(api, where, retries=retries, retry_delay=retry_delay)

    # -- error handling -----------------------------------------------------------
    def _call(self, action: str, fn: Callable[[], T]) -> T:
        """Run one API call; retry 409/429/5xx and dropped connections; explain the rest."""
        from kubernetes.client.exceptions import ApiException
        from urllib3.exceptions import HTTPError

        last: Exception | None = None
        for attempt in range(self.retries):
            try:
                return fn()
            except ApiException as exc:
                last = exc
                if exc.status not in RETRY_STATUSES:
                    raise self._explain(exc, action) from None
            except (HTTPError, OSError) as exc:
                last = exc
            if attempt + 1 < self.retries:
                self._sleep(min(self.retry_delay * (2**attempt), 10.0))
        if isinstance(last, ApiException):
            raise self._explain(last, action, retried=True) from None
        raise DeploymentError(
            f"cannot reach the cluster of context {self.where.context!r} at {self.where.host} "
            f"(while trying to {action}): {last}",
            hint=f"check that it runs: kubectl --context {self.where.context} cluster-info",
        ) from None

    def _explain(self, exc: Any, action: str, *, retried: bool = False) -> DeploymentError:
        try:
            detail = json.loads(exc.body or "{}").get("message") or exc.reason
        except (ValueError, AttributeError):
            detail = exc.reason
        ctx = self.where.context
        if exc.status == 401:
            return DeploymentError(
                f"the cluster of context {ctx!r} rejected the credentials ({action})",
                hint="log in again or refresh the kubeconfig's token",
            )
        if exc.status == 403:
            return DeploymentError(
                f"permission denied in context {ctx!r}: cannot {action}: {detail}",
                hint="ask a cluster admin for the RBAC rights, or check with "
                f"kubectl --context {ctx} auth can-i",
            )
        again = f" after {self.retries} attempts" if retried else ""
        return DeploymentError(
            f"Kubernetes API (context {ctx!r}) answered {exc.status} to {action}{again}: {detail}",
            details={"status": exc.status},
        )

    # -- operations ---------------------------------------------------------------
    def resource(self, kind: str) -> Any:
        return self.dynamic.resources.get(kind=kind)

    def server_version(self) -> str:
        """GET /version: proves the cluster answers before anything is changed."""
        from kubernetes.client import VersionApi

        response = self._call(
            "read the server version",
            lambda: VersionApi(self.api_client).get_code(
                _preload_content=False, _request_timeout=REQUEST_TIMEOUT
            ),
        )
        try:
            return str(json.loads(response.data).get("gitVersion") or "unknown version")
        except (ValueError, AttributeError):
            return "unknown version"

    def apply(self, obj: dict[str, Any], *, dry_run: bool = False) -> dict[str, Any]:
        """Server-side apply with field manager `jac-scale`; others' fields are left alone."""
        kind = obj["kind"]
        meta = obj["metadata"]
        resource = self.resource(kind)
        what = f"apply {kind} {meta.get('namespace', '')}/{meta['name']}".replace(" /", " ")
        result = self._call(
            what,
            lambda: self.dynamic.server_side_apply(
                resource,
                body=obj,
                namespace=meta.get("namespace"),
                field_manager=FIELD_MANAGER,
                force_conflicts=True,
                dry_run="All" if dry_run else None,
                _request_timeout=REQUEST_TIMEOUT,
            ),
        )
        return result.to_dict()

    def ensure_namespace(self, name: str, created_by: str) -> bool:
        """Create the namespace if missing, marked as made by this app; True when created."""
        if self.get("Namespace", name) is not None:
            return False
        self.apply(
            {
                "apiVersion": "v1",
                "kind": "Namespace",
                "metadata": {
                    "name": name,
                    "labels": {"app.kubernetes.io/managed-by": MANAGED_BY},
                    "annotations": {CREATED_BY: created_by},
                },
            }
        )
        return True

    def get(self, kind: str, name: str, namespace: str | None = None) -> dict[str, Any] | None:
        """The object, or None when it does not exist."""
        from kubernetes.client.exceptions import ApiException

        resource = self.resource(kind)

        def fetch() -> dict[str, Any] | None:
            try:
                return self.dynamic.get(
                    resource, name=name, namespace=namespace, _request_timeout=REQUEST_TIMEOUT
                ).to_dict()
            except ApiException as exc:
                if exc.status == 404:
                    return None
                raise

        return self._call(f"read {kind} {namespace or ''}/{name}", fetch)

    def list_objects(
        self,
        kind: str,
        namespace: str | None = None,
        *,
        label_selector: str | None = None,
        field_selector: str | None = None,
    ) -> list[dict[str, Any]]:
        resource = self.resource(kind)
        data = self._call(
            f"list {resource.name} in namespace {namespace}",
            lambda: self.dynamic.get(
                resource,
                namespace=namespace,
                label_selector=label_selector,
                field_selector=field_selector,
                _request_timeout=REQUEST_TIMEOUT,
            ),
        )
        return list(data.to_dict().get("items") or [])

    def merge_patch(
        self, kind: str, name: str, namespace: str | None, patch: dict[str, Any]
    ) -> dict[str, Any]:
        """JSON merge patch, for the few fields `scale` changes outside the applied config."""
        resource = self.resource(kind)
        result = self._call(
            f"patch {kind} {namespace}/{name}",
            lambda: self.dynamic.patch(
                resource,
                body=patch,
                name=name,
                namespace=namespace,
                content_type="application/merge-patch+json",
                field_manager=FIELD_MANAGER,
                _request_timeout=REQUEST_TIMEOUT,
            ),
        )
        return result.to_dict()

    def delete(self, kind: str, name: str, namespace: str | None = None) -> bool:
        """Delete one object (background propagation); False when it was already gone."""
        from kubernetes.client.exceptions import ApiException

        resource = self.resource(kind)

        def remove() -> bool:
            try:
                self.dynamic.delete(
                    resource,
                    name=name,
                    namespace=namespace,
                    propagation_policy="Background",
                    _request_timeout=REQUEST_TIMEOUT,
                )
                return True
            except ApiException as exc:
                if exc.status == 404:
                    return False
                raise

        return self._call(f"delete {kind} {namespace or ''}/{name}", remove)

    def pod_log(self, pod: str, namespace: str, *, tail: int | None = 50) -> list[str]:
        from kubernetes.client import CoreV1Api
        from kubernetes.client.exceptions import ApiException

        def read() -> str:
            try:
                return CoreV1Api(self.api_client).read_namespaced_pod_log(
                    pod, namespace, tail_lines=tail, _request_timeout=REQUEST_TIMEOUT
                )
            except ApiException as exc:
                if exc.status in (400, 404):  # container not started yet, or pod gone
                    return ""
                raise

        return self._call(f"read the log of pod {namespace}/{pod}", read).splitlines()

    def open_pod_log(self, pod: str, namespace: str, *, tail: int) -> Any:
        """The open HTTP response of a followed pod log; read it with `log_lines`."""
        from kubernetes.client import CoreV1Api

        return self._call(
            f"follow the log of pod {namespace}/{pod}",
            lambda: CoreV1Api(self.api_client).read_namespaced_pod_log(
                pod, namespace, tail_lines=tail, follow=True, _preload_content=False
            ),
        )

    @staticmethod
    def log_lines(response: Any) -> Iterator[str]:
        """Lines of a streamed log response as they arrive."""
        buffer = b""
        for chunk in response.stream(4096):
            buffer += chunk
            *lines, buffer = buffer.split(b"\n")
            for line in lines:
                yield line.decode(errors="replace")
        if buffer:
            yield buffer.decode(errors="replace")

    @staticmethod
    def stop_stream(response: Any) -> None:
        """End a streamed response from another thread, waking a read blocked on it."""
        shutdown = getattr(response, "shutdown", None)  # urllib3 >= 2.3
        try:
            if shutdown is not None:
                shutdown()
            else:
                sock = getattr(getattr(response, "connection", None), "sock", None)
                if sock is not None:
                    import socket

                    sock.shutdown(socket.SHUT_RDWR)
        except (OSError, ValueError, RuntimeError):
            pass  # already finished or released: nothing is blocked on it
        try:
            response.release_conn()
            response.close()
        except Exception:  # closing a broken stream may fail in many ways
            pass

    def follow_pod_log(self, pod: str, namespace: str, *, tail: int) -> Iterator[str]:
        """Stream a pod's log as it grows (until the pod stops or the caller stops reading)."""
        response = self.open_pod_log(pod, namespace, tail=tail)
        try:
            yield from self.log_lines(response)
        finally:
            self.stop_stream(response)

    def get_json(self, path: str, query: list[tuple[str, str]] | None = None) -> dict[str, Any]:
        """GET any API path (discovery, kinds outside KINDS) as JSON; retried like the rest."""

        def fetch() -> dict[str, Any]:
            response = self.api_client.call_api(
                path,
                "GET",
                query_params=query or [],
                header_params={"Accept": "application/json"},
                auth_settings=["BearerToken"],
                _return_http_data_only=True,
                _preload_content=False,
                _request_timeout=REQUEST_TIMEOUT,
            )
            return dict(json.loads(response.data or b"{}"))

        return self._call(f"read {path}", fetch)

    def exec_stdin(
        self, pod: str, namespace: str, command: list[str], chunks: Iterator[bytes]
    ) -> None:
        """Run `command` in a pod and stream `chunks` to its standard input (kubectl cp's way)."""
        from kubernetes.client import CoreV1Api
        from kubernetes.stream import stream

        ws = self._call(
            f"exec in pod {namespace}/{pod}",
            lambda: stream(
                CoreV1Api(self.api_client).connect_get_namespaced_pod_exec,
                pod,
                namespace,
                command=command,
                stdin=True,
                stdout=True,
                stderr=True,
                tty=False,
                _preload_content=False,
            ),
        )
        errors: list[str] = []
        try:
            for chunk in chunks:
                ws.write_stdin(chunk)
                ws.update(timeout=0)
                if ws.peek_stderr():
                    errors.append(ws.read_stderr())
            ws.update(timeout=0.1)
            if ws.peek_stderr():
                errors.append(ws.read_stderr())
        finally:
            ws.close()
        if errors:
            raise DeploymentError(
                f"copying the code into pod {namespace}/{pod} failed: {''.join(errors)[:500]}"
            )

    def exec_output(self, pod: str, namespace: str, command: list[str]) -> str:
        """Run a short command in a pod and return what it printed."""
        from kubernetes.client import CoreV1Api
        from kubernetes.stream import stream

        return self._call(
            f"exec in pod {namespace}/{pod}",
            lambda: stream(
                CoreV1Api(self.api_client).connect_get_namespaced_pod_exec,
                pod,
                namespace,
                command=command,
                stdin=False,
                stdout=True,
                stderr=True,
                tty=False,
                _request_timeout=30,
            ),
        )
