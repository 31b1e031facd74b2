"""NPV, IRR, break-even and support, hand-checked on two projects of the default pipeline."""

from __future__ import annotations

import pytest

from orebloc.errors import ValidationError
from orebloc.projects.loader import load_pipeline
from orebloc.projects.viability import Inputs, Terms, assess


def _p(pid):
    return {p.id: p for p in load_pipeline()}[pid]


def test_white_mesa_phase1_by_hand():
    """Energy Fuels White Mesa Phase 1: capex US$16m (pipeline), 1,000 t/yr NdPr (pipeline).

    Stated case: NdPr 60,000 USD/t, opex 45,000 USD/t, utilisation 0.8, 1 build year, 3 years of
    production, no tax, r = 10 %.
    q = 800 t; margin 15,000 x 800 = 12.0 m/yr.  CF = (-16, 12, 12, 12) m.
    NPV = -16 + 12 (1/1.1 + 1/1.21 + 1/1.331) = -16 + 12 x 2.486852 = 13.842 m.
    IRR: 12 (v + v^2 + v^3) = 16 with v = 1/(1+r): r = 0.55 gives 12 x 1.329931 = 15.959 (< 16),
    r = 0.5477 gives 12 x 1.333328 = 16.000, so IRR = 0.5477.
    Break-even: (p - 45,000) 800 x 2.486852 = 16 m -> p = 45,000 + 8,042.3 = 53,042.3 USD/t.
    """
    x = Inputs.of(_p("ef-whitemesa-p1"), opex_usd_t=45_000)
    assert (x.capex_usd, x.capacity_t) == (16e6, 1000)
    t = Terms(discount_rate=0.10, tax_rate=0.0, life_years=3, build_years=1, utilisation=0.8)
    v = assess(x, 60_000, t, hurdle_rate=0.10)
    assert v.cash_flows == pytest.approx((-16e6, 12e6, 12e6, 12e6))
    assert v.npv_usd == pytest.approx(-16e6 + 12e6 * 2.4868520, rel=1e-7)
    assert v.irr == pytest.approx(0.5477, abs=1e-4)
    assert v.breakeven_usd_t == pytest.approx(45_000 + 16e6 / (800 * 2.4868520), rel=1e-7)
    assert v.support_usd == 0.0  # already above the hurdle


def test_sangdong_with_tax_floor_and_support_by_hand():
    """Almonty Sangdong: capex US$105m (pipeline), 2,300 t/yr WO3 (pipeline).

    Stated case: WO3 price 30,000 USD/t, opex 20,000 USD/t, utilisation 1, 1 build year,
    2 years of production, tax 25 %, r = 8 %.
    EBITDA = 10,000 x 2,300 = 23.0 m; depreciation 105/2 = 52.5 m > EBITDA: no tax.
    CF = (-105, 23, 23) m; NPV = -105 + 23 (1/1.08 + 1/1.1664) = -105 + 23 x 1.783265 = -63.985 m.
    IRR: 23 (v + v^2) = 105, v = (-1 + sqrt(1 + 4 x 105/23)) / 2 = 1.69436, r = 1/v - 1 = -0.4098
    (negative: the plant does not pay back its capex in two years).
    Support to a 8 % hurdle = 63.985 m.  With a floor at 60,000 USD/t: EBITDA = 92 m,
    tax 0.25 (92 - 52.5) = 9.875 m, CF = (-105, 82.125, 82.125), NPV = -105 + 82.125 x 1.783265
    = 41.451 m.
    """
    x = Inputs.of(_p("almonty-sangdong"), opex_usd_t=20_000)
    assert (x.capex_usd, x.capacity_t) == (105e6, 2300)
    t = Terms(discount_rate=0.08, tax_rate=0.25, life_years=2, build_years=1, utilisation=1.0)
    v = assess(x, 30_000, t, hurdle_rate=0.08)
    assert v.npv_usd == pytest.approx(-105e6 + 23e6 * 1.7832647, rel=1e-7)
    assert v.support_usd == pytest.approx(-v.npv_usd)
    assert v.irr == pytest.approx(-0.4098, abs=1e-4)
    floored = assess(x, 30_000, Terms(0.08, 0.25, 2, 1, 1.0, floor=60_000))
    assert floored.npv_usd == pytest.approx(-105e6 + 82.125e6 * 1.7832647, rel=1e-7)


def test_missing_opex_is_named():
    with pytest.raises(ValidationError, match="ef-whitemesa-p1.opex: the pipeline gives no opex"):
        Inputs.of(_p("ef-whitemesa-p1"))
