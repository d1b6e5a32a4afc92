"""Walking pages in the browser at a phone's and a desktop's width: nothing scrolls sideways,
every page is titled, and a screenshot of each width is kept in test-artifacts/pages/."""

from __future__ import annotations

import re

from tests.browser.conftest import ARTIFACTS

WIDTHS = (390, 1280)
SHOTS = ARTIFACTS / "pages"


def look(page, name: str, url: str | None = None, *, title: str = r".+ · Tendon") -> None:
    """The page (loaded from url, or as it is) at both widths: a proper title, no sideways
    scroll on the phone, and a screenshot of each. The page is loaded once and resized, as a
    phone turned sideways would be: the layout is the same as loading it at that width."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.set_viewport_size({"width": WIDTHS[0], "height": 900})
    if url is not None:
        page.goto(url)
    assert re.fullmatch(title, page.title()), f"{name}: title {page.title()!r}"
    assert "<" not in page.title(), f"{name}: markup in the title"
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        scroll, inner = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
        assert scroll <= inner, f"{name} is {scroll} px wide on a {inner} px screen"
        page.screenshot(path=str(SHOTS / f"{name}-{width}.png"), full_page=True)
