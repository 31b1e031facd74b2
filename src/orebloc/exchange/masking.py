"""Key agreement and masks: X25519 between members, HKDF-SHA256 to a 32-byte seed, ChaCha20 as
the pseudo-random generator that expands a seed into a mask in Z_R (R = encoding.MODULUS)."""

from __future__ import annotations

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from orebloc.exchange.encoding import MODULUS

RAW = serialization.Encoding.Raw


def new_key() -> X25519PrivateKey:
    return X25519PrivateKey.generate()


def private_bytes(key: X25519PrivateKey) -> bytes:
    return key.private_bytes(RAW, serialization.PrivateFormat.Raw, serialization.NoEncryption())


def public_bytes(key: X25519PrivateKey) -> bytes:
    return key.public_key().public_bytes(RAW, serialization.PublicFormat.Raw)


def agree(private: bytes, peer_public: bytes, purpose: bytes) -> bytes:
    """A 32-byte key both ends derive: HKDF-SHA256 over the X25519 shared secret, bound to ``purpose``."""
    shared = X25519PrivateKey.from_private_bytes(private).exchange(
        X25519PublicKey.from_public_bytes(peer_public)
    )
    return HKDF(
        algorithm=hashes.SHA256(), length=32, salt=None, info=b"orebloc-exchange/" + purpose
    ).derive(shared)


def prg(seed: bytes) -> int:
    """The mask in Z_R expanded from a 32-byte seed (ChaCha20 keystream, zero nonce: one mask per seed)."""
    enc = Cipher(algorithms.ChaCha20(seed, b"\0" * 16), mode=None).encryptor()
    return int.from_bytes(enc.update(b"\0" * 8), "big") % MODULUS


def pairwise_mask(me: str, peer: str, seed: bytes) -> int:
    """My signed share of the pair's mask: +PRG if I sort before the peer, -PRG after (they cancel)."""
    m = prg(seed)
    return m if me < peer else (-m) % MODULUS
