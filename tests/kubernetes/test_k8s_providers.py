"""The seed's provider flow: DatabaseProviderFactory.create(..., target=..., config=...)."""

from typing import Any

from k8s_fake_server import FakeApiServer

from jac_scale.abstractions.config.app_config import AppConfig
from jac_scale.factories.database_factory import DatabaseProviderFactory
from jac_scale.utilities.redaction import redact_text


def test_providers_deploy_report_and_clean_up(fake_api: FakeApiServer, make_target: Any) -> None:
    target = make_target()
    mongo = DatabaseProviderFactory.create(
        "kubernetes_mongo", target=target, config={"app_name": "todo"}
    )
    redis = DatabaseProviderFactory.create(
        "kubernetes_redis", target=target, config={"app_name": "todo", "persistence": True}
    )
    info = mongo.deploy({})
    assert info["secret"] == "todo-mongodb" and "StatefulSet/todo-mongodb" in info["objects"]
    assert "********" in info["connection_string"]
    uri = mongo.get_connection_string()
    assert uri.startswith("mongodb://root:") and "todo-mongodb-0.todo-mongodb.apps.svc" in uri
    password = uri.split(":")[2].split("@")[0]
    assert password not in redact_text(f"connecting to {uri}")  # printed form is redacted
    assert mongo.is_available()

    redis.deploy({})
    assert redis.is_available()
    assert fake_api.cluster.find("PersistentVolumeClaim", "apps", "todo-redis-data") is not None

    # a fresh provider object finds the same password in the cluster
    again = DatabaseProviderFactory.create(
        "kubernetes_mongo", target=target, config={"app_name": "todo"}
    )
    assert again.get_connection_string() == uri

    redis.cleanup()
    assert fake_api.cluster.find("Deployment", "apps", "todo-redis") is None
    assert fake_api.cluster.find("PersistentVolumeClaim", "apps", "todo-redis-data") is not None
    assert fake_api.cluster.find("StatefulSet", "apps", "todo-mongodb") is not None  # untouched
    assert not redis.is_available()
    redis.cleanup(purge=True)
    assert fake_api.cluster.find("PersistentVolumeClaim", "apps", "todo-redis-data") is None
    mongo.cleanup(purge=True)
    assert fake_api.cluster.labelled("app.kubernetes.io/instance=todo") == []


def test_injected_providers_are_deployed_with_the_app(
    fake_api: FakeApiServer, make_target: Any, app_config: AppConfig
) -> None:
    target = make_target()
    target.database_providers = [
        DatabaseProviderFactory.create("kubernetes_mongo", config={"app_name": "todo"}),
        DatabaseProviderFactory.create(
            "kubernetes_redis", target=target, config={"app_name": "todo"}
        ),
    ]
    result = target.deploy(app_config)
    assert result.success, result.message
    assert fake_api.cluster.names("StatefulSet", "apps") == ["todo-mongodb"]
    assert fake_api.cluster.names("Deployment", "apps") == ["todo", "todo-redis"]
    env = fake_api.cluster.find("Deployment", "apps", "todo")["spec"]["template"]["spec"][
        "containers"
    ][0]["env"]
    assert [e["name"] for e in env] == ["JAC_SCALE_APP_NAME", "MONGODB_URI", "REDIS_URL"]


def test_a_docker_provider_is_refused_by_the_kubernetes_target(
    make_target: Any, app_config: AppConfig
) -> None:
    import pytest

    from jac_scale.abstractions.database_provider import DatabaseProvider
    from jac_scale.errors import UsageError

    class Elsewhere(DatabaseProvider):
        def deploy(self, config: dict[str, Any]) -> dict[str, Any]:
            return {}

        def get_connection_string(self) -> str:
            return ""

        def is_available(self) -> bool:
            return False

        def cleanup(self, *, purge: bool = False) -> None:
            return None

    target = make_target()
    target.database_providers = [Elsewhere()]
    with pytest.raises(UsageError, match="cannot run on the kubernetes target"):
        target.render(app_config)
