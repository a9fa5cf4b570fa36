"""A stateful fake Kubernetes API server over real HTTP on 127.0.0.1, for the real client path.

It stores objects, answers GET/list (label and field selectors), server-side apply (content
type, field manager and force checked; dry run honoured), merge patch and DELETE; it plays the
controllers just enough (Deployments and StatefulSets get pods and status, StatefulSets get
volume claims, bad images get ImagePullBackOff pods with events); it can inject error answers;
it counts requests; and it speaks the exec websocket protocol for `tar` uploads.
"""

import base64
import copy
import hashlib
import io
import itertools
import json
import re
import struct
import tarfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

TOKEN = "fake-token"

#: plural -> (kind, apiVersion, namespaced)
PLURALS: dict[str, tuple[str, str, bool]] = {
    "namespaces": ("Namespace", "v1", False),
    "nodes": ("Node", "v1", False),
    "serviceaccounts": ("ServiceAccount", "v1", True),
    "secrets": ("Secret", "v1", True),
    "configmaps": ("ConfigMap", "v1", True),
    "persistentvolumeclaims": ("PersistentVolumeClaim", "v1", True),
    "services": ("Service", "v1", True),
    "pods": ("Pod", "v1", True),
    "events": ("Event", "v1", True),
    "deployments": ("Deployment", "apps/v1", True),
    "statefulsets": ("StatefulSet", "apps/v1", True),
    "ingresses": ("Ingress", "networking.k8s.io/v1", True),
    "horizontalpodautoscalers": ("HorizontalPodAutoscaler", "autoscaling/v2", True),
    "poddisruptionbudgets": ("PodDisruptionBudget", "policy/v1", True),
    # kinds Jac-Scale never writes, for "is anything else in this namespace?" checks
    "jobs": ("Job", "batch/v1", True),
    "cronjobs": ("CronJob", "batch/v1", True),
    "certificates": ("Certificate", "cert-manager.io/v1", True),
}
KIND_PLURAL = {kind: plural for plural, (kind, _, _) in PLURALS.items()}
WS_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

Key = tuple[str, str, str]  # (plural, namespace, name)


class ApiError(Exception):
    def __init__(self, code: int, reason: str, message: str) -> None:
        super().__init__(message)
        self.code, self.reason, self.message = code, reason, message


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, list[str]]
    content_type: str


