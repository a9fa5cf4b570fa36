"""The `jac` plugin: `jac start --scale`, `jac status`, `jac destroy` and friends.

jaclang loads this module on every `jac` run (entry-point group `jac`), so it imports only
jaclang's own CLI modules, which are loaded by then anyway. typer, rich, pydantic and every
SDK are imported by a handler when its command runs, so `jac --help` stays as fast as
without the plugin. Each handler calls the same function as the `jac-scale` command (from
`jac_scale.cli`, which calls `jac_scale.operations`): one behaviour, two front doors.
"""

import os
import sys
from collections.abc import Callable
from typing import Any

from jaclang.jac0core.runtime import hookimpl

#: Shown by jaclang as the origin of the commands and of the extra `jac start` options.
SOURCE = "jac-scale"
#: The help-menu group the new commands are listed under.
GROUP = "deployment"
#: `jac start`'s own default port; an explicit `--port` overrides the target's config.
START_DEFAULT_PORT = 8000
#: Value of `--build/--no-build` when neither is given: the target decides.
BUILD_UNSET = "auto"
OUTPUT_CHOICES = ["text", "json"]
#: `jac start` options that only make sense for a foreground server (name, value if unset).
FOREGROUND_ONLY = {"dev": False, "faux": False, "api_port": 0, "no_client": False}

_extended_registries: set[int] = set()


class JacScaleCmd:
    """The class jaclang registers from the entry point; its hook adds our commands."""

    @staticmethod
    @hookimpl
    def create_cmd() -> None:
        """Called by `jac` before it parses the command line."""
        register_commands()


# -- registration -------------------------------------------------------------------------


def register_commands() -> list[str]:
    """Add our commands and `jac start` options; returns the command names we added.

    A name jaclang (or another plugin) already owns is left alone, so nothing of theirs is
    ever replaced; calling this twice adds nothing twice.
    """
    from jaclang.cli.command import CommandPriority
    from jaclang.cli.registry import get_registry

    registry = get_registry()
    if id(registry) not in _extended_registries:
        _extended_registries.add(id(registry))
        registry.extend_command("start", args=_start_args(), pre_hook=start_pre_hook, source=SOURCE)
    added: list[str] = []
    for name, help_text, args, examples, handler in _commands():
        if registry.has_command(name):
            continue
        registry.command(
            name=name,
            help=help_text,
            args=args,
            examples=examples,
            group=GROUP,
            priority=CommandPriority.PLUGIN,
            source=SOURCE,
        )(handler)
        added.append(name)
    _register_help_group()
    return added


def _register_help_group() -> None:
    """Give our group a title in `jac`'s grouped help (cosmetic: never fails `jac`)."""
    try:
        from jaclang.cli.help import get_help_formatter

        get_help_formatter().groups.register_group(GROUP, "Deployment (jac-scale)")
    except Exception:
        pass


def _arg(name: str, kind: str = "OPTION", **fields: Any) -> Any:
    """A jaclang `Arg` with no short flag unless asked (jaclang would invent one)."""
    from jaclang.cli.command import Arg, ArgKind

    return Arg(name=name, kind=getattr(ArgKind, kind), **fields)


def _file_arg() -> Any:
    return _arg(
        "filename",
        "POSITIONAL",
        default="main.jac",
        help="The app's .jac file; jac.toml beside it is read",
    )


def _target_arg() -> Any:
    return _arg(
        "target",
        short="t",
        metavar="TARGET",
        help="local, docker, kubernetes or a plugin's target (default: the target the app "
        "was deployed with, else [plugins.scale] target, else local)",
    )


def _output_arg() -> Any:
    return _arg(
        "output",
        short="o",
        default="text",
        choices=OUTPUT_CHOICES,
        help="text for people, json for scripts",
    )


def _build_arg() -> Any:
    return _arg(
        "build",
        "FLAG",
        typ=bool,
        default=BUILD_UNSET,
        help="Build and push an image first (default: yes for docker and kubernetes, "
        "no for local); --no-build to skip",
    )


