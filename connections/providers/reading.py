"""Reading a provider's records one at a time (issue 9): a record its normaliser cannot read is
set aside, with its payload and a plain reason, and the rest of its page goes on. A provider's
bug in one record must never stop a person's imports.

The page itself stays the client's to check: an answer that is not JSON, or whose list is
missing or not a list, is a BadResponse and fails the run with nothing stored. Reasons name the
field and what it should be, never its value: support staff read them without the right to see
health data (the payload beside them is shown only to those who have it).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from connections.providers.base import UnreadableRecord

T = TypeVar("T")
# What reading a malformed record raises: a missing key, a value of the wrong type or form.
READ_ERRORS = (KeyError, IndexError, TypeError, ValueError, AttributeError, ArithmeticError)


class Unreadable(ValueError):
    """A value of one record that cannot be read; the message names the field, never its
    value ("activeDuration is not a duration")."""


def part(item: Any, name: str) -> dict:
    """item[name], which must be a JSON object; Unreadable naming it otherwise."""
    inner = _present(item, name)
    if not isinstance(inner, dict):
        raise Unreadable(f"{name} is not an object")
    return inner


def optional_part(item: Any, name: str) -> dict:
    """item[name] as a JSON object, or {} when the provider left it out."""
    return {} if item.get(name) in (None, "") else part(item, name)


def value(item: Any, name: str, parse: Callable[[Any], T], what: str) -> T:
    """parse(item[name]); Unreadable naming the field when it is missing or is not `what`."""
    return _parsed(name, parse, what, _present(item, name))


def optional(item: Any, name: str, parse: Callable[[Any], T], what: str) -> T | None:
    """parse(item[name]), or None when the provider left it out (absent, null or "")."""
    raw = item.get(name)
    return None if raw in (None, "") else _parsed(name, parse, what, raw)


def _present(item: Any, name: str) -> Any:
    if not isinstance(item, dict) or item.get(name) is None:
        raise Unreadable(f"{name} is missing")
    return item[name]


def _parsed(name: str, parse: Callable[[Any], T], what: str, raw: Any) -> T:
    if isinstance(raw, bool):  # JSON true is no number, time or duration
        raise Unreadable(f"{name} is not {what}")
    try:
        return parse(raw)
    except Unreadable:
        raise
    except (*READ_ERRORS, OverflowError) as error:
        raise Unreadable(f"{name} is not {what}") from error


def reason(error: Exception) -> str:
    """Why a record could not be read, as support reads it."""
    if isinstance(error, Unreadable):
        detail = str(error)
    elif isinstance(error, KeyError) and error.args:
        detail = f"{error.args[0]} is missing"
    else:  # the error's own text may quote the value: its type says enough
        detail = f"a value is not in the form the provider documents ({type(error).__name__})"
    return f"Tendon could not read it: {detail}."


class RecordReader:
    """Reads one page's items into records of one kind, each on its own: an item its reader
    cannot read joins `unreadable` (for the page's FeedPage) and the others go on.

    `id_field` names the item's own id, the key the set-aside record is kept under; an item
    without one is kept under a digest of its payload, the same each time it comes back."""

    def __init__(self, *, kind: str, id_field: str = "id") -> None:
        self.kind, self.id_field = kind, id_field
        self.unreadable: list[UnreadableRecord] = []

    def each(self, reader: Callable[[Any], T | None], items: Iterable) -> list[T]:
        """reader(item) for every item that can be read; items it reads as None are left out."""
        records = (self.one(reader, item, raw=item) for item in items)
        return [record for record in records if record is not None]

    def one(
        self, reader: Callable[..., T], *args: Any, raw: Any, key: str = "", **kwargs: Any
    ) -> T | None:
        """reader(*args, **kwargs), or None with `raw` set aside under `key` (its id when not
        given) and the reason it could not be read."""
        try:
            return reader(*args, **kwargs)
        except READ_ERRORS as error:
            self.unreadable.append(
                UnreadableRecord(
                    kind=self.kind, key=key or self._key(raw), raw=raw, reason=reason(error)
                )
            )
            return None

    def _key(self, raw: Any) -> str:
        own = raw.get(self.id_field) if isinstance(raw, dict) else None
        if isinstance(own, str | int) and not isinstance(own, bool) and str(own).strip():
            return str(own)
        text = json.dumps(raw, sort_keys=True, default=str)
        return f"unreadable-{hashlib.sha256(text.encode()).hexdigest()[:16]}"
