"""Keeps secret values out of everything Jac-Scale prints or logs."""

import re
import threading
from typing import Any

MASK = "********"
_SECRET_KEY = re.compile(r"pass(word)?|secret|token|api[_-]?key|credential|private", re.I)
_URL_CREDENTIALS = re.compile(
    r"(?P<scheme>[a-z][a-z0-9+.-]*://)(?P<user>[^:@/\s]*):(?P<pw>[^@/\s]+)@"
)

_known: set[str] = set()
_lock = threading.Lock()


def register_secret(value: str | None) -> None:
    """Remember a value so that it is masked wherever it appears later."""
    if value and len(value) >= 4:
        with _lock:
            _known.add(value)


def mask_url(url: str) -> str:
    """`mongodb://u:pw@h/db` -> `mongodb://u:********@h/db`."""
    return _URL_CREDENTIALS.sub(lambda m: f"{m['scheme']}{m['user']}:{MASK}@", url)


def redact_text(text: str) -> str:
    """Mask URL credentials and every registered secret value in a string."""
    text = mask_url(text)
    with _lock:
        known = sorted(_known, key=len, reverse=True)
    for value in known:
        if value in text:
            text = text.replace(value, MASK)
    return text


def redact(value: Any, key: str = "") -> Any:
    """Recursively mask secrets in a value; keys that name a secret are masked whole."""
    if hasattr(value, "get_secret_value"):
        return MASK
    if isinstance(value, dict):
        return {k: redact(v, str(k)) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(redact(v, key) for v in value)
    if isinstance(value, str):
        if key and _SECRET_KEY.search(key) and value:
            return MASK
        return redact_text(value)
    return value
