"""Words in messages: plurals and indefinite articles ("1 partner", "an outsider").

Plain rules that cover the nouns orebloc uses (partner, draw, period, row, country, economy,
input); pass the plural form for any other irregular noun.
"""

from __future__ import annotations


def plural_of(noun: str) -> str:
    """The English plural of a regular noun: draw -> draws, economy -> economies, tax -> taxes."""
    if noun.endswith(("s", "x", "z", "ch", "sh")):
        return noun + "es"
    if noun.endswith("y") and noun[-2:-1] not in ("a", "e", "i", "o", "u", ""):
        return noun[:-1] + "ies"
    return noun + "s"


def plural(n: float, noun: str, many: str | None = None) -> str:
    """``n`` with its noun, singular for exactly one: ``plural(1, "partner")`` is "1 partner".

    Integers get thousands separators ("1,000 draws"); ``many`` is the plural where it is not
    regular.
    """
    word = noun if n == 1 else (many or plural_of(noun))
    number = f"{n:,}" if isinstance(n, int) else f"{n:g}"
    return f"{number} {word}"


def with_article(word: str) -> str:
    """The word with its indefinite article: "a member", "an outsider".

    Chosen by the first letter (a vowel letter takes "an"), which is right for every role,
    kind and unit orebloc names.
    """
    return ("an " if word[:1].lower() in ("a", "e", "i", "o", "u") else "a ") + word
