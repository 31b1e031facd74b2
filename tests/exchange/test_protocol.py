"""The protocol core without the service: masked values look random, masks cancel, the server
refuses to unmask with too few answers, and a member never gives both shares of one peer."""

from __future__ import annotations

import pytest

from orebloc.exchange.encoding import MODULUS
from orebloc.exchange.protocol import Member, ProtocolError, threshold, unmask_sum


def _round(levels, gone=()):
    ms = [Member(f"M{i}", "7", x) for i, x in enumerate(levels)]
    keys = {m.member: m.advertise() for m in ms}
    boxes: dict[str, dict[str, str]] = {m.member: {} for m in ms}
    for m in ms:
        for peer, ct in m.share(keys).items():
            boxes[peer][m.member] = ct
    u2 = sorted(keys)
    y = {m.member: m.masked(u2) for m in ms if m.member not in gone}
    return ms, keys, boxes, u2, y


def test_thresholds():
    assert [threshold(n) for n in (3, 4, 5, 6, 12)] == [3, 3, 3, 4, 7]


def test_masks_cancel_exactly_and_hide_levels():
    ms, keys, boxes, u2, y = _round([10.0, 20.5, 30.25])
    assert sum(y.values()) % MODULUS != 60750  # self-masks still on
    assert all(v not in (10000, 20500, 30250) for v in y.values())
    resp = {m.member: m.unmask(boxes[m.member], u2, sorted(y)) for m in ms}
    assert unmask_sum(keys, u2, y, resp) == (60.75, 3)


def test_a_dropped_members_late_value_cannot_be_unmasked():
    """M1 drops after sharing; the server learns M1's key s (to remove its pairwise masks) but not
    its self-mask b: M1's late masked value minus the pairwise masks is still hidden by PRG(b)."""
    ms, keys, boxes, u2, y = _round([1.0, 2.0, 3.0, 4.0], gone=("M1",))
    resp = {m.member: m.unmask(boxes[m.member], u2, sorted(y)) for m in ms if m.member in y}
    assert all("M1" in r["s"] and "M1" not in r["b"] for r in resp.values())
    assert unmask_sum(keys, u2, y, resp) == (8.0, 3)
    # asked later to reveal M1's self-mask too, an honest member refuses
    with pytest.raises(ProtocolError, match="both shares of M1"):
        ms[0].unmask(boxes["M0"], u2, sorted([*y, "M1"]))


def test_too_few_answers_refused():
    ms, keys, boxes, u2, y = _round([1.0, 2.0, 3.0, 4.0, 5.0])
    resp = {m.member: m.unmask(boxes[m.member], u2, sorted(y)) for m in ms[:2]}
    with pytest.raises(ProtocolError, match="2 members answered the unmasking; it needs 3"):
        unmask_sum(keys, u2, y, resp)


def test_altered_share_is_detected():
    ms, keys, boxes, u2, y = _round([1.0, 2.0, 3.0, 4.0], gone=("M3",))
    resp = {m.member: m.unmask(boxes[m.member], u2, sorted(y)) for m in ms if m.member in y}
    x, share = resp["M0"]["s"]["M3"]
    resp["M0"]["s"]["M3"] = [x, hex(int(share, 16) + 1)]
    with pytest.raises(ProtocolError, match="M3"):
        unmask_sum(keys, u2, y, resp)


def test_ciphertext_altered_in_transit():
    ms, keys, boxes, u2, y = _round([1.0, 2.0, 3.0])
    ct = boxes["M0"]["M1"]
    boxes["M0"]["M1"] = ct[:-2] + ("00" if ct[-2:] != "00" else "01")
    with pytest.raises(ProtocolError, match="does not decrypt"):
        ms[0].unmask(boxes["M0"], u2, sorted(y))


def test_key_file_round_trip():
    m = Member("M0", "7", 12.5)
    m2 = Member.from_dict(m.to_dict())
    assert m2.advertise() == m.advertise() and m2.level_t == 12.5
