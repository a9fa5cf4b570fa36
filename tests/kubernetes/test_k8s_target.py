"""The Kubernetes target against the fake API server, through the real client over HTTP."""

from pathlib import Path
from typing import Any

import pytest
from k8s_fake_server import FakeApiServer

from jac_scale.abstractions.config.app_config import AppConfig
from jac_scale.abstractions.models.resource_status import ResourceStatus

OURS = "app.kubernetes.io/instance=todo,app.kubernetes.io/managed-by=jac-scale"


def test_deploy_status_url_scale_destroy(
    fake_api: FakeApiServer, make_target: Any, app_config: AppConfig
) -> None:
    target = make_target(service_type="NodePort", node_port=30080, data_persistence=False)
    result = target.deploy(app_config)
    assert result.success, result.message
    assert result.details["changed"] is True
    assert "context 'fake'" in result.message and "namespace 'apps'" in result.message
    cluster = fake_api.cluster
    namespace = cluster.find("Namespace", "", "apps")
    assert namespace and namespace["metadata"]["annotations"]["jac-scale.io/created-by"] == "todo"
    assert cluster.names("Deployment", "apps") == ["todo"]
    # every write was a server-side apply with our field manager
    patches = [r for r in cluster.requests if r.method == "PATCH"]
    assert patches and all(r.content_type == "application/apply-patch+yaml" for r in patches)
    assert all(r.query["fieldManager"] == ["jac-scale"] for r in patches)

    assert result.service_url == "http://127.0.0.1:30080"
    assert target.get_service_url("todo") == "http://127.0.0.1:30080"

    status = target.get_status("todo")
    assert status.status is ResourceStatus.RUNNING
    assert (status.replicas, status.ready_replicas) == (1, 1)

    message = target.scale("todo", 3)
    assert "replicas of todo to 3" in message
    deployment = cluster.find("Deployment", "apps", "todo")
    assert deployment and deployment["spec"]["replicas"] == 3
    assert target.get_status("todo").ready_replicas == 3

    # a recorded scale survives an unchanged redeploy
    again = make_target(service_type="NodePort", node_port=30080, data_persistence=False)
    assert again.deploy(app_config).success
    deployment = cluster.find("Deployment", "apps", "todo")
    assert deployment and deployment["spec"]["replicas"] == 3
    # ...but a changed replicas in config wins over the recorded scale
    changed = make_target(
        service_type="NodePort", node_port=30080, data_persistence=False, replicas=2
    )
    assert changed.deploy(app_config).success
    assert cluster.find("Deployment", "apps", "todo")["spec"]["replicas"] == 2

    logs = list(target.logs("todo", tail=1))
    assert len(logs) == 2 and all(line.startswith("[todo-") for line in logs)  # one per pod
    pod = fake_api.cluster.names("Pod", "apps")[0]
    fake_api.cluster.pod_logs[pod] = "one\ntwo\nthree\n"
    assert list(target.logs("todo", tail=2))[:2] == [f"[{pod}] two", f"[{pod}] three"]
    followed = list(target.logs("todo", follow=True, tail=5))
    assert followed and all(line.startswith("[todo-") for line in followed)

    target.destroy("todo")
    assert cluster.labelled(OURS) == []
    assert target.get_status("todo").status is ResourceStatus.NOT_FOUND
    assert target.get_service_url("todo") is None
    target.destroy("todo")  # safe to repeat
    assert cluster.find("Namespace", "", "apps") is not None  # kept without --purge


def test_unchanged_redeploy_changes_no_spec(
    fake_api: FakeApiServer, make_target: Any, app_config: AppConfig
) -> None:
    assert make_target(mongodb_enabled=True, redis_enabled=True).deploy(app_config).success
    specs = fake_api.cluster.specs()
    versions = fake_api.cluster.versions()
    result = make_target(mongodb_enabled=True, redis_enabled=True).deploy(app_config)
    assert result.success and result.details["changed"] is False
    assert result.message.startswith("unchanged")
    assert fake_api.cluster.specs() == specs
    assert fake_api.cluster.versions() == versions  # nothing rewritten, passwords reused


