"""Demand by zone for every headline market: published figures first (checked by hand against the
rows of the consumption table and the USGS salient statistics), documented priors where there are
none, a user override over both."""

import pytest

from orebloc.atlas.blocs import load_bloc
from orebloc.atlas.store import Atlas
from orebloc.errors import InputError
from orebloc.market.calibrate import Case, calibrate
from orebloc.market.calibrate.consumption import (
    Candidate,
    choose,
    consumption_rows,
    parse_consumption,
    table_candidates,
)
from orebloc.market.calibrate.priors import PRIOR_COLUMNS, parse_priors, prior_rows, priors_for
from orebloc.market.zones import default_zones
from orebloc.vocab.minerals import get_mineral

#: the headline markets, at the stage the atlas has production for
HEADLINE = [("gallium", "refining"), ("germanium", "refining"), ("rare_earths", "mining"),
            ("tungsten", "mining"), ("antimony", "mining"), ("graphite", "mining"), ("cobalt", "mining"),
            ("lithium", "mining"), ("nickel", "mining")]  # fmt: skip


#: the zones whose 2024 demand is a published figure (USGS or the consumption table); lithium has
#: none (USGS withholds US use; China's 2017 figure states no basis)
SOURCED = {"gallium": {"USA", "JPN"}, "germanium": {"USA"}, "rare_earths": {"CHN", "USA"}, "tungsten": {"CHN"},
           "antimony": {"USA"}, "graphite": {"CHN", "USA"}, "cobalt": {"CHN", "USA"}, "lithium": set(),
           "nickel": {"CHN", "USA"}}  # fmt: skip


@pytest.fixture(scope="module")
def atlas():
    return Atlas()


@pytest.fixture(scope="module")
def cals(atlas):
    return {m: calibrate(atlas, m, 2024, s) for m, s in HEADLINE}


def _world(cal):
    return sum(s.q0 for s in cal.market.supply.values())


@pytest.mark.parametrize("mineral", [m for m, _ in HEADLINE])
def test_every_headline_market_calibrates_without_overrides(cals, mineral):
    cal = cals[mineral]
    world = _world(cal)
    d0 = {z: cal.market.demand[z].d0 for z in cal.zones.ids}
    assert all(v >= 0 for v in d0.values()), d0
    # the balance rule: world demand = world supply, the rest of the world taking the balance
    assert sum(d0.values()) == pytest.approx(world, rel=1e-12)
    assert cal.balance == "ROW" and cal.source_of("demand.ROW.d0").kind == "derived"
    for z in cal.zones.ids:
        p = cal.source_of(f"demand.{z}.d0")
        assert p.category in ("sourced", "derived", "prior-assumption"), (z, p)
        if p.kind == "assumption":
            assert p.low <= p.value <= p.high and p.source.startswith("prior (assumption): ")
    # every drawn input is a demand with a range, never the balance zone's
    assert all(r.has_range and r.input != "demand.ROW.d0" for r in cal.ranges)


def test_priors_sum_to_one_with_the_rest_of_the_world_as_balance():
    keys = {(p.mineral, p.stage) for p in prior_rows()}
    assert set(HEADLINE) <= keys
    for mineral, stage in keys:
        pr = priors_for(mineral, stage)
        assert set(pr) == {"CHN", "USA", "EUR", "JPN", "PAR", "ROW"}
        assert sum(p.share for p in pr.values()) == pytest.approx(1.0, abs=0.005)
        others = [p for z, p in pr.items() if z != "ROW"]
        # the balance cannot turn negative with every other zone at its high share
        assert sum(p.high for p in others) <= 1.0
        assert pr["ROW"].low == pytest.approx(1 - sum(p.high for p in others), abs=0.005)
        for p in pr.values():
            assert 0 <= p.low <= p.share <= p.high <= 1 and p.basis and p.source


