"""The scenario job's report (``/web/jobs/{id}/report``) rebuilt from the job's parameters: its
results are read back from the run's folder, so the stocks the report shows are the run's."""

from __future__ import annotations

from orebloc.service.web.reports import _job_html
from tests.reports.page import read, rows
from tests.reports.test_simulate_report import STOCK_BODY
from tests.scenarios.conftest import TWO_ZONE, scenario_text


def test_a_scenario_jobs_report_shows_its_stocks(tmp_path):
    (tmp_path / "two_zone.toml").write_text(TWO_ZONE)
    (tmp_path / "stock.toml").write_text(scenario_text(STOCK_BODY))
    params = {"scenario": "stock", "scenarios_dir": str(tmp_path), "draws": 2, "seed": 1}
    table = rows(read(_job_html("scenario", params, "screen")).section("Stocks").tables[0])
    pol = next(r for r in table if r["Zone"] == "A" and r["Case"] == "with the policy")
    # 30 t held, 10 t a quarter released from 2025Q3, empty from 2026Q1 (test_dynamics)
    assert (pol["Stock, t (first period)"], pol["Lowest stock, t"], pol["In"]) == (
        "30",
        "0",
        "2026Q1",
    )
