"""Shamir's t-of-n secret sharing over the prime field GF(P), P = 2**521 - 1 (a Mersenne prime,
so any 64-byte secret fits). Shares are points (x, f(x)) with x = 1..n of a random polynomial of
degree t - 1 whose constant term is the secret; any t shares give it back by Lagrange
interpolation at 0, fewer than t reveal nothing about it."""

from __future__ import annotations

import secrets

from orebloc.errors import ValidationError

P = 2**521 - 1


def split(secret: int, n: int, t: int) -> list[tuple[int, int]]:
    """``n`` shares of ``secret`` (0 <= secret < P), any ``t`` of which reconstruct it."""
    if not 0 <= secret < P:
        raise ValidationError("secret", "must be in [0, P)")
    if not 1 <= t <= n:
        raise ValidationError("threshold", f"must be between 1 and {n}, got {t}")
    coeffs = [secret] + [secrets.randbelow(P) for _ in range(t - 1)]
    out = []
    for x in range(1, n + 1):
        y = 0
        for c in reversed(coeffs):  # Horner
            y = (y * x + c) % P
        out.append((x, y))
    return out


def combine(shares: list[tuple[int, int]]) -> int:
    """The secret from shares with distinct x (as many as the threshold, or more)."""
    xs = [x for x, _ in shares]
    if len(set(xs)) != len(xs) or not shares:
        raise ValidationError("shares", "need at least one share and distinct share indices")
    secret = 0
    for i, (xi, yi) in enumerate(shares):
        num, den = 1, 1
        for j, xj in enumerate(xs):
            if j != i:
                num = num * (-xj) % P
                den = den * (xi - xj) % P
        secret = (secret + yi * num * pow(den, -1, P)) % P
    return secret
