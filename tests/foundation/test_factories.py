"""Factories: built-ins, entry-point plugins, unknown names and missing extras."""

import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

from jac_scale.abstractions.config.base_config import BaseConfig
from jac_scale.abstractions.deployment_target import DeploymentTarget
from jac_scale.abstractions.logger import Logger
from jac_scale.errors import MissingDependencyError, UnknownComponentError
from jac_scale.factories.database_factory import DATABASES, DatabaseProviderFactory
from jac_scale.factories.deployment_factory import TARGETS, DeploymentTargetFactory
from jac_scale.factories.registry_factory import ImageRegistryFactory
from jac_scale.factories.utility_factory import UtilityFactory
from jac_scale.targets.local.local_config import LocalConfig
from jac_scale.targets.local.local_target import LocalTarget
from jac_scale.utilities.loggers.standard_logger import StandardLogger


def test_local_target_from_dict_and_typed_config() -> None:
    from_dict = DeploymentTargetFactory.create("local", {"app_name": "Demo App", "port": 8100})
    assert isinstance(from_dict, LocalTarget)
    assert from_dict.config.app_name == "demo-app"
    assert from_dict.config.port == 8100
    typed = DeploymentTargetFactory.create("local", LocalConfig(port=8200))
    assert typed.config.port == 8200


def test_seed_from_dict_form() -> None:
    config = LocalConfig.from_dict(LocalConfig, {"port": 8300})
    assert isinstance(config, LocalConfig) and config.port == 8300
    assert LocalConfig.from_dict({"port": 8301}).port == 8301


def test_logger_factory() -> None:
    logger = UtilityFactory.create_logger()
    assert isinstance(logger, StandardLogger)
    assert isinstance(UtilityFactory.create_logger("standard", {"format": "json"}), Logger)


@pytest.mark.parametrize(
    ("create", "kind", "known"),
    [
        (lambda: DeploymentTargetFactory.create("mars", {}), "target", "kubernetes"),
        (lambda: DatabaseProviderFactory.create("oracle"), "database provider", "kubernetes_mongo"),
        (lambda: ImageRegistryFactory.create("quay-ish"), "registry", "dockerhub"),
        (lambda: UtilityFactory.create_logger("carrier-pigeon"), "logger", "standard"),
    ],
)
def test_unknown_name_lists_known_names(create, kind: str, known: str) -> None:
    with pytest.raises(UnknownComponentError) as caught:
        create()
    assert f"unknown {kind}" in caught.value.message
    assert known in caught.value.message
    assert caught.value.exit_code == 2


def test_close_name_is_suggested() -> None:
    with pytest.raises(UnknownComponentError) as caught:
        DeploymentTargetFactory.create("kubernets", {})
    assert caught.value.hint == "did you mean 'kubernetes'?"


def test_missing_extra_names_the_extra() -> None:
    DATABASES.register(
        "test_missing_db",
        "jac_scale_no_such_module.db:Provider",
        extra="nosuchextra",
        requires=("jac_scale_no_such_module",),
    )
    with pytest.raises(MissingDependencyError) as caught:
        DatabaseProviderFactory.create("test_missing_db")
    assert "jac_scale_no_such_module" in caught.value.message
    assert caught.value.hint == "pip install 'jac-scale[nosuchextra]'"


@pytest.fixture
def plugin_distribution(tmp_path: Path) -> Iterator[Path]:
    """A real installed distribution with entry points, found through importlib.metadata."""
    site = tmp_path / "site"
    (site / "jst_fake_plugin-1.0.dist-info").mkdir(parents=True)
    (site / "jst_fake_plugin-1.0.dist-info" / "METADATA").write_text(
        "Metadata-Version: 2.1\nName: jst-fake-plugin\nVersion: 1.0\n"
    )
    (site / "jst_fake_plugin-1.0.dist-info" / "entry_points.txt").write_text(
        "[jac_scale.targets]\nmoon = jst_fake_plugin:MoonTarget\n"
        "[jac_scale.loggers]\nlist = jst_fake_plugin:ListLogger\n"
    )
    (site / "jst_fake_plugin.py").write_text(
        textwrap.dedent(
            """
            from jac_scale.abstractions.deployment_target import DeploymentTarget
            from jac_scale.abstractions.logger import Logger
            from jac_scale.abstractions.models import (
                DeploymentResult, ResourceStatus, ResourceStatusInfo,
            )


            class MoonTarget(DeploymentTarget):
                name = "moon"

                def deploy(self, app_config):
                    return DeploymentResult(True, "moon://" + app_config.file_name)

                def destroy(self, app_name, *, purge=False):
                    return None

                def get_status(self, app_name):
                    return ResourceStatusInfo(ResourceStatus.RUNNING, 1, 1)

                def scale(self, app_name, replicas):
                    return None

                def get_service_url(self, app_name):
                    return "moon://" + app_name


            class ListLogger(Logger):
                def __init__(self, config=None):
                    self.lines = []

                def info(self, message, context=None):
                    self.lines.append(message)

                error = warn = debug = info
            """
        )
    )
    sys.path.insert(0, str(site))
    TARGETS._entry_points = None
    try:
        yield site
    finally:
        sys.path.remove(str(site))
        TARGETS._entry_points = None
        sys.modules.pop("jst_fake_plugin", None)


def test_entry_point_plugin_is_found(plugin_distribution: Path, tmp_path: Path) -> None:
    from jac_scale.abstractions.config.app_config import AppConfig
    from jac_scale.factories.utility_factory import LOGGERS

    LOGGERS._entry_points = None
    assert "moon" in DeploymentTargetFactory.available()
    target = DeploymentTargetFactory.create("moon", {"app_name": "x"})
    assert isinstance(target, DeploymentTarget)
    assert isinstance(target.config, BaseConfig)
    app = AppConfig(code_folder=str(tmp_path), file_name="main.jac")
    assert target.deploy(app).service_url == "moon://main.jac"
    spec = TARGETS.spec("moon")
    assert spec.source == "plugin jst-fake-plugin"
    logger = UtilityFactory.create_logger("list")
    logger.info("hello", {})
    assert logger.lines == ["hello"]
    LOGGERS._entry_points = None


def test_runtime_registration_without_editing_the_factory() -> None:
    class NullTarget(LocalTarget):
        name = "null-test"

    DeploymentTargetFactory.register("null-test", NullTarget)
    try:
        assert isinstance(DeploymentTargetFactory.create("null-test", {}), NullTarget)
    finally:
        TARGETS._registered.pop("null-test")


def test_help_path_imports_nothing_heavy() -> None:
    import subprocess

    code = (
        "import sys, jac_scale.cli;"
        "heavy=[m for m in ('pydantic','docker','kubernetes','boto3','jaclang','yaml')"
        " if m in sys.modules];print(','.join(heavy))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == ""
