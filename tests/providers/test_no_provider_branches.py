"""Nothing outside a provider's own package names it in code (DESIGN.md: fix the seam, never
`if provider == ...`): only the registry and the settings may. Comments and prose may mention
a provider; a string that is exactly its id is what a branch on it would need."""

from __future__ import annotations

import io
import re
import tokenize
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CODE = ("accounts", "config", "connections", "records", "templates")
ALLOWED = (Path("connections/providers/__init__.py"), Path("config/settings.py"))


def _python_strings(path: Path) -> list[str]:
    tokens = tokenize.generate_tokens(io.StringIO(path.read_text()).readline)
    return [t.string.strip("'\"") for t in tokens if t.type == tokenize.STRING]


def _outside(provider: str):
    own = Path("connections/providers") / provider
    for folder in CODE:
        for path in sorted((ROOT / folder).rglob("*")):
            relative = path.relative_to(ROOT)
            if relative in ALLOWED or own in relative.parents or "migrations" in relative.parts:
                continue
            if path.suffix in (".py", ".html", ".txt", ".js"):
                yield relative, path


# Every provider package, the demo's included: a provider added later is checked without a
# change here (its package is its name, as its registry id is).
PACKAGES = sorted(
    path.parent.name for path in (ROOT / "connections" / "providers").glob("*/__init__.py")
)


def test_every_provider_in_the_registry_is_checked():
    from connections.providers import PROVIDERS

    assert set(PROVIDERS) <= set(PACKAGES)
    assert {"google_health", "withings", "oura", "whoop", "polar", "strava", "demo"} <= set(
        PACKAGES
    )


@pytest.mark.parametrize("provider", PACKAGES)
def test_no_code_outside_its_package_names_the_provider(provider):
    quoted = re.compile(rf"""["']{provider}["']""")
    naming = []
    for relative, path in _outside(provider):
        if path.suffix == ".py":
            found = provider in _python_strings(path)
        else:
            found = bool(quoted.search(path.read_text()))
        if found:
            naming.append(str(relative))

    assert naming == []
