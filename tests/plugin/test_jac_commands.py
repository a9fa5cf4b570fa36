"""The plugin through the real `jac` command: registration, cheap start-up and bad input.

Nothing here starts a server; the end-to-end flows are in test_jac_flows.py.
"""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

from jac_runner import JAC, OTHERS_OFF, PLUGIN_OFF, assert_clean_error, jac
from testkit import free_port

from jac_scale.targets.local.process_control import port_is_free

NEW_COMMANDS = (
    "deploy",
    "status",
    "url",
    "logs",
    "scale",
    "destroy",
    "render",
    "build",
    "targets",
)
START_OPTIONS = ("--scale", "--target", "--build", "--no-build", "--dry-run")
#: Modules that must not be imported just because `jac` started with the plugin installed.
HEAVY = ("pydantic", "typer", "rich", "click", "docker", "kubernetes", "yaml", "boto3", "dotenv")


def command_names(help_text: str) -> set[str]:
    """The subcommands argparse lists under `jac --help`."""
    return set(re.findall(r"^    (\S+)\s", help_text, flags=re.MULTILINE))


def test_help_lists_the_new_commands_only_with_the_plugin(tmp_path: Path) -> None:
    with_plugin = jac("--help", cwd=tmp_path)
    without = jac("--help", cwd=tmp_path, plugin=False)
    assert with_plugin.returncode == 0 and without.returncode == 0
    added = command_names(with_plugin.stdout) - command_names(without.stdout)
    assert added == set(NEW_COMMANDS)
    # jaclang's own commands are all still there.
    assert command_names(without.stdout) <= command_names(with_plugin.stdout)
    assert "Deployment (jac-scale)" in jac(cwd=tmp_path).stdout  # grouped menu of bare `jac`


def test_start_gains_options_and_keeps_its_own(tmp_path: Path) -> None:
    with_plugin = jac("start", "--help", cwd=tmp_path).stdout
    without = jac("start", "--help", cwd=tmp_path, plugin=False).stdout
    for flag in START_OPTIONS:
        assert flag in with_plugin
        assert flag not in without
    option = re.compile(r"--[a-z][a-z_-]*")
    own = set(option.findall(without))
    assert {"--port", "--faux", "--dev", "--profile"} <= own
    assert own <= set(option.findall(with_plugin))


