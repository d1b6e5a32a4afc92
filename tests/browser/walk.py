"""Walking pages in the browser at a phone's and a desktop's width: nothing scrolls sideways,
nothing is cut off, every page is titled, and a screenshot of each width is kept in
test-artifacts/pages/."""

from __future__ import annotations

import re

from tests.browser.conftest import ARTIFACTS

WIDTHS = (390, 1280)
SHOTS = ARTIFACTS / "pages"

# Content wider than a box that hides its overflow: the page does not scroll sideways, yet the
# end of a message is simply not there. Some boxes hide on purpose: one a pixel wide (text for
# screen readers only), one that shortens its text with an ellipsis, an icon button whose
# words are pushed out of sight (the admin's), and a field whose value scrolls inside it.
CLIPPED = """() => [...document.querySelectorAll("body *")].filter(e => {
  const style = getComputedStyle(e);
  if (!["hidden", "clip"].includes(style.overflowX)) return false;
  if (e.clientWidth <= 1 || style.textOverflow === "ellipsis") return false;
  if (parseFloat(style.textIndent) < 0 || e.matches("input, textarea, select")) return false;
  return e.scrollWidth > e.clientWidth + 1;
}).slice(0, 5).map(e => `${e.tagName.toLowerCase()}.${e.className} ${e.scrollWidth} > ${
  e.clientWidth}: ${e.innerText.slice(0, 60)}`)"""


def look(page, name: str, url: str | None = None, *, title: str = r".+ · Tendon") -> None:
    """The page (loaded from url, or as it is) at both widths: a proper title, no sideways
    scroll on the phone, nothing cut off by a box too narrow for it, and a screenshot of each.
    The page is loaded once and resized, as a phone turned sideways would be: the layout is
    the same as loading it at that width."""
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
        clipped = page.evaluate(CLIPPED)
        assert not clipped, f"{name} at {width} px cuts off what it shows: {clipped}"
        page.screenshot(path=str(SHOTS / f"{name}-{width}.png"), full_page=True)
