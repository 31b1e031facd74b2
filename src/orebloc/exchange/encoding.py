"""Fixed-point encoding of stock levels into the ring Z_R used for masking.

PRECISION: 1 kg (levels are rounded to 0.001 t). MODULUS R = 2**64. A member's level is at most
MAX_LEVEL_T = 1e9 t (10**12 units); the sum of up to MAX_MEMBERS = 10_000 members is below
10**16 < R/2, so the sum never wraps and decodes exactly (assumption: no member holds more than
1e9 t of one form, about 50 times the world's annual output of any mineral orebloc covers).
"""

from __future__ import annotations

from orebloc.errors import ValidationError

MODULUS = 2**64
SCALE = 1000  # units per tonne: 1 unit = 1 kg
MAX_LEVEL_T = 1e9
MAX_MEMBERS = 10_000


def encode(level_t: float) -> int:
    """A level in tonnes as an integer of kg in [0, 10**12]; refuses negative, NaN or too large levels."""
    if not (0.0 <= level_t <= MAX_LEVEL_T):  # also false for NaN
        raise ValidationError(
            "level_t", f"must be between 0 and {MAX_LEVEL_T:g} t, got {level_t!r}"
        )
    return round(level_t * SCALE)


def decode_sum(value: int, members: int) -> float:
    """The sum in tonnes of ``members`` encoded levels, from its value mod R.

    Raises ValidationError when the value is outside what ``members`` honest levels can sum to
    (the consistency check that catches most tampered or wrongly unmasked values)."""
    value %= MODULUS
    if value > members * round(MAX_LEVEL_T * SCALE):
        raise ValidationError(
            "total",
            f"unmasked sum {value} is not a sum of {members} levels of at most "
            f"{MAX_LEVEL_T:g} t: a masked value was altered or a mask was not removed",
        )
    return value / SCALE
