"""Secret values never reach a log line.

The LLM API key and the export token come only from the environment (GUIDEQA_LLM_API_KEY,
GUIDEQA_EXPORT_TOKEN) and are held as ``SecretStr``; our own code never logs them. A library
may still quote one (an upstream 401 body that echoes the key ends up in a logged traceback),
so every log formatter of the CLI and the server passes its output through :func:`redact`.
"""

from __future__ import annotations

import json
import logging
import threading
from typing import Any

from pydantic import SecretStr

MASK = "[REDACTED]"
MIN_SECRET_CHARS = 6  # shorter values would mask ordinary words; such a secret is weak anyway

_lock = threading.Lock()
_secrets: tuple[str, ...] = ()


def register_secrets(*values: SecretStr | str | None) -> None:
    """Remember secret values (idempotent). Called wherever settings are loaded."""
    global _secrets
    found = set(_secrets)
    for value in values:
        text = value.get_secret_value() if isinstance(value, SecretStr) else value
        if text and len(text) >= MIN_SECRET_CHARS:
            found.add(text)
            found.add(json.dumps(text)[1:-1])  # as it appears inside a JSON string
    with _lock:
        _secrets = tuple(sorted(found, key=len, reverse=True))


def register_settings_secrets(settings: Any) -> None:
    register_secrets(
        getattr(settings, "llm_api_key", None),
        getattr(settings, "export_token", None),
        _url_password(getattr(settings, "database_url", None)),
    )


def _url_password(url: SecretStr | None) -> str | None:
    """The password inside a database URL (a driver error may quote the URL)."""
    if url is None:
        return None
    from urllib.parse import urlsplit

    try:
        return urlsplit(url.get_secret_value()).password
    except ValueError:
        return None


def redact(text: str) -> str:
    for secret in _secrets:
        if secret in text:
            text = text.replace(secret, MASK)
    return text


class RedactingFormatter(logging.Formatter):
    """A plain-text formatter (the CLI's) whose output never contains a registered secret."""

    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record))