@pytest.mark.parametrize("mineral", [m for m, _ in HEADLINE])
def test_priors_agree_with_the_published_shares(cals, mineral):
    cal = cals[mineral]
    world = _world(cal)
    pr = priors_for(cal.mineral, cal.stage)
    sourced = set()
    for z in cal.zones.ids:
        p = cal.source_of(f"demand.{z}.d0")
        if p.category != "sourced":
            continue
        for v in (p.value, p.low, p.high):
            if v is not None:
                assert pr[z].low <= v / world <= pr[z].high, (z, v / world, pr[z])
        sourced.add(z)
    assert sourced == SOURCED[mineral]


@pytest.mark.parametrize("mineral", [m for m, _ in HEADLINE])
def test_the_balance_stays_non_negative_across_every_range(cals, mineral):
    cal = cals[mineral]
    highs = sum(
        (p.high if p.has_range else p.value)
        for z in cal.zones.ids if z != cal.balance
        for p in [cal.source_of(f"demand.{z}.d0")]
    )  # fmt: skip
    assert highs <= _world(cal)


def test_published_figures_come_out_as_the_source_says(cals):
    # INSG (stage_facts.csv row 69): China 63.8% of world primary nickel use, x USGS 2024 mine output
    chn = cals["nickel"].source_of("demand.CHN.d0")
    assert chn.kind == "sourced" and chn.trust == "primary" and "INSG" in chn.source
    assert chn.value == pytest.approx(0.638 * 3_710_000.0) and chn.low is None
    # USGS 2024: apparent primary 90,300 t (central), reported primary 114,000 t: a range
    usa = cals["nickel"].source_of("demand.USA.d0")
    assert usa.kind == "atlas" and usa.trust == "primary"
    assert (usa.value, usa.low, usa.high) == (90_300.0, 90_300.0, 114_000.0)
    # CSIS (row 13): the US uses 1.7% of world rare earths
    re_usa = cals["rare_earths"].source_of("demand.USA.d0")
    assert re_usa.trust == "secondary" and re_usa.value == pytest.approx(0.017 * 384_000.0)
    # IndexBox 2017 (rows 36-38): China 77% of concentrate use, and 81,300 of 105,000 t: a range
    w = cals["tungsten"].source_of("demand.CHN.d0")
    assert w.value == pytest.approx(0.77 * 82_000.0)
    assert (w.low, w.high) == pytest.approx((0.77 * 82_000.0, 81_300.0 / 105_000.0 * 82_000.0))
    # Research and Markets 2015 (rows 62-63): China 43,500 of 89,000 t
    co = cals["cobalt"].source_of("demand.CHN.d0")
    assert co.value == pytest.approx(43_500.0 / 89_000.0 * 302_000.0)
    co_usa = cals["cobalt"].source_of("demand.USA.d0")
    assert (co_usa.value, co_usa.low, co_usa.high) == (7_960.0, 7_830.0, 7_960.0)
    # CSIS 13.6% (2025, secondary, nearer 2024) against USGS 30,000 kg (2021, the nearest USGS
    # year); world use is the 210 t of primary output plus 90 t recycled (byproducts.csv: 30%)
    ge = cals["germanium"].source_of("demand.USA.d0")
    assert ge.kind == "sourced" and ge.value == pytest.approx(0.136 * 300.0)
    assert (ge.low, ge.high) == pytest.approx((30.0, 0.136 * 300.0))
    assert (
        "'Consumption, estimated' 2021: 30,000 kg" in ge.source
        and "the 2021 figure used for 2024" in ge.source
    )
    # JOGMEC 167 t (2021, press), as it stands
    jpn = cals["gallium"].source_of("demand.JPN.d0")
    assert (jpn.value, jpn.trust) == (167.0, "press")


