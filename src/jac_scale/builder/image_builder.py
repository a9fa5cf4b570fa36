"""Builds a Jac app into a tagged image: `ImageBuilder(config).build(folder, file, name)`.

The tag is a fingerprint of everything that goes into the image (app files, generated
Dockerfile, wheel names, base image id, CA bundle digest): when an image with that tag
exists, nothing is built.
"""

import hashlib
import re
import time
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from jac_scale import __version__
from jac_scale.abstractions.logger import Logger, NullLogger
from jac_scale.abstractions.progress import NullProgress, Progress
from jac_scale.builder.build_config import BuildConfig
from jac_scale.builder.context import BuildContext, app_files, ignore_rules
from jac_scale.builder.dependencies import image_requirements
from jac_scale.builder.docker_client import docker_client
from jac_scale.builder.dockerfile import DockerfileSpec, render_dockerfile
from jac_scale.builder.probe import PythonInfo, assumed_python, check_version, probe_python
from jac_scale.builder.self_wheel import build_self_wheel
from jac_scale.builder.wheelhouse import (
    REQUIREMENTS,
    default_cache_dir,
    manifest,
    prepare_wheelhouse,
    wheel_files,
)
from jac_scale.errors import ConfigError, DeploymentError, UsageError
from jac_scale.utilities.fingerprint import fingerprint
from jac_scale.utilities.redaction import redact_text

_STEP = re.compile(r"^Step \d+/\d+ : ")
_REFERENCE = re.compile(r"^[a-z0-9]+([._-][a-z0-9]+)*(:\d+)?(/[a-z0-9]+([._/-][a-z0-9]+)*)*$")


@dataclass
class BuildReport:
    """What the last `build` did; benchmarks and tests read it."""

    reference: str
    built: bool
    steps_run: int = 0
    steps_cached: int = 0
    seconds: float = 0.0
    log: list[str] = field(default_factory=list)


@dataclass
class _Plan:
    context: BuildContext
    dockerfile: str
    tag: str


