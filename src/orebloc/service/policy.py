"""The declared policy table: who may call each endpoint, and who may see a confidential record.

``POLICY`` is the one declaration. The app builds every endpoint's role check from it (a route
is registered under its rule's name and refused at start-up if its method or path differ), and
the authorization tests enumerate it. Roles: ``secretariat``; ``analyst`` and ``admin`` (member
analyst, member administrator: bound to one member); ``observer`` (public data only);
``anonymous`` (no login). Sharing levels of a confidential record: ``own`` (the owner member
only), ``secretariat`` (the owner and the secretariat), ``members`` (every member and the
secretariat). Observers never see a confidential record.
"""

from __future__ import annotations

from dataclasses import dataclass

ANON = "anonymous"
SECRETARIAT, ANALYST, ADMIN, OBSERVER = "secretariat", "analyst", "admin", "observer"
ALL_ROLES = (SECRETARIAT, ANALYST, ADMIN, OBSERVER, ANON)
MEMBER_ROLES = frozenset({ANALYST, ADMIN})
LOGGED_IN = frozenset({SECRETARIAT, ANALYST, ADMIN, OBSERVER})
EVERYONE = LOGGED_IN | {ANON}
CONFIDENTIAL_READERS = frozenset({SECRETARIAT, ANALYST, ADMIN})
USER_MANAGERS = frozenset({SECRETARIAT, ADMIN})
#: who may send a scenario as text (read it, run it as a job): the roles of rule ``scenario_check``
SCENARIO_AUTHORS = frozenset({SECRETARIAT, ANALYST, ADMIN})


@dataclass(frozen=True)
class Rule:
    """One endpoint: its method and path, the roles that may call it, and how records are scoped.

    scope: ``none`` (no confidential record), ``read`` (results filtered to what the caller may
    see), ``write`` (the caller's own member's records only), ``aggregate`` (released under the
    contributor and dominance rules), ``job`` (readable by who started it: same user or member)."""

    name: str
    method: str
    path: str
    roles: frozenset[str]
    scope: str = "none"


def _r(name: str, method: str, path: str, roles: frozenset[str], scope: str = "none") -> Rule:
    return Rule(name, method, path, frozenset(roles), scope)


