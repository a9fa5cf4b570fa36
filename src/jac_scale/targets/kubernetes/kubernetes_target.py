"""The Kubernetes target: server-side apply in dependency order, wait, status, scale, destroy."""

import inspect
import queue
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from jac_scale.abstractions.config.app_config import AppConfig
from jac_scale.abstractions.deployment_target import DeploymentTarget
from jac_scale.abstractions.models.deployment_result import DeploymentResult
from jac_scale.abstractions.models.resource_status import ResourceStatus, ResourceStatusInfo
from jac_scale.errors import ConfigError, DeploymentError, UsageError
from jac_scale.targets.kubernetes import code_sync, inspection, rollout, teardown
from jac_scale.targets.kubernetes.kube_database import KubernetesDatabaseProvider
from jac_scale.targets.kubernetes.kubernetes_config import KubernetesConfig
from jac_scale.targets.kubernetes.labels import (
    CODE_FINGERPRINT,
    CREATED_BY,
    RETAIN_LABEL,
    SCALED_FROM,
    SCALED_REPLICAS,
    instance_selector,
)
from jac_scale.targets.kubernetes.renderer import (
    SHARED_STORE_FIX,
    Plan,
    RenderRequest,
    check_data_safety,
    has_shared_store,
    many_replicas,
    render,
    to_yaml,
)
from jac_scale.utilities.fingerprint import fingerprint
from jac_scale.utilities.redaction import redact_text, register_secret

if TYPE_CHECKING:
    from jac_scale.targets.kubernetes.kube_client import KubeClient


#: At most this many pods are followed at once (one connection and thread each).
MAX_FOLLOWED_PODS = 20
#: Lines held between the reader threads and the consumer before readers wait.
FOLLOW_BUFFER = 1000


class RolloutFailed(DeploymentError):
    """A pod is stuck for a reason that needs the user (bad image, crash, bad config)."""


