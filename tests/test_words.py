"""Plurals and articles in messages: "1 partner", "2 partners", "an outsider"."""

import pytest

from orebloc.words import plural, plural_of, with_article


@pytest.mark.parametrize(
    ("noun", "many"),
    [
        ("partner", "partners"),
        ("draw", "draws"),
        ("economy", "economies"),
        ("country", "countries"),
        ("day", "days"),
        ("tax", "taxes"),
    ],
)
def test_plural_of(noun, many):
    assert plural_of(noun) == many


def test_plural_is_singular_for_one_only():
    assert plural(1, "partner") == "1 partner"
    assert plural(0, "partner") == "0 partners"
    assert plural(10_000, "draw") == "10,000 draws"
    assert plural(1.5, "year") == "1.5 years"
    assert plural(1, "member economy", "member economies") == "1 member economy"
    assert plural(3, "member economy", "member economies") == "3 member economies"


@pytest.mark.parametrize(
    ("word", "text"),
    [
        ("outsider", "an outsider"),
        ("member", "a member"),
        ("partner", "a partner"),
        ("floor", "a floor"),
        ("export_control", "an export_control"),
        ("cfd", "a cfd"),
    ],
)
def test_with_article(word, text):
    assert with_article(word) == text
