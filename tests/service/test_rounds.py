"""Questionnaire rounds: template, row-by-row validation of an upload, answers as holdings, grades."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from orebloc.service.disclosure import grade, release
from orebloc.service.rounds import parse_upload, template
from tests.service.helpers import running

ROUND = {
    "mineral": "gallium",
    "forms": ["metal", "oxide"],
    "as_of": "2026-06-30",
    "deadline": "2099-01-01T00:00:00Z",
}


def test_template_lists_each_form_and_holder():
    assert (
        template(["metal"])
        == "form,holder,quantity_t\nmetal,agency,\nmetal,industry,\nmetal,joint,\n"
    )


def test_upload_errors_name_row_and_column():
    text = "form,holder,quantity_t\nmetal,agency,5\nore,agency,1\nmetal,bank,2\nmetal,joint,-3\nmetal,joint,\n"
    rows, errors = parse_upload(text, ["metal", "oxide"])
    assert [(r.form, r.holder, r.quantity_t) for r in rows] == [("metal", "agency", 5.0)]
    assert [(e.row, e.column) for e in errors] == [(3, "form"), (4, "holder"), (5, "quantity_t")]


@given(st.text(max_size=200))
def test_upload_parser_never_raises(text):
    rows, errors = parse_upload(text, ["metal"])
    assert all(r.quantity_t >= 0 and r.form == "metal" for r in rows)
    assert all(e.row >= 1 for e in errors)


def test_release_and_grade_rules():
    assert (
        release({"A": 1, "B": 2}, 3, 0.5).reason == "fewer than 3 members contribute to this total"
    )
    assert release({"A": 1, "B": 1, "C": 1, "D": 0}, 3, 0.5).total == 3
    assert not release({"A": 5.1, "B": 2, "C": 3}, 3, 0.5).released  # 5.1 / 10.1 > 50%
    assert release({"A": 5, "B": 2, "C": 3}, 3, 0.5).released  # exactly 50% is allowed
    assert (
        grade(True, 1.0),
        grade(False, 1.0),
        grade(True, 0.5),
        grade(True, 0.49),
        grade(None, 0),
    ) == ("A", "B", "B", "C", "C")


def test_round_answers_and_grades(db_url):
    with running(db_url) as bloc:
        rid = bloc.call("sec", "POST", "/rounds", json=ROUND).json()["id"]
        late = bloc.call(
            "sec", "POST", "/rounds", json={**ROUND, "deadline": "2000-01-01T00:00:00Z"}
        ).json()["id"]
        bad = b"form,holder,quantity_t\nmetal,agency,x\nsteel,agency,1\n"
        r = bloc.call(
            "usa", "POST", f"/rounds/{rid}/upload", files={"file": ("a.csv", bad, "text/csv")}
        )
        assert r.status_code == 422 and r.json()["field"] == "file"
        assert [(e["row"], e["column"]) for e in r.json()["errors"]] == [
            (2, "quantity_t"),
            (3, "form"),
        ]
        assert bloc.call("usa", "GET", "/holdings").json() == []  # nothing stored from a bad file
        good = b"form,holder,quantity_t\nmetal,agency,40\nmetal,industry,2.5\noxide,joint,7\n"
        r = bloc.call(
            "usa", "POST", f"/rounds/{rid}/upload", files={"file": ("a.csv", good, "text/csv")}
        )
        assert r.json() == {
            "round_id": rid,
            "member": "USA",
            "rows": 3,
            "forms_reported": ["metal", "oxide"],
            "on_time": True,
        }
        # a second answer replaces the first
        bloc.call(
            "usa",
            "POST",
            f"/rounds/{rid}/submissions",
            json={
                "rows": [
                    {"form": "metal", "holder": "agency", "quantity_t": 41},
                    {"form": "oxide", "holder": "joint", "quantity_t": 7},
                ]
            },
        )
        assert sorted(h["quantity_t"] for h in bloc.call("usa", "GET", "/holdings").json()) == [
            7.0,
            41.0,
        ]
        bloc.call(
            "jpn",
            "POST",
            f"/rounds/{rid}/submissions",
            json={"rows": [{"form": "metal", "holder": "agency", "quantity_t": 1}]},
        )
        bloc.call(
            "kor",
            "POST",
            f"/rounds/{late}/submissions",
            json={"rows": [{"form": "metal", "holder": "agency", "quantity_t": 1}]},
        )
        grades = {
            g["member"]: (g["timeliness"], g["completeness"], g["grade"])
            for g in bloc.call("obs", "GET", f"/rounds/{rid}/grades").json()
        }
        assert grades == {
            "USA": ("on time", 1.0, "A"),
            "JPN": ("on time", 0.5, "B"),
            "KOR": ("missing", 0.0, "C"),
            "DEU": ("missing", 0.0, "C"),
        }
        assert bloc.call("obs", "GET", f"/rounds/{late}/grades").json()[2] == {
            "member": "KOR",
            "timeliness": "late",
            "completeness": 0.5,
            "grade": "B",
        }


def test_upload_that_is_not_csv_is_a_row_error():
    rows, errors = parse_upload('form,holder,quantity_t\n"metal\x00,agency,1\n', ["metal"])
    assert (
        rows == []
        and len(errors) == 1
        and errors[0].reason.startswith(("not a CSV file", "2 cells", "1 cells"))
    )
