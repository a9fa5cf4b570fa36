"""The `jac-scale` command. Imports only typer and rich at start-up; the rest on demand."""

import json
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from enum import StrEnum
from typing import Annotated, Any, NoReturn

import typer
from rich.console import Console

from jac_scale import __version__

app = typer.Typer(
    name="jac-scale",
    help="Deploy Jac apps with their databases to this machine, Docker or Kubernetes.\n\n"
    "Start with: jac-scale deploy app.jac  (runs it locally; add --target docker|kubernetes).",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)
out = Console(highlight=False, soft_wrap=True)
err = Console(stderr=True, highlight=False, soft_wrap=True)


class OutputFormat(StrEnum):
    text = "text"
    json = "json"


FileArg = Annotated[str, typer.Argument(help="The app's .jac file; jac.toml beside it is read.")]
TargetOpt = Annotated[
    str | None,
    typer.Option(
        "--target",
        "-t",
        help="local, docker, kubernetes or a plugin's target. Default: the target the app was "
        "deployed with, else [plugins.scale] target, else local.",
    ),
]
OutputOpt = Annotated[
    OutputFormat, typer.Option("--output", "-o", help="text for people, json for scripts.")
]


def _fail(message: str, code: int, hint: str | None = None) -> NoReturn:
    from rich.markup import escape

    err.print(f"[bold red]error:[/] {escape(message)}", markup=True, highlight=False)
    if hint:
        err.print(f"  hint: {hint}", markup=False)
    raise typer.Exit(code)


@contextmanager
def _errors() -> Iterator[None]:
    """Turn every error into a message and an exit code; tracebacks only with JAC_SCALE_DEBUG."""
    from jac_scale.errors import JacScaleError

    try:
        yield
    except typer.Exit:
        raise
    except JacScaleError as exc:
        from jac_scale.utilities.redaction import redact_text

        _fail(redact_text(exc.message), exc.exit_code, exc.hint)
    except KeyboardInterrupt:
        _fail("interrupted", 130)
    except Exception as exc:
        if os.environ.get("JAC_SCALE_DEBUG"):
            raise
        from jac_scale.utilities.redaction import redact_text

        _fail(
            f"unexpected {type(exc).__name__}: {redact_text(str(exc))}",
            1,
            "run again with JAC_SCALE_DEBUG=1 to see the traceback, and report it",
        )


class _SpinnerProgress:
    """Shows the target's latest progress message on a rich spinner (stderr)."""

    def __init__(self, status: Any) -> None:
        self.status = status

    def update(self, message: str) -> None:
        self.status.update(message)


class _LineProgress:
    """On a non-terminal: each new kind of message once (numbers ignored), so logs stay short."""

    limit = 200

    def __init__(self) -> None:
        self._last = ""
        self._printed = 0

    def update(self, message: str) -> None:
        import re

        key = re.sub(r"\d+", "#", message)
        if key != self._last and self._printed < self.limit:
            self._last = key
            self._printed += 1
            err.print(message, markup=False)


@contextmanager
def _spinner(message: str, enabled: bool = True) -> Iterator[Any]:
    if not enabled:
        from jac_scale.abstractions.progress import NullProgress

        yield NullProgress()
        return
    if not err.is_terminal:
        err.print(message, markup=False)
        yield _LineProgress()
        return
    with err.status(message) as status:
        yield _SpinnerProgress(status)


def _emit(data: dict[str, Any] | list[Any], output: OutputFormat, text: Callable[[], None]) -> None:
    if output is OutputFormat.json:
        from jac_scale.utilities.redaction import redact

        out.print_json(json.dumps(redact(data), default=str))
    else:
        text()


def _open(file: str, target: str | None, progress: Any = None, **kwargs: Any) -> Any:
    from jac_scale import operations

    return operations.open_app(file, target=target, progress=progress, **kwargs)


def _version(value: bool) -> None:
    if value:
        out.print(f"jac-scale {__version__}")
        raise typer.Exit()