def test_a_prior_carries_its_range_and_basis(cals):
    cal = cals["gallium"]
    chn = cal.source_of("demand.CHN.d0")
    assert chn.kind == "assumption" and chn.category == "prior-assumption"
    assert (chn.value, chn.low, chn.high) == pytest.approx((0.55 * 848, 0.40 * 848, 0.65 * 848))
    assert "downstream manufacturing share" in chn.source and "priors.csv row" in chn.source
    assert "HS 811292 is shared" in chn.source  # why no published figure or proxy applies
    assert [r.input for r in cal.ranges] == ["demand.CHN.d0", "demand.EUR.d0", "demand.PAR.d0"]
    assert any("documented prior" in n and "CHN, EUR, PAR" in n for n in cal.notes)
    table = cal.table()
    row = table.filter(table["input"] == "demand.CHN.d0").row(0, named=True)
    assert row["category"] == "prior-assumption" and row["low"] == pytest.approx(339.2)
    assert set(table["category"]) == {
        "sourced",
        "derived",
        "prior-assumption",
        "assumption",
        "default",
    }


def test_an_override_wins_over_a_prior_and_a_published_figure(atlas):
    cal = calibrate(
        atlas, "gallium", 2024, overrides={"demand.CHN.d0": 500.0, "demand.JPN.d0": 120.0}
    )
    for z, v in (("CHN", 500.0), ("JPN", 120.0)):
        p = cal.source_of(f"demand.{z}.d0")
        assert p.kind == "override" and p.value == v and not p.has_range
    assert [r.input for r in cal.ranges] == ["demand.EUR.d0", "demand.PAR.d0"]
    assert cal.market.demand["ROW"].d0 == pytest.approx(
        848 - 500 - 120 - 18.7 - 0.04 * 848 - 0.002 * 848
    )


def test_the_bundled_tables_are_valid_and_name_their_sources():
    rows = consumption_rows()
    assert rows and all(
        r.source and r.ref and r.trust in ("primary", "secondary", "press") for r in rows
    )
    assert len(prior_rows()) == 6 * len({(p.mineral, p.stage) for p in prior_rows()})


PRIORS = ",".join(PRIOR_COLUMNS) + "\n" + "\n".join(
    f"gallium,refining,{z},{s},{lo},{hi},basis,assumption"
    for z, s, lo, hi in (("CHN", 0.5, 0.4, 0.6), ("USA", 0.1, 0.05, 0.1), ("EUR", 0.1, 0.05, 0.1),
                         ("JPN", 0.1, 0.05, 0.1), ("PAR", 0.0, 0.0, 0.0), ("ROW", 0.2, 0.1, 0.45))
)  # fmt: skip


def test_priors_parse_and_bad_rows_name_the_cell():
    assert len(parse_priors(PRIORS, "p.csv")) == 6
    bad = {
        PRIORS.replace("CHN,0.5,0.4,0.6", "CHN,0.5,0.6,0.6"): "p.csv, row 2, column 'share': need 0 <= low <= share",
        PRIORS.replace("CHN,0.5,0.4,0.6", "CHN,x,0.4,0.6"): "p.csv, row 2, column 'share': must be a number",
        PRIORS.replace("CHN,0.5,0.4,0.6", "CHN,0.6,0.4,0.6"): "gallium refining: the shares sum to 1.1000, not 1",
        PRIORS.replace(",PAR,", ",XXX,"): "p.csv, row 6, column 'zone': must be one of CHN, USA",
        PRIORS.replace("ROW,0.2,0.1,0.45", "ROW,0.2,0.15,0.45"): "ROW takes the balance, so its range is 0.1-0.45, not 0.15-0.45",
        PRIORS.replace("basis,assumption\ngallium,refining,USA", ",assumption\ngallium,refining,USA"):
            "p.csv, row 2, column 'basis': the basis of the prior is required",
        PRIORS.replace("mineral,", "metal,"): "p.csv, row 1: columns must be",
        "\n".join(PRIORS.splitlines()[:-1]): "gallium refining: no prior for ROW",
    }  # fmt: skip
    for text, msg in bad.items():
        with pytest.raises(InputError, match=msg.replace("(", r"\(").replace(")", r"\)")):
            parse_priors(text, "p.csv")


HEAD = "mineral,stage,year,zone_or_country,metric,value,unit,basis,trust,source,ref,note\n"


