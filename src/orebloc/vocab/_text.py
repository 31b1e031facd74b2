"""Text normalisation shared by the name resolvers."""

from __future__ import annotations

import re
import unicodedata

_DASHES = re.compile(r"[\u2010-\u2015\u2212]+|--+")
_SPACE = re.compile(r"\s+")


def fold(text: str) -> str:
    """Lower-case, strip accents, unify dashes and whitespace: the key names are matched on."""
    text = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    text = _DASHES.sub("-", text.replace("\xa0", " "))
    return _SPACE.sub(" ", text).strip().lower()


def loose(text: str) -> str:
    """A looser key: ``fold`` then drop every separator ("rare-earths" == "rare earths")."""
    return re.sub(r"[\s\-_.,/]+", "", fold(text))
