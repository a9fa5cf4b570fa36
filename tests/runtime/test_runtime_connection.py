"""Bounded retries on transient driver errors; one clear error, password masked, after that."""

from __future__ import annotations

import pytest
from pymongo.errors import AutoReconnect, DuplicateKeyError

from jac_scale.runtime.connection import StoreUnavailableError, with_retries
from jac_scale.runtime.settings import StoreSettings

SETTINGS = StoreSettings(
    uri="mongodb://app:hunter22@127.0.0.1:1/", database="jac_t", retry_attempts=3
)


def test_transient_errors_are_retried_then_succeed() -> None:
    calls = []

    def flaky() -> str:
        calls.append(1)
        if len(calls) < 3:
            raise AutoReconnect("connection reset")
        return "ok"

    assert with_retries(SETTINGS, "read", flaky) == "ok"
    assert len(calls) == 3


def test_retries_are_bounded_and_end_in_a_clear_masked_error() -> None:
    calls = []

    def down() -> None:
        calls.append(1)
        raise AutoReconnect("connection refused by mongodb://app:hunter22@127.0.0.1:1/")

    with pytest.raises(StoreUnavailableError) as info:
        with_retries(SETTINGS, "read users", down)
    assert len(calls) == SETTINGS.retry_attempts
    message = str(info.value)
    assert "unreachable while trying to read users" in message
    assert "hunter22" not in message and "app:********@127.0.0.1" in message


def test_other_errors_are_not_retried() -> None:
    calls = []

    def duplicate() -> None:
        calls.append(1)
        raise DuplicateKeyError("E11000")

    with pytest.raises(DuplicateKeyError):
        with_retries(SETTINGS, "write", duplicate)
    assert len(calls) == 1
