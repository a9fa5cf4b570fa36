"""The Docker target: app replicas behind nginx, with MongoDB and Redis, on one Docker engine.

Deploy order: image, network, databases, new replicas (healthy), nginx switch, old replicas
drained and removed. A failure before the switch removes only what this deploy started, so
the version already serving keeps serving.
"""

import hashlib
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from jac_scale.abstractions.config.app_config import AppConfig
from jac_scale.abstractions.database_provider import DatabaseProvider
from jac_scale.abstractions.deployment_target import DeploymentTarget
from jac_scale.abstractions.models.deployment_result import DeploymentResult
from jac_scale.abstractions.models.resource_status import ResourceStatus, ResourceStatusInfo
from jac_scale.errors import DeploymentError, UsageError
from jac_scale.targets.docker import load_balancer, naming, nginx, plan
from jac_scale.targets.docker.docker_config import DockerConfig
from jac_scale.targets.docker.engine import connect, engine_errors, short_error
from jac_scale.targets.docker.logs import follow as follow_logs
from jac_scale.targets.docker.replicas import (
    ReplicaSpec,
    answers,
    create_replica,
    log_tail,
    wait_healthy,
)
from jac_scale.targets.docker.state import DockerState, StateStore
from jac_scale.utilities.ports import port_is_free
from jac_scale.utilities.redaction import register_secret

if TYPE_CHECKING:
    import docker
    from docker.models.containers import Container

    from jac_scale.config_loader import ScaleConfig

#: Log lines kept from each replica that failed to start (a Python traceback is long).
FAILURE_LOG_LINES = 40

SEPARATE_GRAPHS_WARNING = (
    "{n} replicas without MongoDB: each replica keeps its own graph in its own .jac/data "
    "volume, so users see different data depending on the replica that answers; set "
    "mongodb_enabled = true (or [plugins.scale.database] mongodb_uri) to keep one graph in "
    "MongoDB for all replicas"
)

#: Tells the runtime store which app it serves, so it names the app's MongoDB database after it.
APP_NAME_VAR = "JAC_SCALE_APP_NAME"


