"""Bloc membership from TOML files."""

import pytest

from orebloc.atlas.blocs import MEMBER, OUTSIDER, PARTNER, load_bloc
from orebloc.errors import InputError, UnknownNameError


def test_default_bloc():
    bloc = load_bloc()
    assert len(bloc.members) == 29  # USA, JPN and the 27 EU member states
    assert bloc.role("USA") == MEMBER and bloc.role("DEU") == MEMBER and bloc.role("JPN") == MEMBER
    assert bloc.role("MEX") == PARTNER
    assert bloc.role("CHN") == OUTSIDER
    assert bloc.unit_of["FRA"] == "EU27"
    assert bloc.expand("EU27")[0] == "AUT"


def test_custom_bloc(tmp_path):
    f = tmp_path / "b.toml"
    f.write_text('name = "x"\n[roles]\nmembers = ["USA", "AUS"]\npartners = ["CAN"]\n')
    bloc = load_bloc(f)
    assert (
        bloc.role("AUS") == MEMBER and bloc.role("CAN") == PARTNER and bloc.role("DEU") == OUTSIDER
    )


def test_bad_bloc_files(tmp_path):
    f = tmp_path / "b.toml"
    f.write_text('[roles]\nmembers = ["USA", "XXY"]\n')
    with pytest.raises(UnknownNameError, match=r"roles.members.*XXY"):
        load_bloc(f)
    f.write_text('[roles\nmembers = ["USA"]\n')
    with pytest.raises(InputError, match="b.toml.*not valid TOML"):
        load_bloc(f)
    f.write_text('[roles]\nmembers = ["USA"]\npartners = ["USA"]\n')
    with pytest.raises(InputError, match="both member and partner"):
        load_bloc(f)
