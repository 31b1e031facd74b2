"""Pydantic request and response models of the API (the OpenAPI schema is generated from them)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

Sharing = Literal["own", "secretariat", "members"]
Role = Literal["secretariat", "analyst", "admin", "observer"]
Holder = Literal["agency", "industry", "joint"]
Member = Field(pattern=r"^[A-Z]{3}$", description="ISO 3166-1 alpha-3 code of the member")
Name = Field(min_length=1, max_length=40, pattern=r"^[a-z0-9_ ]+$")


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Problem(BaseModel):
    """An error as data (RFC 9457 problem details); ``field`` names the input that was wrong."""

    type: str = "about:blank"
    title: str
    status: int
    detail: str
    field: str | None = None


class LoginIn(Strict):
    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=200)


class LoginOut(BaseModel):
    token: str
    expires_at: dt.datetime
    role: Role
    member: str | None


class UserIn(Strict):
    username: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.-]+$")
    password: str = Field(min_length=12, max_length=200)
    role: Role
    member: str | None = Field(default=None, pattern=r"^[A-Z]{3}$")


class UserOut(BaseModel):
    id: int
    username: str
    role: Role
    member: str | None
    disabled: bool


class HoldingIn(Strict):
    mineral: str = Name
    form: str = Name
    holder: Holder
    quantity_t: float = Field(ge=0, le=1e9, description="tonnes of the form")
    as_of: dt.date
    sharing: Sharing = "secretariat"


class HoldingOut(HoldingIn):
    id: int
    owner: str


class ObligationIn(Strict):
    mineral: str = Name
    days: float = Field(ge=0, le=3650, description="days of net imports to hold")
    net_imports_t_per_year: float = Field(ge=0, le=1e9, description="tonnes a year")
    sharing: Sharing = "secretariat"


class ObligationOut(ObligationIn):
    id: int
    owner: str


class Compliance(BaseModel):
    """A member's stock against its obligation: cover in days and the gap in tonnes (0 if met)."""

    member: str
    mineral: str
    stock_t: float
    obligation_days: float
    cover_days: float | None
    gap_t: float
    compliant: bool


class Aggregate(BaseModel):
    """A bloc total released only under the contributor and dominance rules; else ``withheld``."""

    status: Literal["released", "withheld"]
    mineral: str
    form: str | None = None
    value: float | None = None
    unit: str
    contributors: int | None = None
    reason: str | None = None


class ProjectIn(Strict):
    name: str = Field(min_length=1, max_length=120)
    mineral: str = Name
    stage: Literal["mining", "refining", "product"]
    country: str = Field(pattern=r"^[A-Z]{3}$")
    capacity_t: float = Field(gt=0, le=1e9, description="tonnes a year")
    capex_musd: float = Field(ge=0, le=1e6, description="million USD")
    start_year: int = Field(ge=2000, le=2100)
    sharing: Sharing = "secretariat"


class ProjectOut(ProjectIn):
    id: int
    owner: str


class SolveIn(Strict):
    mineral: str = Field(min_length=1, max_length=40)
    year: int | None = Field(default=None, ge=1990, le=2100)
    stage: str | None = Field(default=None, max_length=20)
    ban: list[str] = Field(default_factory=list, max_length=20, description="ORIGIN[:DEST,...]")
    cap: list[str] = Field(default_factory=list, max_length=20, description="ORIGIN[:DEST,...]=T")
    tariff: list[str] = Field(
        default_factory=list, max_length=20, description="IMPORTER[<EXPORTER]=RATE"
    )
    floor: list[str] = Field(default_factory=list, max_length=20, description="ZONE=USD_T")
    outage: list[str] = Field(default_factory=list, max_length=20, description="ZONE=SHARE")


#: the longest scenario text the service reads (characters; the shipped files are under 8,000)
MAX_SCENARIO_CHARS = 65_536
ScenarioText = Field(
    default=None,
    min_length=1,
    max_length=MAX_SCENARIO_CHARS,
    description="a whole scenario file's TOML (docs/scenarios.md), run instead of the bundled file; "
    "files it names (bloc, model, holdings) are relative to the scenarios folder and must lie in "
    "it or its data folders. Not for the observer role.",
)


class ScenarioJobIn(Strict):
    scenario: str | None = Field(
        default=None,
        pattern=r"^[a-z0-9_]+$",
        max_length=80,
        description="a bundled scenario's file stem (with scenario_text: the one it was edited from)",
    )
    scenario_text: str | None = ScenarioText
    draws: int = Field(default=100, ge=1, le=20000)
    seed: int = Field(default=1, ge=0, le=2**31)
    chunk_size: int = Field(
        default=1000, ge=10, le=20000, description="draws per chunk; progress is reported per chunk"
    )

    @model_validator(mode="after")
    def _one_scenario(self):
        if self.scenario is None and self.scenario_text is None:
            raise ValueError("give scenario (a bundled scenario's stem) or scenario_text")
        return self


