"""Small helpers the format adapters share: numbers that may be strings, times, paths."""

from __future__ import annotations

import hashlib
import json
import re
from datetime import UTC, datetime
from typing import Any

_INTEGER = re.compile(r"^-?[0-9]+$")  # ASCII digits, as in SQL (Python's \d takes any digit)


class BadValue(ValueError):
    """A source value that cannot become a canonical field; the message is the reason."""


def whole_number(value: Any, name: str, default: int | None = 0) -> int | None:
    """Token counts arrive as ints, floats or strings (OTLP's intValue is a string)."""
    if value is None or value == "":
        return default
    if isinstance(value, bool):
        raise BadValue(f"{name} is not a whole number")
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and _INTEGER.match(value.strip()):
        return int(value.strip())
    raise BadValue(f"{name} is not a whole number")


def _epoch_to_iso(seconds: float, name: str) -> str:
    try:
        return datetime.fromtimestamp(seconds, UTC).isoformat()
    except (OverflowError, OSError, ValueError) as error:  # outside years 1 to 9999
        raise BadValue(f"{name} is out of range") from error


def seconds_to_iso(value: Any, name: str) -> str:
    seconds = whole_number(value, name, default=None)
    if seconds is None:
        raise BadValue(f"missing required field {name}")
    return _epoch_to_iso(seconds, name)


def repo_from_path(path: Any) -> str | None:
    """Claude Code's cwd is the working copy: its folder name is the repository's name."""
    if not isinstance(path, str) or not path:
        return None
    parts = [p for p in re.split(r"[\\/]", path.rstrip("/\\")) if p]
    return parts[-1] if parts else None


def text_value(value: Any, name: str) -> str | None:
    """A field sources send as text, from a JSON export where it may be anything: a number
    or boolean as its JSON text (as the SQL readers see it); an object or list refused."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, dict | list):
        raise BadValue(f"{name} is not text")
    return json.dumps(value)


def person_fields(identity: Any) -> dict[str, str]:
    """An email goes to person_email; any other identity is a user_key resolved by aliases."""
    if not identity:
        return {}
    # OTLP may carry a user id as a number: its JSON text, as the SQL readers see it
    identity = (identity if isinstance(identity, str) else json.dumps(identity)).strip()
    return {"person_email": identity} if "@" in identity else {"user_key": identity}


def hashed_key(value: str | None) -> str | None:
    """Never store a raw API key: keep LiteLLM's hashed token, hash anything that is not one."""
    if not value:
        return None
    if re.fullmatch(r"[0-9a-f]{64}", value):
        return value
    return hashlib.sha256(value.encode()).hexdigest()
