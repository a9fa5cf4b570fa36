"""Fixtures shared by every suite."""

from pathlib import Path

import pytest
from testkit import copy_example


@pytest.fixture
def example_app(tmp_path: Path) -> Path:
    return copy_example(tmp_path / "todo")
