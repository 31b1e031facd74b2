"""The dashboard in a real browser: sign-in per role, every page with its charts, the offline map,
a scenario run from the form, and the sharing rules as seen on pages."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from orebloc.service.web.demo import DEMO_USERS

USERS = {u.username: u for u in DEMO_USERS}
PDFTOPPM = "/usr/bin/pdftoppm"
#: the demo incident (gallium, 0.5 t/day for 90 days; the Response room's job: 50 draws, seed 1) on
#: the demo holdings, as ``stockpile.response.respond`` gives it: the bloc's zones lose 40.41 t (the
#: market model's median by zone and period); after the 26 t release 15.97 t remain short, the plan's
#: residual shortfall max(0, loss - delivery) summed over members and periods (a delivery beyond a
#: member's loss in a period does not cover another's: 40.41 - 26 = 14.41 < 15.97)
BLOC_LOSS_T, REMAINING_T = 40.41, 15.97


def _login(visit, name: str):
    u = USERS[name]
    return visit().login(u.username, u.password)


def _points(page, selector: str) -> int:
    """Data points plotted in the plotly chart at ``selector`` (0 when there is no chart)."""
    return page.eval_on_selector(
        selector,
        """el => (el.data || []).reduce((n, t) =>
        n + ((t.locations || t.x || t.y || []).length), 0)""",
    )


def _axis_titles(page, *charts: str) -> None:
    """Each plotly chart drawn on the page (maps left out: they have no axes) carries non-empty x
    and y axis titles, as drawn (``.g-xtitle``, ``.g-ytitle``); ``charts`` (ids) are among them."""
    titles = page.eval_on_selector_all(
        ".js-plotly-plot",
        """els => els.filter(el => !el.querySelector('.geo')).map(el => [el.id,
        (el.querySelector('.g-xtitle') || {}).textContent || '',
        (el.querySelector('.g-ytitle') || {}).textContent || ''])""",
    )
    assert set(charts) <= {t[0] for t in titles}, titles
    untitled = [t for t in titles if not (t[1].strip() and t[2].strip())]
    assert untitled == [], f"charts without axis titles: {untitled}"


def _ink(pdf: bytes, folder: Path) -> float:
    """Share of the first page's pixels that are not white (pdftoppm, grey, 40 dpi)."""
    (folder / "r.pdf").write_bytes(pdf)
    subprocess.run(
        [
            PDFTOPPM,
            "-gray",
            "-r",
            "40",
            "-f",
            "1",
            "-l",
            "1",
            "-singlefile",
            str(folder / "r.pdf"),
            str(folder / "r"),
        ],
        check=True,
    )
    magic, w, h, _maxval, pixels = (folder / "r.pgm").read_bytes().split(maxsplit=4)
    assert magic == b"P5" and len(pixels) == int(w) * int(h)
    return sum(1 for b in pixels if b < 200) / len(pixels)


@pytest.mark.parametrize(
    "name, pages",
    [
        ("obs", ["Overview", "Mineral", "Scenario lab", "Floor designer"]),
        (
            "usa",
            [
                "Overview",
                "Mineral",
                "Scenario lab",
                "Floor designer",
                "Stockpiles",
                "Projects",
                "Response room",
            ],
        ),
        (
            "sec",
            [
                "Overview",
                "Mineral",
                "Scenario lab",
                "Floor designer",
                "Stockpiles",
                "Projects",
                "Response room",
            ],
        ),
    ],
)
def test_sign_in_shows_the_pages_of_the_role(visit, name, pages):
    v = _login(visit, name)
    assert v.page.locator("nav a").all_inner_texts() == pages
    assert v.page.locator("[data-role]").get_attribute("data-role") == USERS[name].role


def test_anonymous_sees_public_pages_and_is_sent_to_sign_in(visit):
    v = visit()
    v.goto("/web/overview")
    assert v.page.locator("nav a").all_inner_texts() == ["Overview", "Mineral"]
    v.goto("/web/stockpiles")
    assert "/web/login" in v.page.url


def test_observer_is_refused_confidential_pages(visit):
    v = _login(visit, "obs")
    r = v.goto("/web/stockpiles")
    assert r.status == 403
    assert "observer" in v.page.inner_text("main")