def _start_args() -> list[Any]:
    return [
        _arg(
            "scale",
            "FLAG",
            typ=bool,
            default=False,
            help="Deploy with Jac-Scale (in the background, or to Docker/Kubernetes) instead "
            "of serving in the foreground, and print the URL",
        ),
        _arg("target", metavar="TARGET", help="With --scale: where to deploy (default: local)"),
        _build_arg(),
        _arg(
            "dry-run",
            "FLAG",
            typ=bool,
            default=False,
            help="With --scale: show what would be deployed and change nothing",
        ),
    ]


def _commands() -> list[tuple[str, str, list[Any], list[tuple[str, str]], Callable[..., int]]]:
    replicas = _arg("replicas", "POSITIONAL", help="Number of replicas (0 or more)")
    return [
        (
            "deploy",
            "Deploy or update a Jac app with jac-scale (same as jac start --scale)",
            [
                _file_arg(),
                _target_arg(),
                _arg("port", typ=int, short="p", help="Port to serve on (local target)"),
                _build_arg(),
                _output_arg(),
            ],
            [("jac deploy app.jac --target docker", "Build an image and run it on Docker")],
            deploy,
        ),
        (
            "status",
            "Show whether a jac-scale deployment runs, and why not",
            [_file_arg(), _target_arg(), _output_arg()],
            [("jac status app.jac", "Status on the target the app was deployed with")],
            status,
        ),
        (
            "url",
            "Print the URL a jac-scale deployment answers on",
            [_file_arg(), _target_arg(), _output_arg()],
            [("curl -X POST $(jac url app.jac)/walker/ListTodos", "Call a walker")],
            url,
        ),
        (
            "logs",
            "Print the logs of a jac-scale deployment",
            [
                _file_arg(),
                _target_arg(),
                _arg("follow", "FLAG", typ=bool, default=False, short="f", help="Keep printing"),
                _arg("tail", typ=int, default=100, help="How many past lines to show"),
            ],
            [("jac logs app.jac --follow", "Follow the app's output")],
            logs,
        ),
        (
            "scale",
            "Set the number of replicas of a jac-scale deployment",
            [_file_arg(), replicas, _target_arg(), _output_arg()],
            [("jac scale app.jac 3 --target kubernetes", "Run three replicas")],
            scale,
        ),
        (
            "destroy",
            "Stop and remove a jac-scale deployment (data kept unless --purge)",
            [
                _file_arg(),
                _target_arg(),
                _arg("purge", "FLAG", typ=bool, default=False, help="Also delete the app's data"),
                _arg("yes", "FLAG", typ=bool, default=False, short="y", help="Do not ask"),
                _output_arg(),
            ],
            [
                ("jac destroy app.jac", "Asks first; refuses when not run from a terminal"),
                ("jac destroy app.jac --yes", "For scripts"),
            ],
            destroy,
        ),
        (
            "render",
            "Print what jac-scale would create for an app, changing nothing",
            [
                _file_arg(),
                _target_arg(),
                _arg(
                    "show-secrets",
                    "FLAG",
                    typ=bool,
                    default=False,
                    help="Include Secret objects with their values",
                ),
            ],
            [("jac render app.jac --target kubernetes | kubectl apply -f -", "")],
            render,
        ),
        (
            "build",
            "Build the app's container image with jac-scale (and push it with --push)",
            [
                _file_arg(),
                _arg("base-image", metavar="IMAGE", help="Image to build on"),
                _arg(
                    "registry",
                    short="r",
                    metavar="TYPE",
                    help="dockerhub, registry, ecr, gcr or a plugin's; tags the image for it",
                ),
                _arg("push", "FLAG", typ=bool, default=False, help="Push to the registry"),
                _output_arg(),
            ],
            [("jac build app.jac --registry registry --push", "Build and push, print the ref")],
            build,
        ),
        (
            "targets",
            "List jac-scale targets, databases, registries and what is installed",
            [_output_arg()],
            [],
            targets,
        ),
    ]


# -- running jac-scale from a handler ----------------------------------------------------


def _error(message: str, hint: str | None = None) -> None:
    print(f"error: {message}", file=sys.stderr)
    if hint:
        print(f"  hint: {hint}", file=sys.stderr)


