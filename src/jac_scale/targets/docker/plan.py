"""`render --target docker`: the plan of containers, images, network, volumes and ports.

Pure text from config and state: the engine is never contacted, so the plan works offline and
cannot change anything. Passwords are masked unless `--show-secrets`.
"""

from jac_scale.abstractions.config.app_config import AppConfig
from jac_scale.targets.docker import naming, nginx
from jac_scale.targets.docker.docker_config import DockerConfig
from jac_scale.targets.docker.state import DockerState
from jac_scale.utilities.redaction import MASK


def _secret(state: DockerState | None, key: str, show: bool) -> str:
    if state is None or key not in state.credentials:
        return "(generated at the first deploy)" if show else MASK
    return state.credentials[key] if show else MASK


def shares_graph_store(config: DockerConfig) -> bool:
    """True when replicas share one graph in MongoDB: ours, or an external MONGODB_URI."""
    return config.mongodb_enabled or "MONGODB_URI" in config.app_environment()


def render_plan(
    config: DockerConfig, app_config: AppConfig, state: DockerState | None, *, show_secrets: bool
) -> str:
    app = config.app_name
    network = naming.network_name(app)
    image = (
        f"{config.image_repository()}:<content fingerprint> (built from {app_config.code_folder})"
        if app_config.build
        else str(config.docker_image_name or "(not set: set docker_image_name or use --build)")
    )
    env = dict(config.environment)
    env.update(
        {k: (v.get_secret_value() if show_secrets else MASK) for k, v in config.secrets.items()}
    )
    if config.mongodb_uri is not None:
        env["MONGODB_URI"] = config.mongodb_uri.get_secret_value() if show_secrets else MASK
    if config.redis_url is not None:
        env["REDIS_URL"] = config.redis_url.get_secret_value() if show_secrets else MASK
    env["JAC_SCALE_APP_NAME"] = app
    lines = [
        f"# jac-scale docker plan for {app}: nothing was created (jac-scale deploy does that)",
        f"engine: {config.docker_host or 'the Docker environment (DOCKER_HOST)'}",
        f"network: {network} (bridge, private to the app)",
        "",
        "containers:",
    ]
    volumes: list[str] = []
    if config.mongodb_enabled:
        name, volume = naming.db_container(app, naming.MONGODB), naming.db_volume(app, "mongodb")
        password = _secret(state, "mongodb_password", show_secrets)
        env["MONGODB_URI"] = (
            f"mongodb://jac:{password}@{name}:27017/?authSource=admin&authMechanism=SCRAM-SHA-256"
        )
        lines += [
            f"  {name}",
            f"    image: {config.mongodb_image}",
            f"    volume: {volume} -> /data/db",
            "    environment: MONGO_INITDB_ROOT_USERNAME=jac "
            f"MONGO_INITDB_ROOT_PASSWORD={password}",
        ]
        volumes.append(volume)
    if config.redis_enabled:
        name, volume = naming.db_container(app, naming.REDIS), naming.db_volume(app, "redis")
        password = _secret(state, "redis_password", show_secrets)
        env["REDIS_URL"] = f"redis://:{password}@{name}:6379/0"
        lines += [
            f"  {name}",
            f"    image: {config.redis_image}",
            "    command: redis-server /jac-scale/redis.conf (holds the password; mode 0600)",
            f"    volume: {volume} -> /data",
        ]
        volumes.append(volume)
    replicas = state.replicas if state and state.replicas is not None else config.replicas
    # The version is a hash of the built image and settings, known only once it is built.
    replica_names = [f"{app}-app-<version>-{slot}" for slot in range(replicas)]
    for slot, name in enumerate(replica_names):
        volume = naming.data_volume(app, slot)
        volumes.append(volume)
        lines += [
            f"  {name}",
            f"    image: {image}",
            f"    command: jac start {app_config.file_name} --port {config.container_port}",
            f"    volume: {volume} -> <workdir>/.jac/data (this replica's own graph)",
            f"    health: GET 127.0.0.1:{config.container_port}{config.health_check_path} "
            "inside the container",
        ]
        if env:
            shown = " ".join(f"{k}={v}" for k, v in sorted(env.items()))
            lines.append(f"    environment: {shown}")
    lines += [
        f"  {naming.lb_name(app)}",
        f"    image: {config.lb_image}",
        f"    publishes: {config.bind_address}:{config.port} -> {nginx.LISTEN_PORT}",
        "",
        f"volumes (kept by destroy unless --purge): {', '.join(volumes) or 'none'}",
        f"published ports: {config.bind_address}:{config.port} (nginx only)",
        "",
        f"nginx {nginx.CONF_DIR}/{nginx.CONF_FILE}:",
    ]
    conf = nginx.render_conf(app, replica_names, config.container_port)
    lines += [f"  {line}" for line in conf.splitlines()]
    if replicas > 1 and not shares_graph_store(config):
        lines += ["", f"warning: {replicas} replicas without MongoDB keep separate graphs"]
    return "\n".join(lines) + "\n"