def test_overview_map_draws_countries_offline(visit, shots):
    v = _login(visit, "usa")
    v.goto("/web/overview?mineral=gallium&stage=refining")
    v.page.wait_for_selector("#share-map .geo path.choroplethlocation")
    # the map's country shapes come from the vendored file: 177 countries of world-atlas 110m
    assert v.page.locator("#share-map path.choroplethlocation").count() >= 177
    # China refined 99.0% of the world's gallium in 2025 (USGS MCS 2026, the atlas's latest year)
    assert v.page.inner_text("#china-share") == "99.0%"
    assert _points(v.page, "#events-chart") >= 30
    _axis_titles(v.page, "events-chart")
    v.page.screenshot(path=shots / "overview.png", full_page=True)


def test_risk_table_sorts_and_filters(visit):
    v = visit()
    v.goto("/web/overview")
    v.page.click("#risk-table th:nth-child(6) button")  # hhi, ascending
    v.page.click("#risk-table th:nth-child(6) button")  # descending
    first = v.page.locator("#risk-table tbody tr").first.locator("td").all_inner_texts()
    assert first[0] == "gallium" and first[1] == "refining"  # HHI 9,789: the most concentrated
    v.page.fill("#risk-filter", "graphite")
    shown = v.page.locator("#risk-table tbody tr:not([hidden])").all_inner_texts()
    assert shown and all("graphite" in s for s in shown)


def test_mineral_page_charts(visit, shots):
    v = visit()
    v.goto("/web/mineral?mineral=gallium")
    v.page.wait_for_selector("#hhi-chart .scatterlayer")
    assert _points(v.page, "#stage-chart") > 0
    assert _points(v.page, "#hhi-chart") > 0
    assert v.page.locator("#member-table tbody tr").count() >= 3
    atlas = v.page.request.get(v.server + v.page.get_attribute("#atlas-report-html", "href"))
    assert atlas.status == 200 and atlas.headers["content-type"].startswith("text/html")
    assert "gallium" in atlas.text().lower()
    assert v.page.get_attribute("#atlas-report-pdf", "href") == "/web/reports/atlas?format=pdf"
    _axis_titles(v.page, "stage-chart", "hhi-chart")
    v.page.screenshot(path=shots / "mineral.png", full_page=True)


def test_scenario_from_the_form_finishes_with_its_fan_chart(visit, shots):
    v = _login(visit, "usa")
    v.goto("/web/scenario")
    v.page.select_option("#scenario", "gallium_germanium_ban")
    v.page.fill("#draws", "2")
    v.page.click("#scenario-form button[type=submit]")
    v.page.wait_for_selector("#scenario-state[data-state=done]", timeout=240_000)
    v.page.wait_for_selector("#fan-chart .scatterlayer")
    names = v.page.eval_on_selector("#fan-chart", "el => el.data.map(t => t.name)")
    assert "policy median" in names and "no_policy median" in names
    assert _points(v.page, "#fan-chart") > 0
    href = v.page.get_attribute("#dl-csv", "href")
    csv = v.page.request.get(v.server + href)
    assert csv.status == 200 and csv.text().startswith("case,")
    assert v.page.get_attribute("#scenario-report-pdf", "href") == href.replace(
        "download?format=csv", "report?format=pdf"
    )
    _axis_titles(v.page, "fan-chart")
    v.page.screenshot(path=shots / "scenario.png", full_page=True)


def test_stockpiles_member_view_and_withheld_aggregate(visit, shots):
    v = _login(visit, "usa")
    v.goto("/web/stockpiles")
    owners = set(v.page.locator("#holdings-table tbody td:nth-child(2)").all_inner_texts())
    assert owners == {"USA"}
    # graphite: only USA and EUR hold it in the example files -> two contributors, withheld
    cell = v.page.inner_text("#aggregate-table tr[data-mineral=graphite] td:nth-child(2)")
    assert cell.startswith("withheld: fewer than 3 members")
    # USA's gallium: 5 t against 60 days of 18.7 t/yr: cover 97.6 days, no gap
    row = v.page.locator("#compliance-table tbody tr").first.locator("td").all_inner_texts()
    assert row[:2] == ["USA", "gallium"] and row[4] == "97.6" and row[5] == "0.0"
    assert _points(v.page, "#holdings-chart") > 0
    _axis_titles(v.page, "holdings-chart")


