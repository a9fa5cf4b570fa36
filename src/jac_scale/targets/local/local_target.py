"""The embedded default target: `jac start` as a background process on this machine."""

import contextlib
import json
import os
import shutil
import sys
import time
import urllib.error
import urllib.request
from collections import deque
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import ClassVar

from jac_scale.abstractions.config.app_config import AppConfig
from jac_scale.abstractions.deployment_target import DeploymentTarget
from jac_scale.abstractions.models.deployment_result import DeploymentResult
from jac_scale.abstractions.models.resource_status import ResourceStatus, ResourceStatusInfo
from jac_scale.errors import DeploymentError, NotSupportedError, UsageError
from jac_scale.targets.local import process_control as proc
from jac_scale.targets.local.local_config import LocalConfig
from jac_scale.utilities.fingerprint import fingerprint
from jac_scale.utilities.redaction import redact_text

LOG_TAIL_LINES = 20


@dataclass
class LocalState:
    """What the target remembers about the process it started (one JSON file per app)."""

    app_name: str
    pid: int
    start_time: int | None
    port: int
    fingerprint: str
    code_folder: str
    file_name: str
    log_path: str
    health_check_path: str
    started_at: float
    failed: bool = False


class LocalTarget(DeploymentTarget):
    """Runs the app with `jac start`; one replica; state in `<app>/.jac-scale/local/`."""

    name: ClassVar[str] = "local"
    config_class = LocalConfig
    can_scale: ClassVar[bool] = False
    config: LocalConfig

    # -- state ---------------------------------------------------------------
    def _state_root(self, code_folder: str | None = None) -> Path:
        if self.config.state_dir:
            return Path(self.config.state_dir) / "local"
        base = Path(code_folder) if code_folder else Path.cwd()
        return base / ".jac-scale" / "local"

    def _state_path(self, app_name: str, code_folder: str | None = None) -> Path:
        return self._state_root(code_folder) / f"{app_name}.json"

    def _load_state(self, app_name: str, code_folder: str | None = None) -> LocalState | None:
        path = self._state_path(app_name, code_folder)
        try:
            return LocalState(**json.loads(path.read_text()))
        except FileNotFoundError:
            return None
        except (ValueError, TypeError) as exc:
            raise DeploymentError(
                f"state file {path} is damaged: {exc}",
                hint=f"stop the app by hand if it runs, then delete {path}",
            ) from None

    def _save_state(self, state: LocalState) -> None:
        path = self._state_path(state.app_name, state.code_folder)
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        tmp = path.with_suffix(".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as handle:
            json.dump(asdict(state), handle, indent=2)
        tmp.replace(path)

    def _drop_state(self, state: LocalState) -> None:
        with contextlib.suppress(FileNotFoundError):
            self._state_path(state.app_name, state.code_folder).unlink()

    # -- helpers -----------------------------------------------------------------
    def _jac_command(self) -> str:
        if self.config.jac_command:
            return self.config.jac_command
        beside = Path(sys.executable).parent / "jac"
        if beside.exists():
            return str(beside)
        found = shutil.which("jac")
        if not found:
            raise DeploymentError(
                "the jac command was not found", hint="pip install jaclang (Jac-Scale needs it)"
            )
        return found

    @staticmethod
    def _url(port: int) -> str:
        return f"http://127.0.0.1:{port}"

    @staticmethod
    def _healthy(port: int, path: str, timeout: float = 2.0) -> bool:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=timeout) as r:
                return 200 <= r.status < 400
        except (urllib.error.URLError, OSError, ValueError):
            return False

    @staticmethod
    def _log_tail(log_path: str, lines: int = LOG_TAIL_LINES) -> list[str]:
        try:
            with open(log_path, errors="replace") as handle:
                return [redact_text(line.rstrip("\n")) for line in deque(handle, maxlen=lines)]
        except OSError:
            return []

    def _fingerprint(self, app_config: AppConfig) -> str:
        env = self.config.app_environment()
        extra = [
            f"file={app_config.file_name}",
            f"port={self.config.port}",
            f"health={self.config.health_check_path}",
            *(f"env:{k}={v}" for k, v in sorted(env.items())),
        ]
        return fingerprint(Path(app_config.code_folder), extra=extra)

    # -- the seed's interface -------------------------------------------------
    def deploy(self, app_config: AppConfig) -> DeploymentResult:
        app_name = app_config.app_name or self.config.app_name
        app_file = app_config.app_file
        if not app_file.is_file():
            raise UsageError(
                f"app file {app_file} does not exist", hint="pass the path of your .jac file"
            )
        port = self.config.port
        code_fingerprint = self._fingerprint(app_config)
        state = self._load_state(app_name, app_config.code_folder)

        if state and not state.failed and proc.is_ours(state.pid, state.start_time):
            url = self._url(state.port)
            if state.fingerprint == code_fingerprint and self._healthy(
                state.port, state.health_check_path
            ):
                self.logger.info("unchanged and healthy; nothing to do", {"app": app_name})
                return DeploymentResult(
                    True, url, "unchanged: already running", {"changed": False, "pid": state.pid}
                )
            self.progress.update(f"stopping the previous version of {app_name}")
            self.logger.info("stopping previous version", {"app": app_name, "pid": state.pid})
            proc.stop_process(state.pid, state.start_time, self.config.stop_timeout)
        if state:
            self._drop_state(state)

        if not proc.port_is_free(port):
            raise DeploymentError(
                f"port {port} is already in use by another process",
                hint="stop that process, or choose another port with --port or "
                "[plugins.scale.local] port",
            )
        return self._start(app_name, app_config, port, code_fingerprint)

    def _start(
        self, app_name: str, app_config: AppConfig, port: int, code_fingerprint: str
    ) -> DeploymentResult:
        root = self._state_root(app_config.code_folder)
        root.mkdir(parents=True, exist_ok=True, mode=0o700)
        log_path = root / f"{app_name}.log"
        with contextlib.suppress(FileNotFoundError):
            log_path.replace(log_path.with_suffix(".log.1"))
        env = {**os.environ, **self.config.app_environment(), "PYTHONUNBUFFERED": "1"}
        argv = [self._jac_command(), "start", app_config.file_name, "--port", str(port)]
        self.logger.info("starting", {"app": app_name, "port": port})
        child = proc.start_background(argv, Path(app_config.code_folder), env, log_path)
        state = LocalState(
            app_name=app_name,
            pid=child.pid,
            start_time=proc.process_start_time(child.pid),
            port=port,
            fingerprint=code_fingerprint,
            code_folder=app_config.code_folder,
            file_name=app_config.file_name,
            log_path=str(log_path),
            health_check_path=self.config.health_check_path,
            started_at=time.time(),
        )
        self._save_state(state)
        return self._wait_healthy(state, child)

    def _fail(self, state: LocalState, message: str) -> DeploymentResult:
        """Stop whatever is left, keep the state marked failed so status can tell why."""
        proc.stop_process(state.pid, state.start_time, self.config.stop_timeout)
        state.failed = True
        self._save_state(state)
        tail = self._log_tail(state.log_path)
        self.logger.error(message, {"app": state.app_name})
        return DeploymentResult(
            False, None, message, {"log_tail": tail, "log_path": state.log_path}
        )

    def _wait_healthy(
        self, state: LocalState, child: "proc.subprocess.Popen[bytes]"
    ) -> DeploymentResult:
        url = self._url(state.port)
        check = f"{url}{state.health_check_path}"
        started = time.monotonic()
        deadline = started + self.config.startup_timeout
        while time.monotonic() < deadline:
            code = child.poll()
            if code is not None:
                return self._fail(state, f"{state.app_name} exited with code {code} while starting")
            if self._healthy(state.port, state.health_check_path, timeout=1.0):
                if proc.owns_port(state.pid, state.port) is False:
                    return self._fail(
                        state,
                        f"another process answered on port {state.port}, not {state.app_name}",
                    )
                self.logger.info("running", {"app": state.app_name, "url": url})
                return DeploymentResult(
                    True, url, f"{state.app_name} is running", {"changed": True, "pid": state.pid}
                )
            elapsed = time.monotonic() - started
            self.progress.update(
                f"waiting for {state.app_name} to answer on {check} ({elapsed:.0f}s)"
            )
            time.sleep(0.3)
        return self._fail(
            state,
            f"{state.app_name} did not answer on {check} within {self.config.startup_timeout:.0f}s",
        )

    def get_status(self, app_name: str) -> ResourceStatusInfo:
        state = self._load_state(app_name)
        if state is None:
            return ResourceStatusInfo(
                ResourceStatus.NOT_FOUND, message=f"{app_name} is not deployed"
            )
        details = {"pid": state.pid, "port": state.port, "log_path": state.log_path}
        if state.failed or not proc.is_ours(state.pid, state.start_time):
            tail = self._log_tail(state.log_path)
            return ResourceStatusInfo(
                ResourceStatus.FAILED,
                replicas=1,
                ready_replicas=0,
                message=f"{app_name} is not running; last log lines:\n" + "\n".join(tail),
                details={**details, "log_tail": tail},
            )
        if self._healthy(state.port, state.health_check_path):
            return ResourceStatusInfo(
                ResourceStatus.RUNNING,
                1,
                1,
                f"{app_name} answers on {self._url(state.port)}",
                details,
            )
        return ResourceStatusInfo(
            ResourceStatus.PENDING,
            1,
            0,
            f"{app_name} runs (pid {state.pid}) but does not answer on "
            f"{self._url(state.port)}{state.health_check_path} yet",
            details,
        )

    def get_service_url(self, app_name: str) -> str | None:
        state = self._load_state(app_name)
        if state is None or state.failed or not proc.is_ours(state.pid, state.start_time):
            return None
        return self._url(state.port)

    def scale(self, app_name: str, replicas: int) -> None:
        if replicas != 1:
            raise NotSupportedError(
                f"the local target runs exactly one process; cannot scale {app_name} to {replicas}",
                hint="use --target docker or --target kubernetes to run several replicas",
            )
        if self.get_service_url(app_name) is None:
            raise DeploymentError(f"{app_name} is not running", hint="run jac-scale deploy first")

    def destroy(self, app_name: str, *, purge: bool = False) -> None:
        state = self._load_state(app_name)
        if state is not None:
            if proc.stop_process(state.pid, state.start_time, self.config.stop_timeout):
                self.logger.info("stopped", {"app": app_name, "pid": state.pid})
            self._drop_state(state)
            code_folder = Path(state.code_folder)
        else:
            self.logger.info("nothing to stop", {"app": app_name})
            root = self._state_root().parent
            if root.name != ".jac-scale":
                if purge:
                    self.logger.warn(
                        "not purging: the app folder is unknown with a custom state_dir and "
                        "no recorded deployment",
                        {"app": app_name, "state_dir": str(root)},
                    )
                return
            code_folder = root.parent
        if purge:
            data = code_folder / ".jac" / "data"
            if data.is_dir():
                shutil.rmtree(data)
                self.logger.info("purged app data", {"path": str(data)})

    def logs(self, app_name: str, *, follow: bool = False, tail: int = 100) -> Iterator[str]:
        state = self._load_state(app_name)
        if state is None:
            raise DeploymentError(f"{app_name} is not deployed", hint="run jac-scale deploy first")
        yield from self._log_tail(state.log_path, tail)
        if not follow:
            return
        with open(state.log_path, errors="replace") as handle:
            handle.seek(0, os.SEEK_END)
            while True:
                line = handle.readline()
                if line:
                    yield redact_text(line.rstrip("\n"))
                    continue
                if not proc.is_ours(state.pid, state.start_time):
                    return
                time.sleep(0.2)
