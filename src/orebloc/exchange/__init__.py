"""Secure aggregation of members' stockpile levels (Bonawitz et al., CCS 2017): the protocol core.

A pure library (no HTTP, no database): fixed-point encoding (``encoding``), Shamir sharing over a
prime field (``shamir``), key agreement, pairwise masks and self-masks (``masking``), and the
member and server steps of one round (``protocol``). docs/secure-aggregation.md specifies it.
"""
