"""Demo accounts and example holdings for ``orebloc serve --demo`` (idempotent: a second run adds nothing).

Every figure seeded is illustrative: the holdings are the example files' rows (themselves marked
``status=illustrative``), the obligations are assumptions stated below. The passwords are public;
a demo database is for trying the dashboard, not for real figures.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa

from orebloc.service import audit
from orebloc.service.security import hash_password
from orebloc.service.store import Holding, Obligation, Store, User


@dataclass(frozen=True)
class DemoUser:
    username: str
    password: str
    role: str
    member: str | None


DEMO_USERS = (
    DemoUser("sec", "demo-secretariat-pass", "secretariat", None),
    DemoUser("usa", "demo-usa-analyst-pass", "analyst", "USA"),
    DemoUser("eur", "demo-eur-analyst-pass", "analyst", "EUR"),
    DemoUser("jpn", "demo-jpn-analyst-pass", "analyst", "JPN"),
    DemoUser("obs", "demo-observer-pass", "observer", None),
)
HOLDINGS_FILES = ("examples/stockpile_holdings.csv", "examples/stockpile_holdings_graphite.csv")
# Assumption: 60 days of net imports of gallium (the IEA's oil rule is 90 days; 60 is the demo's
# choice). Net imports, t/yr: USA 18.7 (USGS MCS 2026 apparent consumption, net import reliance
# 100%); EUR 40 and JPN 100 (the consumption assumed by scenarios/gallium_germanium_ban.toml).
DEMO_OBLIGATIONS = (
    ("USA", "gallium", 60.0, 18.7),
    ("EUR", "gallium", 60.0, 40.0),
    ("JPN", "gallium", 60.0, 100.0),
)


def seed(store: Store, root: str | Path = ".") -> dict[str, int]:
    """Add the demo accounts, the example holdings and obligations that are not there yet; counts added."""
    from orebloc.stockpile.holdings import load_holdings

    added = {"users": 0, "holdings": 0, "obligations": 0}
    with store.session() as s:
        for u in DEMO_USERS:
            if s.execute(sa.select(User.id).where(User.username == u.username)).first() is None:
                row = User(
                    username=u.username,
                    password_hash=hash_password(u.password),
                    role=u.role,
                    member=u.member,
                )
                s.add(row)
                s.flush()
                audit.append(s, "demo", "create", "users", row.id, None, audit.record_hash(row))
                added["users"] += 1
        if s.execute(sa.select(Holding.id).limit(1)).first() is None:
            for name in HOLDINGS_FILES:
                for lot in load_holdings(Path(root) / name).lots:
                    h = Holding(
                        owner=lot.member,
                        sharing="secretariat",
                        mineral=lot.mineral,
                        form=lot.form,
                        holder=lot.holder_kind,
                        quantity_t=lot.stock_t,
                        as_of=lot.as_of,
                    )
                    s.add(h)
                    s.flush()
                    audit.append(s, "demo", "create", "holdings", h.id, None, audit.record_hash(h))
                    added["holdings"] += 1
        for member, mineral, days, imports in DEMO_OBLIGATIONS:
            have = s.execute(
                sa.select(Obligation.id).where(
                    Obligation.owner == member, Obligation.mineral == mineral
                )
            ).first()
            if have is None:
                o = Obligation(
                    owner=member,
                    sharing="secretariat",
                    mineral=mineral,
                    days=days,
                    net_imports_t_per_year=imports,
                )
                s.add(o)
                s.flush()
                audit.append(s, "demo", "create", "obligations", o.id, None, audit.record_hash(o))
                added["obligations"] += 1
    return added


def accounts_text() -> str:
    """The demo accounts as lines to print: name, password, role, member."""
    lines = ["demo accounts (user / password / role):"]
    for u in DEMO_USERS:
        lines.append(
            f"  {u.username:<4} {u.password:<24} {u.role}{f' ({u.member})' if u.member else ''}"
        )
    return "\n".join(lines)
