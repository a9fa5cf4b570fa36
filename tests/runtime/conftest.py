"""Fixtures for the runtime-store tests: one Mongo-wire stand-in per module."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

HERE = str(Path(__file__).resolve().parent)
if HERE not in sys.path:  # pytest runs with --import-mode=importlib
    sys.path.insert(0, HERE)

from runtime_kit import STANDIN, MongoStandin, start_standin  # noqa: E402


def _standin_ready() -> bool:
    try:
        subprocess.run(
            ["bash", str(STANDIN), "prepare"],
            check=True,
            timeout=600,
            capture_output=True,
            stdin=subprocess.DEVNULL,
        )
        return True
    except (subprocess.SubprocessError, OSError):
        return False


@pytest.fixture(scope="module")
def mongo(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[MongoStandin]:
    """A stand-in MongoDB for this module only (ports 19500-19599)."""
    if not _standin_ready():
        pytest.fail("the Mongo-wire stand-in could not be prepared (scripts/mongo_standin.sh)")
    folder: Path = tmp_path_factory.mktemp("mongo")
    standin = start_standin(folder, 19500, 19600)
    try:
        yield standin
    finally:
        standin.stop()