def test_changed_config_updates_in_place(
    fake_api: FakeApiServer, make_target: Any, app_config: AppConfig
) -> None:
    assert make_target().deploy(app_config).success
    uid = fake_api.cluster.find("Deployment", "apps", "todo")["metadata"]["uid"]
    result = make_target(environment={"MODE": "prod"}).deploy(app_config)
    assert result.success and result.details["changed"] is True
    deployment = fake_api.cluster.find("Deployment", "apps", "todo")
    assert deployment["metadata"]["uid"] == uid  # updated, never deleted and recreated
    assert deployment["metadata"]["generation"] == 2
    assert fake_api.cluster.count("DELETE", "/deployments/") == 0


def test_database_passwords_reach_the_app_only_through_secret_refs(
    fake_api: FakeApiServer, make_target: Any, app_config: AppConfig
) -> None:
    result = make_target(mongodb_enabled=True, redis_enabled=True).deploy(app_config)
    assert result.success
    secret = fake_api.cluster.find("Secret", "apps", "todo-mongodb")
    import base64

    password = base64.b64decode(secret["data"]["password"]).decode()
    deployment = fake_api.cluster.find("Deployment", "apps", "todo")
    assert password not in str(deployment)
    assert password not in str(result.to_dict())
    env = deployment["spec"]["template"]["spec"]["containers"][0]["env"]
    assert {e["name"] for e in env} == {"JAC_SCALE_APP_NAME", "MONGODB_URI", "REDIS_URL"}
    assert all("value" not in e for e in env if e["name"] != "JAC_SCALE_APP_NAME")
    assert set(result.details["databases"]) == {"mongodb", "redis"}
    assert target_status_databases(make_target()) == {"mongodb", "redis"}


def target_status_databases(target: Any) -> set[str]:
    return set(target.get_status("todo").details["databases"])


def test_destroy_spares_other_apps_and_keeps_database_volumes(
    fake_api: FakeApiServer, make_target: Any, app_config: AppConfig, tmp_path: Path
) -> None:
    assert make_target(mongodb_enabled=True).deploy(app_config).success
    other_dir = tmp_path / "other"
    other_dir.mkdir()
    (other_dir / "app.jac").write_text("with entry { print(1); }\n")
    other = make_target(app_name="other", mongodb_enabled=True)
    other_config = AppConfig(code_folder=str(other_dir), file_name="app.jac", app_name="other")
    assert other.deploy(other_config).success
    others = fake_api.cluster.labelled("app.kubernetes.io/instance=other")
    others_versions = {k: v for k, v in fake_api.cluster.versions().items() if "other" in k[2]}
    # an object nobody manages, in the same namespace
    fake_api.cluster.put(
        {
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": {"name": "todo-handmade", "namespace": "apps", "labels": {"x": "y"}},
        }
    )

    make_target(mongodb_enabled=True).destroy("todo")
    left = fake_api.cluster.labelled(OURS)
    assert sorted(left) == [
        "PersistentVolumeClaim/data-todo-mongodb-0",
        "Secret/todo-mongodb",
    ]
    assert fake_api.cluster.labelled("app.kubernetes.io/instance=other") == others
    assert {
        k: v for k, v in fake_api.cluster.versions().items() if "other" in k[2]
    } == others_versions
    assert fake_api.cluster.find("ConfigMap", "apps", "todo-handmade") is not None

    # redeploy finds the old password, so the kept volume stays usable
    secret = fake_api.cluster.find("Secret", "apps", "todo-mongodb")
    assert make_target(mongodb_enabled=True).deploy(app_config).success
    assert fake_api.cluster.find("Secret", "apps", "todo-mongodb")["data"] == secret["data"]

    make_target(mongodb_enabled=True).destroy("todo", purge=True)
    assert fake_api.cluster.labelled(OURS) == []
    assert fake_api.cluster.labelled("app.kubernetes.io/instance=other") == others
    # the namespace was created by todo but still holds other's objects: kept
    assert fake_api.cluster.find("Namespace", "", "apps") is not None


