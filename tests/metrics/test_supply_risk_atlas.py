"""The supply-risk score from atlas shares and trade, checked against the formula by hand."""

import pytest

from orebloc.atlas.store import Atlas
from orebloc.errors import InputError
from orebloc.metrics.supply_risk_atlas import read_wgi, supply_risk_from_atlas


def test_supply_risk_from_atlas_follows_the_formula(tmp_path):
    atlas = Atlas()
    # scaled WGI values are user inputs; these are test values, not data
    wgi = {
        "CHN": 6.0,
        "RUS": 8.0,
        "KAZ": 6.5,
        "TUR": 5.5,
        "ISR": 3.5,
        "BRA": 5.0,
        "USA": 2.5,
        "EU27": 2.0,
    }
    r = supply_risk_from_atlas(
        atlas,
        "magnesium",
        "refining",
        2024,
        wgi,
        economy="EU27",
        import_reliance=1.0,
        min_share=0.005,
    )
    gs, eu = r.global_shares, r.sourcing_shares
    hhi_gs = sum(s * s * wgi[c] for c, s in gs.items())
    hhi_eu = sum(s * s * wgi[c] for c, s in eu.items())
    assert r.result.sr == pytest.approx(hhi_gs * 0.5 + hhi_eu * 0.5)  # IR = 1, EOL-RIR 0, SI 1
    # USGS MCS 2026, magnesium metal 2024: China 953 kt of the 1,084 kt the countries add up
    # to (the rounded world total, 1,080 kt, is below it, so the shares are of the sum): 87.9%
    assert gs["CHN"] == pytest.approx(953 / 1084)
    assert r.result.assumed == ("eol_rir=0", "si_sr=1", "t_c=1")


def test_missing_wgi_names_the_supplier(tmp_path):
    with pytest.raises(InputError, match="no WGI for .*CHN"):
        supply_risk_from_atlas(
            Atlas(), "magnesium", "refining", 2024, {"USA": 2.0}, import_reliance=1.0
        )


def test_wgi_file_errors(tmp_path):
    f = tmp_path / "wgi.csv"
    f.write_text("country,wgi\nCHN,6\nRUS,11\n")
    with pytest.raises(InputError, match=r"wgi.csv, row 3, column 'wgi'.*\[0, 10\]"):
        read_wgi(f)
    f.write_text("country,wgi\nCHN,6\n")
    assert read_wgi(f) == {"CHN": 6.0}
