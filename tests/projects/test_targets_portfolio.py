"""Targets and the optimiser on the default pipeline, numbers checked by hand.

Base year 2024, the bloc (USA, EU27, Japan), rare-earth separation (stage ``refining``), t REO:

- consumption D = 6,528 (USA: 1.7 % of 384,000 t, the sum of the countries USGS lists for 2024,
  from the market calibration) + 19,796 (Japan: 2 x 9,898 t) + 4,979.2 (EU: 16,000 t magnets x
  0.3112) = 31,303.2 t/yr;
- China's share of separation 0.91 (IEA), so 0.09 D = 2,817.29 t comes from elsewhere;
- Solvay La Rochelle (operating line, 4,500 t/yr by 2030) counts without support;
- to bring China to 65 % in 2030: 0.35 D - 2,817.29 - 4,500 = 3,638.83 t/yr more, in expectation;
- candidates online by 2030: Iluka Eneabba 0.8 x 23,000 = 18,400 t (construction, 2027),
  Arafura Nolans 0.5 x 4,440 x 3.0486 = 6,767.9 t (financing, 2026 + 3 years), Frontier
  Zandkopsdrift 0.25 x 20,000 = 5,000 t (feasibility, 2030); REEtec (Norway, construction,
  2025) has no cost figure, so it cannot be chosen and the optimiser does not count it (only
  chosen and operating projects count there; the whole-pipeline trajectory counts it).
"""

from __future__ import annotations

from dataclasses import replace

import pytest

from orebloc.atlas.store import Atlas
from orebloc.projects import load_pipeline, load_status_table
from orebloc.projects.baseline import stage_base
from orebloc.projects.portfolio import (
    BINDING_TOL_T,
    InfeasibleTarget,
    Settings,
    optimise,
    parse_target,
)
from orebloc.projects.schema import Money, Project
from orebloc.projects.targets import contributions, economy, trajectory

D = 0.017 * 384_000 + 19796.0 + 16000 * 0.3112
#: t/yr more supply outside China, in expectation, that brings China to 65 % in 2030
NEED = 0.35 * D - 0.09 * D - 4500.0


@pytest.fixture(scope="module")
def atlas():
    return Atlas()


@pytest.fixture(scope="module")
def pipeline():
    return load_pipeline()


def _opt(atlas, pipeline, target="china:rare_earths:refining:0.65@2030", **kw):
    return optimise(
        atlas,
        pipeline,
        [parse_target(target)],
        Settings(economy("bloc"), **kw),
        load_status_table(),
    )


def test_trajectory_of_the_whole_pipeline(atlas, pipeline):
    base = stage_base(atlas, "rare_earths", "refining", 2024)
    # the bloc's zones (the market calibration also gives CHN's and ROW's demand)
    assert sum(
        v for z, v in base.consumption_t.items() if z in ("USA", "EUR", "JPN", "PAR")
    ) == pytest.approx(D)
    cs = contributions(pipeline, "rare_earths", "refining", 2024, load_status_table())
    tr = trajectory(base, economy("bloc"), cs, [2024, 2027], 0.0).rows(named=True)
    assert tr[0]["china_share"] == pytest.approx(0.91) and tr[0]["gap_65_t"] == pytest.approx(
        0.26 * D
    )
    # 2027: Iluka's expected 18,400 t and REEtec's 0.8 x 720 x 3.0486 = 1,756.0 t (from 2025)
    # have arrived; China supplies the rest
    assert tr[1]["china_t"] == pytest.approx(0.91 * D - 18400.0 - 0.8 * 720 * 3.0486)
    assert tr[1]["largest_third_country"] == "AUS"  # Australia, not a member, is then the largest
    assert tr[1]["largest_share"] == pytest.approx(18400.0 / D)


def test_cheapest_support_for_65_percent_by_2030(atlas, pipeline):
    r = _opt(atlas, pipeline)
    # the cheapest that covers 3,639 t is Zandkopsdrift's 5,000 t for its US$20m IDC equity
    assert [c.project.id for c in r.chosen] == ["frontier-zandkopsdrift"] and r.cost_usd == 20e6
    row = r.attainment.filter(r.attainment["year"] == 2030).row(0, named=True)
    assert row["china_t"] == pytest.approx(0.91 * D - 4500.0 - 5000.0)
    assert row["value_share"] == pytest.approx(1 - (0.09 * D + 9500.0) / D)  # 60.6 %
    # the MILP overshoots: Zandkopsdrift's 5,000 t against the 3,638.83 t needed, so the target
    # is not binding and relaxing it by a point (313 t) leaves Zandkopsdrift the cheapest: 0 saved
    b = r.binding.row(0, named=True)
    assert b["slack_t"] == pytest.approx(5000.0 - NEED) and b["binding"] is False
    assert b["saving_if_relaxed_1pt_usd"] == 0.0
    # the LP relaxation meets it exactly with 0.728 of Zandkopsdrift: 20e6 / 5,000 t = 4,000 USD per t/yr
    assert b["lp_relaxation_dual_usd_per_t"] == pytest.approx(4000.0)