def test_purge_deletes_the_namespace_it_created_when_empty(
    fake_api: FakeApiServer, make_target: Any, app_config: AppConfig
) -> None:
    assert make_target(namespace="solo").deploy(app_config).success
    make_target(namespace="solo").destroy("todo", purge=True)
    assert fake_api.cluster.find("Namespace", "", "solo") is None
    assert make_target(namespace="default").deploy(app_config).success
    make_target(namespace="default").destroy("todo", purge=True)
    assert fake_api.cluster.find("Namespace", "", "default") is not None  # not ours


def test_image_pull_backoff_is_reported_within_one_poll_with_events(
    fake_api: FakeApiServer, make_target: Any, app_config: AppConfig
) -> None:
    fake_api.cluster.bad_images["registry.local/missing:1"] = "ImagePullBackOff"
    target = make_target(docker_image_name="registry.local/missing:1", poll_interval=30)
    sleeps: list[float] = []
    target.sleep = sleeps.append
    result = target.deploy(app_config)
    assert not result.success
    assert sleeps == []  # found on the first look, no waiting
    assert "ImagePullBackOff" in result.message
    assert any("Failed to pull image" in e for e in result.details["events"])
    assert result.details["log_tail"]
    assert "removed" in result.details["note"]
    assert fake_api.cluster.labelled(OURS) == []  # failed first install cleaned up


def test_failed_first_install_keeps_data_an_earlier_destroy_kept(
    fake_api: FakeApiServer, make_target: Any, app_config: AppConfig
) -> None:
    assert make_target(mongodb_enabled=True).deploy(app_config).success
    make_target(mongodb_enabled=True).destroy("todo")
    kept = fake_api.cluster.labelled(OURS)
    assert "PersistentVolumeClaim/data-todo-mongodb-0" in kept
    fake_api.cluster.bad_images["registry.local/todo:bad"] = "CrashLoopBackOff"
    result = make_target(mongodb_enabled=True, docker_image_name="registry.local/todo:bad").deploy(
        app_config
    )
    assert not result.success and "CrashLoopBackOff" in result.message
    assert "data kept from before" in result.details["note"]
    assert fake_api.cluster.labelled(OURS) == kept


def test_failed_upgrade_keeps_the_previous_version(
    fake_api: FakeApiServer, make_target: Any, app_config: AppConfig
) -> None:
    assert make_target().deploy(app_config).success
    fake_api.cluster.bad_images["registry.local/todo:2"] = "ErrImagePull"
    result = make_target(docker_image_name="registry.local/todo:2").deploy(app_config)
    assert not result.success
    assert "previous version keeps serving" in result.message
    pods = fake_api.cluster.names("Pod", "apps")
    assert len(pods) == 2  # the old pod still serves beside the failing new one
    status = make_target().get_status("todo")
    assert status.status is ResourceStatus.FAILED and "ErrImagePull" in (status.message or "")
    assert status.ready_replicas == 1
    assert fake_api.cluster.find("Deployment", "apps", "todo") is not None


def test_conflict_and_server_errors_are_retried_a_bounded_number(
    fake_api: FakeApiServer, make_target: Any, app_config: AppConfig
) -> None:
    fake_api.cluster.inject("PATCH", "/deployments/todo", 409, 500)
    fake_api.cluster.inject("GET", "/services/todo", 503)
    result = make_target().deploy(app_config)
    assert result.success
    assert fake_api.cluster.count("PATCH", "/deployments/todo") == 3

    from jac_scale.errors import DeploymentError

    fake_api.cluster.inject("GET", "/deployments/todo", *([500] * 10))
    with pytest.raises(DeploymentError, match=r"answered 500 to read Deployment.*after 4 attempts"):
        make_target().get_status("todo")
    assert fake_api.cluster.count("GET", "/deployments/todo") >= 4
    fake_api.cluster.injected.clear()


