"""A provider lives in its own package: outside it, only the registry and the settings name it
(DESIGN.md: "nothing outside it branches on a provider's name")."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CODE = ("accounts", "bench", "config", "connections", "records", "sandbox", "static", "templates")
SUFFIXES = {".py", ".html", ".txt", ".js", ".css", ".json"}
ALLOWED = {"connections/providers/__init__.py", "config/settings.py"}


def _namers(provider: str) -> list[str]:
    """Files of the code (not tests or docs) outside the provider's package naming it."""
    pattern = re.compile(provider, re.IGNORECASE)
    package = f"connections/providers/{provider}/"
    found = []
    for top in CODE:
        for path in sorted((ROOT / top).rglob("*")):
            relative = path.relative_to(ROOT).as_posix()
            if (
                path.suffix not in SUFFIXES
                or relative.startswith(package)
                or relative in ALLOWED
                or "__pycache__" in relative
            ):
                continue
            if pattern.search(path.read_text(encoding="utf-8", errors="replace")):
                found.append(relative)
    return found


@pytest.mark.parametrize("provider", ["oura", "whoop"])
def test_only_its_package_the_registry_and_the_settings_name_the_provider(provider):
    assert _namers(provider) == []
