"""build=False: copy the app's code into its PersistentVolumeClaim, the way `kubectl cp` does.

A short-lived pod mounts the claim; a gzip'd tar of the app is streamed to `tar x` on its
standard input over the exec API, in 64 KiB chunks, so any code size works and nothing is held
in etcd (ConfigMaps stop at 1 MiB). Each version goes to its own folder named by the content
fingerprint, written to `<fp>.tmp` and renamed only when complete, so running pods keep their
folder until the rollout replaces them; an unchanged version is not uploaded again.
"""

import shlex
import tarfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from jac_scale.targets.kubernetes.labels import app_labels, metadata
from jac_scale.targets.kubernetes.renderer import CODE_MOUNT
from jac_scale.utilities.fingerprint import iter_app_files

if TYPE_CHECKING:
    from jac_scale.targets.kubernetes.kube_client import KubeClient

CHUNK = 64 * 1024
COMPLETE_MARK = ".jac-scale-complete"
VERIFY_SECONDS = 60


def sync_pod_name(app: str) -> str:
    return f"{app}-code-sync"


def sync_pod(app: str, namespace: str, image: str, pull_secrets: list[str]) -> dict[str, Any]:
    """A pod that only holds the code claim mounted while the code is copied in."""
    spec: dict[str, Any] = {
        "restartPolicy": "Never",
        "automountServiceAccountToken": False,
        "terminationGracePeriodSeconds": 0,
        "containers": [
            {
                "name": "sync",
                "image": image,
                "command": ["sleep", "900"],
                "volumeMounts": [{"name": "code", "mountPath": CODE_MOUNT}],
                "resources": {"requests": {"cpu": "10m", "memory": "32Mi"}},
            }
        ],
        "volumes": [{"name": "code", "persistentVolumeClaim": {"claimName": f"{app}-code"}}],
    }
    if pull_secrets:
        spec["imagePullSecrets"] = [{"name": s} for s in pull_secrets]
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": metadata(sync_pod_name(app), namespace, app_labels(app, "code-sync")),
        "spec": spec,
    }


def code_dir(fingerprint: str) -> str:
    return f"{CODE_MOUNT}/{fingerprint}"


def tar_chunks(folder: Path) -> Iterator[bytes]:
    """The app folder as a gzip'd tar, produced in a thread and yielded in chunks."""
    read_fd, write_fd = _pipe()

    def produce() -> None:
        with (
            open(write_fd, "wb", closefd=True) as raw,
            tarfile.open(fileobj=raw, mode="w|gz") as tar,
        ):
            for path in iter_app_files(folder):
                tar.add(path, arcname=path.relative_to(folder).as_posix(), recursive=False)

    worker = threading.Thread(target=produce, daemon=True)
    worker.start()
    with open(read_fd, "rb", closefd=True) as reader:
        while chunk := reader.read(CHUNK):
            yield chunk
    worker.join(timeout=30)


def _pipe() -> tuple[int, int]:
    import os

    return os.pipe()


def check_command(fingerprint: str) -> list[str]:
    mark = shlex.quote(f"{code_dir(fingerprint)}/{COMPLETE_MARK}")
    return ["sh", "-c", f"test -f {mark} && echo present || echo absent"]


def upload_command(fingerprint: str, keep: list[str]) -> list[str]:
    """Extract stdin into `<fp>.tmp`, mark it complete, rename; prune versions not kept."""
    target = shlex.quote(code_dir(fingerprint))
    kept = " ".join(shlex.quote(k) for k in {fingerprint, *keep} if k)
    script = (
        f"set -e; rm -rf {target}.tmp; mkdir -p {target}.tmp; "
        f"tar xzf - -C {target}.tmp; touch {target}.tmp/{COMPLETE_MARK}; "
        f"rm -rf {target}; mv {target}.tmp {target}; "
        f'cd {CODE_MOUNT}; for d in *; do case " {kept} " in *" $d "*) ;; '
        f'*) rm -rf "$d";; esac; done'
    )
    return ["sh", "-c", script]


def sync_code(
    client: "KubeClient",
    folder: Path,
    namespace: str,
    pod: str,
    fingerprint: str,
    keep: list[str],
) -> bool:
    """Upload unless this version is already there; True when something was uploaded."""
    if "present" in client.exec_output(pod, namespace, check_command(fingerprint)):
        return False
    client.exec_stdin(pod, namespace, upload_command(fingerprint, keep), tar_chunks(folder))
    # tar sees the end of its input when the stream closes; give it a bounded time to finish.
    deadline = time.monotonic() + VERIFY_SECONDS
    while "present" not in client.exec_output(pod, namespace, check_command(fingerprint)):
        if time.monotonic() >= deadline:
            from jac_scale.errors import DeploymentError

            raise DeploymentError(
                f"the code did not arrive in {namespace}/{pod}:{code_dir(fingerprint)} "
                f"within {VERIFY_SECONDS}s",
                hint="check that the sync image has sh and tar (code_sync_image)",
            )
        time.sleep(0.5)
    return True