class KubernetesTarget(DeploymentTarget):
    """One app and its databases in one namespace of the cluster the kube context names."""

    name: ClassVar[str] = "kubernetes"
    config_class = KubernetesConfig
    can_scale: ClassVar[bool] = True
    config: KubernetesConfig

    def __init__(self, *args: Any, kube_client: "KubeClient | None" = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._kube = kube_client
        self._registry_config: dict[str, Any] = {}
        self._scale_config: Any = None
        self.sleep: Callable[[float], None] = time.sleep
        for value in self.config.app_environment().values():
            if value not in self.config.environment.values():
                register_secret(value)  # masked wherever it might be printed or logged

    # -- wiring -----------------------------------------------------------------
    def kube(self) -> "KubeClient":
        """The cluster client, connected on first use (so render never needs a cluster)."""
        if self._kube is None:
            from jac_scale.targets.kubernetes.kube_client import KubeClient

            self._kube = KubeClient.connect(
                self.config.kubeconfig,
                self.config.context,
                retries=self.config.api_retries,
                retry_delay=self.config.api_retry_delay,
            )
        return self._kube

    def attach_scale_config(self, scale_config: Any) -> None:
        """Remember the app's config: `[plugins.scale.registry]` decides whether deploy builds."""
        self._scale_config = scale_config
        self._registry_config = dict(scale_config.get_registry_config() or {})

    def _registry_type(self) -> str | None:
        value = self._registry_config.get("type")
        return str(value) if value else None

    def databases(self) -> list[KubernetesDatabaseProvider]:
        """Injected providers, plus those that `mongodb_enabled` / `redis_enabled` ask for."""
        from jac_scale.providers.database.kubernetes_mongo import KubernetesMongoProvider
        from jac_scale.providers.database.kubernetes_redis import KubernetesRedisProvider

        found: list[KubernetesDatabaseProvider] = []
        for provider in self.database_providers:
            if not isinstance(provider, KubernetesDatabaseProvider):
                raise UsageError(
                    f"{type(provider).__name__} cannot run on the kubernetes target",
                    hint="use DatabaseProviderFactory.create('kubernetes_mongo' or "
                    "'kubernetes_redis', target=...)",
                )
            if provider.target is None:
                provider.target = self
            found.append(provider)
        names = {p.db_name for p in found}
        if self.config.mongodb_enabled and "mongodb" not in names:
            found.append(KubernetesMongoProvider(target=self))
        if self.config.redis_enabled and "redis" not in names:
            found.append(KubernetesRedisProvider(target=self))
        return found

    def _use_app_name(self, app_config: AppConfig) -> str:
        if app_config.app_name and self.config.app_name == "jac-app":
            self.config.app_name = app_config.app_name
        return self.config.app_name

    @property
    def _where(self) -> str:
        kube = self.kube()
        return f"context {kube.where.context!r}, namespace {self.config.namespace!r}"

    # -- rendering ----------------------------------------------------------------
    def _code_fingerprint(self, app_config: AppConfig) -> str:
        return fingerprint(Path(app_config.code_folder))

    def _plan(
        self,
        app_config: AppConfig,
        image: str,
        databases: list[KubernetesDatabaseProvider],
        current: dict[str, Any] | None = None,
    ) -> Plan:
        current = current or {}
        return render(
            RenderRequest(
                config=self.config,
                file_name=app_config.file_name,
                image=image,
                build=app_config.build,
                databases=databases,
                replicas=current.get("replicas"),
                min_replicas=current.get("min_replicas"),
                code_fingerprint=None if app_config.build else self._code_fingerprint(app_config),
            )
        )

    def render(self, app_config: AppConfig, *, show_secrets: bool = False) -> str:
        """Every object deploy would apply, without contacting the cluster."""
        self._use_app_name(app_config)
        databases = self.databases()
        plan = self._plan(app_config, self.config.image, databases)
        text = to_yaml(plan.objects, show_secrets=show_secrets)
        notes = []
        if app_config.build and self.image_registry is None and not self._registry_type():
            notes.append(f"# image: {self.config.image} (from config; no registry configured)")
        elif app_config.build:
            notes.append("# image: deploy builds and pushes it, then runs the pushed reference")
        if not app_config.build:
            notes.append("# build=False: deploy copies the code into the claim before the rollout")
        if show_secrets and databases:
            notes.append(
                "# database passwords here are freshly generated; deploy reuses the cluster's"
            )
        return "\n".join(notes) + ("\n" if notes else "") + text

    # -- deploy -------------------------------------------------------------------
    def _resolve_image(self, app_config: AppConfig) -> tuple[str, str]:
        """The exact reference the Deployment runs, and a sentence saying where it came from."""
        if not app_config.build:
            return self.config.image, f"code synced into a volume; runs on {self.config.image}"
        registry = self.image_registry
        if registry is not None:
            self.progress.update("building the image")
            if "file_name" in inspect.signature(registry.build_image).parameters:
                built = registry.build_image(
                    app_config.code_folder, self.config.image, file_name=app_config.file_name
                )
            else:
                built = registry.build_image(app_config.code_folder, self.config.image)
            self.progress.update(f"pushing {built}")
            registry.push_image(built)
            image = registry.get_image_url(built)
            return image, f"built and pushed {image}"
        if self._registry_type() and self._scale_config is not None:
            from jac_scale.builder.pipeline import build_app_image

            report = build_app_image(
                self._scale_config,
                app_config.file_name,
                push=True,
                progress=self.progress,
                logger=self.logger,
            )
            return str(report["url"]), f"built and pushed {report['url']}"
        return (
            self.config.image,
            f"no registry configured: runs the image named in config ({self.config.image}) "
            "without building; set [plugins.scale.registry] to build and push it",
        )

    def _current(self, client: "KubeClient") -> dict[str, Any]:
        """What `scale` recorded, and the code version now running, from the cluster."""
        ns, app = self.config.namespace, self.config.app_name
        state: dict[str, Any] = {}
        deployment = client.get("Deployment", app, ns)
        state["deployment"] = deployment
        if deployment:
            annotations = deployment["metadata"].get("annotations") or {}
            if not self.config.autoscaling and _scale_applies(annotations, self.config.replicas):
                state["replicas"] = int(annotations[SCALED_REPLICAS])
            template = deployment["spec"]["template"]["metadata"].get("annotations") or {}
            state["code"] = template.get(CODE_FINGERPRINT)
        if self.config.autoscaling:
            hpa = client.get("HorizontalPodAutoscaler", app, ns)
            annotations = ((hpa or {}).get("metadata") or {}).get("annotations") or {}
            if _scale_applies(annotations, self.config.min_replicas):
                state["min_replicas"] = int(annotations[SCALED_REPLICAS])
        return state

    def _ensure_namespace(self, client: "KubeClient") -> bool:
        """Create the namespace if missing; True when this deploy created it."""
        created = client.ensure_namespace(self.config.namespace, self.config.app_name)
        if created:
            self.logger.info("created namespace", {"namespace": self.config.namespace})
        return created

    def deploy(self, app_config: AppConfig) -> DeploymentResult:
        app = self._use_app_name(app_config)
        if not app_config.app_file.is_file():
            raise UsageError(
                f"app file {app_config.app_file} does not exist",
                hint="pass the path of your .jac file",
            )
        client = self.kube()
        ns = self.config.namespace
        # Say where before anything is read or changed, so a wrong context is seen at once.
        self.progress.update(f"deploying {app} to {self._where}")
        self.logger.info(
            "deploying", {"app": app, "context": client.where.context, "namespace": ns}
        )
        version = client.server_version()
        self.progress.update(f"deploying {app} to {self._where} (Kubernetes {version})")
        check_data_safety(self.config, self.databases())  # before building or changing anything
        image, image_note = self._resolve_image(app_config)
        created_namespace = self._ensure_namespace(client)
        current = self._current(client)
        first_install = current["deployment"] is None
        # Data kept by an earlier destroy must survive a failed first install's clean-up.
        kept = self._retained(client) if first_install else set()
        databases = self.databases()
        for db in databases:
            db.ensure_password(client)
        plan = self._plan(app_config, image, databases, current)
        try:
            return self._apply_and_wait(client, app_config, plan, databases, current, image_note)
        except DeploymentError as exc:
            return self._failed(exc, first_install, created_namespace, kept)

    def _apply_and_wait(
        self,
        client: "KubeClient",
        app_config: AppConfig,
        plan: Plan,
        databases: list[KubernetesDatabaseProvider],
        current: dict[str, Any],
        image_note: str,
    ) -> DeploymentResult:
        app, ns = self.config.app_name, self.config.namespace
        before = current["deployment"]
        for obj in plan.database_objects:
            client.apply(obj)
        if databases:
            self._wait_databases(client, databases)
        uploaded = False
        if not app_config.build:
            uploaded = self._sync_code(client, app_config, plan, current)
        applied = [client.apply(obj) for obj in plan.app_objects]
        deployment = next(o for o in applied if o["kind"] == "Deployment")
        self._wait_rollout(client)
        changed = (
            before is None
            or uploaded
            or (deployment["metadata"].get("generation") != before["metadata"].get("generation"))
        )
        url = self.get_service_url(app)
        message = (
            f"{app} is running in {self._where}"
            if changed
            else (f"unchanged: {app} is already running in {self._where}")
        )
        port_forward = self._port_forward_hint(url)
        if port_forward:
            message += (
                f"; reachable only inside the cluster, from here: {port_forward}, "
                "then http://127.0.0.1:8000"
            )
        warning = self._shares_nothing_warning(databases)
        if warning:
            self.logger.warn(warning, {"app": app})
        return DeploymentResult(
            True,
            url,
            message,
            {
                "changed": changed,
                "context": client.where.context,
                "namespace": ns,
                "image": deployment["spec"]["template"]["spec"]["containers"][0]["image"],
                "image_note": image_note,
                "objects": [f"{o['kind']}/{o['metadata']['name']}" for o in plan.objects],
                "databases": {db.db_name: db.host for db in databases},
                "warning": warning,
                "port_forward": port_forward,
            },
        )

    def _shares_nothing_warning(self, databases: list[KubernetesDatabaseProvider]) -> str | None:
        if not many_replicas(self.config) or has_shared_store(self.config, databases):
            return None
        return (
            "more than one replica and no shared store (data_persistence = false): each "
            "replica keeps its own graph on an emptyDir that every rollout or restart empties"
        )

    def _retained(self, client: "KubeClient") -> set[str]:
        selector = instance_selector(self.config.app_name, {RETAIN_LABEL: "data"})
        return {
            f"{kind}/{obj['metadata']['name']}"
            for kind in ("Secret", "PersistentVolumeClaim")
            for obj in client.list_objects(kind, self.config.namespace, label_selector=selector)
        }

    def _failed(
        self,
        exc: DeploymentError,
        first_install: bool,
        created_namespace: bool,
        kept: set[str],
    ) -> DeploymentResult:
        app = self.config.app_name
        details = dict(exc.details)
        if first_install and not self.config.keep_on_failure:
            self.progress.update(f"removing what the failed first install of {app} created")
            try:
                self.destroy(app, purge=True, _namespace_created=created_namespace, _spare=kept)
                note = "the failed first install was removed (keep_on_failure = true keeps it)"
                if kept:
                    note += f"; data kept from before: {', '.join(sorted(kept))}"
            except DeploymentError as cleanup_error:
                note = f"removing the failed first install also failed: {cleanup_error.message}"
        elif first_install:
            note = "kept what the failed first install created (keep_on_failure)"
        else:
            note = (
                "the previous version keeps serving: the rollout never takes it below its "
                f"replicas; fix the problem and deploy again, or run "
                f"kubectl -n {self.config.namespace} rollout undo deployment/{app}"
            )
        self.logger.error(exc.message, {"app": app})
        details["note"] = note
        details["context"] = self.kube().where.context
        details["namespace"] = self.config.namespace
        return DeploymentResult(
            False, None, f"deploying {app} to {self._where} failed: {exc.message}; {note}", details
        )

    def _wait(self, what: str, check: Callable[[], tuple[bool, str]]) -> None:
        """Poll `check` until it says done, with progress; bounded by wait_timeout."""
        started = time.monotonic()
        deadline = started + self.config.wait_timeout
        message = ""
        while True:
            done, message = check()
            if done:
                return
            elapsed = time.monotonic() - started
            if time.monotonic() >= deadline:
                raise DeploymentError(
                    f"{what} not ready after {self.config.wait_timeout:.0f}s: {message}",
                    hint="raise [plugins.scale.kubernetes] wait_timeout, or look at "
                    f"kubectl -n {self.config.namespace} get pods,events",
                )
            self.progress.update(f"waiting for {what}: {message} ({elapsed:.0f}s)")
            self.sleep(self.config.poll_interval)

    def _check_pods(self, client: "KubeClient", selector: str) -> None:
        problems = rollout.pod_problems(
            client.list_objects("Pod", self.config.namespace, label_selector=selector)
        )
        if problems:
            first = problems[0]
            details = rollout.problem_details(client, self.config.namespace, first)
            raise RolloutFailed(
                f"pod {first.pod} cannot run: {first.reason}"
                + (f": {first.message}" if first.message else ""),
                details=details,
            )

    def _wait_databases(
        self, client: "KubeClient", databases: list[KubernetesDatabaseProvider]
    ) -> None:
        ns = self.config.namespace
        for db in databases:

            def check(db: KubernetesDatabaseProvider = db) -> tuple[bool, str]:
                self._check_pods(client, db.selector())
                return rollout.workload_ready(client.get(db.workload_kind, db.object_name, ns))

            self._wait(f"{db.db_name}", check)

    def _wait_rollout(self, client: "KubeClient") -> None:
        app, ns = self.config.app_name, self.config.namespace
        selector = instance_selector(app, {"app.kubernetes.io/component": "app"})

        def check() -> tuple[bool, str]:
            deployment = client.get("Deployment", app, ns)
            if deployment is None:
                raise DeploymentError(f"deployment {ns}/{app} disappeared during the rollout")
            done, message = rollout.deployment_progress(deployment)
            if not done:
                self._check_pods(client, selector)
            return done, message

        self._wait(f"the rollout of {app}", check)

    def _sync_code(
        self,
        client: "KubeClient",
        app_config: AppConfig,
        plan: Plan,
        current: dict[str, Any],
    ) -> bool:
        app, ns = self.config.app_name, self.config.namespace
        claim = next(
            o
            for o in plan.app_objects
            if o["kind"] == "PersistentVolumeClaim" and o["metadata"]["name"] == f"{app}-code"
        )
        client.apply(claim)
        pod_name = code_sync.sync_pod_name(app)
        if client.delete("Pod", pod_name, ns):  # a leftover of an interrupted deploy
            self._wait(
                "the previous code sync pod to go",
                lambda: (client.get("Pod", pod_name, ns) is None, "terminating"),
            )
        image = self.config.code_sync_image or self.config.image
        client.apply(code_sync.sync_pod(app, ns, image, self.config.image_pull_secrets))
        selector = instance_selector(app, {"app.kubernetes.io/component": "code-sync"})

        def running() -> tuple[bool, str]:
            self._check_pods(client, selector)
            pod = client.get("Pod", pod_name, ns) or {}
            phase = (pod.get("status") or {}).get("phase", "Pending")
            if phase in ("Failed", "Succeeded"):
                raise DeploymentError(f"the code sync pod {ns}/{pod_name} stopped ({phase})")
            return phase == "Running", f"sync pod {phase}"

        try:
            self._wait("the code sync pod", running)
            version = self._code_fingerprint(app_config)
            self.progress.update(f"copying the code of {app} into its volume")
            return code_sync.sync_code(
                client,
                Path(app_config.code_folder),
                ns,
                pod_name,
                version,
                keep=[current.get("code") or ""],
            )
        finally:
            client.delete("Pod", pod_name, ns)

    # -- status, url, scale, logs ---------------------------------------------------
    def get_status(self, app_name: str) -> ResourceStatusInfo:
        client = self.kube()
        info = inspection.app_status(client, self.config.namespace, app_name)
        if info.status is not ResourceStatus.NOT_FOUND:
            url = inspection.service_url(client, self.config.namespace, app_name)
            info.details["url"] = url
            port_forward = self._port_forward_hint(url)
            if port_forward:
                info.details["port_forward"] = port_forward
                info.message = (
                    f"{info.message}; reachable only inside the cluster, from here: "
                    f"{port_forward}, then http://127.0.0.1:8000"
                )
        return info

    def _port_forward_hint(self, url: str | None) -> str | None:
        """The kubectl command that reaches an in-cluster-only URL from this machine."""
        if not url or ".svc.cluster.local:" not in url:
            return None
        app_name = url.split("//", 1)[-1].split(".", 1)[0]
        port = url.rsplit(":", 1)[-1]
        return (
            f"kubectl --context {self.kube().where.context} -n {self.config.namespace} "
            f"port-forward svc/{app_name} 8000:{port}"
        )

    def get_service_url(self, app_name: str) -> str | None:
        url = inspection.service_url(self.kube(), self.config.namespace, app_name)
        port_forward = self._port_forward_hint(url)
        if port_forward:
            self.progress.update(f"{url} answers only inside the cluster; use: {port_forward}")
            self.logger.info(
                "the service is only reachable inside the cluster", {"hint": port_forward}
            )
        return url

    def scale(self, app_name: str, replicas: int) -> str:
        client = self.kube()
        ns = self.config.namespace
        hpa = client.get("HorizontalPodAutoscaler", app_name, ns)
        if hpa is not None:
            if replicas < 1:
                raise UsageError(
                    f"{app_name} autoscales; its minimum must be at least 1",
                    hint="set autoscaling = false in [plugins.scale.kubernetes] to scale to 0",
                )
            high = max(int(hpa["spec"]["maxReplicas"]), replicas)
            client.merge_patch(
                "HorizontalPodAutoscaler",
                app_name,
                ns,
                {
                    "metadata": {
                        "annotations": {
                            SCALED_REPLICAS: str(replicas),
                            SCALED_FROM: str(self.config.min_replicas),
                        }
                    },
                    "spec": {"minReplicas": replicas, "maxReplicas": high},
                },
            )
            return (
                f"autoscaling is on: set the autoscaler's minimum of {app_name} to {replicas} "
                f"(maximum {high}) in {self._where}"
            )
        deployment = client.get("Deployment", app_name, ns)
        if deployment is None:
            raise DeploymentError(
                f"{app_name} is not deployed in {self._where}", hint="run jac-scale deploy first"
            )
        volumes = deployment["spec"]["template"]["spec"].get("volumes") or []
        on_claim = any(
            (v.get("persistentVolumeClaim") or {}).get("claimName") == f"{app_name}-data"
            for v in volumes
        )
        container = deployment["spec"]["template"]["spec"]["containers"][0]
        shared_store = self.config.mongodb_uri is not None or any(
            e.get("name") == "MONGODB_URI" for e in container.get("env") or []
        )
        if replicas > 1 and not shared_store and on_claim:
            raise ConfigError(
                f"{app_name} keeps its graph in one SQLite file on one volume; several replicas "
                "must not share it",
                hint=f"{SHARED_STORE_FIX}; then deploy again",
            )
        if replicas > 1 and not shared_store and self.config.data_persistence:
            raise ConfigError(
                f"{replicas} replicas of {app_name} with no shared store would each keep the "
                "graph and users on a scratch volume that every rollout or restart empties",
                hint=SHARED_STORE_FIX,
            )
        client.merge_patch(
            "Deployment",
            app_name,
            ns,
            {
                "metadata": {
                    "annotations": {
                        SCALED_REPLICAS: str(replicas),
                        SCALED_FROM: str(self.config.replicas),
                    }
                },
                "spec": {"replicas": replicas},
            },
        )
        message = f"set the replicas of {app_name} to {replicas} in {self._where}"
        if replicas > 1 and not shared_store:
            note = (
                "no shared store (data_persistence = false): each replica keeps its own graph "
                "on a scratch volume that every rollout or restart empties"
            )
            self.logger.warn(note, {"app": app_name})
            message += f"; {note}"
        return message

    def logs(self, app_name: str, *, follow: bool = False, tail: int = 100) -> Iterator[str]:
        client = self.kube()
        ns = self.config.namespace
        pods = client.list_objects(
            "Pod",
            ns,
            label_selector=instance_selector(app_name, {"app.kubernetes.io/component": "app"}),
        )
        if not pods:
            raise DeploymentError(
                f"{app_name} has no pods in {self._where}", hint="run jac-scale deploy first"
            )
        if follow:
            names = [p["metadata"]["name"] for p in pods]
            if len(names) > MAX_FOLLOWED_PODS:
                yield (
                    f"[jac-scale] following {MAX_FOLLOWED_PODS} of {len(names)} pods "
                    f"(use kubectl -n {ns} logs POD -f for the others)"
                )
            yield from follow_logs(client, ns, names[:MAX_FOLLOWED_PODS], tail=tail)
            return
        for pod in pods:
            name = pod["metadata"]["name"]
            for line in client.pod_log(name, ns, tail=tail):
                yield redact_text(f"[{name}] {line}")

    # -- dry run ------------------------------------------------------------------
    def dry_run(self, app_config: AppConfig) -> str:
        """Ask the server what deploy would change; render locally when no cluster answers."""
        self._use_app_name(app_config)
        try:
            client = self.kube()
            client.server_version()
        except (ConfigError, DeploymentError) as exc:
            return (
                f"# no cluster reachable ({exc.message}); rendered locally instead\n"
                + self.render(app_config)
            )
        ns = self.config.namespace
        databases = self.databases()
        for db in databases:
            db.ensure_password(client)
        current = self._current(client) if client.get("Namespace", ns) else {}
        plan = self._plan(app_config, self.config.image, databases, current)
        lines = [f"# server dry run in {self._where}; nothing was changed"]
        if not current:
            lines.append(f"namespace/{ns}: create")
        for obj in plan.objects:
            kind, name = obj["kind"], obj["metadata"]["name"]
            if not current:  # no namespace yet: the server cannot dry-run into it
                lines.append(f"{kind.lower()}/{name}: create")
                continue
            existing = client.get(kind, name, ns)
            answer = client.apply(obj, dry_run=True)  # the server validates it either way
            if existing is None:
                verdict = "create"
            else:
                verdict = "unchanged" if _content(answer) == _content(existing) else "update"
            lines.append(f"{kind.lower()}/{name}: {verdict}")
        return "\n".join(lines) + "\n"

    # -- destroy ------------------------------------------------------------------
    def delete_selected(
        self, selector: str, *, purge: bool, spare: set[str] | frozenset[str] = frozenset()
    ) -> list[str]:
        """Delete what matches `selector` (data only with `purge`) and wait until it is gone."""
        return teardown.delete_selected(
            self.kube(), self.config.namespace, selector, purge=purge, spare=spare, wait=self._wait
        )

    def destroy(
        self,
        app_name: str,
        *,
        purge: bool = False,
        _namespace_created: bool = False,
        _spare: set[str] | frozenset[str] = frozenset(),
    ) -> None:
        client = self.kube()
        ns = self.config.namespace
        self.progress.update(f"destroying {app_name} in {self._where}")
        namespace = client.get("Namespace", ns)
        if namespace is None:
            self.logger.info("nothing to delete: no such namespace", {"namespace": ns})
            return
        deleted = self.delete_selected(instance_selector(app_name), purge=purge, spare=_spare)
        self.logger.info("deleted", {"app": app_name, "objects": len(deleted)})
        if not purge:
            kept = client.list_objects(
                "PersistentVolumeClaim", ns, label_selector=instance_selector(app_name)
            )
            if kept:
                self.logger.info(
                    "kept the data volumes and database passwords (use --purge to delete them)",
                    {"volumes": [k["metadata"]["name"] for k in kept]},
                )
            return
        annotations = namespace["metadata"].get("annotations") or {}
        ours = annotations.get(CREATED_BY) == app_name or _namespace_created
        if not ours:
            return
        # Deleting a namespace deletes everything in it: only when nothing but ours is left.
        check = teardown.check_namespace(client, ns, app_name)
        if check.empty:
            client.delete("Namespace", ns)
            self.logger.info("deleted the namespace it had created", {"namespace": ns})
            return
        note = (
            f"kept namespace {ns!r} (created by {app_name}) because {check.reason()}; "
            f"delete it yourself (kubectl --context {client.where.context} delete namespace "
            f"{ns}) once nothing in it is needed"
        )
        self.progress.update(note)
        self.logger.warn(note, {"namespace": ns})


def follow_logs(client: "KubeClient", ns: str, pods: list[str], *, tail: int) -> Iterator[str]:
    """Every pod's log as it grows, lines prefixed with the pod; one reader thread per pod.

    Ends when every stream has ended; closing the iterator (or Ctrl-C) stops all readers.
    """
    lines: queue.Queue[tuple[str, str | None]] = queue.Queue(maxsize=FOLLOW_BUFFER)
    stop = threading.Event()
    responses: list[Any] = []
    guard = threading.Lock()

    def put(item: tuple[str, str | None]) -> bool:
        while not stop.is_set():
            try:
                lines.put(item, timeout=0.2)
                return True
            except queue.Full:
                continue
        return False

    def read(pod: str) -> None:
        try:
            response = client.open_pod_log(pod, ns, tail=tail)
            with guard:
                responses.append(response)
            if stop.is_set():
                return
            for line in client.log_lines(response):
                if stop.is_set() or not put((pod, line)):
                    return
        except Exception as exc:  # one broken stream must not end the others
            if not stop.is_set():
                put((pod, f"(log stream ended: {getattr(exc, 'message', exc)})"))
        finally:
            put((pod, None))

    readers = [
        threading.Thread(target=read, args=(pod,), name=f"jac-scale-log-{pod}", daemon=True)
        for pod in pods
    ]
    for reader in readers:
        reader.start()
    open_streams = len(readers)
    try:
        while open_streams:
            try:
                pod, line = lines.get(timeout=0.5)
            except queue.Empty:
                continue
            if line is None:
                open_streams -= 1
                continue
            yield redact_text(f"[{pod}] {line}")
    finally:
        stop.set()
        with guard:
            for response in responses:
                client.stop_stream(response)
        for reader in readers:
            reader.join(timeout=5)


def _content(obj: dict[str, Any]) -> Any:
    """What a dry-run apply may change: everything but metadata and status."""
    return {k: v for k, v in obj.items() if k not in ("metadata", "status")}


def _scale_applies(annotations: dict[str, str], configured: int) -> bool:
    """A recorded `scale` holds until the configured count itself changes."""
    if SCALED_REPLICAS not in annotations:
        return False
    return annotations.get(SCALED_FROM, str(configured)) == str(configured)
