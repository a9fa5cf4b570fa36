"""The build context: which app files go in (default .dockerignore), packed as a tar stream."""

import fnmatch
import io
import tarfile
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from jac_scale.utilities.fingerprint import DEFAULT_IGNORES, iter_app_files

#: Added to the shared ignores: build files that never belong in an app image.
BUILD_IGNORES: tuple[str, ...] = (*DEFAULT_IGNORES, ".dockerignore", "*.egg-info", ".tox")


@dataclass(frozen=True)
class IgnoreRules:
    """Name patterns (any depth) and path patterns (relative to the app folder)."""

    names: tuple[str, ...]
    paths: tuple[str, ...] = ()

    def skips(self, relative: str) -> bool:
        return any(fnmatch.fnmatch(relative, p) or relative.startswith(p + "/") for p in self.paths)


def ignore_rules(app_folder: Path) -> IgnoreRules:
    """The default ignores plus the app's own `.dockerignore` (negations are not supported)."""
    names: list[str] = list(BUILD_IGNORES)
    paths: list[str] = []
    dockerignore = app_folder / ".dockerignore"
    if dockerignore.is_file():
        for raw in dockerignore.read_text(encoding="utf-8").splitlines():
            line = raw.strip()
            if not line or line.startswith(("#", "!")):
                continue
            line = line.strip("/").removeprefix("**/")
            (paths if "/" in line else names).append(line)
    return IgnoreRules(tuple(dict.fromkeys(names)), tuple(paths))


def app_files(app_folder: Path, rules: IgnoreRules) -> list[Path]:
    return [
        p
        for p in iter_app_files(app_folder, rules.names)
        if not rules.skips(p.relative_to(app_folder).as_posix())
    ]


@dataclass
class BuildContext:
    """Files to send to the engine, each under its name in the context."""

    entries: list[tuple[str, Path | bytes]] = field(default_factory=list)

    def add_file(self, name: str, source: Path) -> None:
        self.entries.append((name, source))

    def add_bytes(self, name: str, data: bytes) -> None:
        self.entries.append((name, data))

    def add_tree(self, prefix: str, folder: Path, files: list[Path]) -> None:
        for path in files:
            self.add_file(f"{prefix}{path.relative_to(folder).as_posix()}", path)

    def to_tar(self) -> IO[bytes]:
        """A tar file object (spooled to disk when large), with normalised owners and times."""
        stream: IO[bytes] = tempfile.SpooledTemporaryFile(max_size=32 << 20)  # noqa: SIM115
        with tarfile.open(fileobj=stream, mode="w") as tar:
            for name, source in sorted(self.entries, key=lambda e: e[0]):
                info = tarfile.TarInfo(name)
                info.mtime = 0
                info.uid = info.gid = 0
                if isinstance(source, bytes):
                    info.size = len(source)
                    info.mode = 0o644
                    tar.addfile(info, io.BytesIO(source))
                else:
                    stat = source.stat()
                    info.size = stat.st_size
                    info.mode = 0o755 if stat.st_mode & 0o111 else 0o644
                    with source.open("rb") as handle:
                        tar.addfile(info, handle)
        stream.seek(0)
        return stream
