"""StandardLogger: levels, context, JSON and secret masking."""

import io
import json

from pydantic import SecretStr

from jac_scale.utilities.loggers.standard_logger import StandardLogger
from jac_scale.utilities.redaction import MASK, mask_url, redact, register_secret


def make(**config: object) -> tuple[StandardLogger, io.StringIO]:
    stream = io.StringIO()
    return StandardLogger({"stream": stream, **config}), stream


def test_levels_filter_messages() -> None:
    logger, stream = make(level="warn")
    logger.debug("d")
    logger.info("i")
    logger.warn("w")
    logger.error("e")
    lines = stream.getvalue().splitlines()
    assert [line.split()[-1] for line in lines] == ["w", "e"]


def test_context_is_rendered_with_message() -> None:
    logger, stream = make(level="debug")
    logger.info("deployed", {"app": "todo", "replicas": 3})
    assert stream.getvalue().strip() == "info  deployed [app=todo replicas=3]"


def test_json_format() -> None:
    logger, stream = make(format="json")
    logger.error("failed", {"app": "todo"})
    record = json.loads(stream.getvalue())
    assert record == {"level": "error", "message": "failed", "app": "todo"}


def test_secrets_never_printed() -> None:
    register_secret("hunter2-very-secret")
    logger, stream = make(format="json")
    logger.info(
        "connecting with hunter2-very-secret",
        {
            "password": "plain-password",
            "uri": "mongodb://admin:pw123@db:27017/app",
            "token": SecretStr("tok"),
            "nested": {"api_key": "k-123"},
        },
    )
    text = stream.getvalue()
    for secret in ("hunter2-very-secret", "plain-password", "pw123", 'tok"', "k-123"):
        assert secret not in text
    record = json.loads(text)
    assert record["uri"] == f"mongodb://admin:{MASK}@db:27017/app"
    assert record["password"] == MASK


def test_mask_url_and_redact() -> None:
    assert mask_url("redis://:abc@h:6379/0") == f"redis://:{MASK}@h:6379/0"
    assert mask_url("http://127.0.0.1:8000/") == "http://127.0.0.1:8000/"
    assert redact({"secret_value": "x", "name": "y"}) == {"secret_value": MASK, "name": "y"}


def test_bad_logger_config_is_rejected() -> None:
    import pytest

    with pytest.raises(ValueError, match="allowed: debug, info, warn, error"):
        StandardLogger({"level": "loud"})