def test_stockpiles_page_follows_a_masked_exchange_round(visit, shots):
    """A round run over HTTP by the demo's three member analysts (their gallium levels: USA 5, EUR 5,
    JPN 16 t): the page shows it open, then, refreshing by itself, released with the total and
    the days of cover at the bloc's consumption (18.7 + 40 + 100 = 158.7 t/yr: 26 t = 59.8 days)."""
    import httpx

    from orebloc.exchange.protocol import Member
    from orebloc.service.exchange_client import step

    with httpx.Client(base_url=visit().server, timeout=30) as http:
        heads = {}
        for name in ("sec", "usa", "eur", "jpn"):
            r = http.post("/auth/login", json={"username": name, "password": USERS[name].password})
            heads[name] = {"Authorization": f"Bearer {r.json()['token']}"}
        r = http.post(
            "/exchange/rounds",
            headers=heads["sec"],
            json={
                "mineral": "gallium",
                "form": "metal",
                "as_of": "2025-06-30",
                "consumption_t_per_year": 158.7,
            },
        )
        rid = r.json()["id"]
        v = _login(visit, "usa")
        v.goto("/web/stockpiles")
        row = f"#rounds-table tr[data-round='{rid}']"
        assert v.page.inner_text(f"{row} .phase") == "advertise"
        assert v.page.inner_text(f"{row} .total") == "not yet"
        clients = {
            m: Member(m.upper(), str(rid), x)
            for m, x in (("usa", 5.0), ("eur", 5.0), ("jpn", 16.0))
        }
        for _phase in ("advertise", "share", "masked", "unmask"):
            for m, me in clients.items():
                step(http, heads[m], me)
            assert (
                http.post(f"/exchange/rounds/{rid}/advance", headers=heads["sec"]).status_code < 400
            )
    v.page.wait_for_selector(f"{row}[data-status=released]", timeout=30_000)
    assert v.page.inner_text(f"{row} .phase") == "done"
    assert v.page.inner_text(f"{row} .messages") == "3 / 3 / 3 / 3"
    assert v.page.inner_text(f"{row} .threshold") == "3"  # t of n = 3
    assert v.page.inner_text(f"{row} .total") == "26.000"
    assert v.page.inner_text(f"{row} .cover") == "59.8"
    assert v.page.inner_text(f"{row} .contributors") == "3"
    v.page.reload()  # the same, rendered by the server
    assert (
        v.page.inner_text(f"{row} .total") == "26.000"
        and v.page.inner_text(f"{row} .cover") == "59.8"
    )
    v.page.screenshot(path=shots / "stockpiles.png", full_page=True)


def _plan(v, **form) -> None:
    """Plan a release from the Stockpiles page's form (its defaults: the demo incident, 0.5 t/day of
    gallium for 90 days) and wait for the job to finish."""
    v.goto("/web/stockpiles")
    for field, value in form.items():
        v.page.fill(f"#plan-{field}", value)
    v.page.click("#plan-form button[type=submit]")
    v.page.wait_for_selector("#plan-state[data-state=done], #plan-state[data-state=failed]",
                             timeout=240_000)  # fmt: skip


def _plan_rows(page) -> dict[str, list[str]]:
    return {
        r[0]: r[1:]
        for r in (tr.locator("td").all_inner_texts() for tr in page.locator("#plan-table tbody tr").all())
    }  # fmt: skip


def _trace(page, name: str) -> dict[str, float]:
    return page.eval_on_selector(
        "#plan-chart",
        f"el => {{ const t = el.data.find(t => t.name === {name!r}); "
        "return t ? Object.fromEntries(t.x.map((x, i) => [x, t.y[i]])) : null; }",
    )