def _two_projects(pipeline, a_t: float, b_t: float) -> list:
    """The pipeline with its three 2030 candidates replaced by a (US$30m) and b (US$10m), which add
    ``a_t`` and ``b_t`` t/yr in expectation (Zandkopsdrift's feasibility status: p = 0.25, REO)."""
    zand = next(p for p in pipeline if p.id == "frontier-zandkopsdrift")
    drop = {"iluka-eneabba", "arafura-nolans", "frontier-zandkopsdrift"}

    def project(pid: str, t: float, usd: float) -> Project:
        support = Money(usd, "USD", 2025, usd, "as given")
        return replace(zand, id=pid, capacity_t=4 * t, new_capacity_t=4 * t, support=support)

    return [p for p in pipeline if p.id not in drop] + [
        project("a", a_t, 30e6),
        project("b", b_t, 10e6),
    ]


def test_binding_target_with_a_saving_when_relaxed(atlas, pipeline):
    """a covers the 3,638.83 t exactly; b (1 t more than the need relaxed by a point, 0.01 D) not.

    MILP: a alone (US$30m), no slack: binding. LP relaxation: b first (10e6 / (NEED - 312.03) =
    3,000 USD/t, cheaper than a's 30e6 / NEED = 8,244), then a fraction of a: the marginal tonne
    costs 30e6 / NEED USD per t/yr. Relaxed to 66 %: b alone meets it, US$20m saved.
    """
    projects = _two_projects(pipeline, NEED, NEED - 0.01 * D + 1.0)
    r = optimise(
        atlas, projects, [parse_target("china:rare_earths:refining:0.65@2030")],
        Settings(economy("bloc")), load_status_table(),
    )  # fmt: skip
    assert [c.project.id for c in r.chosen] == ["a"] and r.cost_usd == 30e6
    b = r.binding.row(0, named=True)
    assert abs(b["slack_t"]) <= BINDING_TOL_T and b["binding"] is True
    assert b["lp_relaxation_dual_usd_per_t"] == pytest.approx(30e6 / NEED)
    assert b["saving_if_relaxed_1pt_usd"] == pytest.approx(20e6)


def test_binding_target_that_relaxing_does_not_cheapen(atlas, pipeline):
    """Integrality: a is tight but b (half the need) stays short of the need relaxed by a point,
    so nothing is saved; the LP dual is still a's 30e6 / NEED USD per t/yr."""
    r = optimise(
        atlas, _two_projects(pipeline, NEED, NEED / 2), [parse_target("china:rare_earths:refining:0.65@2030")],
        Settings(economy("bloc")), load_status_table(),
    )  # fmt: skip
    b = r.binding.row(0, named=True)
    assert b["binding"] is True and b["saving_if_relaxed_1pt_usd"] == 0.0
    assert b["lp_relaxation_dual_usd_per_t"] == pytest.approx(30e6 / NEED)


def test_capex_basis_picks_iluka(atlas, pipeline):
    r = _opt(atlas, pipeline, cost_basis="capex")  # Zandkopsdrift has no capex figure: excluded
    assert [c.project.id for c in r.chosen] == ["iluka-eneabba"] and r.cost_usd == 1.09e9
    assert ("frontier-zandkopsdrift", "no USD cost figure (support or capex)") in r.excluded


def test_confidence_needs_all_three(atlas, pipeline):
    """Realised, any one of the three covers 3,639 t; P(at least one) = 1 - 0.2 x 0.5 x 0.75 = 0.925,
    Iluka + Nolans alone 0.90 (0.895 of the 200 seeded draws, short of 0.9)."""
    r = _opt(atlas, pipeline, confidence=0.9, seed=1)
    assert {c.project.id for c in r.chosen} == {
        "iluka-eneabba",
        "arafura-nolans",
        "frontier-zandkopsdrift",
    }
    # the chance constraint needs 180 of the 200 draws; the three meet it in more, so it has a
    # draw to spare and is not binding (the expected slack does not decide it)
    b = r.binding.row(0, named=True)
    assert b["draws_met_share"] > 0.9 and b["binding"] is False
    assert b["slack_t"] == pytest.approx(18400.0 + 0.5 * 4440 * 3.0486 + 5000.0 - NEED)
    with pytest.raises(
        InfeasibleTarget, match=r"confidence 99% at any cost: .* met in 9\d% of the success draws"
    ):
        _opt(atlas, pipeline, confidence=0.99)


