"""The vendored Open mHealth schemas (tests/fixtures/omh/) as a jsonschema registry."""

from __future__ import annotations

import json
import re
from functools import cache

from jsonschema import FormatChecker
from jsonschema.validators import validator_for
from referencing import Registry, Resource
from referencing.exceptions import NoSuchResource
from referencing.jsonschema import DRAFT4

from tests.conftest import FIXTURES

BASE = "https://w3id.org/openmhealth/schemas/omh/"
MAJOR_X = re.compile(r"^(?P<name>.+)-(?P<major>\d+)\.x\.json$")


@cache
def _files() -> dict[str, dict]:
    return {p.name: json.loads(p.read_text()) for p in (FIXTURES / "omh").glob("*.json")}


def _retrieve(uri: str) -> Resource:
    """A schema by its URI; 'name-2.x.json' is the newest 2.y kept, as in the repository."""
    name = uri.removeprefix(BASE)
    files = _files()
    link = MAJOR_X.match(name)
    if link:
        versions = [
            f
            for f in files
            if re.fullmatch(rf"{re.escape(link['name'])}-{link['major']}\.\d+\.json", f)
        ]
        if versions:
            name = max(versions, key=lambda f: int(f.rsplit(".", 2)[-2]))
    if name not in files:
        raise NoSuchResource(ref=uri)
    return Resource.from_contents(files[name], default_specification=DRAFT4)


REGISTRY = Registry(retrieve=_retrieve)

# jsonschema checks "date-time" only when rfc3339-validator is installed, and otherwise skips it
# without a word: every header's creation time and every time frame would go unchecked.
if "date-time" not in FormatChecker().checkers:
    raise ImportError(
        "jsonschema cannot check the 'date-time' format: install rfc3339-validator "
        "(requirements-dev.txt) so Open mHealth date-times are really validated"
    )


def validate(instance: dict, schema: str) -> None:
    """Raises jsonschema.ValidationError unless instance matches the named schema file."""
    uri = BASE + schema
    contents = _retrieve(uri).contents
    checker = validator_for(contents)(
        {"$ref": uri}, registry=REGISTRY, format_checker=FormatChecker()
    )
    checker.validate(instance)


def validate_data_point(point: dict) -> None:
    """The point's header against data-point-1.0, and its body against its own schema."""
    validate(point, "data-point-1.0.json")
    schema_id = point["header"]["schema_id"]
    assert schema_id["namespace"] == "omh"
    validate(point["body"], f"{schema_id['name']}-{schema_id['version']}.json")