def test_stockpiles_release_plan_as_the_response_room_computes_it(visit, shots):
    """The secretariat sees every member's holdings: the same plan as the Response room's for the
    same incident (test_response_room_recommends_a_release). The loss (40.41 t over the quarter)
    exceeds the demo's 26 t of gallium, so every member releases its whole stock: USA 5, EUR 5, JPN
    16 t (examples/stockpile_holdings.csv), nothing left; cover before at the obligations' net
    imports (demo.DEMO_OBLIGATIONS): USA 5 / (18.7 / 365) = 97.6 days, EUR 5 / (40 / 365) = 45.6,
    JPN 16 / (100 / 365) = 58.4. Remaining loss: REMAINING_T."""
    v = _login(visit, "sec")
    _plan(v)
    v.page.wait_for_selector("#plan-chart .barlayer")
    assert _plan_rows(v.page) == {
        "EUR": ["5", "5", "0", "45.6", "0.0"],
        "JPN": ["16", "16", "0", "58.4", "0.0"],
        "USA": ["5", "5", "0", "97.6", "0.0"],
    }
    assert v.page.inner_text("#plan-released") == "26"
    assert _trace(v.page, "release, t") == {"EUR": 5, "JPN": 16, "USA": 5}
    assert _trace(v.page, "stock after, t") == {"EUR": 0, "JPN": 0, "USA": 0}
    bloc = _trace(v.page, "bloc loss and remaining loss, t")
    assert bloc["bloc loss"] == pytest.approx(BLOC_LOSS_T, abs=0.005)
    assert bloc["remaining loss"] == pytest.approx(REMAINING_T, abs=0.005)
    assert v.page.inner_text("#plan-remaining") == "15.97"
    _axis_titles(v.page, "holdings-chart", "plan-chart")
    v.page.locator("section:has(#plan-form)").screenshot(path=shots / "stockpiles-plan.png")


def test_stockpiles_release_plan_of_a_member_shows_no_other_member(visit, shots):
    """USA's analyst may not see EUR's and JPN's holdings (shared with the secretariat): two hidden
    members cannot be released as an aggregate, and USA's own release would reveal them (it is its
    share of the bloc's stock), so the release is withheld as in the Response room; USA's own
    stock (5 t, 97.6 days of cover) and the bloc's loss (public) are drawn, no other member's figure."""
    v = _login(visit, "usa")
    _plan(v)
    v.page.wait_for_selector("#plan-chart .barlayer")
    assert "fewer than 3 members" in v.page.inner_text("#plan-withheld")
    assert _plan_rows(v.page) == {
        "USA": ["5", "withheld", "withheld", "97.6", "withheld"],
        "other members": ["", "withheld", "", "", ""],
    }
    assert _trace(v.page, "stock before, t") == {"USA": 5}
    assert _trace(v.page, "release, t") == {}
    assert _trace(v.page, "bloc loss and remaining loss, t") == {
        "bloc loss": pytest.approx(BLOC_LOSS_T, abs=0.005)
    }
    # what the page was given: no other member's stock or release
    jid = v.page.inner_text("#plan-state").split("job ")[1].rstrip(")")
    res = v.page.request.get(f"{v.server}/jobs/{jid}/result").json()["result"]
    assert res["plan"] == {} and res["stock_t"] == {"USA": 5.0} and "totals" not in res
    text = v.page.inner_text("#plan-result")
    assert "EUR" not in text and "JPN" not in text and "16" not in text
    _axis_titles(v.page, "holdings-chart", "plan-chart")
    v.page.screenshot(path=shots / "stockpiles.png", full_page=True)