class ImageBuilder:
    """One builder per config; reuse it for many builds of many apps."""

    def __init__(
        self,
        build_config: BuildConfig | dict[str, Any] | None = None,
        *,
        docker_client: Any = None,
        progress: Progress | None = None,
        logger: Logger | None = None,
        runtime_wheel: Path | None = None,
    ) -> None:
        """`runtime_wheel` pins the jac-scale wheel put into images (default: built from the
        installed jac-scale at each build, so source edits reach the image)."""
        self.config = BuildConfig.from_dict(build_config)
        self.runtime_wheel = runtime_wheel
        self._client = docker_client
        self.progress: Progress = progress or NullProgress()
        self.logger: Logger = logger or NullLogger()
        self.cache_dir = default_cache_dir(self.config.cache_dir)
        self.last_report: BuildReport | None = None

    @property
    def client(self) -> Any:
        self._client = docker_client(self._client)
        return self._client

    # -- public -------------------------------------------------------------
    def build(self, code_folder: str, file_name: str, image_name: str) -> str:
        """Build (unless already built) and return the local reference `image_name:<tag>`."""
        started = time.monotonic()
        image_name = strip_tag(image_name)
        folder, relative = self._check_inputs(code_folder, file_name, image_name)
        plan = self._plan(folder, relative)
        reference = f"{image_name}:{plan.tag}"
        if self._exists(reference):
            self.progress.update(f"{reference} is up to date")
            self.logger.info("image up to date", {"image": reference})
            self.last_report = BuildReport(reference, built=False)
            return reference
        report = self._run_build(plan, reference)
        report.seconds = time.monotonic() - started
        self.last_report = report
        self.logger.info(
            "image built",
            {"image": reference, "steps_run": report.steps_run, "cached": report.steps_cached},
        )
        return reference

    def dockerfile_for(self, code_folder: str, file_name: str) -> str:
        """The Dockerfile a build would use (generated or the app's own), without building."""
        folder, relative = self._check_inputs(code_folder, file_name, "preview")
        return self._plan(folder, relative).dockerfile

    # -- inputs -------------------------------------------------------------
    def _check_inputs(self, code_folder: str, file_name: str, image_name: str) -> tuple[Path, str]:
        folder = Path(code_folder).expanduser().resolve()
        if not folder.is_dir():
            raise UsageError(f"{code_folder}: no such folder", hint="pass the app's folder")
        app_file = (folder / file_name).resolve()
        if app_file.suffix != ".jac" or not app_file.is_file():
            raise UsageError(
                f"{file_name}: no such .jac file in {folder}",
                hint="pass the app's .jac file, e.g. app.jac",
            )
        if not app_file.is_relative_to(folder):
            raise UsageError(f"{file_name} is outside the app folder {folder}")
        if not image_name or not _REFERENCE.match(image_name):
            raise UsageError(
                f"{image_name!r} is not a valid image repository name",
                hint="use lower-case letters, digits, '.', '-', '_' and '/', e.g. myteam/todo",
            )
        return folder, app_file.relative_to(folder).as_posix()

    def _own_dockerfile(self, folder: Path) -> Path | None:
        if self.config.dockerfile:
            path = (folder / self.config.dockerfile).resolve()
            if not path.is_file():
                raise ConfigError(
                    f"[plugins.scale.build] dockerfile = {self.config.dockerfile!r}: "
                    f"no such file in {folder}",
                    hint="remove the key to use the generated Dockerfile",
                )
            return path
        default = folder / "Dockerfile"
        return default if default.is_file() else None

    def _ca_bundle(self) -> bytes | None:
        if not self.config.extra_ca_bundle:
            return None
        path = Path(self.config.extra_ca_bundle).expanduser()
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise ConfigError(
                f"[plugins.scale.build] extra_ca_bundle = {str(path)!r}: {exc.strerror}",
                hint="point it at a readable PEM file of CA certificates",
            ) from None
        if b"-----BEGIN CERTIFICATE-----" not in data:
            raise ConfigError(
                f"[plugins.scale.build] extra_ca_bundle = {str(path)!r}: not a PEM certificate "
                "bundle",
                hint="the file must hold '-----BEGIN CERTIFICATE-----' blocks",
            )
        return data

    # -- planning -----------------------------------------------------------
    def _plan(self, folder: Path, relative: str) -> _Plan:
        rules = ignore_rules(folder)
        files = app_files(folder, rules)
        own = self._own_dockerfile(folder)
        context = BuildContext()
        if own is not None:
            self.progress.update(f"using the app's own {own.name}")
            context.add_tree("", folder, files)
            text = own.read_text(encoding="utf-8")
            context.add_bytes("Dockerfile", text.encode())
            bases = [f"{name}={self._local_id(name)}" for name in from_images(text)]
            tag = fingerprint(folder, extra=["own-dockerfile", text, *bases], ignores=rules.names)
            return _Plan(context, text, tag)

        base_id = self._base_image_id()
        python = self._python(base_id)
        requirements = image_requirements(self.config, folder)
        wheelhouse = prepare_wheelhouse(python, requirements, self.cache_dir, self.progress)
        pip_wheels = [p.name for p in wheel_files(wheelhouse) if p.name.startswith("pip-")]
        if not pip_wheels:
            raise DeploymentError(f"the wheelhouse {wheelhouse} has no pip wheel; delete it")
        self_wheel = None
        if self.config.include_runtime:
            self_wheel = self.runtime_wheel or build_self_wheel(self.cache_dir)
        ca = self._ca_bundle()
        spec = DockerfileSpec(
            base_image=self.config.base_image,
            python_version=python.version,
            has_venv=python.has_venv,
            file_name=relative,
            container_port=self.config.container_port,
            user_id=self.config.user_id,
            pip_wheel=pip_wheels[-1],
            self_wheel=self_wheel.name if self_wheel else None,
            with_ca=ca is not None,
            warmup=self.config.warmup and self_wheel is not None,
            warmup_timeout=self.config.warmup_timeout,
            labels=(
                ("app.kubernetes.io/managed-by", "jac-scale"),
                ("io.jac-scale.app", self.config.app_name),
                ("io.jac-scale.version", __version__),
            ),
        )
        text = render_dockerfile(spec)
        context.add_tree("app/", folder, files)
        context.add_bytes("Dockerfile", text.encode())
        for wheel in wheel_files(wheelhouse):
            context.add_file(f"wheels/{wheel.name}", wheel)
        context.add_file(f"wheels/{REQUIREMENTS}", wheelhouse / REQUIREMENTS)
        extra = [text, base_id, *manifest(wheelhouse)]
        if self_wheel is not None:
            context.add_file(f"self/{self_wheel.name}", self_wheel)
            extra.append(hashlib.sha256(self_wheel.read_bytes()).hexdigest())
        if ca is not None:
            context.add_bytes("ca/extra-ca.pem", ca)
            extra.append(hashlib.sha256(ca).hexdigest())
        tag = fingerprint(folder, extra=extra, ignores=rules.names)
        return _Plan(context, text, tag)

    def _python(self, base_id: str) -> PythonInfo:
        if self.config.python_version:
            check_version(self.config.python_version, self.config.base_image)
            return assumed_python(self.config.python_version)
        self.progress.update(f"asking {self.config.base_image} for its Python version")
        return probe_python(self.client, self.config.base_image, base_id, self.cache_dir)

    def _base_image_id(self) -> str:
        import docker.errors

        base = self.config.base_image
        try:
            return str(self.client.images.get(base).id)
        except docker.errors.ImageNotFound:
            pass
        if not self.config.pull_base:
            raise DeploymentError(
                f"base image {base} is not present locally and pull_base is false",
                hint=f"docker pull {base}, or set [plugins.scale.build] base_image",
            )
        self.progress.update(f"pulling base image {base}")
        try:
            self.client.images.pull(base)
            return str(self.client.images.get(base).id)
        except docker.errors.DockerException as exc:
            explanation = getattr(exc, "explanation", None) or str(exc)
            raise DeploymentError(
                f"base image {base} is not present locally and could not be pulled: {explanation}",
                hint="pull or build it yourself, or set [plugins.scale.build] base_image "
                "(or --base-image) to an image that exists",
            ) from None

    def _local_id(self, image: str) -> str:
        """The local id of a FROM image ('absent' when it is not here yet)."""
        import docker.errors

        try:
            return str(self.client.images.get(image).id)
        except docker.errors.DockerException:
            return "absent"

    def _exists(self, reference: str) -> bool:
        import docker.errors

        try:
            self.client.images.get(reference)
            return True
        except docker.errors.ImageNotFound:
            return False

    # -- building -----------------------------------------------------------
    def _run_build(self, plan: _Plan, reference: str) -> BuildReport:
        import docker.errors

        report = BuildReport(reference, built=True)
        tail: deque[str] = deque(maxlen=40)
        step = "preparing the build context"
        self.progress.update(f"building {reference}: {step}")
        stream = plan.context.to_tar()
        try:
            chunks = self.client.api.build(
                fileobj=stream,
                custom_context=True,
                tag=reference,
                rm=True,
                forcerm=True,
                pull=False,
                nocache=self.config.no_cache,
                decode=True,
            )
            for chunk in chunks:
                if "error" in chunk or "errorDetail" in chunk:
                    detail = chunk.get("errorDetail", {}).get("message") or chunk.get("error")
                    raise self._failure(step, str(detail), tail)
                text = str(chunk.get("stream", "")).rstrip()
                for line in text.splitlines():
                    line = redact_text(line.rstrip())
                    if not line:
                        continue
                    tail.append(line)
                    if _STEP.match(line):
                        step = line
                        report.steps_run += 1
                        self.progress.update(f"building {reference}: {line[:110]}")
                    elif "Using cache" in line:
                        report.steps_cached += 1
                    else:
                        self.progress.update(f"building {reference}: {line[:110]}")
        except docker.errors.APIError as exc:
            raise self._failure(step, str(exc.explanation or exc), tail) from None
        finally:
            stream.close()
        report.steps_run -= report.steps_cached
        report.log = list(tail)
        if not self._exists(reference):
            raise self._failure(step, "the engine reported no error but made no image", tail)
        return report

    def _failure(self, step: str, error: str, tail: deque[str]) -> DeploymentError:
        last = [line for line in tail if not _STEP.match(line)][-15:]
        shown = "\n    ".join(last) if last else "(no output)"
        return DeploymentError(
            f"image build failed at {step}\n  error: {redact_text(error)}\n  output:\n    {shown}",
            hint="fix the step named above; the app's own Dockerfile is used when present",
            details={"step": step, "error": redact_text(error), "log_tail": last},
        )


def strip_tag(image_name: str) -> str:
    """`todo:latest` -> `todo` (the tag is always the fingerprint); host ports are kept."""
    name = image_name.split("@", 1)[0]
    head, slash, last = name.rpartition("/")
    return f"{head}{slash}{last.split(':', 1)[0]}"


def from_images(dockerfile: str) -> list[str]:
    """Images named by FROM lines, without build-stage names and `scratch`."""
    stages: set[str] = set()
    images: list[str] = []
    for raw in dockerfile.splitlines():
        words = raw.split()
        if len(words) < 2 or words[0].upper() != "FROM":
            continue
        args = [w for w in words[1:] if not w.startswith("--")]
        if not args:
            continue
        if len(args) >= 3 and args[1].upper() == "AS":
            stages.add(args[2].lower())
        if args[0].lower() not in stages and args[0] != "scratch" and "$" not in args[0]:
            images.append(args[0])
    return images