def test_interrupted_deploy_then_destroy_leaves_nothing(
    fake_api: FakeApiServer, make_target: Any, app_config: AppConfig
) -> None:
    class Interrupt:
        def __init__(self) -> None:
            self.calls = 0

        def update(self, message: str) -> None:
            self.calls += 1
            if "waiting for mongodb" in message:
                raise KeyboardInterrupt

    fake_api.cluster.bad_images["mongo:7.0"] = "ContainerCreating"
    target = make_target(mongodb_enabled=True)
    target.progress = Interrupt()
    with pytest.raises(KeyboardInterrupt):
        target.deploy(app_config)
    assert fake_api.cluster.labelled(OURS)  # something was half made
    make_target(mongodb_enabled=True).destroy("todo", purge=True)
    assert fake_api.cluster.labelled(OURS) == []
    assert fake_api.cluster.find("Namespace", "", "apps") is None  # the deploy had created it


def test_autoscaling_scale_sets_the_minimum(
    fake_api: FakeApiServer, make_target: Any, app_config: AppConfig
) -> None:
    target = make_target(autoscaling=True, min_replicas=1, max_replicas=4, data_persistence=False)
    assert target.deploy(app_config).success
    message = target.scale("todo", 2)
    assert "autoscaling is on" in message and "minimum" in message
    hpa = fake_api.cluster.find("HorizontalPodAutoscaler", "apps", "todo")
    assert hpa["spec"]["minReplicas"] == 2
    again = make_target(autoscaling=True, min_replicas=1, max_replicas=4, data_persistence=False)
    assert again.deploy(app_config).success
    hpa = fake_api.cluster.find("HorizontalPodAutoscaler", "apps", "todo")
    assert hpa["spec"]["minReplicas"] == 2  # survives redeploy
    deployment = fake_api.cluster.find("Deployment", "apps", "todo")
    assert "replicas" not in fake_api.cluster.applied[("deployments", "apps", "todo")]["spec"]
    assert deployment is not None


def test_scale_refuses_to_share_one_sqlite_volume(
    fake_api: FakeApiServer, make_target: Any, app_config: AppConfig
) -> None:
    from jac_scale.errors import UsageError

    target = make_target()
    assert target.deploy(app_config).success
    with pytest.raises(UsageError, match="SQLite"):
        target.scale("todo", 2)
    assert fake_api.cluster.find("Deployment", "apps", "todo")["spec"]["replicas"] == 1
    # with MongoDB the graph lives there: no data claim, and replicas may grow
    shared = make_target(mongodb_enabled=True)
    assert shared.deploy(app_config).success
    assert shared.scale("todo", 2) == (
        "set the replicas of todo to 2 in context 'fake', namespace 'apps'"
    )


def test_several_replicas_without_a_shared_store_are_refused_before_any_change(
    fake_api: FakeApiServer, make_target: Any, app_config: AppConfig
) -> None:
    """An emptyDir per pod would silently lose every graph at each rollout or restart."""
    from jac_scale.errors import ConfigError

    with pytest.raises(ConfigError, match="no shared store") as caught:
        make_target(replicas=2).deploy(app_config)
    assert "mongodb_enabled = true" in (caught.value.hint or "")
    assert fake_api.cluster.find("Namespace", "", "apps") is None  # nothing was changed
    with pytest.raises(ConfigError, match="no shared store"):
        make_target(autoscaling=True).deploy(app_config)

    # 1 -> 2 replicas must not silently drop the data claim from the running Deployment
    assert make_target().deploy(app_config).success
    with pytest.raises(ConfigError, match="2 replicas"):
        make_target(replicas=2).deploy(app_config)
    volumes = fake_api.cluster.find("Deployment", "apps", "todo")["spec"]["template"]["spec"][
        "volumes"
    ]
    assert {"name": "data", "persistentVolumeClaim": {"claimName": "todo-data"}} in volumes

    # opting in with data_persistence = false is allowed, and the result says what it costs
    result = make_target(replicas=2, data_persistence=False).deploy(app_config)
    assert result.success
    assert "every rollout or restart empties" in result.details["warning"]


