"""Names and labels of everything the Docker target creates, derived from the app name.

Labels are the only way the target finds its objects again, so selection by label never
touches a container, network or volume that Jac-Scale did not make for this app.
"""

MANAGED_BY = "app.kubernetes.io/managed-by"
INSTANCE = "app.kubernetes.io/instance"
COMPONENT = "app.kubernetes.io/component"
VERSION = "jac-scale.io/version"
SLOT = "jac-scale.io/slot"
MANAGER = "jac-scale"

APP, LB, MONGODB, REDIS = "app", "lb", "mongodb", "redis"


def labels(app_name: str, component: str, **extra: str) -> dict[str, str]:
    found = {MANAGED_BY: MANAGER, INSTANCE: app_name, COMPONENT: component}
    found.update(extra)
    return found


def selector(app_name: str, component: str | None = None) -> list[str]:
    """Label filters for docker-py `filters={'label': ...}`."""
    wanted = [f"{MANAGED_BY}={MANAGER}", f"{INSTANCE}={app_name}"]
    if component:
        wanted.append(f"{COMPONENT}={component}")
    return wanted


def network_name(app_name: str) -> str:
    return f"{app_name}-net"


def lb_name(app_name: str) -> str:
    return f"{app_name}-lb"


def replica_name(app_name: str, version: str, slot: int) -> str:
    return f"{app_name}-app-{version[:8]}-{slot}"


def data_volume(app_name: str, slot: int) -> str:
    """Each replica slot keeps its own `.jac/data`: never one SQLite file for two replicas."""
    return f"{app_name}-data-{slot}"


def db_container(app_name: str, component: str) -> str:
    return f"{app_name}-{component}"


def db_volume(app_name: str, component: str) -> str:
    return f"{app_name}-{component}-data"