def test_unmeetable_target_is_named(atlas, pipeline):
    with pytest.raises(InfeasibleTarget) as exc:
        _opt(atlas, pipeline, target="china:rare_earths:refining:0.65@2026")
    msg = str(exc.value)
    assert msg.startswith(
        "target china:rare_earths:refining:0.65@2026 (China's share of rare_earths refining <= 65% "
        "by 2026) cannot be met at any cost with this pipeline: it needs 8,139 t/yr"
    )
    assert "\n" not in msg


def test_budget_too_small_says_what_the_cheapest_costs(atlas, pipeline):
    with pytest.raises(
        InfeasibleTarget,
        match="within the budget: the cheapest portfolio that meets them costs 20,000,000 USD",
    ):
        _opt(atlas, pipeline, budget_usd=1e6)


def test_australia_cap_forbids_iluka_with_nolans(atlas, pipeline):
    """China at 10 %: 0.9 D - 7,311.17 = 20,800.5 t more; on capex (Zandkopsdrift excluded) only
    Iluka + Nolans (25,167.9 t) cover it, but that is more than 0.65 D = 20,302.9 t from Australia."""
    china = "china:rare_earths:refining:0.10@2030"
    r = _opt(atlas, pipeline, target=china, cost_basis="capex")
    assert {c.project.id for c in r.chosen} == {"iluka-eneabba", "arafura-nolans"}
    with pytest.raises(InfeasibleTarget, match="cannot be met together by any portfolio"):
        optimise(
            atlas,
            pipeline,
            [parse_target(china), parse_target("third:rare_earths:refining:0.65@2030")],
            Settings(economy("bloc"), cost_basis="capex"),
            load_status_table(),
        )


def test_least_shortfall_under_a_china_ban_by_hand(atlas, pipeline):
    """Ban in 2030: the bloc has 2,811 + 4,500 t without China and needs D = 31,235 t.
    Iluka + Nolans (25,168 t) leave no shortfall for US$2.19 bn; with all three also none, at more cost."""
    r = _opt(atlas, pipeline, objective="shortfall", budget_usd=3e9)
    assert {c.project.id for c in r.chosen} == {"iluka-eneabba", "arafura-nolans"}
    # within US$1.2 bn: Iluka + Zandkopsdrift (23,400 t) leave D - 7,311.17 - 23,400 = 524.0 t short
    r = _opt(atlas, pipeline, objective="shortfall", budget_usd=1.2e9)
    assert {c.project.id for c in r.chosen} == {"iluka-eneabba", "frontier-zandkopsdrift"}


def test_member_budget_for_gallium(atlas, pipeline):
    """Own gallium refining >= 10 % of the bloc's 233 t (USA 16 + Japan 167 + EU 50) by 2030:
    Japan's base 0.4 % (0.9 t) + METLEN (Greece) 0.8 x 50 = 40 t -> 17.6 %, for its EIB loan of
    EUR 90 m = 97.4 m USD (at 0.924 EUR per USD); an EU budget of 50 m USD is too small."""
    target = "own:gallium:refining:0.10@2030"
    r = _opt(atlas, pipeline, target=target)
    assert [c.project.id for c in r.chosen] == ["metlen-gallium"]
    assert r.cost_usd == pytest.approx(90e6 / 0.924)
    with pytest.raises(
        InfeasibleTarget,
        match="within the budget: the cheapest portfolio that meets them costs 97,402,597 USD",
    ):
        _opt(atlas, pipeline, target=target, member_budgets={"EUR": 50e6})


def test_graphite_consumption_comes_from_the_market_calibration(atlas):
    """Graphite mining: the calibration has demand by zone (USA: USGS apparent consumption 2024,
    65,200 t); the bloc's weight is its members' consumption over the members' (1), not the world's."""
    from orebloc.projects.targets import _share_w

    base = stage_base(atlas, "graphite", "mining", 2024)
    assert {f.kind for f in base.provenance if f.item.startswith("consumption.")} == {"calibration"}
    assert base.consumption_t["USA"] == pytest.approx(65200.0)
    assert _share_w(base, economy("bloc")) == 1.0
    assert _share_w(base, economy("USA")) == pytest.approx(
        65200.0 / sum(base.consumption_t[z] for z in ("USA", "EUR", "JPN"))
    )


def test_users_demand_wins_and_is_marked(atlas):
    base = stage_base(
        atlas, "tungsten", "mining", 2024, {"USA": 10000.0, "EUR": 9000.0, "JPN": 6000.0}
    )
    assert sum(base.consumption_t[z] for z in ("USA", "EUR", "JPN")) == 25000.0
    assert {f.kind for f in base.provenance if f.item.startswith("consumption.")} == {"user"}
