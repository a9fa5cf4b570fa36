"""Real processes for the runtime-store tests: the Mongo-wire stand-in and `jac start`.

The stand-in runs from scripts/mongo_standin.sh in its own Python 3.13 venv; each `jac start`
runs from a private copy of the test app with its own port (19500-19999, 127.0.0.1 only).
Every wait is bounded; everything started here is stopped by pid.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from testkit import REPO, free_port

JAC = Path(sys.executable).with_name("jac")
APP_DIR = Path(__file__).resolve().parent / "app"
STANDIN = REPO / "scripts" / "mongo_standin.sh"
START_TIMEOUT_S = 150  # first start compiles the app (10-25 s, more on a loaded machine)


@dataclass
class MongoStandin:
    """One mongoeco wire server with a durable SQLite file, restartable on the same port."""

    port: int
    data_file: Path
    pid_file: Path

    @property
    def uri(self) -> str:
        return f"mongodb://127.0.0.1:{self.port}/?directConnection=true"

    def start(self) -> None:
        subprocess.run(
            [
                "bash",
                str(STANDIN),
                "start",
                str(self.port),
                str(self.data_file),
                str(self.pid_file),
            ],
            check=True,
            timeout=300,
            stdin=subprocess.DEVNULL,
        )

    def stop(self) -> None:
        subprocess.run(["bash", str(STANDIN), "stop", str(self.pid_file)], check=True, timeout=60)


def start_standin(folder: Path, low: int, high: int) -> MongoStandin:
    """A stand-in on a free port in [low, high)."""
    folder.mkdir(parents=True, exist_ok=True)
    standin = MongoStandin(free_port(low, high), folder / "mongo.db", folder / "mongo.pid")
    standin.start()
    return standin


def copy_app(destination: Path, source: Path = APP_DIR) -> Path:
    """A private copy of a test app folder (same jac.toml, hence the same database name)."""
    shutil.copytree(source, destination, ignore=shutil.ignore_patterns(".jac", "__pycache__"))
    return destination


@dataclass
class JacServer:
    """A real `jac start` process serving one app folder on 127.0.0.1:port."""

    folder: Path
    port: int
    mongodb_uri: str | None
    extra_env: dict[str, str] = field(default_factory=dict)
    process: subprocess.Popen | None = None

    @property
    def log(self) -> Path:
        return self.folder / f"jac-{self.port}.log"

    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if k not in ("MONGODB_URI", "REDIS_URL")}
        if self.mongodb_uri:
            env["MONGODB_URI"] = self.mongodb_uri
        env.update(self.extra_env)
        return env

    def launch(self) -> subprocess.Popen:
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(
                [str(JAC), "start", "app.jac", "--port", str(self.port)],
                cwd=self.folder,
                env=self.env(),
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        return self.process

    def start(self) -> JacServer:
        self.launch()
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            assert self.process is not None
            if self.process.poll() is not None:
                raise AssertionError(f"jac start exited early:\n{self.tail()}")
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/", timeout=5) as r:
                    if r.status == 200 and f":{self.port}/" in self.log.read_text(errors="replace"):
                        return self
            except (urllib.error.URLError, OSError):
                pass
            time.sleep(0.5)
        self.stop()
        raise AssertionError(f"jac start did not serve on {self.port} in time:\n{self.tail()}")

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)

    def tail(self, lines: int = 40) -> str:
        if not self.log.exists():
            return ""
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])

    # ---- HTTP ----------------------------------------------------------------------
    def call(
        self, path: str, body: dict[str, Any] | None = None, token: str | None = None
    ) -> tuple[int, Any]:
        """POST JSON to this server; returns (status, decoded body)."""
        headers = {"content-type": "application/json"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        request = urllib.request.Request(
            f"http://127.0.0.1:{self.port}{path}",
            data=json.dumps(body or {}).encode(),
            headers=headers,
            method="POST",
        )
        try:
            with urllib.request.urlopen(request, timeout=60) as reply:
                return reply.status, json.loads(reply.read() or b"null")
        except urllib.error.HTTPError as error:
            raw = error.read()
            return error.code, json.loads(raw) if raw else None

    def walker(self, name: str, body: dict[str, Any] | None = None, token: str | None = None):
        """Reports of a successful walker call (fails the test otherwise)."""
        status, reply = self.call(f"/walker/{name}", body, token)
        assert status == 200 and reply and reply.get("ok"), (name, status, reply)
        return reply["data"]["reports"]

    def register(self, username: str, password: str) -> tuple[int, Any]:
        return self.call(
            "/user/register",
            {
                "identities": [{"type": "username", "value": username}],
                "credential": {"type": "password", "password": password},
            },
        )

    def login(self, username: str, password: str) -> tuple[int, Any]:
        return self.call(
            "/user/login",
            {
                "identity": {"type": "username", "value": username},
                "credential": {"type": "password", "password": password},
            },
        )

    def token(self, username: str, password: str) -> str:
        status, reply = self.login(username, password)
        assert status == 200 and reply["ok"], reply
        return reply["data"]["token"]