def test_stockpiles_release_plan_draws_other_members_as_one_total(visit):
    """The drawing of a view with other members folded into one total (``response_view``'s
    ``others``, released when three or more hidden members pass the aggregate rules; the demo has
    too few members for one): the reader's own row, then "other members (n)" with the total only."""
    v = _login(visit, "usa")
    v.goto("/web/stockpiles")
    view = {
        "incident": "gallium: 182.5 t/yr less from CHN",
        "trigger_met": True,
        "loss_t_p50": {"USA": 3.0, "EUR": 7.0, "JPN": 30.0},
        "plan": {"USA": {"zone": "USA", "stock_t": 5.0, "release_t": 2.0, "lines": []}},
        "totals": {"released_t": 30.0, "residual_shortfall_t": 10.0},
        "others": {"status": "released", "release_t": 28.0, "members": 4},
    }
    v.page.evaluate("v => drawPlan(v, JSON.parse(document.getElementById('plan-context').textContent), 'gallium')", view)  # fmt: skip
    # USA: 5 t before, 2 t released, 3 t after; cover at 18.7 t/yr: 97.6 and 58.6 days
    assert _plan_rows(v.page) == {
        "USA": ["5", "2", "3", "97.6", "58.6"],
        "other members (4)": ["", "28", "", "", ""],
    }
    assert _trace(v.page, "release, t") == {"USA": 2, "other members": 28}
    assert _trace(v.page, "stock before, t") == {"USA": 5}
    assert _trace(v.page, "bloc loss and remaining loss, t") == {
        "bloc loss": 40,
        "remaining loss": 10,
    }
    assert v.page.inner_text("#plan-remaining") == "10"


def test_stockpiles_release_plan_refuses_bad_input_in_one_line(visit):
    v = _login(visit, "usa")
    _plan(v, loss="0")
    assert (
        v.page.inner_text("#plan-error") == "supply_loss_t_per_day: Input should be greater than 0"
    )
    assert v.page.locator("#plan-table").count() == 0
    _plan(v, days="")
    assert v.page.inner_text("#plan-error").startswith("days: ")
    assert "\n" not in v.page.inner_text("#plan-error")


def test_a_member_cannot_reach_another_members_holding_by_url(visit):
    usa = _login(visit, "usa")
    usa.goto("/web/stockpiles")
    own = usa.page.locator("#holdings-table tbody a").first.inner_text()
    eur = _login(visit, "eur")
    r = eur.goto(f"/web/stockpiles/holdings/{own}")
    assert r.status == 404
    assert eur.page.locator("#holding").count() == 0
    assert usa.goto(f"/web/stockpiles/holdings/{own}").status == 200


def test_projects_page_map_and_table(visit, shots):
    v = _login(visit, "sec")
    v.goto("/web/projects")
    v.page.wait_for_selector("#projects-map path.choroplethlocation")
    assert v.page.locator("#projects-table tbody tr").count() >= 60
    assert _points(v.page, "#projects-map") > 10
    v.page.screenshot(path=shots / "projects.png", full_page=True)


def test_projects_optimiser_from_the_form(visit, shots):
    """By hand (as tests/service/test_portfolio_job.py): on the bundled pipeline, with no member
    submission, the cheapest way to bring China under 65% of the bloc's REO refining by 2030 is
    Zandkopsdrift's 20 MUSD; the portfolio report's link answers its HTML."""
    v = _login(visit, "sec")
    v.goto("/web/projects")
    v.page.click("#portfolio-form button[type=submit]")
    v.page.wait_for_selector("#portfolio-state[data-state=done]", timeout=240_000)
    v.page.wait_for_selector("#attainment-chart .scatterlayer")
    text = v.page.inner_text("#portfolio-result")
    assert "Cost: 20,000,000 USD; 1 projects chosen; 0 members' submissions used" in text
    assert "frontier-zandkopsdrift" in text
    assert _points(v.page, "#attainment-chart") > 0
    _axis_titles(v.page, "attainment-chart")
    report = v.page.request.get(v.server + v.page.get_attribute("#portfolio-report-html", "href"))
    assert report.status == 200 and "frontier-zandkopsdrift" in report.text()
    v.page.screenshot(path=shots / "projects.png", full_page=True)