def test_consumption_rows_parse_and_bad_rows_name_the_cell():
    ok = HEAD + "gallium,refining,2021,JPN,consumption_t,167,t,contained,press,src,ref,note\n"
    assert parse_consumption(ok, "c.csv")[0].value == 167.0
    for row, msg in (
        (
            "gallium,refining,2021,JPN,consumption_t,167,t,contained,rumour,src,ref,",
            "column 'trust': must be one of primary",
        ),
        (
            "gallium,refining,2021,JPN,consumption_share,1.2,share,contained,press,src,ref,",
            "share in \\[0, 1\\]",
        ),
        (
            "gallium,refining,2021,XXX,consumption_t,1,t,contained,press,src,ref,",
            "column 'zone_or_country'",
        ),
        (
            "gallium,refining,2021,JPN,consumption_t,1,share,contained,press,src,ref,",
            "a consumption_t is a mass",
        ),
        (
            "gallium,refining,2021,JPN,consumption_t,1,t,contained,press,,ref,",
            "column 'source': a published source",
        ),
        (
            "gallium,refining,twenty,JPN,consumption_t,1,t,contained,press,src,ref,",
            "column 'year': must be a year",
        ),
    ):
        with pytest.raises(InputError, match=msg):
            parse_consumption(HEAD + row + "\n", "c.csv")


def test_old_tonnages_are_used_as_shares_of_their_year_or_not_at_all(atlas):
    zm = default_zones()
    case = Case(atlas, get_mineral("cobalt"), "mining", 2024, zm)
    rows = parse_consumption(
        HEAD
        + "cobalt,mining,2017,CHN,consumption_t,59000,t,contained,secondary,s,r,\n"  # 7 years, no world row
        + "cobalt,mining,2022,CHN,consumption_t,100000,t,gross,secondary,s,r,\n"  # another basis
        + "cobalt,mining,2015,CHN,consumption_t,43500,t,contained,secondary,s,r,\n"
        + "cobalt,mining,2015,WORLD,consumption_t,89000,t,contained,secondary,s,r,\n"
    )
    why: list[str] = []
    got = table_candidates(rows, case, "contained", 302_000.0, "CHN", load_bloc(), why)
    assert [c.tonnes for c in got] == pytest.approx([43_500 / 89_000 * 302_000])
    assert "row 2: 59,000 t of 2017 is more than 3 years from 2024" in why[0]
    assert "row 3: 100,000 t on the gross basis, not contained" in why[1]


def test_figures_of_the_year_win_and_disagreeing_figures_set_the_range():
    c = [Candidate(10.0, 2021, "primary", "atlas", "a"), Candidate(12.0, 2024, "press", "sourced", "b"),
         Candidate(11.0, 2024, "secondary", "sourced", "c")]  # fmt: skip
    p = choose("demand.X.d0", c, 2024)
    # the 2021 figure is left out; of the 2024 ones the more trusted is central
    assert (p.value, p.low, p.high, p.trust, p.kind) == (11.0, 11.0, 12.0, "secondary", "sourced")
    p = choose("demand.X.d0", c[:1], 2024)
    assert (p.value, p.low, p.high) == (10.0, None, None)


def test_cobalt_lithium_and_nickel_prices_are_the_usgs_series(cals):
    # USGS MCS 2026, 2024: cobalt LME cash 11.84 USD/lb; nickel LME cash 16,812 USD/t; battery-grade
    # lithium carbonate 11,800 USD/t of Li2CO3, which is 13.88/73.89 = 0.18785 lithium
    assert cals["cobalt"].source_of("p0").value == pytest.approx(11.84 / 0.45359237e-3)
    assert cals["nickel"].source_of("p0").value == 16_812.0
    assert cals["lithium"].source_of("p0").value == pytest.approx(11_800 / 0.18785)
    assert all(cals[m].source_of("p0").kind == "atlas" for m in ("cobalt", "lithium", "nickel"))