def _usage_error(message: str, hint: str | None = None) -> int:
    _error(message, hint)
    return 2


def _load_cli() -> Any:
    """`jac_scale.cli`, or None after saying which dependency of jac-scale is missing."""
    try:
        from jac_scale import cli
    except ImportError as exc:
        missing = getattr(exc, "name", None) or str(exc)
        _error(
            f"jac-scale cannot run: {missing} is not installed",
            hint="pip install --upgrade jac-scale (it brings typer, rich and pydantic)",
        )
        return None
    return cli


def _run(action: Callable[[Any], object]) -> int:
    """Run `action(cli)` and turn how it ended into an exit code, never a traceback."""
    cli = _load_cli()
    if cli is None:
        return 1
    import typer

    try:
        action(cli)
    except typer.Exit as exc:
        return int(exc.exit_code)
    except typer.Abort:
        _error("aborted; nothing was changed")
        return 1
    except KeyboardInterrupt:
        _error("interrupted")
        return 130
    except Exception as exc:
        if os.environ.get("JAC_SCALE_DEBUG"):
            raise
        _error(
            f"unexpected {type(exc).__name__}: {exc}",
            hint="run again with JAC_SCALE_DEBUG=1 to see the traceback, and report it",
        )
        return 1
    return 0


def _build_value(build: object) -> bool | None:
    return build if isinstance(build, bool) else None


# -- command handlers (jaclang passes the parsed options by name) -------------------------


def deploy(
    filename: str = "main.jac",
    target: str | None = None,
    port: int | None = None,
    build: object = BUILD_UNSET,
    output: str = "text",
) -> int:
    """Deploy (or update) the app and wait until it answers; unchanged input changes nothing."""
    return _run(
        lambda cli: cli.deploy(
            filename, target, port, _build_value(build), cli.OutputFormat(output)
        )
    )


def status(filename: str = "main.jac", target: str | None = None, output: str = "text") -> int:
    """Show whether the app runs, its replicas and, when it failed, why."""
    return _run(lambda cli: cli.status(filename, target, cli.OutputFormat(output)))


def url(filename: str = "main.jac", target: str | None = None, output: str = "text") -> int:
    """Print the URL the app answers on (exit 1 when it is not deployed)."""
    return _run(lambda cli: cli.url(filename, target, cli.OutputFormat(output)))


def logs(
    filename: str = "main.jac", target: str | None = None, follow: bool = False, tail: int = 100
) -> int:
    """Print the app's logs (all replicas)."""
    if tail < 0:
        return _usage_error(f"--tail must be 0 or more, got {tail}")
    return _run(lambda cli: cli.logs(filename, target, follow, tail))


def scale(
    filename: str = "main.jac",
    replicas: str = "",
    target: str | None = None,
    output: str = "text",
) -> int:
    """Set the number of replicas (docker and kubernetes; local runs exactly one)."""
    try:
        count = int(replicas)
    except ValueError:
        return _usage_error(
            f"replicas must be a whole number, got {replicas!r}", hint="jac scale app.jac 3"
        )
    if count < 0:
        return _usage_error(f"replicas must be 0 or more, got {count}")
    return _run(lambda cli: cli.scale(filename, count, target, cli.OutputFormat(output)))


def destroy(
    filename: str = "main.jac",
    target: str | None = None,
    purge: bool = False,
    yes: bool = False,
    output: str = "text",
) -> int:
    """Stop and remove the app. Data is kept unless --purge. Asks first unless --yes."""
    return _run(lambda cli: cli.destroy(filename, target, purge, yes, cli.OutputFormat(output)))


def render(
    filename: str = "main.jac", target: str | None = None, show_secrets: bool = False
) -> int:
    """Print what deploy would create, without touching anything."""
    return _run(lambda cli: cli.render(filename, target, show_secrets))


def build(
    filename: str = "main.jac",
    base_image: str | None = None,
    registry: str | None = None,
    push: bool = False,
    output: str = "text",
) -> int:
    """Build the app's image (nothing is built when it is up to date) and print its reference."""
    return _run(
        lambda cli: cli.build(filename, base_image, registry, push, cli.OutputFormat(output))
    )