@dataclass
class FakeCluster:
    """The state behind the server; tests read and steer it directly."""

    objects: dict[Key, dict[str, Any]] = field(default_factory=dict)
    applied: dict[Key, dict[str, Any]] = field(default_factory=dict)
    requests: list[Request] = field(default_factory=list)
    injected: list[tuple[str, str, int]] = field(default_factory=list)
    forbidden: set[tuple[str, str]] = field(default_factory=set)
    bad_images: dict[str, str] = field(default_factory=dict)
    pod_logs: dict[str, str] = field(default_factory=dict)
    load_balancer_ip: str | None = None
    volumes: dict[str, dict[str, bytes]] = field(default_factory=dict)
    #: API groups whose discovery answers 503 (an aggregated API that is down).
    unavailable_groups: set[str] = field(default_factory=set)
    #: When set, followed logs stay open after their lines until `release_logs` is set.
    hold_follow: bool = False
    release_logs: threading.Event = field(default_factory=threading.Event)
    lock: threading.RLock = field(default_factory=threading.RLock)
    _counter: Iterator[int] = field(default_factory=lambda: itertools.count(1))

    def __post_init__(self) -> None:
        self.put(
            {
                "apiVersion": "v1",
                "kind": "Namespace",
                "metadata": {"name": "default"},
            }
        )
        self.add_namespace_defaults("default")
        self.put(
            {
                "apiVersion": "v1",
                "kind": "Node",
                "metadata": {"name": "node-1"},
                "status": {"addresses": [{"type": "InternalIP", "address": "127.0.0.1"}]},
            }
        )

    def add_namespace_defaults(self, ns: str) -> None:
        """What Kubernetes puts in every new namespace: the default ServiceAccount (with a
        legacy token Secret, as older clusters make) and the root CA ConfigMap."""
        self.put(
            {
                "apiVersion": "v1",
                "kind": "ServiceAccount",
                "metadata": {"name": "default", "namespace": ns},
            }
        )
        self.put(
            {
                "apiVersion": "v1",
                "kind": "Secret",
                "type": "kubernetes.io/service-account-token",
                "metadata": {
                    "name": "default-token-x7k2p",
                    "namespace": ns,
                    "annotations": {"kubernetes.io/service-account.name": "default"},
                },
            }
        )
        self.put(
            {
                "apiVersion": "v1",
                "kind": "ConfigMap",
                "metadata": {"name": "kube-root-ca.crt", "namespace": ns},
                "data": {"ca.crt": "-----BEGIN CERTIFICATE-----"},
            }
        )

    # -- steering from tests ---------------------------------------------------------
    def inject(self, method: str, path_part: str, *codes: int) -> None:
        """The next requests matching method and path part get these status codes."""
        with self.lock:
            self.injected.extend((method.upper(), path_part, code) for code in codes)

    def forbid(self, method: str, plural: str) -> None:
        self.forbidden.add((method.upper(), plural))

    def find(self, kind: str, namespace: str, name: str) -> dict[str, Any] | None:
        with self.lock:
            obj = self.objects.get((KIND_PLURAL[kind], namespace, name))
            return copy.deepcopy(obj) if obj else None

    def names(self, kind: str, namespace: str | None = None) -> list[str]:
        plural = KIND_PLURAL[kind]
        with self.lock:
            return sorted(
                n for (p, ns, n) in self.objects if p == plural and namespace in (None, ns)
            )

    def labelled(self, selector: str) -> list[str]:
        """`Kind/name` of every object matching a label selector, in any namespace."""
        with self.lock:
            return sorted(
                f"{obj['kind']}/{obj['metadata']['name']}"
                for obj in self.objects.values()
                if _matches(obj, selector)
            )

    def versions(self) -> dict[Key, str]:
        with self.lock:
            return {k: o["metadata"]["resourceVersion"] for k, o in self.objects.items()}

    def specs(self) -> dict[Key, str]:
        with self.lock:
            return {
                k: json.dumps(
                    {x: o[x] for x in o if x not in ("metadata", "status")}, sort_keys=True
                )
                for k, o in self.objects.items()
            }

    def count(self, method: str | None = None, contains: str = "") -> int:
        with self.lock:
            return sum(
                1
                for r in self.requests
                if (method is None or r.method == method) and contains in r.path
            )

    # -- storage ---------------------------------------------------------------------
    def put(self, obj: dict[str, Any]) -> dict[str, Any]:
        kind = obj["kind"]
        plural = KIND_PLURAL[kind]
        namespaced = PLURALS[plural][2]
        meta = obj.setdefault("metadata", {})
        ns = meta.get("namespace", "") if namespaced else ""
        key = (plural, ns, meta["name"])
        meta.setdefault("uid", hashlib.sha1(repr(key).encode()).hexdigest()[:12])
        meta.setdefault("creationTimestamp", "2026-01-01T00:00:00Z")
        meta["resourceVersion"] = str(next(self._counter))
        self.objects[key] = obj
        return obj

    def _key(self, plural: str, namespace: str, name: str) -> Key:
        return (plural, namespace if PLURALS[plural][2] else "", name)


def _matches(obj: dict[str, Any], selector: str | None) -> bool:
    if not selector:
        return True
    labels = obj.get("metadata", {}).get("labels") or {}
    for term in selector.split(","):
        if "!=" in term:
            k, v = term.split("!=", 1)
            if labels.get(k) == v:
                return False
        elif "=" in term:
            k, v = term.split("=", 1)
            if labels.get(k.rstrip("=")) != v:
                return False
        elif term.startswith("!"):
            if term[1:] in labels:
                return False
        elif term not in labels:
            return False
    return True


def _field(obj: dict[str, Any], path: str) -> Any:
    value: Any = obj
    for part in path.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    return value


