"""The parts of the Docker target that need no engine: config, nginx config, plan, state."""

import stat
from pathlib import Path

import pytest

from jac_scale.abstractions.config.app_config import AppConfig
from jac_scale.errors import ConfigError
from jac_scale.targets.docker import nginx
from jac_scale.targets.docker.docker_config import DockerConfig
from jac_scale.targets.docker.docker_target import DockerTarget
from jac_scale.targets.docker.plan import render_plan
from jac_scale.targets.docker.state import StateStore


def test_defaults_publish_on_loopback_only() -> None:
    config = DockerConfig.from_dict({"app_name": "My App"})
    assert config.app_name == "my-app"
    assert (config.bind_address, config.port, config.replicas) == ("127.0.0.1", 8000, 1)
    assert config.image_repository() == "my-app"


def test_nginx_conf_lists_every_replica() -> None:
    conf = nginx.render_conf("shop", ["shop-app-1-0", "shop-app-1-1"], 8000)
    assert "server shop-app-1-0:8000;" in conf and "server shop-app-1-1:8000;" in conf
    assert "listen 80;" in conf and "proxy_pass http://jac_app;" in conf
    empty = nginx.render_conf("shop", [], 8000)
    assert "return 503" in empty and "upstream" not in empty


def test_plan_names_everything_and_hides_secrets(tmp_path: Path) -> None:
    (tmp_path / "app.jac").write_text("")
    config = DockerConfig.from_dict(
        {
            "app_name": "shop",
            "docker_host": "unix:///tmp/jst-docker-none.sock",
            "replicas": 2,
            "port": 20500,
            "redis_enabled": True,
            "secrets": {"API_TOKEN": "tok-very-secret"},
        }
    )
    app = AppConfig(code_folder=str(tmp_path), file_name="app.jac", build=True)
    text = render_plan(config, app, None, show_secrets=False)
    for expected in (
        "network: shop-net",
        "shop-redis",
        "shop-lb",
        "publishes: 127.0.0.1:20500 -> 80",
        "shop-data-0",
        "shop-data-1",
        "shop-app-<version>-1",
        "server shop-app-<version>-0:8000;",
        "shop-redis-data",
        "REDIS_URL=redis://:********@shop-redis:6379/0",
        "API_TOKEN=********",
        "replicas without MongoDB keep separate graphs",
    ):
        assert expected in text, expected
    assert "tok-very-secret" not in text
    assert "tok-very-secret" in render_plan(config, app, None, show_secrets=True)


def test_render_does_not_touch_the_engine(tmp_path: Path) -> None:
    (tmp_path / "app.jac").write_text("")
    target = DockerTarget({"app_name": "shop", "docker_host": "unix:///tmp/jst-docker-none.sock"})
    app = AppConfig(code_folder=str(tmp_path), file_name="app.jac", app_name="shop")
    assert "shop-lb" in target.render(app)
    assert target._client is None


def test_separate_graphs_warning_without_mongodb() -> None:
    target = DockerTarget({"app_name": "shop"})
    assert target._warn_separate_graphs(1) is None
    assert "keeps its own graph" in (target._warn_separate_graphs(3) or "")
    with_mongo = DockerTarget({"app_name": "shop", "mongodb_enabled": True})
    assert with_mongo._warn_separate_graphs(3) is None


def test_external_mongodb_uri_means_one_shared_graph(tmp_path: Path, monkeypatch) -> None:
    from jac_scale.config_loader import get_scale_config

    (tmp_path / "app.jac").write_text("")
    app = AppConfig(code_folder=str(tmp_path), file_name="app.jac", build=True)
    (tmp_path / "jac.toml").write_text(
        "[plugins.scale.docker]\nreplicas = 3\n"
        "[plugins.scale.database]\nmongodb_uri = 'mongodb://jst-db.invalid:27017/'\n"
    )
    from_toml = get_scale_config(tmp_path / "app.jac").get_docker_config()
    assert DockerTarget(from_toml)._warn_separate_graphs(3) is None
    text = render_plan(from_toml, app, None, show_secrets=False)
    assert "separate graphs" not in text and "jst-db.invalid" not in text

    (tmp_path / "jac.toml").write_text("[plugins.scale.docker]\nreplicas = 3\n")
    monkeypatch.setenv("MONGODB_URI", "mongodb://jst-db.invalid:27017/")
    from_env = get_scale_config(tmp_path / "app.jac").get_docker_config()
    assert DockerTarget(from_env)._warn_separate_graphs(3) is None
    assert "separate graphs" not in render_plan(from_env, app, None, show_secrets=False)

    monkeypatch.delenv("MONGODB_URI")
    alone = get_scale_config(tmp_path / "app.jac").get_docker_config()
    assert "keeps its own graph" in (DockerTarget(alone)._warn_separate_graphs(3) or "")
    assert "separate graphs" in render_plan(alone, app, None, show_secrets=False)


def test_replicas_get_the_app_name() -> None:
    target = DockerTarget({"app_name": "shop", "environment": {"JAC_SCALE_APP_NAME": "other"}})
    assert target._app_environment([])["JAC_SCALE_APP_NAME"] == "shop"


def test_state_file_is_private_and_keeps_credentials(tmp_path: Path) -> None:
    store = StateStore(tmp_path / ".jac-scale")
    state = store.load("shop")
    password = state.credential("redis_password")
    store.save(state)
    path = store.path("shop")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert store.load("shop").credential("redis_password") == password


def test_config_errors_name_the_key(tmp_path: Path) -> None:
    from jac_scale.config_loader import get_scale_config

    (tmp_path / "app.jac").write_text("")
    (tmp_path / "jac.toml").write_text("[plugins.scale.docker]\nbind_adress = '0.0.0.0'\n")
    with pytest.raises(ConfigError) as caught:
        get_scale_config(tmp_path / "app.jac").get_docker_config()
    assert "did you mean 'bind_address'?" in caught.value.message