def imported_modules(tmp_path: Path, plugin: bool) -> set[str]:
    """Every module in sys.modules when the real `jac --help` script exits.

    (-X importtime would miss modules that importlib.import_module loads, as entry points are.)
    """
    dump = tmp_path / f"modules-{plugin}.json"
    code = (
        "import atexit, json, runpy, sys\n"
        f"atexit.register(lambda: open({str(dump)!r}, 'w').write(json.dumps(list(sys.modules))))\n"
        f"sys.argv = [{JAC!r}, '--help']\n"
        f"runpy.run_path({JAC!r}, run_name='__main__')\n"
    )
    disabled = OTHERS_OFF if plugin else f"{OTHERS_OFF},{PLUGIN_OFF}"
    done = subprocess.run(
        [sys.executable, "-c", code],
        cwd=tmp_path,
        env={**os.environ, "JAC_DISABLED_PLUGINS": disabled},
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert ("destroy" in done.stdout) is plugin
    return set(json.loads(dump.read_text()))


def test_jac_help_imports_only_the_plugin_module(tmp_path: Path) -> None:
    with_plugin = imported_modules(tmp_path, plugin=True)
    without = imported_modules(tmp_path, plugin=False)
    assert with_plugin - without == {"jac_scale", "jac_scale.plugin"}
    for heavy in HEAVY:
        assert heavy not in with_plugin, heavy
    assert "jac_scale.cli" not in with_plugin and "jac_scale.operations" not in with_plugin


def test_plugin_registration_adds_nothing_twice(tmp_path: Path) -> None:
    """create_cmd can run more than once in a process without duplicating options."""

    code = (
        "from jaclang.cli.registry import get_registry\n"
        "from jac_scale import plugin\n"
        "first = plugin.register_commands()\n"
        "again = plugin.register_commands()\n"
        "import jaclang.cli.cli\n"
        "registry = get_registry()\n"
        "registry.finalize()\n"
        "extra = [a.name for a in registry.get('start').extra_args if a.source == 'jac-scale']\n"
        "print(first, again, extra)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
        env={**os.environ, "JAC_DISABLED_PLUGINS": "jac-scale:scale,jac-scale:scale_runtime"},
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().endswith("[] ['scale', 'target', 'build', 'dry-run']"), done.stdout


def test_every_jac_command_is_a_jac_scale_command() -> None:
    """Each handler calls the jac-scale CLI function of the same name: one behaviour."""
    from jac_scale import cli, plugin

    typer_commands = {c.name or c.callback.__name__ for c in cli.app.registered_commands}
    names = {name for name, *_ in plugin._commands()}
    assert names == set(NEW_COMMANDS)
    assert names <= typer_commands


def test_bad_input_is_a_clear_error(example_app: Path) -> None:
    folder = example_app.parent
    assert_clean_error(jac("status", "notes.txt", cwd=folder), 2, "expected a .jac file")
    assert_clean_error(jac("status", "app.jac", "-t", "nosuch", cwd=folder), 2, "unknown target")
    assert_clean_error(jac("scale", "app.jac", "many", cwd=folder), 2, "whole number")
    assert_clean_error(jac("logs", "app.jac", "--tail", "-3", cwd=folder), 2, "--tail")
    not_deployed = jac("url", "app.jac", cwd=folder)
    assert not_deployed.returncode == 1 and "not deployed" in not_deployed.stderr
    assert_clean_error(jac("start", "missing.jac", "--scale", cwd=folder), 2, "no such file")
    assert_clean_error(
        jac("start", "app.jac", "--scale", "--dev", cwd=folder), 2, "--dev cannot be combined"
    )
    # Scale options without --scale: refused at once instead of silently serving.
    assert_clean_error(
        jac("start", "app.jac", "--target", "local", timeout=60, cwd=folder),
        2,
        "can only be used with --scale",
    )
    assert not (folder / ".jac-scale").exists()


def test_status_of_an_app_never_deployed(example_app: Path) -> None:
    done = jac("status", str(example_app), "--output", "json", cwd=example_app.parent.parent)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["status"] == "not_found"


def test_dry_run_shows_the_plan_and_starts_nothing(example_app: Path) -> None:
    port = free_port(19000, 19500)
    done = jac("start", "app.jac", "--scale", "--dry-run", "-p", str(port), cwd=example_app.parent)
    assert done.returncode == 0, done.stderr
    assert "target:  local" in done.stdout and f"port = {port}" in done.stdout
    assert "nothing was deployed" in done.stderr
    assert port_is_free(port)
    assert not (example_app.parent / ".jac-scale" / "local").exists()


def test_start_port_overrides_config_only_when_given(example_app: Path) -> None:
    """jac start's built-in default (8000) must not clobber [plugins.scale.local] port."""
    folder = example_app.parent
    config = folder / "jac.toml"
    config.write_text(config.read_text().replace("port = 8000", "port = 19321"))
    plan = jac("start", "app.jac", "--scale", "--dry-run", cwd=folder)
    assert plan.returncode == 0, plan.stderr
    assert "port = 19321" in plan.stdout
    for given in (["--port=8000"], ["-p", "8000"], ["-p8000"]):
        plan = jac("start", "app.jac", "--scale", "--dry-run", *given, cwd=folder)
        assert plan.returncode == 0, plan.stderr
        assert "port = 8000" in plan.stdout, given


def write_blocker(folder: Path, *modules: str) -> Path:
    """A sitecustomize that makes MODULES unimportable, as if their packages were not installed.

    `sys.modules[name] = None` is Python's own "this import fails" marker: `import name` raises
    ModuleNotFoundError and importlib.util.find_spec(name) returns None.
    """
    folder.mkdir()
    lines = ["import sys"] + [f"sys.modules[{m!r}] = None" for m in modules]
    (folder / "sitecustomize.py").write_text("\n".join(lines) + "\n")
    return folder


def test_missing_optional_dependency_is_reported_when_needed(tmp_path: Path) -> None:
    app = tmp_path / "app"
    app.mkdir()
    (app / "app.jac").write_text('def:pub hi() -> str { return "hi"; }\n')
    blocker = write_blocker(tmp_path / "block", "kubernetes", "docker")
    env = {"PYTHONPATH": str(blocker)}
    assert jac("--help", cwd=app, env=env).returncode == 0  # jac itself is unaffected
    for target, extra in (("kubernetes", "kubernetes"), ("docker", "docker")):
        done = jac("status", "app.jac", "--target", target, cwd=app, env=env)
        assert_clean_error(done, 1, "not installed", f"pip install 'jac-scale[{extra}]'")


def test_broken_install_never_breaks_jac(tmp_path: Path) -> None:
    """Even without jac-scale's own dependencies, `jac` works and our commands say why not."""
    blocker = write_blocker(tmp_path / "block", "typer", "rich", "pydantic")
    env = {"PYTHONPATH": str(blocker)}
    listed = jac("--help", cwd=tmp_path, env=env)
    assert listed.returncode == 0 and "destroy" in listed.stdout
    assert_clean_error(jac("status", "app.jac", cwd=tmp_path, env=env), 1, "is not installed")