def test_scale_beyond_one_without_a_shared_store_needs_the_opt_in(
    fake_api: FakeApiServer, make_target: Any, app_config: AppConfig
) -> None:
    from jac_scale.errors import ConfigError

    assert make_target(data_persistence=False).deploy(app_config).success  # emptyDir, 1 pod
    with pytest.raises(ConfigError, match="no shared store") as caught:
        make_target().scale("todo", 2)  # config without the opt-in
    assert "data_persistence = false" in (caught.value.hint or "")
    assert fake_api.cluster.find("Deployment", "apps", "todo")["spec"]["replicas"] == 1
    message = make_target(data_persistence=False).scale("todo", 2)
    assert message.startswith("set the replicas of todo to 2")
    assert "every rollout or restart empties" in message
    assert fake_api.cluster.find("Deployment", "apps", "todo")["spec"]["replicas"] == 2


def test_url_prefers_ingress_then_load_balancer_then_cluster_address(
    fake_api: FakeApiServer, make_target: Any, app_config: AppConfig
) -> None:
    target = make_target(ingress_host="todo.example.com", ingress_tls_secret="todo-tls")
    assert target.deploy(app_config).success
    assert target.get_service_url("todo") == "https://todo.example.com"
    target.destroy("todo")
    target = make_target(service_type="LoadBalancer")
    assert target.deploy(app_config).success
    service = fake_api.cluster.objects[("services", "apps", "todo")]
    service["status"] = {"loadBalancer": {"ingress": [{"ip": "127.0.0.1"}]}}
    assert target.get_service_url("todo") == "http://127.0.0.1:80"
    target.destroy("todo")
    target = make_target()
    assert target.deploy(app_config).success
    assert target.get_service_url("todo") == "http://todo.apps.svc.cluster.local:80"


def test_deployment_runs_exactly_the_image_the_registry_returned(
    fake_api: FakeApiServer, make_target: Any, app_config: AppConfig
) -> None:
    from jac_scale.abstractions.image_registry import ImageRegistry

    class RecordingRegistry(ImageRegistry):
        def __init__(self) -> None:
            super().__init__({})
            self.calls: list[tuple[str, str]] = []

        def build_image(self, code_folder: str, image_name: str | None = None) -> str:
            self.calls.append(("build", code_folder))
            return "127.0.0.1:5000/todo:3f2a"

        def push_image(self, image_name: str) -> None:
            self.calls.append(("push", image_name))

        def get_image_url(self, image_name: str) -> str:
            self.calls.append(("url", image_name))
            return "127.0.0.1:5000/todo@sha256:" + "ab" * 32

    registry = RecordingRegistry()
    target = make_target()
    target.image_registry = registry
    result = target.deploy(app_config)
    assert result.success
    assert [c[0] for c in registry.calls] == ["build", "push", "url"]
    assert registry.calls[1][1] == "127.0.0.1:5000/todo:3f2a"
    image = fake_api.cluster.find("Deployment", "apps", "todo")["spec"]["template"]["spec"][
        "containers"
    ][0]["image"]
    assert image == "127.0.0.1:5000/todo@sha256:" + "ab" * 32
    assert result.details["image"] == image


def test_without_registry_the_configured_image_runs_and_the_result_says_so(
    fake_api: FakeApiServer, make_target: Any, app_config: AppConfig
) -> None:
    result = make_target().deploy(app_config)
    assert "no registry configured" in result.details["image_note"]
    assert result.details["image"] == "registry.local/todo:1"


def test_code_sync_without_build(fake_api: FakeApiServer, make_target: Any, app_dir: Path) -> None:
    (app_dir / "big.bin").write_bytes(bytes(range(256)) * 2048)  # 512 KiB, several chunks
    config = AppConfig(code_folder=str(app_dir), file_name="app.jac", build=False, app_name="todo")
    leftover = {"apiVersion": "v1", "kind": "Pod", "spec": {"containers": []}}
    fake_api.cluster.put({**leftover, "metadata": {"name": "todo-code-sync", "namespace": "apps"}})
    result = make_target().deploy(config)
    assert result.success, result.message
    files = fake_api.cluster.volumes["apps/todo-code"]
    deployment = fake_api.cluster.find("Deployment", "apps", "todo")
    workdir = deployment["spec"]["template"]["spec"]["containers"][0]["workingDir"]
    version = workdir.removeprefix("/code/")
    assert files[f"{version}/app.jac"] == (app_dir / "app.jac").read_bytes()
    assert files[f"{version}/big.bin"] == (app_dir / "big.bin").read_bytes()
    assert fake_api.cluster.find("Pod", "apps", "todo-code-sync") is None  # removed after use
    uploads = fake_api.cluster.count("GET", "/exec")
    again = make_target().deploy(config)
    assert again.success and again.details["changed"] is False
    assert fake_api.cluster.count("GET", "/exec") == uploads + 1  # only the presence check