def _fields_match(obj: dict[str, Any], selector: str | None) -> bool:
    if not selector:
        return True
    for term in selector.split(","):
        k, _, v = term.partition("=")
        if str(_field(obj, k)) != v:
            return False
    return True


def _merge(base: Any, patch: Any) -> Any:
    """RFC 7386 JSON merge patch (lists replaced, null deletes)."""
    if not isinstance(patch, dict) or not isinstance(base, dict):
        return copy.deepcopy(patch)
    result = copy.deepcopy(base)
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = _merge(result.get(key), value)
    return result


def _drop_unowned(result: dict[str, Any], previous: Any, current: Any) -> None:
    """SSA: fields our manager applied before and no longer applies are removed."""
    if not isinstance(previous, dict):
        return
    for key, old in previous.items():
        if not isinstance(current, dict) or key not in current:
            result.pop(key, None)
        elif isinstance(old, dict) and isinstance(result.get(key), dict):
            _drop_unowned(result[key], old, current[key])


class FakeApiServer:
    """Serves a FakeCluster on 127.0.0.1 at an ephemeral port; use as a context manager."""

    def __init__(self) -> None:
        self.cluster = FakeCluster()
        handler = type("Handler", (_Handler,), {"cluster": self.cluster})
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self._thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self) -> "FakeApiServer":
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.cluster.release_logs.set()
        self.httpd.shutdown()
        self.httpd.server_close()
        self._thread.join(timeout=5)

    def write_kubeconfig(self, path: Path, context: str = "fake") -> Path:
        config = {
            "apiVersion": "v1",
            "kind": "Config",
            "clusters": [{"name": "fake", "cluster": {"server": self.url}}],
            "users": [{"name": "fake", "user": {"token": TOKEN}}],
            "contexts": [{"name": context, "context": {"cluster": "fake", "user": "fake"}}],
            "current-context": context,
        }
        path.write_text(json.dumps(config))
        return path


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    cluster: FakeCluster

    def log_message(self, format: str, *args: Any) -> None:
        return None

    # -- plumbing --------------------------------------------------------------------
    def _send(self, code: int, body: Any, content_type: str = "application/json") -> None:
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        self.send_response(code)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _error(self, err: ApiError) -> None:
        self._send(
            err.code,
            {
                "kind": "Status",
                "apiVersion": "v1",
                "status": "Failure",
                "message": err.message,
                "reason": err.reason,
                "code": err.code,
            },
        )

    def _body(self) -> Any:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        return json.loads(raw) if raw else None

    def do_GET(self) -> None:
        self._dispatch("GET")

    def do_PATCH(self) -> None:
        self._dispatch("PATCH")

    def do_DELETE(self) -> None:
        self._dispatch("DELETE")

    def do_POST(self) -> None:
        self._dispatch("POST")

    def do_PUT(self) -> None:
        self._dispatch("PUT")

    def _dispatch(self, method: str) -> None:
        parts = urlsplit(self.path)
        query = parse_qs(parts.query)
        cluster = self.cluster
        request = Request(method, parts.path, query, self.headers.get("Content-Type", ""))
        with cluster.lock:
            cluster.requests.append(request)
            injected = next(
                (i for i in cluster.injected if i[0] == method and i[1] in parts.path), None
            )
            if injected:
                cluster.injected.remove(injected)
        body = self._body() if method in ("PATCH", "POST", "PUT") else None
        if injected:
            reason = {409: "Conflict", 500: "InternalError"}.get(injected[2], "Error")
            self._error(ApiError(injected[2], reason, f"injected {injected[2]}"))
            return
        if self.headers.get("Authorization") != f"Bearer {TOKEN}":
            self._error(ApiError(401, "Unauthorized", "Unauthorized"))
            return
        try:
            if parts.path.rstrip("/") == "/version":
                self._send(
                    200,
                    {
                        "major": "1",
                        "minor": "30",
                        "gitVersion": "v1.30.0-fake",
                        "gitCommit": "0" * 40,
                        "gitTreeState": "clean",
                        "buildDate": "2026-01-01T00:00:00Z",
                        "goVersion": "go1.22",
                        "compiler": "gc",
                        "platform": "linux/amd64",
                    },
                )
                return
            if parts.path.endswith("/exec"):
                self._exec(parts.path, query)
                return
            if parts.path.endswith("/log"):
                name = parts.path.split("/")[-2]
                text = cluster.pod_logs.get(name, f"{name} started\nlistening\n")
                lines = text.splitlines()
                tail = int(query.get("tailLines", ["0"])[0] or 0)
                if tail:
                    lines = lines[-tail:]
                data = ("\n".join(lines) + "\n").encode()
                if cluster.hold_follow and query.get("follow") == ["true"]:
                    self._send_held(data)
                else:
                    self._send(200, data, "text/plain")
                return
            discovery = self._discovery(parts.path)
            if discovery is not None:
                self._send(200, discovery)
                return
            plural, namespace, name = self._route(parts.path)
            if (method, plural) in cluster.forbidden:
                raise ApiError(
                    403,
                    "Forbidden",
                    f'{plural} is forbidden: User "fake" cannot {method.lower()} resource '
                    f'"{plural}" in the namespace "{namespace}"',
                )
            with cluster.lock:
                code, answer = self._handle(method, plural, namespace, name, query, body)
            self._send(code, answer)
        except ApiError as err:
            self._error(err)

    def _send_held(self, data: bytes) -> None:
        """A followed log: its lines in one chunk, then open until released (at most 10 s)."""
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        self.close_connection = True
        try:
            self.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")
            self.wfile.flush()
            self.cluster.release_logs.wait(timeout=10)
            self.wfile.write(b"0\r\n\r\n")
            self.wfile.flush()
        except OSError:
            pass

    def _discovery(self, path: str) -> dict[str, Any] | None:
        """/api/v1, /apis and /apis/<group>/<version>, built from PLURALS."""
        segments = [s for s in path.split("/") if s]
        by_version: dict[str, list[dict[str, Any]]] = {}
        for plural, (kind, api_version, namespaced) in PLURALS.items():
            verbs = ["get", "list", "watch", "create", "delete", "patch"]
            by_version.setdefault(api_version, []).append(
                {"name": plural, "kind": kind, "namespaced": namespaced, "verbs": verbs}
            )
            by_version[api_version].append(
                {
                    "name": f"{plural}/status",
                    "kind": kind,
                    "namespaced": namespaced,
                    "verbs": ["get"],
                }
            )
        if segments == ["apis"]:
            groups: dict[str, list[str]] = {}
            for api_version in by_version:
                if "/" in api_version:
                    groups.setdefault(api_version.split("/")[0], []).append(api_version)
            return {
                "kind": "APIGroupList",
                "apiVersion": "v1",
                "groups": [
                    {
                        "name": name,
                        "versions": [
                            {"groupVersion": v, "version": v.split("/")[1]} for v in versions
                        ],
                        "preferredVersion": {
                            "groupVersion": versions[0],
                            "version": versions[0].split("/")[1],
                        },
                    }
                    for name, versions in sorted(groups.items())
                ],
            }
        if segments == ["api", "v1"] or (segments[:1] == ["apis"] and len(segments) == 3):
            group_version = "/".join(segments[1:]) if segments[0] == "apis" else "v1"
            if segments[0] == "apis" and segments[1] in self.cluster.unavailable_groups:
                raise ApiError(503, "ServiceUnavailable", f"{group_version} is unavailable")
            if group_version not in by_version:
                raise ApiError(404, "NotFound", f"no group version {group_version}")
            return {
                "kind": "APIResourceList",
                "apiVersion": "v1",
                "groupVersion": group_version,
                "resources": by_version[group_version],
            }
        return None

    def _route(self, path: str) -> tuple[str, str, str]:
        segments = [s for s in path.split("/") if s]
        if segments[:2] == ["api", "v1"]:
            rest = segments[2:]
        elif segments[:1] == ["apis"] and len(segments) >= 3:
            rest = segments[3:]
        else:
            raise ApiError(404, "NotFound", f"no route {path}")
        if rest[:1] == ["namespaces"] and len(rest) >= 3:
            namespace, plural, name = rest[1], rest[2], rest[3] if len(rest) > 3 else ""
        else:
            namespace, plural, name = "", rest[0], rest[1] if len(rest) > 1 else ""
        if plural not in PLURALS:
            raise ApiError(404, "NotFound", f"the server could not find the resource {plural}")
        return plural, namespace, name

    # -- verbs -----------------------------------------------------------------------
    def _handle(
        self,
        method: str,
        plural: str,
        namespace: str,
        name: str,
        query: dict[str, list[str]],
        body: Any,
    ) -> tuple[int, Any]:
        cluster = self.cluster
        kind, api_version, namespaced = PLURALS[plural]
        key = cluster._key(plural, namespace, name)
        if method == "GET" and not name:
            selector = query.get("labelSelector", [None])[0]
            fields = query.get("fieldSelector", [None])[0]
            items = [
                {k: v for k, v in copy.deepcopy(o).items() if k not in ("apiVersion", "kind")}
                for (p, ns, _), o in sorted(cluster.objects.items())
                if p == plural
                and (not namespaced or not namespace or ns == namespace)
                and _matches(o, selector)
                and _fields_match(o, fields)
            ]
            return 200, {
                "kind": f"{kind}List",
                "apiVersion": api_version,
                "metadata": {"resourceVersion": "1"},
                "items": items,
            }
        if method == "GET":
            obj = cluster.objects.get(key)
            if obj is None:
                raise ApiError(404, "NotFound", f'{plural} "{name}" not found')
            return 200, obj
        if method == "DELETE":
            if key not in cluster.objects:
                raise ApiError(404, "NotFound", f'{plural} "{name}" not found')
            self._delete(key)
            return 200, {"kind": "Status", "apiVersion": "v1", "status": "Success"}
        if method == "PATCH":
            content_type = self.headers.get("Content-Type", "")
            if content_type == "application/apply-patch+yaml":
                return self._apply(key, kind, api_version, namespaced, query, body)
            if content_type == "application/merge-patch+json":
                obj = cluster.objects.get(key)
                if obj is None:
                    raise ApiError(404, "NotFound", f'{plural} "{name}" not found')
                updated = _merge(obj, body)
                if updated.get("spec") != obj.get("spec"):
                    updated["metadata"]["generation"] = obj["metadata"].get("generation", 1) + 1
                cluster.put(updated)
                self._reconcile(key)
                return 200, updated
            raise ApiError(415, "UnsupportedMediaType", f"unsupported patch type {content_type}")
        raise ApiError(405, "MethodNotAllowed", f"{method} is not supported by the fake")

    def _apply(
        self,
        key: Key,
        kind: str,
        api_version: str,
        namespaced: bool,
        query: dict[str, list[str]],
        body: Any,
    ) -> tuple[int, Any]:
        cluster = self.cluster
        if query.get("fieldManager") != ["jac-scale"]:
            raise ApiError(400, "BadRequest", "fieldManager is required for apply patch")
        if query.get("force") not in (["true"], ["True"]):
            raise ApiError(409, "Conflict", "fake expects force=true from jac-scale")
        if not isinstance(body, dict) or body.get("kind") != kind:
            raise ApiError(400, "BadRequest", f"body kind does not match {kind}")
        if body.get("apiVersion") != api_version:
            raise ApiError(
                400, "BadRequest", f"apiVersion {body.get('apiVersion')} != {api_version}"
            )
        if body["metadata"].get("name") != key[2]:
            raise ApiError(400, "BadRequest", "name in body does not match the URL")
        if namespaced and (cluster._key("namespaces", "", key[1]) not in cluster.objects):
            raise ApiError(404, "NotFound", f'namespaces "{key[1]}" not found')
        applied = copy.deepcopy(body)
        if kind == "Secret" and "stringData" in applied:
            data = applied.setdefault("data", {})
            for k, v in applied.pop("stringData").items():
                data[k] = base64.b64encode(v.encode()).decode()
        existing = cluster.objects.get(key)
        if existing is None:
            result = copy.deepcopy(applied)
            if "spec" in result:
                result["metadata"]["generation"] = 1
            self._defaults(result)
        else:
            result = _merge(existing, applied)
            _drop_unowned(result, cluster.applied.get(key), applied)
            if existing.get("spec") != result.get("spec"):
                result["metadata"]["generation"] = existing["metadata"].get("generation", 1) + 1
        result["metadata"]["managedFields"] = [
            {"manager": "jac-scale", "operation": "Apply", "apiVersion": api_version}
        ]
        if query.get("dryRun") == ["All"]:
            preview = copy.deepcopy(result)
            if existing is not None:
                preview["metadata"]["resourceVersion"] = existing["metadata"]["resourceVersion"]
            return 200, preview
        cluster.applied[key] = applied
        if existing is not None and _same(existing, result):
            return 200, existing
        cluster.put(result)
        self._reconcile(key)
        return (201 if existing is None else 200), cluster.objects[key]

    def _defaults(self, obj: dict[str, Any]) -> None:
        if obj["kind"] == "Service":
            spec = obj["spec"]
            spec.setdefault("clusterIP", "10.96.0.10")
            if spec.get("type") in ("NodePort", "LoadBalancer"):
                for i, port in enumerate(spec["ports"]):
                    port.setdefault("nodePort", 31000 + i)

    def _delete(self, key: Key) -> None:
        cluster = self.cluster
        obj = cluster.objects.pop(key)
        cluster.applied.pop(key, None)
        plural, _ns, name = key
        if plural == "namespaces":
            for other in [k for k in cluster.objects if k[1] == name]:
                cluster.objects.pop(other)
        if plural in ("deployments", "statefulsets"):
            owner = obj["metadata"]["uid"]
            for other, pod in list(cluster.objects.items()):
                refs = pod["metadata"].get("ownerReferences") or []
                if other[0] in ("pods",) and any(r.get("uid") == owner for r in refs):
                    cluster.objects.pop(other)

    # -- controllers -----------------------------------------------------------------
    def _reconcile(self, key: Key) -> None:
        """Play the controller of the object just written (pods, status, claims)."""
        cluster = self.cluster
        obj = cluster.objects.get(key)
        if obj is None:
            return
        if key[0] == "namespaces" and not any(
            k[0] == "serviceaccounts" and k[1] == key[2] for k in cluster.objects
        ):
            cluster.add_namespace_defaults(key[2])
        if key[0] == "deployments":
            self._run_deployment(key, obj)
        elif key[0] == "statefulsets":
            self._run_statefulset(key, obj)
        elif (
            key[0] == "pods"
            and not obj["metadata"].get("ownerReferences")
            and (obj.get("status") or {}).get("phase") != "Running"
        ):
            obj["status"] = self._pod_status(obj["spec"])

    def _pod_status(self, pod_spec: dict[str, Any]) -> dict[str, Any]:
        statuses = []
        phase = "Running"
        for container in pod_spec["containers"]:
            bad = self.cluster.bad_images.get(container["image"])
            if bad:
                phase = "Pending"
                state = {"waiting": {"reason": bad, "message": f"image {container['image']}"}}
            else:
                state = {"running": {"startedAt": "2026-01-01T00:00:00Z"}}
            statuses.append(
                {
                    "name": container["name"],
                    "state": state,
                    "ready": not bad,
                    "image": container["image"],
                }
            )
        return {"phase": phase, "containerStatuses": statuses}

    def _pods_for(self, owner: dict[str, Any], ns: str) -> list[tuple[Key, dict[str, Any]]]:
        uid = owner["metadata"]["uid"]
        return [
            (k, p)
            for k, p in self.cluster.objects.items()
            if k[0] == "pods"
            and k[1] == ns
            and any(r.get("uid") == uid for r in p["metadata"].get("ownerReferences") or [])
        ]

    def _new_pod(
        self,
        owner: dict[str, Any],
        ns: str,
        name: str,
        template: dict[str, Any],
        extra: dict[str, str],
    ) -> dict[str, Any]:
        pod = {
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": {
                "name": name,
                "namespace": ns,
                "labels": {**template["metadata"].get("labels", {}), **extra},
                "ownerReferences": [
                    {
                        "kind": owner["kind"],
                        "name": owner["metadata"]["name"],
                        "uid": owner["metadata"]["uid"],
                    }
                ],
            },
            "spec": copy.deepcopy(template["spec"]),
            "status": self._pod_status(template["spec"]),
        }
        self.cluster.put(pod)
        for status in pod["status"]["containerStatuses"]:
            waiting = status["state"].get("waiting")
            if waiting:
                self.cluster.put(
                    {
                        "apiVersion": "v1",
                        "kind": "Event",
                        "metadata": {"name": f"{name}.{status['name']}", "namespace": ns},
                        "involvedObject": {"kind": "Pod", "name": name, "namespace": ns},
                        "type": "Warning",
                        "reason": "Failed",
                        "message": f'Failed to pull image "{status["image"]}": not found',
                    }
                )
        return pod

    def _run_deployment(self, key: Key, dep: dict[str, Any]) -> None:
        _, ns, name = key
        spec = dep["spec"]
        desired = int(spec.get("replicas", 1))
        template = spec["template"]
        digest = hashlib.sha1(json.dumps(template, sort_keys=True).encode()).hexdigest()[:8]
        pods = self._pods_for(dep, ns)
        current = [
            (k, p) for k, p in pods if p["metadata"]["labels"].get("pod-template-hash") == digest
        ]
        old = [(k, p) for k, p in pods if (k, p) not in current]
        bad = any(self.cluster.bad_images.get(c["image"]) for c in template["spec"]["containers"])
        want = min(desired, 1) if bad and old else desired
        for i in range(len(current), want):
            self._new_pod(dep, ns, f"{name}-{digest}-{i}", template, {"pod-template-hash": digest})
        for k, _ in current[want:]:
            self.cluster.objects.pop(k)
        if not bad:
            for k, _ in old:
                self.cluster.objects.pop(k)
        old_ready = 0 if not bad else sum(1 for _ in old)
        status = {
            "observedGeneration": dep["metadata"].get("generation", 1),
            "replicas": want + (len(old) if bad else 0),
            "updatedReplicas": 0 if bad else desired,
            "readyReplicas": old_ready if bad else desired,
            "availableReplicas": old_ready if bad else desired,
        }
        if dep.get("status") != status:
            dep["status"] = status

    def _run_statefulset(self, key: Key, sts: dict[str, Any]) -> None:
        _, ns, name = key
        spec = sts["spec"]
        desired = int(spec.get("replicas", 1))
        existing = {p["metadata"]["name"] for _, p in self._pods_for(sts, ns)}
        for i in range(desired):
            pod_name = f"{name}-{i}"
            if pod_name not in existing:
                self._new_pod(sts, ns, pod_name, spec["template"], {})
            for claim in spec.get("volumeClaimTemplates") or []:
                claim_name = f"{claim['metadata']['name']}-{pod_name}"
                if (
                    self.cluster._key("persistentvolumeclaims", ns, claim_name)
                    not in self.cluster.objects
                ):
                    self.cluster.put(
                        {
                            "apiVersion": "v1",
                            "kind": "PersistentVolumeClaim",
                            "metadata": {
                                "name": claim_name,
                                "namespace": ns,
                                "labels": dict(claim["metadata"].get("labels") or {}),
                            },
                            "spec": copy.deepcopy(claim["spec"]),
                        }
                    )
        bad = any(
            self.cluster.bad_images.get(c["image"]) for c in spec["template"]["spec"]["containers"]
        )
        sts["status"] = {
            "observedGeneration": sts["metadata"].get("generation", 1),
            "replicas": desired,
            "readyReplicas": 0 if bad else desired,
        }

    # -- exec over websocket (v4.channel.k8s.io) -------------------------------------------
    def _exec(self, path: str, query: dict[str, list[str]]) -> None:
        segments = path.split("/")
        ns, pod = segments[4], segments[6]
        command = query.get("command", [])
        key = self.headers.get("Sec-WebSocket-Key", "")
        accept = base64.b64encode(hashlib.sha1((key + WS_GUID).encode()).digest()).decode()
        self.send_response(101)
        self.send_header("Upgrade", "websocket")
        self.send_header("Connection", "Upgrade")
        self.send_header("Sec-WebSocket-Accept", accept)
        self.send_header("Sec-WebSocket-Protocol", "v4.channel.k8s.io")
        self.end_headers()
        self.close_connection = True
        pod_obj = self.cluster.objects.get(("pods", ns, pod))
        claim = None
        for volume in (pod_obj or {}).get("spec", {}).get("volumes", []):
            claim = (volume.get("persistentVolumeClaim") or {}).get("claimName") or claim
        files = self.cluster.volumes.setdefault(f"{ns}/{claim}", {})
        script = command[-1] if command else ""
        stdout = ""
        if "tar xzf" in script:
            data = self._read_stdin()
            target = re.search(r"mkdir -p (\S+)\.tmp", script)
            assert target, script
            folder = target.group(1).removeprefix("/code/")
            with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as tar:
                for member in tar.getmembers():
                    handle = tar.extractfile(member)
                    if handle is not None:
                        files[f"{folder}/{member.name}"] = handle.read()
            files[f"{folder}/.jac-scale-complete"] = b""
        elif "test -f" in script:
            mark = re.search(r"test -f (\S+)", script)
            wanted = mark.group(1).removeprefix("/code/") if mark else ""
            stdout = "present\n" if wanted in files else "absent\n"
        if stdout:
            self._ws_send(b"\x01" + stdout.encode())
        self._ws_send(b"\x03" + json.dumps({"status": "Success"}).encode())
        self._ws_close()

    def _read_frame(self) -> tuple[int, bytes] | None:
        head = self.rfile.read(2)
        if len(head) < 2:
            return None
        opcode = head[0] & 0x0F
        length = head[1] & 0x7F
        if length == 126:
            length = struct.unpack(">H", self.rfile.read(2))[0]
        elif length == 127:
            length = struct.unpack(">Q", self.rfile.read(8))[0]
        mask = self.rfile.read(4) if head[1] & 0x80 else b"\0\0\0\0"
        payload = bytearray(self.rfile.read(length))
        for i in range(len(payload)):
            payload[i] ^= mask[i % 4]
        return opcode, bytes(payload)

    def _read_stdin(self) -> bytes:
        data = bytearray()
        self.connection.settimeout(10)
        for _ in range(100_000):
            try:
                frame = self._read_frame()
            except (TimeoutError, OSError):
                break
            if frame is None or frame[0] == 0x8:
                break
            opcode, payload = frame
            if opcode in (0x1, 0x2) and payload[:1] == b"\x00":
                data.extend(payload[1:])
        return bytes(data)

    def _ws_send(self, payload: bytes) -> None:
        header = bytes([0x82])
        if len(payload) < 126:
            header += bytes([len(payload)])
        else:
            header += bytes([126]) + struct.pack(">H", len(payload))
        try:
            self.wfile.write(header + payload)
            self.wfile.flush()
        except OSError:
            pass

    def _ws_close(self) -> None:
        try:
            self.wfile.write(bytes([0x88, 0x02]) + struct.pack(">H", 1000))
            self.wfile.flush()
        except OSError:
            pass


def _same(a: dict[str, Any], b: dict[str, Any]) -> bool:
    def strip(o: dict[str, Any]) -> dict[str, Any]:
        meta = {
            k: v for k, v in o["metadata"].items() if k not in ("resourceVersion", "managedFields")
        }
        return {**{k: v for k, v in o.items() if k not in ("metadata", "status")}, "metadata": meta}

    return strip(a) == strip(b)


@contextmanager
def running() -> Iterator[FakeApiServer]:
    with FakeApiServer() as server:
        yield server
