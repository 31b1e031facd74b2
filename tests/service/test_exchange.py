"""Secure-aggregation rounds through the service: exact totals with 3, 5 and 12 members, drop-outs
recovered, too few members fail cleanly, tampering detected, and no plaintext level in any request
body or database row."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from orebloc.errors import InputError
from orebloc.exchange.encoding import SCALE
from orebloc.service.exchange_client import check_result
from orebloc.service.store import Base, ExchangeMessage
from tests.service.exchange_helpers import run_round
from tests.service.helpers import running


def _expect(levels: dict[str, float], *gone: str) -> float:
    return sum(round(x * SCALE) for m, x in levels.items() if m not in gone) / SCALE


@pytest.mark.parametrize("n", [3, 5, 12])
def test_exact_total(db_url, n):
    with running(db_url) as bloc:
        out, _clients, lv = run_round(bloc, n)
    assert out["status"] == "released" and out["contributors"] == n
    assert out["total_t"] == _expect(lv)  # exact to the kg
    assert out["cover_days"] == pytest.approx(out["total_t"] / 1000.0)  # 365,000 t/yr = 1,000 t/day
    assert [p["messages"] for p in out["progress"]] == [n, n, n, n]


@pytest.mark.parametrize(
    ("n", "gone"), [(5, ("M01",)), (5, ("M01", "M04")), (12, ("M00",)), (12, ("M03", "M11"))]
)
def test_dropouts_after_sharing_recovered(db_url, n, gone):
    """Members that shared keys and then send no masked value: their pairwise masks are rebuilt."""
    with running(db_url) as bloc:
        out, _c, lv = run_round(bloc, n, skip_masked=gone)
    assert out["status"] == "released", out
    assert out["contributors"] == n - len(gone)
    assert out["total_t"] == _expect(lv, *gone)


def test_dropout_after_masking_counts(db_url):
    """A member that sent its masked value and then vanished still counts: its self-mask is rebuilt."""
    with running(db_url) as bloc:
        out, _c, lv = run_round(bloc, 5, skip_unmask=("M02", "M03"))
    assert out["status"] == "released" and out["total_t"] == _expect(lv)


def test_fewer_than_threshold_fails_cleanly(db_url):
    with running(db_url) as bloc:
        out, _c, _lv = run_round(bloc, 5, skip_masked=("M00", "M01", "M02"))
        late = bloc.call(
            "M00",
            "POST",
            f"/exchange/rounds/{out['id']}/messages",
            json={"kind": "masked", "masked": "12345"},
        )
    assert out["status"] == "failed" and out["phase"] == "failed"
    assert out["total_t"] is None and out["inputs"] is None
    assert out["reason"] == "2 members sent their masked; the round needs 3 of 5"
    assert (
        late.status_code == 409
    )  # a late masked value is refused (and could not be unmasked anyway)


def test_two_members_never_release(db_url):
    with running(db_url) as bloc:
        out, _c, _lv = run_round(bloc, 2)
    assert out["status"] == "failed"
    assert out["reason"] == "2 members advertised keys; a round needs at least 3"


def _tamper(bloc, delta: int):
    def go(rid):
        with bloc.store.session() as s:
            row = s.execute(
                sa.select(ExchangeMessage).where(
                    ExchangeMessage.round_id == rid,
                    ExchangeMessage.kind == "masked",
                    ExchangeMessage.member == "M01",
                )
            ).scalar_one()
            row.payload = {"masked": str((int(row.payload["masked"]) + delta) % 2**64)}

    return go


def test_tampered_masked_value_fails_range_check(db_url):
    with running(db_url) as bloc:
        out, _c, _lv = run_round(bloc, 5, between=_tamper(bloc, 2**63))
    assert out["status"] == "failed"
    assert "a masked value was altered or a mask was not removed" in out["reason"]


def test_small_tamper_detected_by_the_member(db_url):
    """+1 t on M01's masked value passes the range check; M01's client sees its digest differ."""
    with running(db_url) as bloc:
        out, clients, lv = run_round(bloc, 5, between=_tamper(bloc, 1000))
    assert out["total_t"] == pytest.approx(_expect(lv) + 1.0, abs=1e-6)
    check_result(out, clients["M00"])  # the others' values were used as sent
    with pytest.raises(InputError, match="M01 that differs from the one it sent"):
        check_result(out, clients["M01"])


def _needles(levels: dict[str, float]) -> list[str]:
    out = []
    for x in levels.values():
        out += [repr(x), f"{x:.3f}", str(round(x * SCALE)), str(int(x))]
    return out


def test_no_plaintext_level_in_requests_or_rows(db_url):
    """Every request body of a 5-member round with a drop-out, and every row of every table after it."""
    bodies: list[bytes] = []
    with running(db_url) as bloc:
        bloc.client.event_hooks["request"].append(lambda req: bodies.append(req.read()))
        out, _c, lv = run_round(bloc, 5, skip_masked=("M02",))
        rows = []
        with bloc.store.reading() as s:
            for table in Base.metadata.sorted_tables:
                rows += [tuple(r) for r in s.execute(sa.select(table)).all()]
    assert out["status"] == "released" and len(bodies) > 20 and len(rows) > 20
    needles = _needles({m: x for m, x in lv.items()})
    text = b"\n".join(bodies).decode()
    assert [n for n in needles if n in text] == []
    cells = [str(v) for r in rows for v in r]
    assert [n for n in needles if any(n in c for c in cells)] == []
    numbers = {
        float(v) for r in rows for v in r if isinstance(v, int | float) and not isinstance(v, bool)
    }
    assert not numbers & set(lv.values())
    # the released total is stored: it is the only figure, and no member's level equals it
    assert out["total_t"] in numbers


def test_malformed_unmasking_shares_fail_the_round_not_the_server(db_url):
    def garbage(rid):
        with bloc.store.session() as s:
            s.add(
                ExchangeMessage(
                    round_id=rid,
                    member="M00",
                    kind="unmask",
                    payload={"b": {m: ["zz", "0x1"] for m in ("M00", "M01", "M02")}, "s": {}},
                )
            )

    with running(db_url) as bloc:
        out, _c, _lv = run_round(bloc, 3, between=garbage)
    assert out["status"] == "failed"
    assert (
        out["reason"]
        == "an unmasking message holds a malformed share; the round cannot be unmasked"
    )
