"""The pipeline loader: the bundled pipeline's figures, and errors that name file, row, column."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from orebloc.errors import InputError
from orebloc.projects.loader import COLUMNS, LB_T, load_pipeline, parse_pipeline
from orebloc.projects.status import load_status_table

HEADER = ",".join(COLUMNS)


def _row(**cells: str) -> str:
    base = dict(
        id="x1",
        name="X",
        sponsor="S",
        mineral="rare earths",
        stage="refining",
        country="AUS",
        status="feasibility",
        sources="https://example.org/a",
    )
    base.update(cells)
    return ",".join(base.get(c, "") for c in COLUMNS)


def test_bundled_pipeline_has_at_least_40_real_projects_each_with_a_source():
    ps = load_pipeline()
    assert len(ps) >= 40
    assert all(p.sources and all(u.startswith("http") for u in p.sources) for p in ps)
    by_id = {p.id: p for p in ps}
    # figures as the sources give them (projects_public SOURCES: Iluka A$1.7bn = US$1.09bn, 23,000 t/yr REO)
    ilu = by_id["iluka-eneabba"]
    assert ilu.capacity_t == 23000 and ilu.capacity_basis == "REO" and ilu.capex.usd == 1.09e9
    # Perpetua: 18.4 million lb/yr of antimony -> t at 0.45359237 kg/lb
    assert (
        by_id["perpetua-stibnite"].capacity_t
        == pytest.approx(18.4e6 * LB_T)
        == pytest.approx(8346.1, abs=0.1)
    )
    # Lynas Mt Weld expansion A$500m (2022) at the IRS 2022 average 1.442 AUD/USD
    assert by_id["lynas-mtweld-exp"].capex.usd == pytest.approx(500e6 / 1.442)
    # SEK has no cited rate: kept as given, not converted
    assert by_id["talga-lulea"].capex.usd is None and by_id["talga-lulea"].capex.amount == 3e9
    # unknown figures stay empty
    assert by_id["lynas-seadrift-hre"].capacity_t is None


def test_status_table_is_marked_as_assumption_with_ranges():
    t = load_status_table()
    assert t.probability("construction") == 0.8 and t.rows["construction"].low == 0.6
    assert all(r.kind == "assumption" for r in t.rows.values())
    assert t.with_overrides({"feasibility": 0.5}).probability("feasibility") == 0.5


@pytest.mark.parametrize(("cells", "where"), [
    (dict(capacity="12x"), "p.csv, row 3, column 'capacity': not a number"),
    (dict(stage="smelting"), "p.csv, row 3, column 'stage'"),
    (dict(country="XXX"), "p.csv, row 3, column 'country'"),
    (dict(capacity="10", capacity_unit="t/yr"), "p.csv, row 3, column 'capacity_basis': missing"),
    (dict(capex="10"), "p.csv, row 3, column 'capex_currency': missing"),
    (dict(start_year="2030.5"), "p.csv, row 3, column 'start_year'"),
    (dict(sources="see notes"), "p.csv, row 3, column 'sources'"),
    (dict(mineral="unobtainium"), "p.csv, row 3, column 'mineral'"),
])  # fmt: skip
def test_loader_errors_name_file_row_and_column(cells, where):
    text = "\n".join([HEADER, _row(id="ok"), _row(**cells)])
    with pytest.raises(InputError) as exc:
        parse_pipeline(text, "p.csv")
    assert str(exc.value).startswith(where)


def test_duplicate_id_names_both_rows():
    with pytest.raises(
        InputError, match=r"p.csv, row 3, column 'id': id 'a' already used in row 2"
    ):
        parse_pipeline("\n".join([HEADER, _row(id="a"), _row(id="a")]), "p.csv")


@given(st.text(alphabet="0123456789.,-eE x", max_size=8))
def test_capacity_cell_is_a_number_or_an_error_naming_the_cell(cell):
    text = "\n".join(
        [
            HEADER,
            _row(
                capacity=cell.replace(",", ""),
                capacity_unit="t/yr" if cell.strip() else "",
                capacity_basis="REO",
            ),
        ]
    )
    try:
        (p,) = parse_pipeline(text, "p.csv")
    except InputError as exc:
        assert str(exc).startswith("p.csv, row 2, column 'capacity")
    else:
        assert p.capacity_t is None or p.capacity_t == float(cell.replace(",", ""))
