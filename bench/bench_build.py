"""Image build benchmark: Jac-Scale's builder beside a plain one-stage Dockerfile.

Measures, for the example app on the same base image and the same wheelhouse: a cold build
(no layer cache), an unchanged rebuild, a rebuild after a one-line code change, and the image
size. Prints a table; changes nothing outside its own `jac-scale-bench-*` images, which it
removes at the end.

    .venv/bin/python bench/bench_build.py [--base-image jac-scale-test/base:trixie]
"""

import argparse
import contextlib
import io
import os
import shutil
import tarfile
import tempfile
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

import docker

from jac_scale.builder.build_config import BuildConfig
from jac_scale.builder.context import app_files, ignore_rules
from jac_scale.builder.dependencies import image_requirements
from jac_scale.builder.image_builder import ImageBuilder
from jac_scale.builder.probe import probe_python
from jac_scale.builder.self_wheel import build_self_wheel
from jac_scale.builder.wheelhouse import default_cache_dir, prepare_wheelhouse, wheel_files

REPO = Path(__file__).resolve().parent.parent
PREFIX = "jac-scale-bench-"

PLAIN_DOCKERFILE = """FROM {base}
COPY . /app
WORKDIR /app
RUN python3 -m venv /opt/venv && \\
    /opt/venv/bin/pip install --no-index --find-links /app/wheels -r /app/wheels/requirements.txt \\
    && /opt/venv/bin/pip install --no-index --no-deps /app/wheels/jac_scale-*.whl
ENV PATH=/opt/venv/bin:$PATH
EXPOSE 8000
CMD ["jac", "start", "app.jac", "--port", "8000"]
"""


def timed(action: Callable[[], Any]) -> tuple[float, Any]:
    started = time.monotonic()
    result = action()
    return time.monotonic() - started, result


def change_one_line(app: Path) -> None:
    source = app / "app.jac"
    source.write_text(
        source.read_text().replace("Hello, {name}!", f"Hi {time.time():.0f}, {{name}}!")
    )


