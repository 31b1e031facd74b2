"""Service settings: one frozen record, read from arguments or ``OREBLOC_*`` environment variables."""

from __future__ import annotations

import os
from dataclasses import dataclass

DEFAULT_DB = "sqlite:///orebloc.db"

# Assumption: the thresholds below are orebloc's defaults, not taken from a standard. The
# three-contributor rule is DESIGN §8 ("never shown when fewer than three members contribute");
# the dominance share follows the (n, k) dominance rule of statistical disclosure control
# (Hundepool et al., *Statistical Disclosure Control*, Wiley 2012, §4.2) with n = 1, k = 50%.
MIN_CONTRIBUTORS = 3
MAX_MEMBER_SHARE = 0.5
# Assumption: login policy (NIST SP 800-63B §5.2.2 only caps failures at 100; we lock sooner).
TOKEN_HOURS = 8.0
MAX_FAILURES = 5
LOCK_MINUTES = 15.0


@dataclass(frozen=True)
class Settings:
    """Everything the app needs to start: the store URL, the job scheduler and the policy numbers."""

    db_url: str = DEFAULT_DB
    scheduler: str = "local-cluster"  # "local-cluster" (Dask on 127.0.0.1), "inline" or an address
    min_contributors: int = MIN_CONTRIBUTORS
    max_member_share: float = MAX_MEMBER_SHARE
    token_hours: float = TOKEN_HOURS
    max_failures: int = MAX_FAILURES
    lock_minutes: float = LOCK_MINUTES
    scenarios_dir: str = "scenarios"
    #: folders, relative to ``scenarios_dir``, that a scenario sent as text may also read files
    #: from (the shipped scenarios take their example holdings from ``../examples``)
    scenario_data_dirs: tuple[str, ...] = ("../examples",)

    def scenario_roots(self) -> list[str]:
        """Every folder a scenario sent as text may read a file from (``loads_scenario``'s confine_to)."""
        from pathlib import Path

        base = Path(self.scenarios_dir)
        return [str(base), *(str(base / d) for d in self.scenario_data_dirs)]

    @classmethod
    def from_env(cls, **overrides: object) -> Settings:
        """Settings from ``OREBLOC_DB`` and ``OREBLOC_SCHEDULER``, then the overrides given."""
        base: dict[str, object] = {}
        if "OREBLOC_DB" in os.environ:
            base["db_url"] = os.environ["OREBLOC_DB"]
        if "OREBLOC_SCHEDULER" in os.environ:
            base["scheduler"] = os.environ["OREBLOC_SCHEDULER"]
        base.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**base)  # type: ignore[arg-type]