POLICY: tuple[Rule, ...] = (
    _r("health", "GET", "/health", EVERYONE),
    # accounts
    _r("login", "POST", "/auth/login", EVERYONE),
    _r("logout", "POST", "/auth/logout", LOGGED_IN),
    _r("me", "GET", "/auth/me", LOGGED_IN),
    _r("users_list", "GET", "/users", USER_MANAGERS, "read"),
    _r("users_add", "POST", "/users", USER_MANAGERS, "write"),
    _r("users_disable", "POST", "/users/{user_id}/disable", USER_MANAGERS, "write"),
    # public data
    _r("atlas_shares", "GET", "/atlas/shares", EVERYONE),
    _r("atlas_top", "GET", "/atlas/top", EVERYONE),
    _r("atlas_events", "GET", "/atlas/events", EVERYONE),
    _r("risk_overview", "GET", "/risk/overview", EVERYONE),
    _r("risk_reliance", "GET", "/risk/reliance", EVERYONE),
    _r("risk_crma", "GET", "/risk/crma", EVERYONE),
    _r("market_solve", "POST", "/market/solve", LOGGED_IN),
    _r("scenario_job", "POST", "/jobs/scenario", LOGGED_IN, "job"),
    _r("compare_job", "POST", "/jobs/floor-compare", LOGGED_IN, "job"),
    # a scenario sent as text (also in the two jobs above: only for these roles, may_send_scenario)
    _r("scenario_check", "POST", "/scenarios/check", SCENARIO_AUTHORS),
    # confidential: stockpiles
    _r("holdings_list", "GET", "/holdings", CONFIDENTIAL_READERS, "read"),
    _r("holdings_get", "GET", "/holdings/{record_id}", CONFIDENTIAL_READERS, "read"),
    _r("holdings_create", "POST", "/holdings", MEMBER_ROLES, "write"),
    _r("holdings_update", "PUT", "/holdings/{record_id}", MEMBER_ROLES, "write"),
    _r("holdings_delete", "DELETE", "/holdings/{record_id}", MEMBER_ROLES, "write"),
    _r("obligations_list", "GET", "/obligations", CONFIDENTIAL_READERS, "read"),
    _r("obligations_create", "POST", "/obligations", MEMBER_ROLES, "write"),
    _r("compliance", "GET", "/compliance", CONFIDENTIAL_READERS, "read"),
    _r("aggregate_stock", "GET", "/aggregates/stock", CONFIDENTIAL_READERS, "aggregate"),
    _r("aggregate_cover", "GET", "/aggregates/cover", CONFIDENTIAL_READERS, "aggregate"),
    _r("response_job", "POST", "/jobs/response", CONFIDENTIAL_READERS, "job"),
    # confidential: projects
    _r("projects_list", "GET", "/projects", CONFIDENTIAL_READERS, "read"),
    _r("projects_get", "GET", "/projects/{record_id}", CONFIDENTIAL_READERS, "read"),
    _r("projects_create", "POST", "/projects", MEMBER_ROLES, "write"),
    _r("projects_delete", "DELETE", "/projects/{record_id}", MEMBER_ROLES, "write"),
    _r("portfolio_job", "POST", "/jobs/portfolio", CONFIDENTIAL_READERS, "job"),
    # questionnaire rounds
    _r("rounds_list", "GET", "/rounds", LOGGED_IN),
    _r("rounds_open", "POST", "/rounds", frozenset({SECRETARIAT}), "write"),
    _r("round_template", "GET", "/rounds/{round_id}/template", LOGGED_IN),
    _r("round_submit", "POST", "/rounds/{round_id}/submissions", MEMBER_ROLES, "write"),
    _r("round_upload", "POST", "/rounds/{round_id}/upload", MEMBER_ROLES, "write"),
    _r("round_grades", "GET", "/rounds/{round_id}/grades", LOGGED_IN),
    # jobs
    _r("jobs_list", "GET", "/jobs", LOGGED_IN, "job"),
    _r("job_get", "GET", "/jobs/{job_id}", LOGGED_IN, "job"),
    _r("job_result", "GET", "/jobs/{job_id}/result", LOGGED_IN, "job"),
    _r("job_events", "GET", "/jobs/{job_id}/events", LOGGED_IN, "job"),
    _r("job_cancel", "POST", "/jobs/{job_id}/cancel", LOGGED_IN, "job"),
    # --- secure aggregation rounds (orebloc.exchange): the server relays masked messages only ---
    _r("exchange_open", "POST", "/exchange/rounds", frozenset({SECRETARIAT}), "write"),
    _r("exchange_progress", "GET", "/exchange/rounds/{round_id}", LOGGED_IN),
    _r(
        "exchange_advance",
        "POST",
        "/exchange/rounds/{round_id}/advance",
        frozenset({SECRETARIAT}),
        "write",
    ),
    _r("exchange_send", "POST", "/exchange/rounds/{round_id}/messages", MEMBER_ROLES, "write"),
    _r("exchange_inbox", "GET", "/exchange/rounds/{round_id}/inbox", MEMBER_ROLES, "read"),
    # --- end of secure aggregation rounds ---
    # -- dashboard pages (orebloc.service.web) -----------------------------------------------
    # Pages read through the same core functions and sharing rules as the API; a confidential
    # page is only for the roles that may read the records it shows.
    _r("web_home", "GET", "/", EVERYONE),
    _r("web_static", "GET", "/web/static/{name}", EVERYONE),
    _r("web_login", "GET", "/web/login", EVERYONE),
    _r("web_overview", "GET", "/web/overview", EVERYONE),
    _r("web_mineral", "GET", "/web/mineral", EVERYONE),
    _r("web_scenario", "GET", "/web/scenario", LOGGED_IN),
    _r("web_floor", "GET", "/web/floor", LOGGED_IN),
    _r("web_job_download", "GET", "/web/jobs/{job_id}/download", LOGGED_IN, "job"),
    _r("web_stockpiles", "GET", "/web/stockpiles", CONFIDENTIAL_READERS, "read"),
    _r("web_holding", "GET", "/web/stockpiles/holdings/{record_id}", CONFIDENTIAL_READERS, "read"),
    _r("web_projects", "GET", "/web/projects", CONFIDENTIAL_READERS, "read"),
    _r("web_response", "GET", "/web/response", CONFIDENTIAL_READERS, "job"),
    # report downloads (?format=html|pdf): the atlas's for everyone, as its pages; a job's for who may read the job
    _r("web_atlas_report", "GET", "/web/reports/atlas", EVERYONE),
    _r("web_job_report", "GET", "/web/jobs/{job_id}/report", LOGGED_IN, "job"),
    # -- end of dashboard pages --------------------------------------------------------------
)
RULES: dict[str, Rule] = {r.name: r for r in POLICY}


def role_of(user: object | None) -> str:
    return ANON if user is None else user.role  # type: ignore[attr-defined]


def may_call(rule: Rule, role: str) -> bool:
    return role in rule.roles


def may_send_scenario(role: str) -> bool:
    """May this role send a scenario as text (``scenario_text`` of the scenario and comparison
    jobs)? The roles of rule ``scenario_check``; any logged-in role may run a bundled scenario."""
    return may_call(RULES["scenario_check"], role)


def may_read(role: str, member: str | None, owner: str, sharing: str) -> bool:
    """May a caller (role, bound member) see a record of ``owner`` shared at ``sharing``?"""
    if role in MEMBER_ROLES:
        return owner == member or sharing == "members"
    if role == SECRETARIAT:
        return sharing in ("secretariat", "members")
    return False


def may_write(role: str, member: str | None, owner: str) -> bool:
    """Only the owner member's analysts and administrators change its records."""
    return role in MEMBER_ROLES and owner == member


def may_read_job(
    role: str,
    user_id: int | None,
    member: str | None,
    job_user: int,
    job_member: str | None,
    job_role: str,
) -> bool:
    """A job and its result: its starter, the starter's member, or (a secretariat job) the secretariat."""
    if user_id is not None and user_id == job_user:
        return True
    if role in MEMBER_ROLES and job_member is not None:
        return member == job_member
    return role == SECRETARIAT and job_role == SECRETARIAT
