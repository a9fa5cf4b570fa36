"""Content fingerprints of an app folder: what decides 'unchanged' for every target."""

import fnmatch
import hashlib
import os
from collections.abc import Iterable, Iterator
from pathlib import Path

#: Never part of an app's code: VCS, virtual environments, caches, Jac data, our own state.
DEFAULT_IGNORES: tuple[str, ...] = (
    ".git",
    ".hg",
    ".svn",
    ".venv",
    "venv",
    "env",
    "__pycache__",
    "*.pyc",
    ".pytest_cache",
    ".mypy_cache",
    ".ruff_cache",
    "node_modules",
    ".jac",
    ".jac-scale",
    ".env",
    ".DS_Store",
)


def _ignored(name: str, patterns: Iterable[str]) -> bool:
    return any(fnmatch.fnmatch(name, pattern) for pattern in patterns)


def iter_app_files(folder: Path, ignores: Iterable[str] = DEFAULT_IGNORES) -> Iterator[Path]:
    """Files of the app, sorted, skipping ignored names at any depth."""
    patterns = tuple(ignores)
    for root, dirs, files in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if not _ignored(d, patterns))
        for name in sorted(files):
            if not _ignored(name, patterns):
                yield Path(root) / name


def fingerprint(
    folder: Path, *, extra: Iterable[str] = (), ignores: Iterable[str] = DEFAULT_IGNORES
) -> str:
    """sha256 over relative paths, modes and contents, plus `extra` strings; 16 hex chars."""
    digest = hashlib.sha256()
    for path in iter_app_files(folder, ignores):
        digest.update(path.relative_to(folder).as_posix().encode())
        digest.update(b"\0x" if os.access(path, os.X_OK) else b"\0-")
        with path.open("rb") as handle:
            for chunk in iter(lambda: handle.read(1 << 16), b""):
                digest.update(chunk)
        digest.update(b"\0")
    for item in extra:
        digest.update(b"\1" + item.encode())
    return digest.hexdigest()[:16]
