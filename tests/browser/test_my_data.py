"""My data in a real browser at a phone's and a desktop's width: charts drawn, nothing scrolls
sideways. Screenshots of each width are kept in test-artifacts/."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from records.models import BodyMeasurement
from records.services.daily_values import daily_values_rebuild
from tests.browser.conftest import ARTIFACTS
from tests.conftest import PASSWORD
from tests.records.history import store_days

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.e2e]

WIDTHS = (390, 1280)


def _log_in(page, base: str, email: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=login]", email)
    page.fill("input[name=password]", PASSWORD)
    page.locator("input[name=password]").press("Enter")
    page.wait_for_url(f"{base}/connect/")


def _fits(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def _tables_scrolling_sideways(page) -> list[str]:
    """The tables (by their section) wider than their box, which would scroll on their own."""
    return page.evaluate(
        """[...document.querySelectorAll('.table-wrap')]
            .filter(box => box.scrollWidth > box.clientWidth)
            .map(box => box.closest('[id]').id)"""
    )


@pytest.mark.parametrize("range_key", ["30d", "1y"])
def test_my_data_draws_its_charts_without_sideways_scroll(
    page, live_server, user_factory, range_key
):
    person = user_factory("walker@example.com")
    today = timezone.localdate()
    store_days(person, provider="demo", last=today, days=400)
    store_days(person, provider="withings", last=today, days=40, every=3)
    _log_in(page, live_server.url, person.email)

    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        page.goto(f"{live_server.url}/data/?range={range_key}")

        assert page.title() == "My data · Tendon"
        for chart in ("steps", "sleep", "body", "heart", "zones", "activities"):
            assert page.locator(f"[data-chart={chart}] svg.chart").count() == 1, chart
        assert _fits(page), f"My data scrolls sideways at {width} px"
        # …and no table scrolls sideways inside its card either.
        tables = page.evaluate(
            "[...document.querySelectorAll('.records .table-wrap')]"
            ".map(w => [w.closest('section').id, w.scrollWidth, w.clientWidth])"
        )
        assert tables and all(scroll <= inner for _, scroll, inner in tables), tables
        page.evaluate("document.querySelectorAll('details').forEach(d => d.open = true)")
        assert _tables_scrolling_sideways(page) == [], f"at {width} px"
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"my-data-{range_key}-{width}.png"), full_page=True)


def test_empty_my_data_offers_to_connect_a_service_on_a_phone(page, live_server, user_factory):
    person = user_factory("new@example.com")
    _log_in(page, live_server.url, person.email)
    page.set_viewport_size({"width": 390, "height": 900})

    page.goto(f"{live_server.url}/data/")

    page.get_by_role("link", name="Connect a service").first.click()
    page.wait_for_url(f"{live_server.url}/connect/")
    page.go_back()
    assert _fits(page)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "my-data-empty-390.png"), full_page=True)


def test_a_chart_s_numbers_fit_a_phone_with_each_day_on_one_line(page, live_server, user_factory):
    person = user_factory("numbers@example.com")
    today = timezone.localdate()
    store_days(person, provider="demo", last=today, days=30)
    store_days(person, provider="withings", last=today, days=30, every=3)
    _log_in(page, live_server.url, person.email)
    page.set_viewport_size({"width": 390, "height": 900})

    page.goto(f"{live_server.url}/data/?range=30d")
    page.evaluate("document.querySelectorAll('details').forEach(d => d.open = true)")

    # A day that wraps ("30" above "Nov") is two boxes of one inline span. (A past year's day
    # may put its year under the day and month.)
    broken = page.evaluate(
        """[...document.querySelectorAll('.chart-card td .short:not(.source)')]
            .filter(s => !/\\d{4}/.test(s.textContent) && s.getClientRects().length > 1)
            .map(s => s.textContent)"""
    )
    assert broken == []
    shown = page.evaluate(
        """[...document.querySelectorAll('.chart-card th')]
            .filter(th => th.offsetParent !== null).map(th => th.textContent)"""
    )
    assert "Stages" not in shown and "Source" not in shown
    assert "Night to" in shown and "Steps" in shown
    # On a phone the source of each row is said under its day instead.
    steps_rows = page.locator("[data-chart=steps] tbody tr")
    assert steps_rows.first.locator("td").first.inner_text().endswith("Withings")
    assert _fits(page)
    assert _tables_scrolling_sideways(page) == []


def test_four_services_weigh_ins_look_different_without_relying_on_colour(
    page, live_server, user_factory
):
    person = user_factory("scales@example.com")
    today = timezone.localdate()
    for offset, provider in enumerate(("google_health", "withings", "polar", "demo")):
        store_days(person, provider=provider, last=today - timedelta(days=offset), days=1)
    _log_in(page, live_server.url, person.email)
    page.set_viewport_size({"width": 390, "height": 900})

    page.goto(f"{live_server.url}/data/?range=7d")

    # What each source's weight dots look like: colour, cap (round or square), hollow or not.
    looks = page.evaluate(
        """[...document.querySelectorAll('[data-chart=body] path.dot.weight')].map(p => {
            const style = getComputedStyle(p), next = p.nextElementSibling;
            const hollow = !!next && next.classList.contains('dot-hole');
            return [style.stroke, style.strokeLinecap, hollow];
        })"""
    )
    assert len(looks) == 4
    assert len({(cap, hollow) for _, cap, hollow in looks}) == 4, looks  # four shapes
    swatches = page.evaluate(
        """[...document.querySelectorAll('[data-chart=body] .swatch.weight')].map(s => {
            const style = getComputedStyle(s);
            return [style.borderRadius, style.boxShadow, style.backgroundColor].join(' ');
        })"""
    )
    assert len(set(swatches)) == 4, swatches
    ARTIFACTS.mkdir(exist_ok=True)
    page.locator("[data-chart=body]").screenshot(path=str(ARTIFACTS / "my-data-four-scales.png"))


def _labels_outside_their_chart(page) -> list[str]:
    """Axis labels (by chart and text) that reach past their chart's SVG box."""
    return page.evaluate(
        """[...document.querySelectorAll('svg.chart')].flatMap(svg => {
            const box = svg.getBoundingClientRect();
            return [...svg.querySelectorAll('text.axis')].filter(label => {
                const r = label.getBoundingClientRect();
                return r.left < box.left - 0.5 || r.right > box.right + 0.5
                    || r.top < box.top - 0.5 || r.bottom > box.bottom + 0.5;
            }).map(label => svg.closest('[data-chart]').dataset.chart + ': ' + label.textContent);
        })"""
    )


