"""Import reliance and the EU supply-risk formula, checked by hand."""

import pytest

from orebloc.errors import ValidationError
from orebloc.metrics.reliance import apparent_consumption, import_reliance
from orebloc.metrics.supply_risk import hhi_wgi, supply_risk


def test_apparent_consumption_and_reliance():
    # USGS gallium 2020 (MCS 2023 salient): production 0 -> reliance 100% whatever the consumption
    assert import_reliance(15_700, 0) == 1.0
    c = apparent_consumption(production=100, imports=80, exports=30)
    assert c == 150
    assert import_reliance(c, 100) == pytest.approx(1 / 3)
    # a net exporter has negative reliance
    assert import_reliance(50, 80) == pytest.approx(-0.6)
    with pytest.raises(ValidationError, match="consumption"):
        import_reliance(0, 10)


def test_hhi_wgi_hand_checked():
    # 0.8^2*7 + 0.2^2*3 = 4.48 + 0.12 = 4.60
    assert hhi_wgi({"CHN": 0.8, "AUS": 0.2}, {"CHN": 7.0, "AUS": 3.0}) == pytest.approx(4.60)
    # a trade factor of 1.5 on China: 0.64*7*1.5 + 0.12 = 6.84
    assert hhi_wgi(
        {"CHN": 0.8, "AUS": 0.2}, {"CHN": 7.0, "AUS": 3.0}, {"CHN": 1.5}
    ) == pytest.approx(6.84)


def test_supply_risk_formula():
    gs = {"CHN": 0.8, "AUS": 0.2}
    eu = {"CHN": 0.5, "AUS": 0.5}
    wgi = {"CHN": 7.0, "AUS": 3.0}
    # HHI_GS = 4.60; HHI_EU = 0.25*7 + 0.25*3 = 2.50; IR = 1
    # SR = (4.60*0.5 + 2.50*0.5) * (1 - 0.1) * 0.9 = 3.55 * 0.81 = 2.8755
    r = supply_risk(gs, eu, wgi, import_reliance=1.0, eol_rir=0.1, si_sr=0.9)
    assert r.sr == pytest.approx(2.8755)
    assert r.high
    assert r.assumed == ("t_c=1",)
    d = supply_risk(gs, eu, wgi, import_reliance=1.0)
    assert d.assumed == ("eol_rir=0", "si_sr=1", "t_c=1")


def test_supply_risk_needs_every_wgi():
    with pytest.raises(ValidationError, match=r"wgi\[COD\]"):
        hhi_wgi({"COD": 0.7}, {"CHN": 7.0})