@app.callback()
def _main(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Show the version.")
    ] = False,
) -> None:
    """Deploy Jac apps with their databases."""


@app.command()
def deploy(
    file: FileArg,
    target: TargetOpt = None,
    port: Annotated[
        int | None, typer.Option(help="Port to serve on (local target; overrides config).")
    ] = None,
    build: Annotated[
        bool | None,
        typer.Option("--build/--no-build", help="Build and push an image (docker, kubernetes)."),
    ] = None,
    output: OutputOpt = OutputFormat.text,
    dry_run: Annotated[
        bool,
        typer.Option(
            "--dry-run",
            help="Show what would change (the server's dry run when a cluster answers, "
            "else the rendered objects); changes nothing.",
        ),
    ] = False,
) -> None:
    """Deploy (or update) the app and wait until it answers. Unchanged input changes nothing."""
    with _errors():
        from jac_scale import operations

        if dry_run:
            ctx = _open(file, target, overrides={"port": port}, build=build, deploying=True)
            out.print(operations.dry_run(ctx), markup=False)
            return
        with _spinner(f"deploying {file}", output is OutputFormat.text) as progress:
            ctx = _open(
                file, target, progress, overrides={"port": port}, build=build, deploying=True
            )
            result = operations.deploy(ctx)

        def text() -> None:
            if result["success"]:
                out.print(f"{result['message']}\nurl: {result['service_url']}", markup=False)
            else:
                from jac_scale.utilities.redaction import redact_text

                err.print(f"deploy failed: {redact_text(result['message'] or '')}", markup=False)
                for line in result.get("details", {}).get("events", []):
                    err.print(f"  event: {redact_text(str(line))}", markup=False)
                for line in result.get("details", {}).get("log_tail", []):
                    err.print(f"  | {redact_text(str(line))}", markup=False)

        _emit(result, output, text)
        if not result["success"]:
            raise typer.Exit(1)


@app.command()
def status(file: FileArg, target: TargetOpt = None, output: OutputOpt = OutputFormat.text) -> None:
    """Show whether the app runs, its replicas and, when it failed, why."""
    with _errors():
        from jac_scale import operations

        data = operations.status(_open(file, target, must_exist=False))

        def text() -> None:
            out.print(
                f"{data['app']} ({data['target']}): {data['status']} "
                f"{data['ready_replicas']}/{data['replicas']} ready",
                markup=False,
            )
            if data.get("message"):
                out.print(data["message"], markup=False)

        _emit(data, output, text)


@app.command()
def url(file: FileArg, target: TargetOpt = None, output: OutputOpt = OutputFormat.text) -> None:
    """Print the URL the app answers on (exit 1 when it is not deployed)."""
    with _errors():
        from jac_scale import operations

        data = operations.url(_open(file, target, must_exist=False))
        _emit(data, output, lambda: out.print(data["url"] or "", markup=False))
        if not data["url"]:
            if output is OutputFormat.text:
                err.print(f"{data['app']} is not deployed on {data['target']}", markup=False)
            raise typer.Exit(1)


@app.command()
def logs(
    file: FileArg,
    target: TargetOpt = None,
    follow: Annotated[
        bool, typer.Option("--follow", "-f", help="Keep printing new lines.")
    ] = False,
    tail: Annotated[int, typer.Option(min=0, help="How many past lines to show.")] = 100,
) -> None:
    """Print the app's logs (all replicas)."""
    with _errors():
        ctx = _open(file, target, must_exist=False)
        for line in ctx.target.logs(ctx.app_name, follow=follow, tail=tail):
            out.print(line, markup=False)


