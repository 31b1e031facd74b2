"""The scenario lab in a real browser: a shock edited in the form, checked by the scenario reader,
launched as a job that reaches done with its fan chart; a refused field; a scenario file uploaded."""

from __future__ import annotations

from pathlib import Path

from tests.web.test_pages import _login, _points

ROOT = Path(__file__).resolve().parents[2]
GRAPHITE = (ROOT / "scenarios" / "graphite_licensing.toml").read_text()


def _medians(page, case: str) -> list[float]:
    return page.eval_on_selector(
        "#fan-chart", f"el => el.data.find(t => t.name === '{case} median').y"
    )


def test_a_shock_edited_in_the_form_runs_and_draws_its_fan_chart(visit, shots):
    """Graphite's licensing shock set to severity 0 in the form: the text is rewritten, the job
    finishes, and the fan chart's no-policy median is the reference's (no shock at all)."""
    v = _login(visit, "usa")
    page = v.page
    v.goto("/web/scenario")
    page.select_option("#scenario", "graphite_licensing")
    page.wait_for_function(
        "document.querySelector('#shocks-0-severity')?.value.includes('0.2')", timeout=30_000
    )
    assert page.input_value("#shocks-0-kind") == "export_control"
    assert page.input_value("#policies-0-strike") == "1300.0"
    # a refused value: the reader's line next to the field, the text untouched
    page.fill("#shocks-0-severity", "1.5")
    page.click("#apply-form")
    page.wait_for_selector("#shocks-0-severity-error:not([hidden])")
    assert page.inner_text("#shocks-0-severity-error") == (
        "scenario text, line 50: shocks[0].severity: must be <= 1, got 1.5"
    )
    assert page.get_attribute("#shocks-0-severity", "aria-invalid") == "true"
    assert page.input_value("#scenario-text") == GRAPHITE
    # the edit, launched with Run (the form is written into the text first)
    page.fill("#shocks-0-severity", "0")
    page.fill("#draws", "4")
    page.click("#scenario-form button[type=submit]")
    page.wait_for_selector("#scenario-state[data-state=done]", timeout=240_000)
    assert "severity = 0\n" in page.input_value("#scenario-text")
    assert page.get_attribute("#scenario-progress", "value") == "1"
    page.wait_for_selector("#fan-chart .scatterlayer")
    assert _points(page, "#fan-chart") > 0
    ref, no_policy = _medians(page, "reference"), _medians(page, "no_policy")
    assert len(ref) == 6 and all(
        abs(a - b) <= 1e-6 * a for a, b in zip(ref, no_policy, strict=True)
    )
    assert "scenario text SHA-256" in page.inner_text("#run-digest")
    csv = page.request.get(v.server + page.get_attribute("#dl-csv", "href"))
    assert csv.status == 200 and csv.text().startswith("case,")
    page.screenshot(path=shots / "scenario_lab.png", full_page=True)


def test_an_uploaded_file_fills_the_editor_and_the_form(visit, shots):
    v = _login(visit, "usa")
    page = v.page
    v.goto("/web/scenario")
    page.wait_for_selector("#shocks-0-severity")
    text = GRAPHITE.replace("strike = 1300.0", "strike = 1450.0")
    page.set_input_files(
        "#scenario-file",
        files=[{"name": "my_graphite.toml", "mimeType": "text/plain", "buffer": text.encode()}],
    )
    page.wait_for_function("document.querySelector('#policies-0-strike')?.value === '1450.0'")
    assert page.inner_text("#text-status").startswith("uploaded my_graphite.toml: Graphite")
    assert page.input_value("#scenario-text") == text
    # a file naming a file outside the scenarios folders: refused with the reader's line
    bad = GRAPHITE.replace("../examples/stockpile_holdings_graphite.csv", "/etc/passwd")
    page.set_input_files(
        "#scenario-file",
        files=[{"name": "bad.toml", "mimeType": "text/plain", "buffer": bad.encode()}],
    )
    page.wait_for_selector("#text-error:not([hidden])")
    assert page.inner_text("#text-error") == (
        "scenario text, line 59: stockpiles[0].holdings: must be a path relative to the "
        "scenario, got '/etc/passwd'"
    )
    # keyboard: the form's fields are reachable and labelled
    label = page.eval_on_selector("#shocks-0-zone", "el => el.labels[0].textContent")
    assert label == "zone"
    page.focus("#add-shock")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "add-shock-button"
    page.keyboard.press("Enter")
    page.wait_for_selector("#shocks-1-severity")
    assert page.input_value("#shocks-1-start") == "2025"


def test_an_observer_picks_bundled_scenarios_only(visit):
    v = _login(visit, "obs")
    v.goto("/web/scenario")
    assert v.page.locator("#scenario-text").count() == 0
    assert v.page.locator("#scenario-file").count() == 0
    assert "the observer role runs the bundled scenarios" in v.page.inner_text("main")
