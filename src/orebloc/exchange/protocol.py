"""One secure-aggregation round (Bonawitz et al., "Practical Secure Aggregation for
Privacy-Preserving Machine Learning", CCS 2017, the semi-honest protocol with double masking).

Phases (the server relays every message; it never sees a level):

0. advertise: member u publishes two X25519 public keys, c_u (to encrypt shares) and s_u (to
   agree pairwise mask seeds). U1 = the members that advertised; threshold t = ``threshold(|U1|)``.
1. share: u draws a self-mask seed b_u, Shamir-splits b_u and its private key s_u into |U1|
   shares (t needed), and sends each peer v its two shares encrypted with AES-GCM under
   HKDF(X25519(c_u, c_v)). U2 = the members that shared.
2. masked: u uploads y_u = x_u + PRG(b_u) + sum_{v in U2, v != u} +/-PRG(s_uv) mod 2**64 (plus if
   u sorts before v, minus after; s_uv = HKDF(X25519(s_u, s_v))). U3 = the members that did.
3. unmask: every v in U3 opens the shares it received and gives the server, for each u in U3,
   its share of b_u and, for each u in U2 \\ U3 (dropped after sharing), its share of s_u, never
   both for one u. With t of them the server rebuilds each b_u (removes the self-masks) and
   each dropped s_u (removes the dropped members' pairwise masks): sum y - masks = sum x.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass, field

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from orebloc.errors import ValidationError
from orebloc.exchange import masking, shamir
from orebloc.exchange.encoding import MODULUS, decode_sum, encode

MIN_CONTRIBUTORS = 3  # the service's disclosure rule: a bloc total needs at least three members


class ProtocolError(ValidationError):
    """A round that cannot go on: too few members, a bad or inconsistent message."""

    def __init__(self, message: str):
        super().__init__("round", message)


def threshold(advertised: int) -> int:
    """Shares needed to unmask: a strict majority of the members that advertised keys, and at least
    three (assumption: the paper's semi-honest setting needs t > n/2 so that no two disjoint sets of
    responders exist; three is the service's minimum-contributors rule)."""
    return max(MIN_CONTRIBUTORS, advertised // 2 + 1)


def digest(masked: int) -> str:
    """The fingerprint of a masked value a member keeps to check that the server used it unchanged."""
    return hashlib.sha256(str(masked).encode()).hexdigest()


def _aad(round_id: str, sender: str, recipient: str) -> bytes:
    return json.dumps([round_id, sender, recipient]).encode()


@dataclass
class Member:
    """A member's client for one round; ``level_t`` never leaves it. ``to_dict`` is what the key file
    holds (secret keys: keep the file private)."""

    member: str
    round_id: str
    level_t: float
    c_sk: bytes = field(default_factory=lambda: masking.private_bytes(masking.new_key()))
    s_sk: bytes = field(default_factory=lambda: masking.private_bytes(masking.new_key()))
    b_seed: bytes = field(default_factory=lambda: os.urandom(32))
    keys: dict[str, dict[str, str]] = field(default_factory=dict)
    masked_digest: str | None = None
    revealed: dict[str, str] = field(default_factory=dict)  # peer -> "b" or "s"
    own: list[int] = field(default_factory=list)  # my own share (x, s-share, b-share) of my secrets

    def __post_init__(self) -> None:
        encode(self.level_t)  # refuse a level that cannot be encoded before any key is published

    # phase 0
    def advertise(self) -> dict[str, str]:
        return {"c_pk": _pk(self.c_sk).hex(), "s_pk": _pk(self.s_sk).hex()}

    # phase 1
    def share(self, keys: dict[str, dict[str, str]]) -> dict[str, str]:
        """Encrypted shares for every advertised peer (keys: member -> its two public keys, hex)."""
        if self.member not in keys or keys[self.member] != self.advertise():
            raise ProtocolError(
                f"the server's key list does not hold {self.member}'s keys as advertised"
            )
        if len(keys) < MIN_CONTRIBUTORS:
            raise ProtocolError(
                f"only {len(keys)} members advertised keys; a round needs {MIN_CONTRIBUTORS}"
            )
        self.keys = dict(keys)
        order = sorted(keys)
        t = threshold(len(order))
        s_shares = shamir.split(int.from_bytes(self.s_sk, "big"), len(order), t)
        b_shares = shamir.split(int.from_bytes(self.b_seed, "big"), len(order), t)
        out = {}
        for i, peer in enumerate(order):
            if peer == self.member:
                self.own = [s_shares[i][0], s_shares[i][1], b_shares[i][1]]
                continue
            key = masking.agree(self.c_sk, bytes.fromhex(keys[peer]["c_pk"]), b"share")
            body = json.dumps(
                {"x": s_shares[i][0], "s": hex(s_shares[i][1]), "b": hex(b_shares[i][1])}
            ).encode()
            nonce = os.urandom(12)
            out[peer] = (
                nonce + AESGCM(key).encrypt(nonce, body, _aad(self.round_id, self.member, peer))
            ).hex()
        return out

    # phase 2
    def masked(self, shared: list[str]) -> int:
        """y = x + PRG(b) + signed pairwise masks with every other member of U2 (``shared``), mod 2**64."""
        u2 = sorted(set(shared))
        if self.member not in u2 or not set(u2) <= set(self.keys):
            raise ProtocolError(
                "the list of members that shared is not a subset of the advertised members with me"
            )
        if len(u2) < threshold(len(self.keys)):
            raise ProtocolError(
                f"only {len(u2)} members shared keys; the round needs {threshold(len(self.keys))}"
            )
        y = encode(self.level_t) + masking.prg(self.b_seed)
        for peer in u2:
            if peer != self.member:
                seed = masking.agree(self.s_sk, bytes.fromhex(self.keys[peer]["s_pk"]), b"mask")
                y += masking.pairwise_mask(self.member, peer, seed)
        y %= MODULUS
        self.masked_digest = digest(y)
        return y

    # phase 3
    def unmask(
        self, inbox: dict[str, str], shared: list[str], masked: list[str]
    ) -> dict[str, dict[str, list[str]]]:
        """My shares for the server: b-shares of the members in U3 (``masked``), s-shares of U2 \\ U3."""
        u2, u3 = set(shared), set(masked)
        t = threshold(len(self.keys))
        if self.member not in u3 or not u3 <= u2:
            raise ProtocolError(
                "the list of members that sent masked values is not a subset of U2 with me"
            )
        if len(u3) < t:
            raise ProtocolError(f"only {len(u3)} members sent masked values; unmasking needs {t}")
        want = {u: ("b" if u in u3 else "s") for u in u2}
        for u, kind in want.items():
            if self.revealed.get(u, kind) != kind:
                raise ProtocolError(
                    f"the server asked for both shares of {u}; refused (it would unmask {u}'s level)"
                )
        out: dict[str, dict[str, list[str]]] = {"b": {}, "s": {}}
        for u, kind in want.items():
            if u == self.member:
                x, s, b = self.own
            else:
                if u not in inbox:
                    raise ProtocolError(f"no share from {u} in my inbox")
                x, s, b = self._open(u, inbox[u])
            out[kind][u] = [str(x), hex(b if kind == "b" else s)]
            self.revealed[u] = kind
        return out

    def _open(self, sender: str, ciphertext: str) -> tuple[int, int, int]:
        raw = bytes.fromhex(ciphertext)
        key = masking.agree(self.c_sk, bytes.fromhex(self.keys[sender]["c_pk"]), b"share")
        try:
            body = json.loads(
                AESGCM(key).decrypt(raw[:12], raw[12:], _aad(self.round_id, sender, self.member))
            )
        except (InvalidTag, ValueError):
            raise ProtocolError(
                f"the share from {sender} does not decrypt (altered in transit)"
            ) from None
        return int(body["x"]), int(body["s"], 16), int(body["b"], 16)

    def to_dict(self) -> dict:
        return {
            "member": self.member,
            "round_id": self.round_id,
            "level_t": self.level_t,
            "c_sk": self.c_sk.hex(),
            "s_sk": self.s_sk.hex(),
            "b_seed": self.b_seed.hex(),
            "keys": self.keys,
            "masked_digest": self.masked_digest,
            "revealed": self.revealed,
            "own": [hex(v) for v in self.own],
        }

    @classmethod
    def from_dict(cls, d: dict) -> Member:
        return cls(
            d["member"],
            d["round_id"],
            float(d["level_t"]),
            bytes.fromhex(d["c_sk"]),
            bytes.fromhex(d["s_sk"]),
            bytes.fromhex(d["b_seed"]),
            d.get("keys", {}),
            d.get("masked_digest"),
            d.get("revealed", {}),
            [int(v, 16) for v in d.get("own", [])],
        )


def _pk(sk: bytes) -> bytes:
    from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

    return masking.public_bytes(X25519PrivateKey.from_private_bytes(sk))


def unmask_sum(
    keys: dict[str, dict[str, str]],
    shared: list[str],
    masked: dict[str, int],
    responses: dict[str, dict[str, dict[str, list[str]]]],
) -> tuple[float, int]:
    """The server's last step: (sum of the levels in tonnes, number of contributors).

    keys: U1's public keys; shared: U2; masked: U3 -> y_u; responses: responder -> its ``unmask``
    answer. Raises ProtocolError with fewer than t responders, or when the shares are inconsistent
    (a rebuilt s_u that does not match u's advertised key: shares were altered)."""
    t = threshold(len(keys))
    u2, u3 = sorted(set(shared)), sorted(masked)
    responders = [v for v in responses if v in masked]
    if len(u3) < t or len(responders) < t:
        raise ProtocolError(
            f"{min(len(u3), len(responders))} members answered the unmasking; it needs {t} "
            f"(the round fails: no total is computed)"
        )
    total = sum(masked.values())
    for u in u2:
        kind = "b" if u in masked else "s"
        shares = [
            (int(r[kind][u][0]), int(r[kind][u][1], 16))
            for r in responses.values()
            if u in r.get(kind, {})
        ]
        if len(shares) < t:
            raise ProtocolError(
                f"only {len(shares)} shares of {u}'s {'self-mask' if kind == 'b' else 'key'}; need {t}"
            )
        value = shamir.combine(shares[:t])
        if value >= 2**256 or (len(shares) > t and shamir.combine(shares[-t:]) != value):
            raise ProtocolError(
                f"the shares of {u}'s {'self-mask' if kind == 'b' else 'key'} disagree (altered)"
            )
        secret = value.to_bytes(32, "big")
        if kind == "b":
            total -= masking.prg(secret)
        else:
            if _pk(secret).hex() != keys[u]["s_pk"]:
                raise ProtocolError(
                    f"the rebuilt key of {u} does not match its advertised key (shares altered)"
                )
            for v in u3:  # v added its signed mask with the dropped u: take it off
                seed = masking.agree(secret, bytes.fromhex(keys[v]["s_pk"]), b"mask")
                total -= masking.pairwise_mask(v, u, seed)
    return decode_sum(total % MODULUS, len(u3)), len(u3)
