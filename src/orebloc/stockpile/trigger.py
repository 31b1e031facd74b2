"""When the bloc acts: trigger rules on the share of supply lost.

IEA-style thresholds (Agreement on an International Energy Program, 1974, arts. 13-14: a
supply loss of 7% of the group's supply triggers the emergency sharing system, 12% a further
level) or a discretionary decision. The share lost is the bloc's net supply loss (after spare
capacity and rerouting, from the market model) over its baseline consumption in the period.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from orebloc.errors import ValidationError

#: IEA thresholds (shares of supply lost), IEP Agreement arts. 13-14
IEA_LEVELS = (0.07, 0.12)
RULES = ("iea", "discretionary")


@dataclass(frozen=True)
class Trigger:
    """``iea``: act when the loss share reaches ``levels[0]``; ``discretionary``: act if ``decided``.

    ``cover``: the share of the net loss the release aims to replace (1 = all of it;
    ASSUMPTION: the IEA's collective actions have aimed at the full loss of supply).
    """

    rule: str = "iea"
    levels: tuple[float, ...] = IEA_LEVELS
    decided: bool = False
    cover: float = 1.0

    def __post_init__(self) -> None:
        if self.rule not in RULES:
            raise ValidationError(
                "trigger.rule", f"must be one of {', '.join(RULES)}, got {self.rule!r}"
            )
        if (
            not self.levels
            or any(not 0 < v < 1 for v in self.levels)
            or list(self.levels) != sorted(self.levels)
        ):
            raise ValidationError(
                "trigger.levels", f"must be increasing shares in (0, 1), got {self.levels}"
            )
        if not 0 < self.cover <= 1:
            raise ValidationError("trigger.cover", f"must be in (0, 1], got {self.cover}")

    def level(self, loss_share: np.ndarray | float) -> np.ndarray:
        """Thresholds reached (0: none; 1: the first, 7% for the IEA; 2: the second, 12%)."""
        s = np.asarray(loss_share, dtype=float)
        if self.rule == "discretionary":
            return np.full(s.shape, 1 if self.decided else 0)
        return np.searchsorted(np.asarray(self.levels), s, side="right")

    def met(self, loss_share: np.ndarray | float) -> np.ndarray:
        return self.level(loss_share) >= 1

    def target(self, loss_t: np.ndarray, loss_share: np.ndarray) -> np.ndarray:
        """Tonnes to release: ``cover`` x the loss where the trigger is met, else 0."""
        return np.where(self.met(loss_share), self.cover * np.asarray(loss_t, dtype=float), 0.0)