@pytest.mark.parametrize("range_key", ["7d", "30d", "1y"])
def test_ten_million_steps_and_a_635_kg_weigh_in_stay_inside_their_charts(
    page, live_server, user_factory, range_key
):
    person = user_factory("extremes@example.com")
    today = timezone.localdate()
    store_days(person, last=today, days=30, steps=lambda i: 10_000_000 if i == 1 else 8000)
    BodyMeasurement.objects.filter(
        pk=BodyMeasurement.objects.order_by("-measured_at")[0].pk
    ).update(weight_kg=635.0)
    daily_values_rebuild()
    _log_in(page, live_server.url, person.email)

    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        page.goto(f"{live_server.url}/data/?range={range_key}")
        page.evaluate("document.querySelectorAll('details').forEach(d => d.open = true)")

        assert "10,000,000" in page.locator("[data-chart=steps]").inner_text()
        assert "635.0 kg" in page.locator("[data-chart=body]").inner_text()
        assert _fits(page), f"My data scrolls sideways at {width} px"
        assert _tables_scrolling_sideways(page) == [], f"at {width} px"
        assert _labels_outside_their_chart(page) == [], f"at {width} px"
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(
            path=str(ARTIFACTS / f"my-data-extremes-{range_key}-{width}.png"), full_page=True
        )


def test_the_daily_scores_of_a_ring_and_a_strap_fit_a_phone(page, live_server, user_factory):
    from records.models import DailySummary

    person = user_factory("scores@example.com")
    today = timezone.localdate()
    store_days(person, provider="oura", last=today, days=10)
    store_days(person, provider="whoop", last=today, days=10)
    DailySummary.objects.filter(user=person, provider="oura").update(
        readiness_score=66, sleep_score=100, activity_score=82
    )
    DailySummary.objects.filter(user=person, provider="whoop").update(
        recovery_score=100, strain=20.9, hrv_ms=131.8
    )
    _log_in(page, live_server.url, person.email)

    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        page.goto(f"{live_server.url}/data/")

        assert page.locator("#daily th", has_text="Scores").is_visible()
        assert page.locator("#daily td", has_text="Readiness").first.is_visible()
        assert _fits(page), f"My data scrolls sideways at {width} px"
        assert _tables_scrolling_sideways(page) == [], f"at {width} px"
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"my-data-scores-{width}.png"), full_page=True)
