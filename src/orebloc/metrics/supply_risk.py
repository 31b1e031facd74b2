"""Supply risk by the EU criticality methodology (European Commission, 2017; used for the 2020
and 2023 lists).

    SR = [HHI_WGI,GS * IR/2 + HHI_WGI,EU * (1 - IR/2)] * (1 - EOL_RIR) * SI_SR

    HHI_WGI = sum_c (S_c)^2 * WGI_c * t_c

where S_c is country c's share (fraction) of global supply (GS) or of the EU's sourcing
(domestic production plus imports, EU), WGI_c the World Governance Indicator rescaled to
0-10 (10 = weakest governance), t_c a trade-related factor (1 = no export restriction; larger
with export taxes, quotas or bans), IR the import reliance (fraction), EOL_RIR the end-of-life
recycling input rate (fraction) and SI_SR the substitution index for supply risk (0-1; 1 = no
substitute). A material is critical when SR >= 1 and its economic importance EI >= 2.8.

orebloc computes shares and IR from the atlas; WGI and t_c are inputs a user supplies (the
dataset does not ship governance indicators). Defaults, each an assumption that the result
reports: t_c = 1 for every country, EOL_RIR = 0, SI_SR = 1.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from orebloc.errors import ValidationError

SR_THRESHOLD = 1.0
EI_THRESHOLD = 2.8


def hhi_wgi(
    share: Mapping[str, float],
    wgi: Mapping[str, float],
    trade_factor: Mapping[str, float] | None = None,
) -> float:
    """sum_c S_c^2 * WGI_c * t_c with shares as fractions, WGI on 0-10, t_c >= 1 (default 1)."""
    total = 0.0
    for c, s in share.items():
        if not 0 <= s <= 1:
            raise ValidationError(f"share[{c}]", f"must be in [0, 1], got {s}")
        if c not in wgi:
            raise ValidationError(
                f"wgi[{c}]", "missing: every supplying country needs a scaled WGI (0-10)"
            )
        w = wgi[c]
        if not 0 <= w <= 10:
            raise ValidationError(f"wgi[{c}]", f"must be in [0, 10], got {w}")
        t = 1.0 if trade_factor is None else trade_factor.get(c, 1.0)
        if t < 1:
            raise ValidationError(f"trade_factor[{c}]", f"must be >= 1, got {t}")
        total += s * s * w * t
    return total


@dataclass(frozen=True)
class SupplyRisk:
    """A supply-risk score and its parts."""

    sr: float
    hhi_wgi_gs: float
    hhi_wgi_eu: float
    import_reliance: float
    eol_rir: float
    si_sr: float
    assumed: tuple[str, ...]

    @property
    def high(self) -> bool:
        return self.sr >= SR_THRESHOLD


def supply_risk(
    global_shares: Mapping[str, float],
    sourcing_shares: Mapping[str, float],
    wgi: Mapping[str, float],
    import_reliance: float,
    eol_rir: float | None = None,
    si_sr: float | None = None,
    trade_factor: Mapping[str, float] | None = None,
) -> SupplyRisk:
    """The EU supply-risk score; arguments left as None take the documented defaults."""
    if not 0 <= import_reliance <= 1:
        raise ValidationError("import_reliance", f"must be in [0, 1], got {import_reliance}")
    assumed = []
    if eol_rir is None:
        eol_rir = 0.0
        assumed.append("eol_rir=0")
    if si_sr is None:
        si_sr = 1.0
        assumed.append("si_sr=1")
    if trade_factor is None:
        assumed.append("t_c=1")
    if not 0 <= eol_rir <= 1:
        raise ValidationError("eol_rir", f"must be in [0, 1], got {eol_rir}")
    if not 0 <= si_sr <= 1:
        raise ValidationError("si_sr", f"must be in [0, 1], got {si_sr}")
    gs = hhi_wgi(global_shares, wgi, trade_factor)
    eu = hhi_wgi(sourcing_shares, wgi, trade_factor)
    sr = (gs * import_reliance / 2 + eu * (1 - import_reliance / 2)) * (1 - eol_rir) * si_sr
    return SupplyRisk(sr, gs, eu, import_reliance, eol_rir, si_sr, tuple(assumed))