FieldText = Annotated[str, StringConstraints(max_length=2000)]
FieldKey = Annotated[str, StringConstraints(pattern=r"^[a-z_]{1,40}$")]
FormEntry = dict[FieldKey, FieldText]


class ScenarioCheckIn(Strict):
    """A scenario text to read, optionally with its shocks and policies replaced by the form's."""

    scenario_text: str = Field(min_length=1, max_length=MAX_SCENARIO_CHARS)
    shocks: list[FormEntry] | None = Field(
        default=None,
        max_length=50,
        description="the [[shocks]] to write into the text, each key -> its field's text "
        "(omitted: the text's own are kept)",
    )
    policies: list[FormEntry] | None = Field(
        default=None,
        max_length=50,
        description="the [[policies]] to write into the text (omitted: the text's own are kept)",
    )


class ScenarioCheckOut(BaseModel):
    """A scenario text that the reader accepted, and its form: what the lab's fields show."""

    scenario_text: str
    sha256: str = Field(description="SHA-256 of scenario_text (UTF-8), as a job records it")
    name: str
    step: str
    periods: list[str] = Field(description="the first and the last period")
    markets: list[str]
    zones: list[str]
    shocks: list[dict[str, str]]
    policies: list[dict[str, str]]
    fields: dict[str, Any] = Field(description="each kind's fields, and the required numbers")


class CompareJobIn(ScenarioJobIn):
    market: str | None = Field(default=None, max_length=40)
    floor_usd_t: float | None = Field(default=None, gt=0, le=1e7)


class ResponseJobIn(Strict):
    mineral: str = Name
    supply_loss_t_per_day: float = Field(
        gt=0, le=1e7, description="the bloc's supply lost, tonnes a day"
    )
    days: float = Field(gt=0, le=3650, description="how long the loss lasts")
    year: int = Field(default=2024, ge=2000, le=2100, description="the market's calibration year")
    stage: str | None = Field(
        default=None, max_length=20, description="the market's stage (default: the mineral's)"
    )
    calibration: dict[str, float] = Field(
        default_factory=dict,
        max_length=40,
        description='calibration overrides, e.g. {"demand.JPN.d0": 100}',
    )
    rule: Literal["proportional", "minmax", "cost"] = "proportional"
    draws: int = Field(default=50, ge=1, le=2000, description="Monte Carlo draws of elasticities")
    seed: int = Field(default=1, ge=0, le=2**31)


class PortfolioJobIn(Strict):
    target: str = Field(default="china:rare_earths:refining:0.65@2030", max_length=80)
    budget_usd: float | None = Field(default=None, gt=0, le=1e13)


#: a job's state: waiting, running, or one of the final states (``orebloc.service.jobs.FINAL``)
JobState = Literal["queued", "running", "done", "failed", "cancelled", "interrupted"]


class JobOut(BaseModel):
    id: int
    kind: str
    state: JobState
    progress: float
    error: str | None
    created_at: dt.datetime
    finished_at: dt.datetime | None


class JobResult(BaseModel):
    id: int
    kind: str
    result: dict[str, Any]


class RoundIn(Strict):
    mineral: str = Name
    forms: list[str] = Field(min_length=1, max_length=20)
    as_of: dt.date
    deadline: dt.datetime


class RoundOut(RoundIn):
    id: int


class RoundRow(Strict):
    form: str = Name
    holder: Holder
    quantity_t: float = Field(ge=0, le=1e9)


class RoundSubmissionIn(Strict):
    rows: list[RoundRow] = Field(min_length=1, max_length=500)
    sharing: Sharing = "secretariat"


class RoundReceipt(BaseModel):
    round_id: int
    member: str
    rows: int
    forms_reported: list[str]
    on_time: bool


class Grade(BaseModel):
    """JODI-style grades of one member in one round: timeliness and completeness."""

    member: str
    timeliness: Literal["on time", "late", "missing"]
    completeness: float = Field(description="share of the round's forms reported, 0-1")
    grade: Literal["A", "B", "C"]


class Rows(BaseModel):
    """A table of public data: column names and rows, with the notes the core attached."""

    columns: list[str]
    rows: list[dict[str, Any]]
    notes: list[str] = Field(default_factory=list)