def test_server_dry_run_changes_nothing(
    fake_api: FakeApiServer, make_target: Any, app_config: AppConfig
) -> None:
    target = make_target(namespace="default", redis_enabled=True)
    text = target.dry_run(app_config)
    assert "server dry run in context 'fake', namespace 'default'" in text
    assert "deployment/todo: create" in text and "deployment/todo-redis: create" in text
    dry = [r for r in fake_api.cluster.requests if r.query.get("dryRun") == ["All"]]
    assert len(dry) == text.count(": create")  # every object went through the server
    assert fake_api.cluster.labelled(OURS) == []
    assert make_target(namespace="default", redis_enabled=True).deploy(app_config).success
    changed = make_target(namespace="default", redis_enabled=True, replicas=0).dry_run(app_config)
    assert "deployment/todo: update" in changed and "service/todo: unchanged" in changed
    assert fake_api.cluster.find("Deployment", "default", "todo")["spec"]["replicas"] == 1


def test_rollout_deadline_and_keep_on_failure(
    fake_api: FakeApiServer, make_target: Any, app_config: AppConfig
) -> None:
    fake_api.cluster.bad_images["registry.local/slow:1"] = "ContainerCreating"  # not fatal
    target = make_target(
        docker_image_name="registry.local/slow:1", wait_timeout=0.3, keep_on_failure=True
    )
    result = target.deploy(app_config)
    assert not result.success
    assert "the rollout of todo not ready after" in result.message
    assert "kept what the failed first install created" in result.details["note"]
    assert fake_api.cluster.find("Deployment", "apps", "todo") is not None
    status = target.get_status("todo")
    assert status.status is ResourceStatus.PENDING and status.ready_replicas == 0


class Recorder:
    """A progress reporter that keeps every message."""

    def __init__(self) -> None:
        self.messages: list[str] = []

    def update(self, message: str) -> None:
        self.messages.append(message)


FOREIGN = {
    "Secret": {"apiVersion": "v1", "type": "kubernetes.io/tls", "data": {"tls.crt": "eA=="}},
    "ConfigMap": {"apiVersion": "v1", "data": {"k": "v"}},
    "Service": {"apiVersion": "v1", "spec": {"ports": [{"port": 80}]}},
    "Job": {"apiVersion": "batch/v1", "spec": {}},
    "Certificate": {"apiVersion": "cert-manager.io/v1", "spec": {"secretName": "hand-tls"}},
}


@pytest.mark.parametrize("kind", sorted(FOREIGN))
def test_purge_keeps_a_namespace_it_created_that_holds_someone_elses_object(
    fake_api: FakeApiServer, make_target: Any, app_config: AppConfig, kind: str
) -> None:
    assert make_target(namespace="solo").deploy(app_config).success
    # e.g. a hand-made TLS secret for the Ingress, with no labels of ours
    fake_api.cluster.put(
        {"kind": kind, **FOREIGN[kind], "metadata": {"name": "hand", "namespace": "solo"}}
    )
    target = make_target(namespace="solo")
    progress = Recorder()
    target.progress = progress
    target.destroy("todo", purge=True)
    assert fake_api.cluster.find(kind, "solo", "hand") is not None
    assert fake_api.cluster.find("Namespace", "", "solo") is not None
    assert fake_api.cluster.labelled(OURS) == []  # our own objects are gone all the same
    note = progress.messages[-1]
    assert "kept namespace 'solo'" in note and f"{kind}" in note and "hand" in note
    # once the foreign object is gone, a repeated purge deletes the namespace
    fake_api.cluster.objects.pop(next(k for k in fake_api.cluster.objects if k[2] == "hand"))
    make_target(namespace="solo").destroy("todo", purge=True)
    assert fake_api.cluster.find("Namespace", "", "solo") is None


