"""A scenario from a user reads only files inside the folders it is confined to (``confine_to``):
absolute paths, ``..`` out of them and symlinks out of them are refused with one line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from orebloc.scenarios.spec import ScenarioError, loads_scenario

from .conftest import TWO_ZONE, scenario_text

ROOT = Path(__file__).resolve().parents[2]


def _text(model: str) -> str:
    return scenario_text().replace('model = "two_zone.toml"', f"model = {json.dumps(model)}")


@pytest.fixture()
def folders(tmp_path: Path) -> tuple[Path, Path]:
    """(allowed, outside): the model file in both, a symlink inside that points out."""
    allowed, outside = tmp_path / "allowed", tmp_path / "outside"
    (allowed / "sub").mkdir(parents=True)
    outside.mkdir()
    for d in (allowed, outside):
        (d / "two_zone.toml").write_text(TWO_ZONE)
    (allowed / "link.toml").symlink_to(outside / "two_zone.toml")
    (allowed / "sub" / "x.txt").write_text("")
    return allowed, outside


def test_files_inside_the_folder_are_read(folders):
    allowed, _ = folders
    for name in ("two_zone.toml", "sub/../two_zone.toml", "./two_zone.toml"):
        spec = loads_scenario(_text(name), "up.toml", base=allowed, confine_to=[allowed])
        assert spec.markets[0].model == allowed / "two_zone.toml"
        assert spec.markets[0].market is not None


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("{outside}/two_zone.toml", "must be a path relative to the scenario, got '/"),
        ("../outside/two_zone.toml", "'../outside/two_zone.toml' is outside the folders a "
         "scenario may read (allowed)"),
        ("link.toml", "'link.toml' is outside the folders a scenario may read (allowed)"),
        ("sub/../../outside/two_zone.toml", "is outside the folders"),
        ("~/two_zone.toml", "must be a path relative to the scenario"),
        ("two_zone.toml\x00", "must be a file name"),
        ("missing.toml", "no file 'missing.toml' in the folders a scenario may read (allowed)"),
    ],
)  # fmt: skip
def test_files_outside_are_refused_in_one_line(folders, name, reason):
    allowed, outside = folders
    text = _text(name.format(outside=outside))
    with pytest.raises(ScenarioError) as err:
        loads_scenario(text, "up.toml", base=allowed, confine_to=[allowed])
    msg = str(err.value)
    assert msg.startswith("up.toml, line 12: markets[0].model: ") and "\n" not in msg
    assert reason in msg
    assert str(outside) not in msg.split("got")[0]  # the refusal names no server folder
    # unconfined (a scenario file of one's own, from the command line), the same text is read
    if "\x00" not in name and "~" not in name and "missing" not in name:
        assert loads_scenario(text, "up.toml", base=allowed).markets[0].market is not None


def test_every_kind_of_file_reference_is_confined(folders):
    """bloc.file and stockpiles[].holdings go through the same check as markets[].model."""
    allowed, _ = folders
    text = scenario_text(head='[bloc]\nfile = "/etc/passwd"\n')
    with pytest.raises(ScenarioError, match=r"bloc\.file: must be a path relative"):
        loads_scenario(text, "up.toml", base=allowed, confine_to=[allowed])
    shipped = (ROOT / "scenarios" / "graphite_licensing.toml").read_text()
    with pytest.raises(ScenarioError, match=r"stockpiles\[0\]\.holdings: '\.\./examples/.*outside"):
        loads_scenario(shipped, "g.toml", base=ROOT / "scenarios", confine_to=[ROOT / "scenarios"])
    spec = loads_scenario(
        shipped, "g.toml", base=ROOT / "scenarios",
        confine_to=[ROOT / "scenarios", ROOT / "examples"],
    )  # fmt: skip
    assert spec.stockpiles[0].holdings is not None


def test_a_file_name_must_be_a_string(folders):
    allowed, _ = folders
    text = scenario_text(head="[bloc]\nfile = 3\n")
    with pytest.raises(ScenarioError, match=r"bloc\.file: must be a file name, got 3"):
        loads_scenario(text, "up.toml", base=allowed)
