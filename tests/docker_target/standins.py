"""Local stand-ins for the official redis, nginx and mongo images, built from the test base.

No image can be pulled here, so each stand-in is run the way the official one is: Redis as
`redis-server ARGS`, nginx with a server block in /etc/nginx/conf.d/, and a Mongo-wire server
(mongoeco, Python 3.13) that creates its root user from MONGO_INITDB_ROOT_USERNAME/PASSWORD.
Images are tagged by the hash of their build context and kept, so later runs reuse them.
"""

import hashlib
import io
import os
import subprocess
import sys
import tarfile
from pathlib import Path

import docker

BASE_IMAGE = os.environ.get("JAC_SCALE_TEST_BASE_IMAGE", "jac-scale-test/base:trixie")
WHEEL_CACHE = Path(
    os.environ.get("JAC_SCALE_TEST_CACHE", Path.home() / ".cache" / "jac-scale-tests")
)

REDIS_DOCKERFILE = f"""FROM {BASE_IMAGE}
CMD ["redis-server"]
"""

NGINX_DOCKERFILE = f"""FROM {BASE_IMAGE}
RUN rm -f /etc/nginx/sites-enabled/default && mkdir -p /etc/nginx/conf.d \\
    && ln -sf /dev/stdout /var/log/nginx/access.log && ln -sf /dev/stderr /var/log/nginx/error.log
CMD ["nginx", "-g", "daemon off;"]
"""

MONGO_DOCKERFILE = f"""FROM {BASE_IMAGE}
COPY wheels/ /tmp/wheels/
RUN python3 -m venv /opt/mongoeco \\
    && /opt/mongoeco/bin/pip install -q --no-index --find-links /tmp/wheels 'mongoeco[wire]' \\
    && rm -rf /tmp/wheels && mkdir -p /data/db
COPY server.py /opt/mongoeco/server.py
CMD ["/opt/mongoeco/bin/python", "/opt/mongoeco/server.py"]
"""

MONGO_SERVER = '''"""mongoeco's wire server on 0.0.0.0:27017, auth like the mongo image."""
import asyncio
import os
import signal

from mongoeco.engines.sqlite import SQLiteEngine
from mongoeco.wire import AsyncMongoEcoProxyServer, WireAuthUser


async def main() -> None:
    user = os.environ.get("MONGO_INITDB_ROOT_USERNAME")
    password = os.environ.get("MONGO_INITDB_ROOT_PASSWORD")
    users = (WireAuthUser(user, password, roles=({"role": "root", "db": "admin"},)),)
    server = AsyncMongoEcoProxyServer(
        engine=SQLiteEngine("/data/db/mongoeco.sqlite3"),
        host="0.0.0.0",
        port=27017,
        auth_users=users if user else (),
    )
    address = await server.start()
    print(f"ready on {address.host}:{address.port}", flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    await server.close()


asyncio.run(main())
'''


def _mongo_wheels() -> Path:
    """mongoeco[wire] wheels for the base image's Python 3.13, downloaded on the host once."""
    folder = WHEEL_CACHE / "mongoeco-cp313"
    if not any(folder.glob("mongoeco-*.whl")):
        folder.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            [
                sys.executable,
                "-m",
                "pip",
                "download",
                "-q",
                "--disable-pip-version-check",
                "--python-version",
                "3.13",
                "--only-binary=:all:",
                "-d",
                str(folder),
                "mongoeco[wire]>=4.11",
            ],
            check=True,
            timeout=600,
        )
    return folder


def _context(files: dict[str, bytes], wheels: Path | None = None) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        for name, data in sorted(files.items()):
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
        if wheels is not None:
            for wheel in sorted(wheels.glob("*.whl")):
                tar.add(wheel, arcname=f"wheels/{wheel.name}")
    return buffer.getvalue()


def _build(client: docker.DockerClient, name: str, files: dict[str, bytes], wheels=None) -> str:
    digest = hashlib.sha256(BASE_IMAGE.encode())
    for key in sorted(files):
        digest.update(key.encode() + files[key])
    if wheels is not None:
        digest.update(" ".join(sorted(p.name for p in wheels.glob("*.whl"))).encode())
    tag = f"jst-docker-standin/{name}:{digest.hexdigest()[:12]}"
    try:
        client.images.get(tag)
        return tag
    except docker.errors.ImageNotFound:
        pass
    context = _context(files, wheels)
    client.images.build(
        fileobj=io.BytesIO(context), custom_context=True, tag=tag, rm=True, forcerm=True
    )
    return tag


def build_standins(client: docker.DockerClient) -> dict[str, str]:
    """`{'redis': tag, 'nginx': tag, 'mongo': tag}`, building only what is missing."""
    return {
        "redis": _build(client, "redis", {"Dockerfile": REDIS_DOCKERFILE.encode()}),
        "nginx": _build(client, "nginx", {"Dockerfile": NGINX_DOCKERFILE.encode()}),
        "mongo": _build(
            client,
            "mongo",
            {"Dockerfile": MONGO_DOCKERFILE.encode(), "server.py": MONGO_SERVER.encode()},
            _mongo_wheels(),
        ),
    }