def test_purge_keeps_the_namespace_when_a_kind_cannot_be_checked(
    fake_api: FakeApiServer, make_target: Any, app_config: AppConfig
) -> None:
    assert make_target(namespace="solo").deploy(app_config).success
    fake_api.cluster.unavailable_groups.add("cert-manager.io")  # an API that is down
    target = make_target(namespace="solo")
    progress = Recorder()
    target.progress = progress
    target.destroy("todo", purge=True)
    assert fake_api.cluster.find("Namespace", "", "solo") is not None
    assert "not every kind in it could be checked" in progress.messages[-1]
    assert "cert-manager.io" in progress.messages[-1]


def test_context_and_namespace_come_first_and_in_every_result(
    fake_api: FakeApiServer, make_target: Any, app_config: AppConfig
) -> None:
    target = make_target()
    progress = Recorder()
    target.progress = progress
    result = target.deploy(app_config)
    assert "context 'fake', namespace 'apps'" in progress.messages[0]
    assert (result.details["context"], result.details["namespace"]) == ("fake", "apps")
    # a failed deploy names them too
    fake_api.cluster.bad_images["registry.local/todo:2"] = "ErrImagePull"
    failed = make_target(docker_image_name="registry.local/todo:2").deploy(app_config)
    assert not failed.success
    assert "context 'fake', namespace 'apps'" in failed.message
    assert (failed.details["context"], failed.details["namespace"]) == ("fake", "apps")


def test_port_forward_hint_reaches_status_url_and_deploy_output(
    fake_api: FakeApiServer, make_target: Any, app_config: AppConfig
) -> None:
    hint = "kubectl --context fake -n apps port-forward svc/todo 8000:80"
    result = make_target().deploy(app_config)
    assert result.details["port_forward"] == hint and hint in result.message
    status = make_target().get_status("todo")
    assert status.details["port_forward"] == hint
    assert hint in (status.message or "")
    assert status.details["url"] == "http://todo.apps.svc.cluster.local:80"
    target = make_target()
    progress = Recorder()
    target.progress = progress
    assert target.get_service_url("todo") == "http://todo.apps.svc.cluster.local:80"
    assert any(hint in m for m in progress.messages)
    # a NodePort answers from outside: no hint
    node = make_target(service_type="NodePort", node_port=30080)
    assert node.deploy(app_config).success
    assert "port_forward" not in node.get_status("todo").details


def test_logs_follow_every_pod_and_stop_cleanly(
    fake_api: FakeApiServer, make_target: Any, app_config: AppConfig
) -> None:
    import threading

    assert make_target(replicas=2, data_persistence=False).deploy(app_config).success
    pods = fake_api.cluster.names("Pod", "apps")
    assert len(pods) == 2
    for pod in pods:
        fake_api.cluster.pod_logs[pod] = f"hello from {pod}\nsecond line of {pod}\n"
    target = make_target()
    followed = list(target.logs("todo", follow=True, tail=10))  # streams end: iterator ends
    assert sorted(followed) == sorted(
        f"[{pod}] {text}" for pod in pods for text in (f"hello from {pod}", f"second line of {pod}")
    )
    for pod in pods:  # each pod's lines keep their order
        mine = [line for line in followed if line.startswith(f"[{pod}]")]
        assert mine == [f"[{pod}] hello from {pod}", f"[{pod}] second line of {pod}"]

    # streams that stay open: closing the iterator stops every reader
    fake_api.cluster.hold_follow = True
    stream = target.logs("todo", follow=True, tail=10)
    seen: set[str] = set()
    for _ in range(4):  # bounded: two lines per pod
        seen.add(next(stream).split("]", 1)[0].lstrip("["))
    assert seen == set(pods)
    stream.close()
    readers = [t for t in threading.enumerate() if t.name.startswith("jac-scale-log-")]
    assert readers == []
