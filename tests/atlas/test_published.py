"""Published shares of single countries at a stage, with the rest of the world unattributed.

Figures checked by hand against stage_facts.csv (row numbers are file lines) and the EU CRM
2023 Table A transcription.
"""

import pytest

from orebloc.atlas.published import UNATTRIBUTED, WINDOW_YEARS, published_shares, published_years
from orebloc.atlas.store import Atlas
from orebloc.errors import InputError


@pytest.fixture(scope="module")
def atlas():
    return Atlas()


def test_rare_earth_separation_china_range_and_remainder(atlas):
    # 2023-2025: 0.90 (row 6, press, "nearly 90"), 0.90 (row 4, press, citing USGS),
    # 0.91 (row 2, IEA quoted second-hand: secondary). Range 0.90-0.91, not an average.
    p = published_shares(atlas, "rare earths", "refining")
    assert (p.first_year, p.last_year) == (2025 - WINDOW_YEARS + 1, 2025)
    assert p.share_range("CHN") == (pytest.approx(0.90), pytest.approx(0.91))
    china = p.countries.row(0, named=True)
    assert china["figures"] == 3 and china["trust"] == "secondary, press"
    assert (
        china["source_ref"] == "stage_facts.csv:row 6; stage_facts.csv:row 4; stage_facts.csv:row 2"
    )
    assert "iea.org" in china["cited"]
    rest = p.frame.filter(p.frame["country"].is_null()).row(0, named=True)
    assert rest["country_name"] == UNATTRIBUTED
    assert (p.remainder_low, p.remainder_high) == (pytest.approx(0.09), pytest.approx(0.10))
    assert (rest["share_low"], rest["share_high"]) == (pytest.approx(0.09), pytest.approx(0.10))
    # heavy REE (99.9%, row 7) is a part of the stage; the 2022 capacity share (85%, row 8) is older
    assert any(
        "part of the stage only: CHN 99.9% (2023) [stage_facts.csv:row 7]" in n for n in p.notes
    )
    assert any("CHN 85.0% (2022)" in n for n in p.notes)
    assert p.basis == "production"


def test_cobalt_refining_disagreeing_rows_set_a_range(atlas):
    # 2022-2024: China 0.74 (row 56, 2022, press) and 0.73 (row 60, 2024, secondary); the 0.77 of
    # row 55 is of refining CAPACITY and is left out while production shares are in the window.
    p = published_shares(atlas, "cobalt", "refining")
    assert p.share_range("CHN") == (pytest.approx(0.73), pytest.approx(0.74))
    assert p.share_range("FIN") == (pytest.approx(0.10), pytest.approx(0.10))
    assert p.share_range("CAN") == (pytest.approx(0.04), pytest.approx(0.04))
    # remainder: 1 - (0.74 + 0.10 + 0.04) = 0.12 to 1 - (0.73 + 0.10 + 0.04) = 0.13
    assert (p.remainder_low, p.remainder_high) == (pytest.approx(0.12), pytest.approx(0.13))
    assert any("capacity figure(s) left out (CHN 77.0% (2022)" in n for n in p.notes)


def test_graphite_anode_range_keeps_bounds(atlas):
    # 2022-2024 production-type rows for China: 1.0 "nearly 100%" (row 30, <=), 0.9 "more than 90%"
    # (rows 31, 32, >=), 0.74 of the whole anode chain (row 33). Range 0.74-1.0, remainder 0-0.26.
    p = published_shares(atlas, "graphite", "refining", 2024)
    assert p.share_range("CHN") == (pytest.approx(0.74), pytest.approx(1.0))
    assert p.countries.row(0, named=True)["qualifier"] == "<=, >="
    assert (p.remainder_low, p.remainder_high) == (pytest.approx(0.0), pytest.approx(0.26))


def test_eu_crm_table_a_is_a_global_supplier_share(atlas):
    # EU CRM 2023 Table A, tungsten processing: China 86% of world supply (not of EU sourcing);
    # the IndexBox 2017 proxy (0.77, row 36) is older than the window 2021-2023
    p = published_shares(atlas, "tungsten", "refining")
    assert p.share_range("CHN") == (pytest.approx(0.86), pytest.approx(0.86))
    china = p.countries.row(0, named=True)
    assert china["trust"] == "secondary" and china["source"].startswith("EU CRM 2023")
    assert (p.remainder_low, p.remainder_high) == (pytest.approx(0.14), pytest.approx(0.14))


def test_shares_that_cannot_all_hold_are_said_to(atlas):
    # lithium 2022-2024: China 0.60 (row 46), Chile 0.29 (row 45), Australia 53% (EU CRM Table A)
    p = published_shares(atlas, "lithium", "refining")
    assert p.remainder_low == 0 and p.remainder_high == 0
    assert any("add up to 142.0%, more than 100%" in n for n in p.notes)


def test_antimony_refining_says_why_there_is_no_share(atlas):
    with pytest.raises(
        InputError,
        match=r"no published share of a country for Antimony at stage 'refining'.*"
        r"tonnages only \(CHN 11,831 t 2025.*no world total",
    ):
        published_shares(atlas, "antimony", "refining")
    assert published_years(atlas, "antimony", "refining") == []


def test_a_year_outside_every_window_names_the_years(atlas):
    with pytest.raises(
        InputError, match=r"in 2008-2010; years with figures: 2017, 2019, 2022, 2024"
    ):
        published_shares(atlas, "cobalt", "refining", 2010)