def targets(output: str = "text") -> int:
    """List every target, database provider, registry and logger, and whether it is installed."""
    return _run(lambda cli: cli.targets(cli.OutputFormat(output)))


# -- jac start --scale -------------------------------------------------------------------


def _explicit_port(args: dict[str, Any], argv: list[str]) -> int | None:
    """The port when the user gave one, so jac.toml's port is kept when they did not."""
    port = args.get("port")
    given = any(
        tok in ("-p", "--port")
        or tok.startswith("--port=")
        or (tok[:2] == "-p" and tok[2:].isdigit())
        for tok in argv[1:]
    )
    if given or (port is not None and port != START_DEFAULT_PORT):
        return port
    return None


def _cancel(ctx: Any, code: int) -> None:
    """Tell jaclang not to run its own `start` handler, and which exit code to use."""
    ctx.set_data("cancel_execution", True)
    ctx.set_data("cancel_return_code", code)


def start_pre_hook(ctx: Any) -> None:
    """With --scale, deploy through Jac-Scale and stop `jac start` from serving."""
    args: dict[str, Any] = ctx.args
    scale_flags = [
        flag
        for flag, given in (
            ("--target", args.get("target") is not None),
            ("--build/--no-build", isinstance(args.get("build"), bool)),
            ("--dry-run", bool(args.get("dry_run"))),
        )
        if given
    ]
    if not args.get("scale"):
        if scale_flags:
            _error(
                f"{', '.join(scale_flags)} can only be used with --scale",
                hint="add --scale to deploy with jac-scale, or drop them to serve here",
            )
            _cancel(ctx, 2)
        return  # plain `jac start`: jaclang serves as it always did
    # From here on jaclang must not fall back to serving in the foreground, whatever happens.
    ctx.set_data("cancel_on_hook_error", True)
    try:
        code = _start_scaled(args)
    except BaseException as exc:  # a hook's exception would only be a warning in jaclang
        if isinstance(exc, KeyboardInterrupt):
            _error("interrupted")
            code = 130
        elif isinstance(exc, SystemExit):
            code = exc.code if isinstance(exc.code, int) else 1
        else:
            _error(f"unexpected {type(exc).__name__}: {exc}")
            code = 1
    _cancel(ctx, code)


def _start_scaled(args: dict[str, Any]) -> int:
    foreground = [
        f"--{name}" for name, unset in FOREGROUND_ONLY.items() if args.get(name, unset) != unset
    ]
    if foreground:
        return _usage_error(
            f"{', '.join(foreground)} cannot be combined with --scale",
            hint="they configure a foreground server; drop --scale to use them",
        )
    filename = args.get("filename") or "main.jac"
    target = args.get("target")
    port = _explicit_port(args, sys.argv)
    build = _build_value(args.get("build"))
    if args.get("dry_run"):
        return _run(lambda cli: _dry_run(cli, filename, target, port, build))
    return _run(lambda cli: cli.deploy(filename, target, port, build, cli.OutputFormat.text))


def _dry_run(cli: Any, filename: str, target: str | None, port: int | None, build: bool | None):
    """What `--scale` would do: the target's rendering, or for targets without one a plan."""
    with cli._errors():
        from jac_scale import operations
        from jac_scale.errors import NotSupportedError

        ctx = operations.open_app(
            filename, target=target, overrides={"port": port}, build=build, deploying=True
        )
        try:
            text = operations.render(ctx, show_secrets=False)
        except NotSupportedError:
            from jac_scale.utilities.redaction import redact

            config = ctx.target.config
            settings = config.model_dump(mode="json") if hasattr(config, "model_dump") else {}
            lines = [
                f"app:     {ctx.app_name}",
                f"target:  {ctx.target_name}",
                f"file:    {ctx.app_config.app_file}",
                f"build:   {'yes' if ctx.app_config.build else 'no'}",
                *(f"  {key} = {value}" for key, value in sorted(redact(settings).items())),
            ]
            text = "\n".join(lines)
        cli.out.print(text, markup=False)
        cli.err.print("dry run: nothing was deployed or changed", markup=False)
