"""Structured (JSON lines) logging with the request id of the request being served."""

from __future__ import annotations

import json
import logging
import time
from contextvars import ContextVar
from typing import Any

from guideqa.redact import redact

request_id_var: ContextVar[str] = ContextVar("guideqa_request_id", default="-")

# Attributes every LogRecord has; anything else was passed with ``extra=`` and is emitted.
_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {"message", "asctime", "taskName", "color_message"}


class RequestIdFilter(logging.Filter):
    """Adds ``record.request_id`` (the contextvar set by the request middleware)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = request_id_var.get()
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        out: dict[str, Any] = {
            "ts": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created)) + f".{int(record.msecs):03d}Z",
            "level": record.levelname,
            "logger": record.name,
            "msg": record.getMessage(),
        }
        for key, value in vars(record).items():
            if key not in _STANDARD and not key.startswith("_"):
                out[key] = value
        if record.exc_info:
            out["exc"] = self.formatException(record.exc_info)
        return redact(json.dumps(out, ensure_ascii=False, default=str))


def log_config(level: str = "INFO") -> dict[str, Any]:
    """dictConfig for `guideqa serve` (also given to uvicorn so its own logs are JSON too)."""
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"request_id": {"()": "api.logs.RequestIdFilter"}},
        "formatters": {"json": {"()": "api.logs.JsonFormatter"}},
        "handlers": {
            "stderr": {
                "class": "logging.StreamHandler",
                "stream": "ext://sys.stderr",
                "formatter": "json",
                "filters": ["request_id"],
            }
        },
        "root": {"handlers": ["stderr"], "level": level.upper()},
        "loggers": {
            "uvicorn": {"handlers": [], "propagate": True},
            "uvicorn.error": {"handlers": [], "propagate": True},
            "uvicorn.access": {"handlers": [], "propagate": False},
            "faiss": {"level": "WARNING"},
        },
    }