def plain_build(
    client: Any, app: Path, wheelhouse: Path, self_wheel: Path, base: str, tag: str, nocache: bool
) -> str:
    """The baseline: the app and every wheel copied in one layer, installed in one RUN."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        data = PLAIN_DOCKERFILE.format(base=base).encode()
        info = tarfile.TarInfo("Dockerfile")
        info.size = len(data)
        tar.addfile(info, io.BytesIO(data))
        for path in app_files(app, ignore_rules(app)):
            tar.add(path, arcname=path.relative_to(app).as_posix())
        for wheel in [*wheel_files(wheelhouse), self_wheel]:
            tar.add(wheel, arcname=f"wheels/{wheel.name}")
        tar.add(wheelhouse / "requirements.txt", arcname="wheels/requirements.txt")
    buffer.seek(0)
    image, _ = client.images.build(
        fileobj=buffer, custom_context=True, tag=tag, rm=True, forcerm=True, nocache=nocache
    )
    return str(image.id)


def fresh_base(client: Any, base: str) -> str:
    """`base` plus one label: same files, new image id, so every build starts cold."""
    tag = f"{PREFIX}base:{os.getpid()}-{time.time_ns()}"
    dockerfile = f"FROM {base}\nLABEL io.jac-scale.bench={time.time_ns()}\n".encode()
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        info = tarfile.TarInfo("Dockerfile")
        info.size = len(dockerfile)
        tar.addfile(info, io.BytesIO(dockerfile))
    buffer.seek(0)
    client.images.build(fileobj=buffer, custom_context=True, tag=tag, rm=True, forcerm=True)
    return tag


def first_start(client: Any, image: str, port: int) -> str:
    """Seconds from `docker run` until GET / answers (bounded: 180 s)."""
    started = time.monotonic()
    container = client.containers.run(
        image, detach=True, ports={"8000/tcp": ("127.0.0.1", port)}, name=f"{PREFIX}run-{port}"
    )
    try:
        while time.monotonic() - started < 180:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2).close()
                return f"{time.monotonic() - started:.1f}"
            except OSError:
                time.sleep(0.2)
        return "timeout"
    finally:
        container.remove(force=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--base-image",
        default=os.environ.get("JAC_SCALE_TEST_BASE_IMAGE", "jac-scale-test/base:trixie"),
    )
    args = parser.parse_args()
    client = docker.from_env(timeout=900)
    work = Path(tempfile.mkdtemp(prefix="jac-scale-bench-"))
    cache_dir = default_cache_dir()
    rows: list[tuple[str, ...]] = []
    try:
        # -- wheelhouse: a fresh cache folder shows the one-off download cost -------------
        base_id = client.images.get(args.base_image).id
        python = probe_python(client, args.base_image, base_id, cache_dir)
        requirements = image_requirements(BuildConfig(), REPO / "examples" / "todo")
        fresh_cache = work / "cache"
        wheelhouse_s, wheelhouse = timed(
            lambda: prepare_wheelhouse(python, requirements, fresh_cache)
        )
        cached_s, _ = timed(lambda: prepare_wheelhouse(python, requirements, fresh_cache))
        wheel_count = len(wheel_files(wheelhouse))
        self_wheel = build_self_wheel(cache_dir)
        # A base with a new image id: no layer cache applies, without `nocache` (after a
        # nocache build the legacy builder's cache walk misses later, which users never see).
        base = fresh_base(client, args.base_image)

        # -- Jac-Scale's builder -------------------------------------------------------------
        app = work / "app"
        shutil.copytree(REPO / "examples" / "todo", app)
        config = {"base_image": base, "app_name": "bench", "cache_dir": str(fresh_cache)}
        cold = ImageBuilder(BuildConfig(**config), docker_client=client, runtime_wheel=self_wheel)
        builder = ImageBuilder(
            BuildConfig(**config), docker_client=client, runtime_wheel=self_wheel
        )
        name = f"{PREFIX}jac-scale"
        cold_s, reference = timed(lambda: cold.build(str(app), "app.jac", name))
        same_s, again = timed(lambda: builder.build(str(app), "app.jac", name))
        assert again == reference and builder.last_report and not builder.last_report.built
        change_one_line(app)
        edit_s, edited = timed(lambda: builder.build(str(app), "app.jac", name))
        size = client.images.get(edited).attrs["Size"]
        rows.append(
            (
                "jac-scale builder",
                f"{cold_s:.1f}",
                f"{same_s:.2f}",
                f"{edit_s:.1f}",
                f"{size / 1e6:.0f}",
                first_start(client, edited, 21490),
            )
        )

        # -- the plain one-stage Dockerfile ----------------------------------------------------
        plain_app = work / "plain"
        shutil.copytree(REPO / "examples" / "todo", plain_app)
        tag = f"{PREFIX}plain:latest"
        plain = (client, plain_app, wheelhouse, self_wheel, base, tag)
        p_cold_s, _ = timed(lambda: plain_build(*plain, nocache=False))
        p_same_s, _ = timed(lambda: plain_build(*plain, nocache=False))
        change_one_line(plain_app)
        p_edit_s, _ = timed(lambda: plain_build(*plain, nocache=False))
        p_size = client.images.get(tag).attrs["Size"]
        rows.append(
            (
                "plain one-stage",
                f"{p_cold_s:.1f}",
                f"{p_same_s:.2f}",
                f"{p_edit_s:.1f}",
                f"{p_size / 1e6:.0f}",
                first_start(client, tag, 21491),
            )
        )
    finally:
        for summary in client.api.images():
            for tag in summary.get("RepoTags") or []:
                if tag.startswith(PREFIX):
                    with contextlib.suppress(docker.errors.APIError):
                        client.images.remove(tag)
        shutil.rmtree(work, ignore_errors=True)

    print(f"base image {args.base_image} (Python {python.version}); example app examples/todo")
    print(
        f"wheelhouse: first download {wheelhouse_s:.1f} s, cached {cached_s * 1000:.0f} ms "
        f"({wheel_count} wheels)"
    )
    header = ("", "cold build s", "unchanged s", "1-line change s", "image MB", "first start s")
    widths = [18, 13, 12, 16, 9, 13]
    for row in (header, *rows):
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)))


if __name__ == "__main__":
    main()
