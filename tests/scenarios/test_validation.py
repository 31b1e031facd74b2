"""Back-casts of real episodes (docs/validation.md), with the model as shipped: direction and
order of magnitude where history is clear. Few draws: the bands are wide on purpose."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from orebloc.scenarios import load_scenario, run_scenario

VALIDATION = Path(__file__).resolve().parents[2] / "scenarios" / "validation"
DRAWS = 8


def _rise(name: str) -> dict[tuple[str, str], float]:
    """(market, zone) -> the shock case's median price over the no-shock median, less 1, in the
    first period of ``scenarios/validation/<name>.toml`` run with DRAWS draws."""
    run = run_scenario(load_scenario(VALIDATION / f"{name}.toml"), DRAWS, keep_results=False)
    s = run.summary.filter(pl.col("period") == 0)
    ref = s.filter(pl.col("case") == "reference").select(
        "market", "zone", pl.col("price_usd_t_p50").alias("ref")
    )
    shock = s.filter(pl.col("case") == "no_policy").join(ref, on=["market", "zone"])
    return {
        (r["market"], r["zone"]): r["price_usd_t_p50"] / r["ref"] - 1.0
        for r in shock.iter_rows(named=True)
    }


def test_the_2010_rare_earth_quota_cut_multiplies_prices_outside_china():
    # history: lanthanum and cerium oxide 3.7x and 4.6x within 2010 (Japan Metal Bulletin), China's
    # export unit values +130% (MOFCOM, Jan-Nov 2010): more than +50%, less than +1,000%
    rise = _rise("ree_2010_quota")
    assert 0.5 < rise[("ree", "EUR")] < 10.0
    assert rise[("ree", "JPN")] == pytest.approx(
        rise[("ree", "EUR")], abs=0.01
    )  # one price outside China
    assert -0.6 < rise[("ree", "CHN")] < 0.0  # China's price falls: its exports are held at home


def test_gallium_licensing_in_2023_raises_the_price_outside_china_and_lowers_it_inside():
    # history: Rotterdam +65% (October) to +114% (December 2023); China's price fell when the
    # controls came in (Fastmarkets)
    rise = _rise("gallium_2023_licensing")
    assert 0.3 < rise[("gallium", "EUR")] < 10.0
    assert rise[("gallium", "CHN")] < 0.0


def test_a_ban_on_exports_to_the_us_alone_is_rerouted_for_everyone_else():
    rise = _rise("gallium_2024_us_ban")
    assert rise[("gallium", "USA")] > 0.5  # the US can buy only third zones' own output
    assert abs(rise[("gallium", "EUR")]) < 0.1  # Europe's price barely moves (Rotterdam: +17%)


def test_antimony_controls_bind_only_on_the_smelter_stage():
    rise = _rise("antimony_2024_controls")
    # at the mine stage China is a net importer of concentrate: nothing to control
    assert abs(rise[("antimony_mine", "EUR")]) < 1e-6
    # with China's smelter output (metal and oxide) the control bites: Rotterdam ~40,000 USD/t
    # at the end of 2024 against ~19,500 in China (Reuters), a spread of about 2x
    assert 0.5 < rise[("antimony_refined", "EUR")] < 10.0
    assert rise[("antimony_refined", "CHN")] < 0.0


def test_a_full_stop_raises_germanium_less_than_gallium_as_published_modelling_finds():
    # USGS Open-File Report 2024-1057: gallium more than +150%, germanium +26%
    rise = _rise("gallium_germanium_full_stop")
    ga, ge = rise[("gallium", "EUR")], rise[("germanium", "EUR")]
    assert ga > 1.5
    assert 0.0 < ge < ga
