"""The API's input rules as types whose JSON Schema says exactly what their validation accepts.

An integrator generates a client from /openapi.json; every rule the server enforces on an
input must therefore be in the schema, and nothing the schema allows may be refused
(tests/test_fuzz_api.py runs `schemathesis --checks all` for that). Light: stdlib and
pydantic only (the UI imports the records built from these).
"""

from __future__ import annotations

import re
from typing import Annotated, Any

from pydantic import AfterValidator, BeforeValidator, WithJsonSchema
from pydantic_core import PydanticCustomError

from guideqa.guideline import ROLE_TABLE

MAX_QUESTION_CHARS = 1000
# Replaced by a space before a question is trimmed (tab, newline and carriage return are whitespace).
CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")

# What the API accepts for a role: the API name, the item-code letter and the guideline's label
# of each actor (ROLE_TABLE), e.g. user / U / AI利用者; and, where a role is optional, 指定しない.
ACTOR_NAMES: tuple[str, ...] = tuple(name for e in ROLE_TABLE for name in (e.role, e.letter, e.label))
NO_ROLE = "指定しない"
ROLE_NAMES: tuple[str, ...] = (*ACTOR_NAMES, NO_ROLE)


def _blank_class() -> str:
    """A regex character class of every character that trimming removes or a question may not
    consist of: Unicode whitespace (``str.isspace``, what ``str.strip`` removes) and the control
    characters replaced by spaces. All are in the BMP, written as \\uXXXX (the same in ECMA-262
    and Python regexes)."""
    blank = [c for c in range(0x10000) if chr(c).isspace() or CONTROL_CHARS.match(chr(c))]
    ranges: list[tuple[int, int]] = []
    for c in blank:
        if ranges and ranges[-1][1] == c - 1:
            ranges[-1] = (ranges[-1][0], c)
        else:
            ranges.append((c, c))
    return "".join(f"\\u{a:04x}" if a == b else f"\\u{a:04x}-\\u{b:04x}" for a, b in ranges)


BLANK_CLASS = _blank_class()
# A question must contain at least one character that is neither whitespace nor a control
# character (JSON Schema patterns are unanchored: "contains a match").
QUESTION_PATTERN = f"[^{BLANK_CLASS}]"


def has_lone_surrogate(text: str) -> bool:
    """True for text that cannot be written as UTF-8 (lone surrogates from JSON escapes)."""
    return any(0xD800 <= ord(ch) <= 0xDFFF for ch in text)


def encodable(value: str) -> str:
    # JSON may carry lone surrogates ("\\ud800"): they cannot be searched, stored or sent back.
    if has_lone_surrogate(value):
        raise PydanticCustomError("string_unicode", "string contains lone surrogates")
    return value


def json_integer(value: Any) -> Any:
    """JSON Schema's ``integer``: 3 and 3.0 (a number without a fraction) — never true/false,
    "3" or 3.5."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise PydanticCustomError("int_type", "Input should be a valid integer")
    if isinstance(value, float):
        if not value.is_integer():
            raise PydanticCustomError("int_from_float", "Input should be a valid integer, got a fractional number")
        return int(value)
    return value


def json_id(value: Any) -> Any:
    """A caller's id: a string, an integer (as above) or null."""
    if value is None or isinstance(value, str):
        return value
    return json_integer(value)


def _one_of(names: tuple[str, ...]) -> Any:
    def check(value: str) -> str:
        if value not in names:
            raise PydanticCustomError("enum", "Input should be one of the documented names")
        return value

    return check


JsonInt = Annotated[int, BeforeValidator(json_integer)]
Text = Annotated[str, AfterValidator(encodable)]
# Role names, exactly as documented (the CLI's parser also accepts other spellings).
RoleName = Annotated[
    str, AfterValidator(encodable), AfterValidator(_one_of(ROLE_NAMES)), WithJsonSchema({"type": "string", "enum": list(ROLE_NAMES)})
]
ActorName = Annotated[
    str, AfterValidator(encodable), AfterValidator(_one_of(ACTOR_NAMES)), WithJsonSchema({"type": "string", "enum": list(ACTOR_NAMES)})
]