class DockerTarget(DeploymentTarget):
    """Containers on one engine, found again by their labels; state in `<app>/.jac-scale/docker`."""

    name: ClassVar[str] = "docker"
    config_class = DockerConfig
    can_scale: ClassVar[bool] = True
    config: DockerConfig

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._client: docker.DockerClient | None = None
        self._scale_config: ScaleConfig | None = None
        self._code_folder: str | None = None

    # -- wiring --
    def attach_scale_config(self, scale_config: "ScaleConfig") -> None:
        """Called by `operations.open_app`: gives the build config and the state folder."""
        self._scale_config = scale_config

    @property
    def client(self) -> "docker.DockerClient":
        if self._client is None:
            self._client = connect(self.config.docker_host)
        return self._client

    def _store(self) -> StateStore:
        if self.config.state_dir:
            return StateStore(Path(self.config.state_dir))
        if self._scale_config is not None:
            return StateStore(self._scale_config.state_dir)
        base = Path(self._code_folder) if self._code_folder else Path.cwd()
        return StateStore(base / ".jac-scale")

    def _providers(self, state: DockerState) -> list[DatabaseProvider]:
        """Injected providers, else the ones the config enables; all get network and password."""
        from jac_scale.factories.database_factory import DatabaseProviderFactory

        providers = list(self.database_providers)
        if not providers:
            if self.config.mongodb_enabled:
                providers.append(DatabaseProviderFactory.create("docker_mongo", target=self))
            if self.config.redis_enabled:
                providers.append(DatabaseProviderFactory.create("docker_redis", target=self))
        app = self.config.app_name
        images = {naming.MONGODB: self.config.mongodb_image, naming.REDIS: self.config.redis_image}
        for provider in providers:
            component = getattr(provider, "component", type(provider).__name__.lower())
            provider.config.update(
                {
                    "app_name": app,
                    "network": naming.network_name(app),
                    "docker_host": self.config.docker_host,
                    "password": state.credential(f"{component}_password"),
                }
            )
            provider.config.setdefault("image", images.get(component))
        return providers

    def _app_environment(self, providers: list[DatabaseProvider]) -> dict[str, str]:
        env = self.config.app_environment()
        for provider in providers:
            if provider.env_var:
                env[provider.env_var] = provider.get_connection_string()
        env.setdefault("PYTHONUNBUFFERED", "1")
        # As on Kubernetes: apps sharing one external MongoDB still get a database each.
        env[APP_NAME_VAR] = self.config.app_name
        for value in env.values():
            if "://" in value:
                register_secret(value)
        return env

    def _shares_graph_store(self) -> bool:
        """True when every replica gets MONGODB_URI: our MongoDB, an external one, or injected."""
        injected = any(p.env_var == "MONGODB_URI" for p in self.database_providers)
        return injected or plan.shares_graph_store(self.config)

    def _warn_separate_graphs(self, replicas: int) -> str | None:
        if replicas > 1 and not self._shares_graph_store():
            message = SEPARATE_GRAPHS_WARNING.format(n=replicas)
            self.logger.warn(message, {"app": self.config.app_name})
            return message
        return None

    # -- lookups --
    def _containers(self, app_name: str, component: str | None = None) -> list["Container"]:
        return self.client.containers.list(
            all=True, filters={"label": naming.selector(app_name, component)}
        )

    def _replicas(self, app_name: str) -> list["Container"]:
        found = self._containers(app_name, naming.APP)
        return sorted(found, key=lambda c: int(c.labels.get(naming.SLOT, "0")))

    def _lb(self, app_name: str) -> "Container | None":
        found = self._containers(app_name, naming.LB)
        # Two only after a deploy was killed while replacing nginx: the real name wins.
        found.sort(key=lambda c: c.name != naming.lb_name(app_name))
        return found[0] if found else None

    # -- images --
    def _check_images(self, images: list[str]) -> None:
        from docker.errors import ImageNotFound

        missing = []
        for image in images:
            try:
                self.client.images.get(image)
            except ImageNotFound:
                missing.append(image)
        if missing:
            raise DeploymentError(
                f"image{'s' if len(missing) > 1 else ''} not found on the Docker engine: "
                + ", ".join(missing),
                hint="docker pull or docker load the image, fix the name in "
                "[plugins.scale.docker] (docker_image_name, lb_image, redis_image, "
                "mongodb_image), or deploy with --build for the app image",
            )

    def _require_image_source(self, app_config: AppConfig) -> None:
        if not app_config.build and not self.config.docker_image_name:
            raise UsageError(
                "no app image: build is off and [plugins.scale.docker] docker_image_name "
                "is not set",
                hint="deploy with --build, or set docker_image_name to an existing image",
            )

    def _app_image(self, app_config: AppConfig) -> str:
        self._require_image_source(app_config)
        if not app_config.build and self.config.docker_image_name:
            return self.config.docker_image_name
        from jac_scale.builder.image_builder import ImageBuilder

        scale_config = self._scale_config
        if scale_config is None:
            from jac_scale.config_loader import get_scale_config

            scale_config = get_scale_config(app_config.app_file)
        build_config = scale_config.get_build_config()
        repository = self.config.docker_image_name or getattr(build_config, "repository", None)
        builder = ImageBuilder(
            build_config, docker_client=self.client, progress=self.progress, logger=self.logger
        )
        self.progress.update(f"building the image of {self.config.app_name}")
        return builder.build(app_config.code_folder, app_config.file_name, repository)

    # -- the seed's interface --
    def deploy(self, app_config: AppConfig) -> DeploymentResult:
        app_name = self.config.app_name = app_config.app_name or self.config.app_name
        self._code_folder = app_config.code_folder
        if not app_config.app_file.is_file():
            raise UsageError(
                f"app file {app_config.app_file} does not exist",
                hint="pass the path of your .jac file",
            )
        self._require_image_source(app_config)
        store = self._store()
        state = store.load(app_name)
        with engine_errors(f"deploying {app_name}"):
            self._check_port(self._lb(app_name))  # fail fast, before a build
            image = self._app_image(app_config)
            providers = self._providers(state)
            if state.credentials:
                # Saved before any database volume exists: an interrupted first deploy must
                # not lose the password a volume was initialised with.
                store.save(state)
            self._check_images(
                [image, self.config.lb_image, *(str(p.config["image"]) for p in providers)]
            )
            image_attrs = self.client.images.get(image).attrs
            workdir = (image_attrs.get("Config") or {}).get("WorkingDir") or "/app"
            user = (image_attrs.get("Config") or {}).get("User") or ""
            env = self._app_environment(providers)
            version = self._version(image_attrs["Id"], app_config.file_name, env)
            replicas = self.config.replicas
            if state.config_replicas == replicas and state.replicas is not None:
                replicas = state.replicas  # a count set by `scale` survives unchanged deploys
            spec = ReplicaSpec(
                app_name=app_name,
                version=version,
                slot=0,
                image=image,
                network=naming.network_name(app_name),
                workdir=workdir,
                file_name=app_config.file_name,
                container_port=self.config.container_port,
                health_check_path=self.config.health_check_path,
                environment=env,
                user=user,
            )
            result = self._rollout(state, spec, replicas, providers)
            if result.success:
                state.version, state.image, state.replicas = version, image, replicas
                state.config_replicas = self.config.replicas
                state.workdir, state.file_name = workdir, app_config.file_name
                state.user = user
            store.save(state)
            return result

    def _version(self, image_id: str, file_name: str, env: dict[str, str]) -> str:
        digest = hashlib.sha256()
        for item in (
            image_id,
            file_name,
            str(self.config.container_port),
            self.config.health_check_path,
            *(f"{k}={v}" for k, v in sorted(env.items())),
        ):
            digest.update(item.encode() + b"\0")
        return digest.hexdigest()[:16]

    def _rollout(
        self,
        state: DockerState,
        spec: ReplicaSpec,
        replicas: int,
        providers: list[DatabaseProvider],
    ) -> DeploymentResult:
        app_name = spec.app_name
        lb = self._lb(app_name)
        current = self._replicas(app_name)
        first = lb is None and not current
        want = (self.config.bind_address, self.config.port)
        lb_ok = lb is not None and lb.status == "running" and load_balancer.published(lb) == want
        if lb is None or not lb_ok:
            self._check_port(lb)
        if lb_ok and state.version == spec.version and self._all_serving(current, spec, replicas):
            url = load_balancer.service_url(*want)
            self.logger.info("unchanged and healthy; nothing to do", {"app": app_name})
            return DeploymentResult(
                True, url, f"{app_name} unchanged: already running", {"changed": False}
            )
        try:
            self._ensure_network(app_name)
            self._start_databases(providers)
            same_version = [c for c in current if c.labels.get(naming.VERSION) == spec.version]
            keep = [c for c in same_version if c.status == "running"][:replicas]
            fresh, failure = self._start_replicas(spec, replicas, keep)
            if failure is not None:
                if first:  # nothing served before: leave nothing running (volumes stay)
                    self._teardown(app_name, purge=False, quiet=True)
                return failure
            serving = sorted(keep + fresh, key=lambda c: int(c.labels[naming.SLOT]))
            try:
                lb = self._serve(app_name, lb, lb_ok, [c.name for c in serving])
            except BaseException as exc:
                if first:
                    raise
                self._remove(fresh, graceful=False)  # the old replicas and nginx still serve
                reported = _rolled_back(exc, app_name)
                if reported is exc:
                    raise
                raise reported from None
            old = [c for c in current if c.id not in {s.id for s in serving}]
            self._remove(old)
        except BaseException:
            if first:
                self._teardown(app_name, purge=False, quiet=True)
            raise
        url = load_balancer.service_url(*want)
        warning = self._warn_separate_graphs(replicas)
        message = f"{app_name} is running with {replicas} replica(s) at {url}"
        details: dict[str, Any] = {
            "changed": True,
            "version": spec.version,
            "image": spec.image,
            "replicas": [c.name for c in serving],
        }
        if warning:
            details["warning"] = warning
            message += f"\nwarning: {warning}"
        self.logger.info("running", {"app": app_name, "url": url})
        return DeploymentResult(True, url, message, details)

    def _all_serving(self, current: list["Container"], spec: ReplicaSpec, replicas: int) -> bool:
        mine = [c for c in current if c.labels.get(naming.VERSION) == spec.version]
        if len(mine) != replicas or len(current) != replicas:
            return False
        return all(
            c.status == "running" and answers(c, spec.container_port, spec.health_check_path)
            for c in mine
        )

    def _check_port(self, lb: "Container | None") -> None:
        """Fail before creating anything when the published port is taken by someone else."""
        host, port = self.config.bind_address, self.config.port
        if lb is not None and load_balancer.published(lb) == (host, port):
            return
        if self.config.docker_host and not self.config.docker_host.startswith("unix:"):
            return  # a remote engine's ports are not this host's; docker will tell
        if not port_is_free(port, (host,)):
            raise DeploymentError(
                f"port {port} on {host} is already in use",
                hint="stop what listens there, or choose another port with "
                "[plugins.scale.docker] port or JAC_SCALE_DOCKER__PORT",
            )

    def _ensure_network(self, app_name: str) -> None:
        name = naming.network_name(app_name)
        found = self.client.networks.list(names=[name])
        for network in found:
            if network.name == name:
                if network.attrs.get("Labels", {}).get(naming.INSTANCE) != app_name:
                    raise DeploymentError(
                        f"a Docker network named {name} exists but was not made by jac-scale",
                        hint=f"remove it (docker network rm {name}) or change app_name",
                    )
                return
        self.client.networks.create(
            name, driver="bridge", labels=naming.labels(app_name, "network")
        )

    def _start_databases(self, providers: list[DatabaseProvider]) -> None:
        for provider in providers:
            component = getattr(provider, "component", type(provider).__name__)
            self.progress.update(f"starting {component}")
            provider.deploy({})
        for provider in providers:
            component = getattr(provider, "component", type(provider).__name__)
            waiter = getattr(provider, "wait_available", None)
            ok = waiter(self.config.startup_timeout) if waiter else provider.is_available()
            if not ok:
                raise DeploymentError(
                    f"{component} did not accept connections within "
                    f"{self.config.startup_timeout:.0f}s",
                    hint=f"docker logs {naming.db_container(self.config.app_name, component)}",
                )

    def _start_replicas(
        self, spec: ReplicaSpec, replicas: int, keep: list["Container"]
    ) -> tuple[list["Container"], DeploymentResult | None]:
        """Start the replicas missing from `keep`; on failure remove them and say why."""
        used = {int(c.labels[naming.SLOT]) for c in keep}
        slots = [s for s in range(replicas * 2 + len(used)) if s not in used][
            : max(0, replicas - len(keep))
        ]
        fresh: list[Container] = []
        try:
            for slot in slots:
                self.progress.update(f"starting replica {slot} of {spec.app_name}")
                fresh.append(create_replica(self.client, _with_slot(spec, slot)))
            failure = wait_healthy(
                fresh,
                spec.container_port,
                spec.health_check_path,
                self.config.startup_timeout,
                self.config.health_interval,
                self.progress.update,
            )
        except BaseException:
            self._remove(fresh, graceful=False)
            raise
        if failure is None:
            return fresh, None
        tail = [line for c in fresh for line in log_tail(c, FAILURE_LOG_LINES)]
        self._remove(fresh, graceful=False)
        message = f"the new version of {spec.app_name} did not become healthy: {failure}"
        if keep or self._lb(spec.app_name) is not None:
            message += "; the previous version keeps serving"
        self.logger.error(message, {"app": spec.app_name})
        return [], DeploymentResult(False, None, message, {"log_tail": tail, "reason": failure})

    def _serve(
        self, app_name: str, lb: "Container | None", lb_ok: bool, upstreams: list[str]
    ) -> "Container":
        """Point nginx at `upstreams`, creating it on first deploy; waits for old requests."""
        conf = nginx.render_conf(app_name, upstreams, self.config.container_port)
        if lb is not None and lb_ok:
            self.progress.update("switching the load balancer to the new replicas")
            if not nginx.switch(lb, conf, self.config.drain_timeout):
                self.logger.warn(
                    "requests still in flight after drain_timeout; stopping old replicas anyway",
                    {"app": app_name},
                )
            return lb
        self.progress.update("starting the load balancer")
        return self._replace_lb(app_name, lb, conf, any_answer=not upstreams)

    def _replace_lb(
        self, app_name: str, old: "Container | None", conf: str, *, any_answer: bool
    ) -> "Container":
        """Start a new nginx while the old one (renamed) waits; on failure put the old one back.

        The old one keeps serving its port meanwhile unless the new one needs that port (a
        stopped old one holds none), so a failed recreate leaves the app as it was.
        """
        previous = f"{naming.lb_name(app_name)}-previous"
        for stray in self._containers(app_name, naming.LB):  # left by an interrupted deploy
            if old is None or stray.id != old.id:
                self._remove([stray], graceful=False)
        if old is not None:
            old.rename(previous)
        try:
            lb = load_balancer.create(self.client, self.config, conf, any_answer=any_answer)
        except BaseException:
            if old is not None:
                for made in self._containers(app_name, naming.LB):
                    if made.id != old.id:
                        self._remove([made], graceful=False)
                old.rename(naming.lb_name(app_name))
            raise
        if old is not None:
            self._remove([old], graceful=False)
        return lb

    def _remove(self, containers: list["Container"], *, graceful: bool = True) -> None:
        from docker.errors import NotFound

        for container in containers:
            try:
                if graceful:
                    container.stop(timeout=self.config.stop_timeout)
                container.remove(force=True)
            except NotFound:
                continue

    # -- status, url, logs --
    def get_status(self, app_name: str) -> ResourceStatusInfo:
        with engine_errors(f"reading the status of {app_name}"):
            containers = self._containers(app_name)
            if not containers:
                return ResourceStatusInfo(
                    ResourceStatus.NOT_FOUND, message=f"{app_name} is not deployed"
                )
            state = self._store().load(app_name)
            port, path = self.config.container_port, self.config.health_check_path
            rows, ready = [], 0
            for replica in self._replicas(app_name):
                healthy = replica.status == "running" and answers(replica, port, path)
                ready += healthy
                rows.append(
                    {
                        "name": replica.name,
                        "state": replica.status,
                        "ready": healthy,
                        "version": replica.labels.get(naming.VERSION),
                        "restarts": replica.attrs.get("RestartCount", 0),
                    }
                )
            lb = self._lb(app_name)
            databases = {p.component: p.status() for p in self._providers(state)}  # type: ignore[attr-defined]
        desired = state.replicas if state.replicas is not None else len(rows)
        details: dict[str, Any] = {
            "containers": rows,
            "load_balancer": {
                "name": lb.name if lb else None,
                "state": lb.status if lb else "absent",
                "url": self.get_service_url(app_name),
            },
            "databases": databases,
            "version": state.version,
        }
        lb_running = lb is not None and lb.status == "running"
        if not lb_running or any(r["state"] in ("exited", "dead") for r in rows):
            status, message = ResourceStatus.FAILED, f"{app_name} is not serving"
        elif ready == len(rows) == desired:
            status, message = ResourceStatus.RUNNING, f"{app_name}: {ready}/{desired} ready"
        else:
            status, message = ResourceStatus.PENDING, f"{app_name}: {ready}/{desired} ready"
        return ResourceStatusInfo(status, len(rows), ready, message, details)

    def get_service_url(self, app_name: str) -> str | None:
        with engine_errors(f"finding the URL of {app_name}"):
            lb = self._lb(app_name)
            if lb is None or lb.status != "running":
                return None
            published = load_balancer.published(lb)
        return load_balancer.service_url(*published) if published else None

    def logs(self, app_name: str, *, follow: bool = False, tail: int = 100) -> Iterator[str]:
        with engine_errors(f"reading the logs of {app_name}"):
            replicas = [c for c in self._replicas(app_name)]
        if not replicas:
            raise DeploymentError(f"{app_name} is not deployed", hint="run jac-scale deploy first")
        if not follow:
            for replica in replicas:
                yield from log_tail(replica, tail)
            return
        self.client.api.timeout = None  # a quiet app must not end the stream after a timeout
        yield from follow_logs(replicas, tail)

    # -- scale and destroy --
    def scale(self, app_name: str, replicas: int) -> str:
        if replicas < 0:
            raise UsageError(f"replicas must be 0 or more, got {replicas}")
        store = self._store()
        state = store.load(app_name)
        with engine_errors(f"scaling {app_name}"):
            lb = self._lb(app_name)
            if lb is None or state.version is None or state.image is None:
                raise DeploymentError(
                    f"{app_name} is not deployed on docker", hint="run jac-scale deploy first"
                )
            everything = self._replicas(app_name)
            current = [c for c in everything if c.status == "running"]
            providers = self._providers(state)
            spec = ReplicaSpec(
                app_name=app_name,
                version=state.version,
                slot=0,
                image=state.image,
                network=naming.network_name(app_name),
                workdir=state.workdir or "/app",
                file_name=state.file_name or "main.jac",
                container_port=self.config.container_port,
                health_check_path=self.config.health_check_path,
                environment=self._app_environment(providers),
                user=state.user or "",
            )
            keep = current[:replicas]
            fresh, failure = self._start_replicas(spec, replicas, keep)
            if failure is not None:
                tail = "\n".join(failure.details.get("log_tail", []))
                raise DeploymentError(
                    f"{failure.message}\nlast log lines:\n{tail}", details=failure.details
                )
            serving = keep + fresh
            self._serve(app_name, lb, True, [c.name for c in serving])
            self._remove([c for c in everything if c not in keep])
        state.replicas = replicas
        store.save(state)
        message = f"scaled {app_name} to {replicas} replica(s)"
        warning = self._warn_separate_graphs(replicas)
        return f"{message}\nwarning: {warning}" if warning else message

    def destroy(self, app_name: str, *, purge: bool = False) -> None:
        with engine_errors(f"destroying {app_name}"):
            self._teardown(app_name, purge=purge)
        if purge:
            self._store().drop(app_name)

    def _teardown(self, app_name: str, *, purge: bool, quiet: bool = False) -> None:
        """Remove only objects labelled for this app; volumes only with `purge`."""
        selector = {"label": naming.selector(app_name)}
        lb = self._containers(app_name, naming.LB)
        rest = [c for c in self._containers(app_name) if c not in lb]
        self._remove(lb, graceful=False)
        self._remove(rest, graceful=not quiet)
        for network in self.client.networks.list(filters=selector):
            network.remove()
        if purge:
            for volume in self.client.volumes.list(filters=selector):
                volume.remove(force=True)
        if not quiet:
            self.logger.info("destroyed", {"app": app_name, "purged": purge})

    # -- render --
    def render(self, app_config: AppConfig, *, show_secrets: bool = False) -> str:
        app_name = app_config.app_name or self.config.app_name
        self.config.app_name = app_name
        self._code_folder = app_config.code_folder
        state = self._store().load(app_name)
        return plan.render_plan(self.config, app_config, state, show_secrets=show_secrets)


def _rolled_back(exc: BaseException, app_name: str) -> BaseException:
    """The load balancer failed after new replicas started: say they were removed again."""
    from docker.errors import DockerException

    if isinstance(exc, DeploymentError):
        message, hint, details = exc.message, exc.hint, exc.details
    elif isinstance(exc, DockerException):
        message, hint, details = f"starting the load balancer failed: {short_error(exc)}", None, {}
    else:
        return exc
    return DeploymentError(
        f"{message}\nthe new replicas of {app_name} were removed; the previous version and "
        "its load balancer were left as they were",
        hint=hint or "check lb_image and [plugins.scale.docker] port, then deploy again",
        details={**details, "rolled_back": True},
    )


def _with_slot(spec: ReplicaSpec, slot: int) -> ReplicaSpec:
    from dataclasses import replace

    return replace(spec, slot=slot)