def test_response_room_recommends_a_release(visit, shots, tmp_path):
    v = _login(visit, "sec")
    v.goto("/web/response")
    # the form's incident: 0.5 t/day of gallium for 90 days, i.e. 182.5 t/yr less from China
    v.page.click("#response-form button[type=submit]")
    v.page.wait_for_selector("#response-state[data-state=done]", timeout=240_000)
    v.page.wait_for_selector("#release-chart .barlayer")
    assert "gallium: 182.5 t/yr less from CHN" in v.page.inner_text("#response-impact")
    trigger = v.page.inner_text("#response-trigger")
    assert "rule iea" in trigger and trigger.endswith("met.") and "not met" not in trigger
    # the loss (about 40 t over the quarter) exceeds the bloc's 26 t of gallium: every member
    # releases its whole stock (demo holdings, examples/stockpile_holdings.csv: USA 5, EUR 3 + 2, JPN 11 + 5)
    rows = {
        r[0]: r[1:4]
        for r in (
            tr.locator("td").all_inner_texts()
            for tr in v.page.locator("#response-plan tbody tr").all()
        )
    }
    assert rows == {"USA": ["USA", "5", "5"], "EUR": ["EUR", "5", "5"], "JPN": ["JPN", "16", "16"]}
    totals = v.page.locator("#response-totals tbody td").first.inner_text()
    assert totals == "26"  # released_t
    assert v.page.locator("#response-notes li").count() >= 1
    assert _points(v.page, "#loss-chart") == 3  # EUR, JPN, USA
    assert _points(v.page, "#release-chart") == 6
    _axis_titles(v.page, "loss-chart", "release-chart")
    v.page.screenshot(path=shots / "response.png", full_page=True)
    # the brief as PDF, from the page's report link: a PDF whose first page pdftoppm renders with ink
    pdf = v.page.request.get(v.server + v.page.get_attribute("#response-report-pdf", "href"))
    assert pdf.status == 200 and pdf.headers["content-type"] == "application/pdf"
    assert pdf.body().startswith(b"%PDF")
    assert _ink(pdf.body(), tmp_path) > 0.01
    html = v.page.request.get(v.server + v.page.get_attribute("#response-report-html", "href"))
    assert html.status == 200 and "182.5" in html.text()


def test_response_room_withholds_a_plan_on_two_hidden_members(visit):
    """USA's analyst may not see EUR's and JPN's holdings (shared with the secretariat only): two
    hidden members cannot be released as an aggregate, so the plan is withheld, the impact shown."""
    v = _login(visit, "usa")
    v.goto("/web/response")
    v.page.click("#response-form button[type=submit]")
    v.page.wait_for_selector("#response-state[data-state=done]", timeout=240_000)
    v.page.wait_for_selector("#response-withheld")
    assert "fewer than 3 members" in v.page.inner_text("#response-withheld")
    assert v.page.locator("#response-plan").count() == 0
    assert "182.5 t/yr" in v.page.inner_text("#response-impact")
    # nor is its brief given: it would show EUR's and JPN's stocks
    href = v.page.get_attribute("#response-report-pdf", "href")
    assert v.page.request.get(v.server + href).status == 403


def test_floor_and_login_pages_render(visit, shots):
    v = visit()
    v.goto("/web/login")
    v.page.screenshot(path=shots / "login.png")
    v = _login(visit, "usa")
    v.goto("/web/floor")
    assert v.page.locator("#floor-form select#scenario option").count() >= 4
    v.page.select_option("#floor-form #scenario", "gallium_germanium_ban")
    v.page.fill("#market", "gallium")
    v.page.fill("#floor_usd_t", "600000")
    v.page.fill("#floor-form #draws", "2")
    v.page.click("#floor-form button[type=submit]")
    v.page.wait_for_selector("#floor-state[data-state=done]", timeout=240_000)
    v.page.wait_for_selector("#whopays-chart .barlayer")
    instruments = v.page.eval_on_selector("#floor-chart", "el => el.data[0].x")
    assert {"none", "levy", "tariff"} <= set(instruments)
    assert _points(v.page, "#whopays-chart") >= 4
    assert "floor 600,000 USD/t" in v.page.inner_text("#floor-table")
    assert v.page.get_attribute("#floor-report-html", "href").endswith("/report?format=html")
    _axis_titles(v.page, "floor-chart", "whopays-chart")
    v.page.screenshot(path=shots / "floor.png", full_page=True)


def test_keyboard_reaches_the_navigation(visit):
    v = visit()
    v.goto("/web/overview")
    v.page.keyboard.press("Tab")
    assert v.page.evaluate("document.activeElement.textContent") == "Skip to content"
    v.page.keyboard.press("Tab")
    assert v.page.evaluate("document.activeElement.getAttribute('data-page')") == "web_overview"
    v.page.keyboard.press("Enter")
    v.page.wait_for_url("**/web/overview")
