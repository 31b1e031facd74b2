"""The risk overview's years: the one asked for, or one said plainly; a year with no data refused."""

import pytest

from orebloc.atlas.blocs import load_bloc
from orebloc.atlas.store import Atlas
from orebloc.errors import InputError
from orebloc.metrics.overview import risk_overview, target_year


@pytest.fixture(scope="module")
def atlas():
    return Atlas()


def test_every_row_is_for_the_year_asked_where_the_atlas_has_it(atlas):
    ov = risk_overview(atlas, load_bloc(), 2024)
    assert set(ov["year"]) == {2024}
    assert ov["year_note"].null_count() == ov.height
    nickel = ov.row(ov["mineral"].to_list().index("nickel"), named=True)
    # MCS 2026 nickel mine output 2024: Indonesia 2,200,000 of 3,530,000 t (62.3%, below 65%)
    assert round(100 * nickel["top_share"], 1) == 62.3 and not nickel["breach_65"]


@pytest.mark.parametrize("year", [2030, 2019])
def test_a_year_without_any_figure_is_refused(atlas, year):
    with pytest.raises(
        InputError,
        match=rf"no production figures for {year} in the atlas; years with data: .*2022, .*2025$",
    ):
        risk_overview(atlas, load_bloc(), year)


def test_a_series_without_the_year_says_which_year_it_shows(no_graphite_2025):
    atlas = Atlas(no_graphite_2025)
    ov = risk_overview(atlas, load_bloc(), 2025)
    graphite = ov.filter(ov["mineral"] == "graphite").row(0, named=True)
    assert graphite["year"] == 2024
    assert graphite["year_note"] == "no 2025 figure: 2024 is the latest earlier year with data"
    # MCS 2026 natural graphite 2024: China 1,270,000 t of the 1,550,686 t listed
    assert graphite["china_share"] == pytest.approx(1_270_000 / 1_550_686)
    others = ov.filter(ov["mineral"] != "graphite")
    assert set(others["year"]) == {2025} and others["year_note"].null_count() == others.height


def test_the_latest_year_is_one_year_for_every_row(no_graphite_2025):
    atlas = Atlas(no_graphite_2025)
    ov = risk_overview(atlas, load_bloc())
    assert target_year(ov, None) == 2025
    graphite = ov.filter(ov["mineral"] == "graphite").row(0, named=True)
    assert (
        graphite["year"] == 2024
        and graphite["year_note"] == "no 2025 figure: 2024 is the latest year with data"
    )


def test_series_year(atlas):
    assert atlas.series_year("graphite", "mining", 2025) == 2025
    assert atlas.series_year("graphite", "mining", 2019) is None
    assert atlas.series_year("graphite", "mining", None) == 2025


def test_breach_65_says_which_rule_it_stands_for():
    from orebloc.atlas.blocs import load_bloc
    from orebloc.atlas.store import Atlas
    from orebloc.metrics.overview import BREACH_65_RULE, risk_overview

    frame = risk_overview(Atlas(), load_bloc(), 2024, minerals=["gallium"])
    row = frame.row(0, named=True)
    assert row["breach_65"] is True  # China 839,000 of 848,000 kg of world gallium, 98.9% > 65%
    assert row["breach_65_rule"] == BREACH_65_RULE
    assert (
        "65% of world output" in BREACH_65_RULE
        and "not the CRMA test on a member's own sourcing" in BREACH_65_RULE
    )
