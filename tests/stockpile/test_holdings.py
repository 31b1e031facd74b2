"""Holdings files and obligations: validation naming file and row, hand-checked cover and gap."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from orebloc.errors import InputError
from orebloc.stockpile.holdings import FORMS, load_holdings, parse_row
from orebloc.stockpile.obligations import PRESETS, bloc_rule, compliance, preset

ROOT = Path(__file__).resolve().parents[2]
HEAD = "member,holder,holder_kind,mineral,form,quantity,unit,basis,location,as_of,draw_rate_t_yr,lead_time_days,status,source\n"
GOOD = "USA,NDS,agency,gallium,gallium_metal_4n,5,t,gross,USA,2025-06-30,20,30,illustrative,x\n"
TODAY = dt.date(2026, 1, 1)


def write(tmp_path: Path, *rows: str) -> Path:
    p = tmp_path / "h.csv"
    p.write_text(HEAD + "".join(rows))
    return p


def test_sample_holdings_load_in_content_tonnes():
    h = load_holdings(ROOT / "examples" / "stockpile_holdings.csv", TODAY)
    ga = h.for_mineral("gallium").stock_by_member()
    assert ga == pytest.approx({"USA": 5.0, "EUR": 5.0, "JPN": 16.0})
    ge = h.for_mineral("germanium").stock_by_member()
    # 10 t of GeO2 hold 10 x 72.63 / 104.63 t of germanium
    assert ge["EUR"] == pytest.approx(10 * 72.63 / 104.63)
    assert all(lot.status == "illustrative" for lot in h.lots)


@pytest.mark.parametrize(("row", "message"), [
    (GOOD.replace(",5,t,", ",-5,t,"), "h.csv, row 3: quantity: must be >= 0, got -5"),
    (GOOD.replace("gallium_metal_4n", "gallium_pellets"), "h.csv, row 3: form: unknown form 'gallium_pellets'"),
    (GOOD.replace("2025-06-30", "2027-01-01"), "h.csv, row 3: as_of: 2027-01-01 is in the future"),
    (GOOD.replace("gallium_metal_4n", "ndpr_oxide"), "h.csv, row 3, column 'form': form 'ndpr_oxide' is rare_earths"),
    (GOOD.replace(",t,gross", ",lb,gross"), "h.csv, row 3: unit: unknown unit 'lb'"),
])  # fmt: skip
def test_bad_rows_name_file_and_row(tmp_path, row, message):
    with pytest.raises(InputError) as e:
        load_holdings(write(tmp_path, GOOD, row), TODAY)
    assert str(e.value).startswith(message)


def test_kilograms_and_content_basis(tmp_path):
    row = GOOD.replace(",5,t,gross", ",2500,kg,content").replace(
        "gallium_metal_4n", "gallium_metal_6n"
    )
    lot = load_holdings(write(tmp_path, row), TODAY).lots[0]
    assert lot.stock_t == pytest.approx(2.5)
    assert lot.draw_rate_t_yr == 20.0 and lot.lead_time_days == 30.0


def test_iea_cover_and_gap_by_hand():
    # 100 t held, 10% deducted -> 90 usable; net imports 400 - 35 = 365 t/yr = 1 t/day
    c = compliance(100.0, 400.0, 35.0, 500_000.0, preset("iea"), "USA")
    assert c.base == "net_imports" and c.base_t_yr == pytest.approx(365.0)
    assert c.cover_days == pytest.approx(90.0)
    assert c.required_t == pytest.approx(90.0) and c.gap_t == pytest.approx(0.0)
    c = compliance(50.0, 400.0, 35.0, 500_000.0, preset("iea"))
    assert c.cover_days == pytest.approx(45.0)
    assert c.gap_t == pytest.approx(45.0) and c.gap_days == pytest.approx(45.0)
    assert c.gap_usd == pytest.approx(45.0 * 500_000.0)


def test_net_exporter_counts_consumption_and_jogmec_high_risk():
    # JOGMEC 60 days of 73 t/yr (0.2 t/day) = 12 t; high-risk 180 days = 36 t
    j = PRESETS["jogmec"]
    assert dict(j.split) == {"agency": 42.0, "industry": 18.0}
    c = compliance(16.0, 73.0, 0.0, 1.0, j)
    assert (
        c.required_t == pytest.approx(12.0)
        and c.gap_t == 0.0
        and c.cover_days == pytest.approx(80.0)
    )
    c = compliance(16.0, 73.0, 0.0, 1.0, j.for_risk(True))
    assert c.gap_t == pytest.approx(20.0) and c.gap_days == pytest.approx(100.0)
    # a net exporter on the IEA rule: days of consumption
    c = compliance(10.0, 36.5, 100.0, 1.0, bloc_rule(30.0))
    assert c.base == "consumption" and c.required_t == pytest.approx(3.0)
    assert PRESETS["korea"].days == 100.0 and PRESETS["korea"].release_days == 8.0


def test_a_member_outside_the_market_names_the_row(tmp_path):
    h = load_holdings(write(tmp_path, GOOD, GOOD.replace("USA,NDS", "KOR,KOMIR")), TODAY)
    with pytest.raises(InputError) as e:
        h.check_members(("USA", "EUR", "JPN"))
    assert (
        str(e.value)
        == "h.csv, row 3, column 'member': member 'KOR' is not a member zone of the market (USA, EUR, JPN)"
    )


QTY = st.floats(0.0, 1e7, allow_nan=False, allow_infinity=False)


@settings(max_examples=80, deadline=None)
@given(q=QTY, unit=st.sampled_from(["t", "kg"]), basis=st.sampled_from(["gross", "content"]),
       form=st.sampled_from(sorted(FORMS)))  # fmt: skip
def test_property_content_tonnes(q, unit, basis, form):
    f = FORMS[form]
    row = dict(zip(HEAD.strip().split(","), GOOD.strip().split(","), strict=True))
    row.update(mineral=f.mineral, form=form, quantity=repr(q), unit=unit, basis=basis)
    lot = parse_row(row, "h.csv", 5, TODAY)
    expect = q * (1.0 if unit == "t" else 1e-3) * (f.content if basis == "gross" else 1.0)
    assert lot.stock_t == pytest.approx(expect, rel=1e-12, abs=1e-12)
    assert lot.stock_t >= 0 and lot.row == 5


@settings(max_examples=50, deadline=None)
@given(q=st.floats(-1e7, -1e-9, allow_nan=False), line=st.integers(2, 10_000))
def test_property_negative_stock_always_names_the_row(q, line):
    row = dict(zip(HEAD.strip().split(","), GOOD.strip().split(","), strict=True))
    row["quantity"] = repr(q)
    with pytest.raises(InputError) as e:
        parse_row(row, "h.csv", line, TODAY)
    assert str(e.value).startswith(f"h.csv, row {line}: quantity: must be >= 0")
