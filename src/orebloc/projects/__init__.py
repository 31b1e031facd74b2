"""Projects: a pipeline of real public projects, their viability, diversification targets,
a portfolio optimiser (MILP on HiGHS) and the bridge to scenarios (DESIGN.md §9)."""

from orebloc.projects.loader import load_pipeline, parse_pipeline
from orebloc.projects.schema import Money, Project
from orebloc.projects.status import StatusTable, load_status_table

__all__ = [
    "Money",
    "Project",
    "StatusTable",
    "load_pipeline",
    "load_status_table",
    "parse_pipeline",
]