@app.command()
def scale(
    file: FileArg,
    replicas: Annotated[int, typer.Argument(min=0, help="Number of replicas.")],
    target: TargetOpt = None,
    output: OutputOpt = OutputFormat.text,
) -> None:
    """Set the number of replicas (docker and kubernetes; local runs exactly one)."""
    with _errors():
        from jac_scale import operations

        with _spinner(f"scaling to {replicas}", output is OutputFormat.text) as progress:
            data = operations.scale(_open(file, target, progress, must_exist=False), replicas)
        _emit(data, output, lambda: out.print(data["message"], markup=False))


@app.command()
def destroy(
    file: FileArg,
    target: TargetOpt = None,
    purge: Annotated[
        bool, typer.Option("--purge", help="Also delete the app's data (volumes, .jac/data).")
    ] = False,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")] = False,
    output: OutputOpt = OutputFormat.text,
) -> None:
    """Stop and remove the app. Data is kept unless --purge. Safe to repeat."""
    with _errors():
        from jac_scale import operations
        from jac_scale.errors import ConfirmationRequired

        ctx = _open(file, target, must_exist=False)
        what = f"{ctx.app_name} on {ctx.target_name}" + (" AND ITS DATA" if purge else "")
        if not yes:
            if not sys.stdin.isatty():
                raise ConfirmationRequired(
                    f"refusing to destroy {what} without confirmation: standard input is not "
                    "a terminal",
                    hint="add --yes to confirm",
                )
            if not typer.confirm(f"Destroy {what}?", default=False):
                _fail("not confirmed; nothing was deleted", 1)
        with _spinner(f"destroying {what}", output is OutputFormat.text):
            data = operations.destroy(ctx, purge=purge)
        _emit(data, output, lambda: out.print(f"destroyed {what}", markup=False))


@app.command()
def render(
    file: FileArg,
    target: TargetOpt = None,
    show_secrets: Annotated[
        bool, typer.Option("--show-secrets", help="Include Secret objects with their values.")
    ] = False,
) -> None:
    """Print what deploy would create, without touching anything."""
    with _errors():
        from jac_scale import operations

        out.print(operations.render(_open(file, target), show_secrets=show_secrets), markup=False)


@app.command()
def build(
    file: FileArg,
    base_image: Annotated[
        str | None,
        typer.Option(
            "--base-image", help="Image to build on (default: [plugins.scale.build] base_image)."
        ),
    ] = None,
    registry: Annotated[
        str | None,
        typer.Option(
            "--registry",
            "-r",
            help="dockerhub, registry, ecr, gcr or a plugin's; tags the image for it "
            "(default: [plugins.scale.registry] type).",
        ),
    ] = None,
    push: Annotated[bool, typer.Option("--push", help="Push the image to the registry.")] = False,
    output: OutputOpt = OutputFormat.text,
) -> None:
    """Build the app's image (nothing is built when it is up to date) and print its reference."""
    with _errors():
        from pathlib import Path

        from jac_scale.builder.pipeline import build_app_image
        from jac_scale.config_loader import get_scale_config
        from jac_scale.errors import UsageError

        path = Path(file).expanduser()
        if path.suffix != ".jac" or not path.is_file():
            raise UsageError(f"{file}: no such .jac file", hint="pass your app's .jac file")
        with _spinner(f"building {file}", output is OutputFormat.text) as progress:
            data = build_app_image(
                get_scale_config(path),
                path.name,
                base_image=base_image,
                registry=registry,
                push=push,
                progress=progress,
            )
        _emit(data, output, lambda: out.print(data["url"], markup=False))


@app.command()
def targets(output: OutputOpt = OutputFormat.text) -> None:
    """List every target, database provider, registry and logger, and whether it is installed."""
    with _errors():
        from jac_scale.factories.catalog import list_components

        rows = list_components()

        def text() -> None:
            for row in rows:
                mark = "yes" if row["available"] else f"no ({row['install'] or 'missing'})"
                out.print(
                    f"{row['kind']:9} {row['name']:17} installed: {mark:34} {row['description']}",
                    markup=False,
                )

        _emit(rows, output, text)


def main() -> None:
    app()


if __name__ == "__main__":
    main()
