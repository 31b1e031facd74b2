"""China's export-control measures and the in-force query."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl
import pytest

from orebloc.errors import InputError, LayoutError, UnknownNameError
from orebloc.sources.export_controls import events_in_force, read_export_controls
from orebloc.sources.schema import POLICY_EVENTS

FILE = "china_mineral_export_controls_2023_2026.csv"
SUSPENDED_PACKAGE = {
    "CN-2025-055",
    "CN-2025-056",
    "CN-2025-057",
    "CN-2025-058",
    "CN-2025-061",
    "CN-2025-062",
}


@pytest.fixture(scope="module")
def events(raw_dir: Path) -> pl.DataFrame:
    result = read_export_controls(raw_dir / "china_export_controls" / FILE)
    assert result.rows_read == 13
    assert result.skipped == []
    return result.tables["policy_events"]


def test_one_row_per_measure_and_material(events: pl.DataFrame) -> None:
    assert events.schema == pl.Schema(POLICY_EVENTS)
    assert events.height == 35
    assert events["measure_id"].n_unique() == 13
    assert events["imposing_country"].unique().to_list() == ["CHN"]
    assert events["source_ref"][0] == f"{FILE}:2"
    graphite_2023 = events.filter(pl.col("measure_id") == "CN-2023-039")
    # the ';' inside the parenthesis does not split the label
    assert graphite_2023["material_label"].to_list() == [
        "graphite (synthetic high-purity; natural flake incl. spherical/expanded)"
    ]
    assert graphite_2023["mineral"].to_list() == ["graphite"]


def test_material_mapping(events: pl.DataFrame) -> None:
    mapping = dict(zip(events["material_label"], events["mineral"], strict=True))
    assert mapping["rare earths (technologies)"] == "rare_earths"
    assert mapping["dysprosium"] == "dysprosium"
    assert mapping["holmium"] == "holmium"
    assert mapping["artificial graphite anode materials"] == "graphite"
    for item in ("superhard materials", "lithium-ion batteries", "cathode materials"):
        assert mapping[item] is None


def test_dates_types_and_verification(events: pl.DataFrame) -> None:
    first = events.filter(pl.col("measure_id") == "CN-2023-023").row(0, named=True)
    assert first["date_announced"] == dt.date(2023, 7, 3)
    assert first["date_effective"] == dt.date(2023, 8, 1)
    assert first["verified"] is False
    types = dict(zip(events["measure_id"], events["measure_type"], strict=False))
    assert types["CN-2024-046"] == "export_ban"
    assert types["CN-2025-061"] == "extraterritorial_licence"
    assert types["CN-2025-062"] == "technology_control"
    assert types["CN-2026-SUSP"] == "suspension"
    assert types["CN-2025-010"] == "export_licence"


def test_suspension_of_the_2025_10_09_package(events: pl.DataFrame) -> None:
    suspended = events.filter(pl.col("date_resumes").is_not_null())
    assert set(suspended["measure_id"]) == SUSPENDED_PACKAGE
    assert suspended["date_resumes"].unique().to_list() == [dt.date(2026, 11, 10)]
    # the file dates the suspension only by the statement that reports it
    assert suspended["date_suspended"].unique().to_list() == [dt.date(2026, 4, 9)]
    assert (
        events.filter(~pl.col("measure_id").is_in(list(SUSPENDED_PACKAGE)))[
            "date_suspended"
        ].null_count()
        == events.height - suspended.height
    )


@pytest.mark.parametrize(
    ("day", "mineral", "measures"),
    [
        ("2023-07-15", "gallium", set()),  # announced 2023-07-03, effective 2023-08-01
        ("2023-08-01", "gallium", {"CN-2023-023"}),
        ("2024-01-01", "gallium", {"CN-2023-023"}),
        ("2024-01-01", "graphite", {"CN-2023-039"}),
        ("2024-12-03", "Ga", {"CN-2023-023", "CN-2024-046"}),
        ("2025-11-07", "holmium", set()),  # effective 2025-11-08
        ("2025-11-08", "holmium", {"CN-2025-057"}),
        ("2026-05-01", "holmium", set()),  # suspended
        ("2026-11-10", "holmium", {"CN-2025-057"}),  # resumes
        ("2026-05-01", "rare_earths", set()),
        ("2025-10-09", "rare_earths", {"CN-2025-062"}),  # effective on publication
        ("2025-12-01", "rare_earths", {"CN-2025-056", "CN-2025-061", "CN-2025-062"}),
    ],
)
def test_events_in_force(events: pl.DataFrame, day: str, mineral: str, measures: set[str]) -> None:
    found = events_in_force(events, dt.date.fromisoformat(day), mineral)
    assert set(found["measure_id"]) == measures


def test_events_in_force_all_minerals(events: pl.DataFrame) -> None:
    on = dt.date(2026, 5, 1)
    found = events_in_force(events, on)
    assert set(found["measure_id"]) == {
        "CN-2023-023",
        "CN-2023-039",
        "CN-2024-033",
        "CN-2024-046",
        "CN-2025-010",
        "CN-2025-018",
    }
    assert "suspension" not in set(found["measure_type"])


# --- malformed input -------------------------------------------------------------------

HEADER = (
    "measure_id,announcement,issuing_bodies,date_announced,date_effective,materials,"
    "scope_summary,targeting,status_note,primary_url,evidence_in_store,verified_in_store\n"
)


def write(tmp_path: Path, body: str, header: str = HEADER) -> Path:
    path = tmp_path / "controls.csv"
    path.write_text(header + body, encoding="utf-8")
    return path


def test_wrong_header(tmp_path: Path) -> None:
    path = write(tmp_path, "", header=HEADER.replace("materials", "items"))
    with pytest.raises(LayoutError, match=r"controls\.csv, row 1, column 'items'"):
        read_export_controls(path)


def test_bad_date_names_row_and_column(tmp_path: Path) -> None:
    body = (
        "X-1,A,MOFCOM,2024-01-01,2024-02-01,gallium,Licence requirement,all,,,,true\n"
        "X-2,B,MOFCOM,2024-13-01,2024-02-01,gallium,Licence requirement,all,,,,true\n"
    )
    with pytest.raises(InputError, match=r"controls\.csv, row 3, column 'date_announced'"):
        read_export_controls(write(tmp_path, body))


def test_unknown_material_is_an_error(tmp_path: Path) -> None:
    body = "X-1,A,MOFCOM,2024-01-01,2024-02-01,unobtainium,Licence requirement,all,,,,true\n"
    with pytest.raises(UnknownNameError, match=r"controls\.csv, row 2, column 'materials'"):
        read_export_controls(write(tmp_path, body))


def test_covered_row_without_suspension_row(tmp_path: Path) -> None:
    body = (
        "X-1,A,MOFCOM,2025-10-09,2025-11-08,holmium,Licence requirement,all,"
        "covered by the announced suspension,,,true\n"
    )
    with pytest.raises(InputError, match=r"row 2, column 'status_note'"):
        read_export_controls(write(tmp_path, body))


def test_blank_row_is_counted(tmp_path: Path) -> None:
    body = (
        ",,,,,,,,,,,\nX-1,A,MOFCOM,2024-01-01,2024-02-01,gallium,Licence requirement,all,,,,true\n"
    )
    result = read_export_controls(write(tmp_path, body))
    assert result.tables["policy_events"]["measure_id"].to_list() == ["X-1"]
    assert [(s.row, s.reason) for s in result.skipped] == [(2, "blank row")]
