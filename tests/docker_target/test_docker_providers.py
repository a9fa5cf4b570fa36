"""The database providers on their own, through the seed's factory and interface."""

import secrets

import pytest
from dockerkit import labelled

from jac_scale.errors import DeploymentError
from jac_scale.factories.database_factory import DatabaseProviderFactory

pytestmark = pytest.mark.docker


@pytest.fixture
def network(docker_client):
    name = f"jst-docker-prov-{secrets.token_hex(3)}"
    net = docker_client.networks.create(
        f"{name}-net",
        labels={"app.kubernetes.io/managed-by": "jac-scale", "app.kubernetes.io/instance": name},
    )
    yield name, net.name
    for kind in ("containers", "volumes"):
        for item in labelled(docker_client, kind, name):
            item.remove(force=True)
    net.remove()


def test_redis_provider_lifecycle(network, docker_client, standin_images) -> None:
    app_name, net = network
    password = secrets.token_urlsafe(16)
    provider = DatabaseProviderFactory.create(
        "docker_redis",
        config={"app_name": app_name, "network": net, "password": password},
    )
    made = provider.deploy({"image": standin_images["redis"]})
    assert made["container"] == f"{app_name}-redis" and made["volume"] == f"{app_name}-redis-data"
    assert provider.wait_available(60)
    assert provider.get_connection_string() == f"redis://:{password}@{app_name}-redis:6379/0"

    container = docker_client.containers.get(made["container"])
    assert password not in " ".join(container.attrs["Args"] + container.attrs["Config"]["Env"])
    ok = container.exec_run(["redis-cli", "ping"], environment={"REDISCLI_AUTH": password})
    assert ok.output.strip() == b"PONG"
    denied = container.exec_run(["redis-cli", "ping"], environment={"REDISCLI_AUTH": "wrong"})
    assert b"PONG" not in denied.output

    again = provider.deploy({})  # kept, not recreated
    assert docker_client.containers.get(again["container"]).id == container.id

    provider.config["password"] = "changed-" + password  # a new password recreates Redis
    renewed = docker_client.containers.get(provider.deploy({})["container"])
    assert renewed.id != container.id
    assert provider.wait_available(60)
    provider.config["password"] = password

    provider.cleanup()
    assert not provider.is_available()
    assert docker_client.volumes.get(made["volume"])  # kept without purge
    provider.cleanup(purge=True)
    assert labelled(docker_client, "volumes", app_name) == []
    provider.cleanup(purge=True)  # safe to repeat


def test_mongo_provider_uses_the_official_variables(network, docker_client, standin_images):
    app_name, net = network
    provider = DatabaseProviderFactory.create(
        "docker_mongo",
        config={"app_name": app_name, "network": net, "password": "pw-" + secrets.token_hex(8)},
    )
    made = provider.deploy({"image": standin_images["mongo"]})
    assert provider.wait_available(120)
    env = docker_client.containers.get(made["container"]).attrs["Config"]["Env"]
    assert "MONGO_INITDB_ROOT_USERNAME=jac" in env
    uri = provider.get_connection_string()
    assert uri.startswith(f"mongodb://jac:{provider.password}@{app_name}-mongodb:27017/")
    assert provider.status()["state"] == "running"
    provider.cleanup()  # the volume keeps the root user and its password

    other = DatabaseProviderFactory.create(
        "docker_mongo", config={"app_name": app_name, "network": net, "password": "other"}
    )
    with pytest.raises(DeploymentError, match="created with other credentials"):
        other.deploy({"image": standin_images["mongo"]})
    assert other.status()["state"] == "absent"
    provider.cleanup(purge=True)
    assert provider.status()["state"] == "absent"
