"""Secrets: password hashes, API keys and session tokens.

Passwords are hashed with ``hashlib.scrypt`` (standard library, memory-hard:
n=2**14, r=8, p=1, a 16-byte salt), stored as ``scrypt$n$r$p$salt$hash`` so the
cost can be raised later without invalidating old hashes. API keys and session
tokens are 256-bit random values: brute force is hopeless, so a fast unsalted
SHA-256 is enough and lets a key be found by its hash. Every comparison of a
secret goes through :func:`hmac.compare_digest`.

An API key reads ``ry_<prefix>_<secret>``: the prefix (12 hex characters) is
stored in clear to find the key's row and to show which key is which in a list;
only the hash of the whole key is kept.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import string

__all__ = [
    "KEY_PREFIX",
    "hash_password",
    "hash_token",
    "new_api_key",
    "new_token",
    "parse_api_key",
    "same_secret",
    "verify_password",
]

KEY_PREFIX = "ry_"
_N, _R, _P = 2**14, 8, 1
_DKLEN = 32
_MAXMEM = 64 * 1024 * 1024
#: Longest password accepted (scrypt cost grows with the input only slightly, but
#: a bound keeps a login request from hashing megabytes).
MAX_PASSWORD = 1024


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def hash_password(password: str) -> str:
    """A salted scrypt hash of ``password`` in the self-describing stored form."""
    if not password:
        raise ValueError("the password is empty")
    if len(password) > MAX_PASSWORD:
        raise ValueError(f"the password is longer than {MAX_PASSWORD} characters")
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(
        password.encode(), salt=salt, n=_N, r=_R, p=_P, maxmem=_MAXMEM, dklen=_DKLEN
    )
    return f"scrypt${_N}${_R}${_P}${_b64(salt)}${_b64(digest)}"


def verify_password(password: str, stored: str | None) -> bool:
    """Whether ``password`` matches ``stored``. Without a stored hash (a user made
    for API keys only) a dummy hash is still computed, so timing does not tell
    which usernames exist."""
    if stored is None or not stored.startswith("scrypt$") or len(password) > MAX_PASSWORD:
        hashlib.scrypt(b"x", salt=b"0" * 16, n=_N, r=_R, p=_P, maxmem=_MAXMEM, dklen=_DKLEN)
        return False
    try:
        _name, n, r, p, salt, digest = stored.split("$")
        expected = _unb64(digest)
        actual = hashlib.scrypt(
            password.encode(),
            salt=_unb64(salt),
            n=int(n),
            r=int(r),
            p=int(p),
            maxmem=_MAXMEM,
            dklen=len(expected),
        )
    except ValueError:
        return False
    return hmac.compare_digest(actual, expected)


def new_token() -> str:
    """A 256-bit random token (URL-safe text), for sessions and CSRF."""
    return secrets.token_urlsafe(32)


def hash_token(token: str) -> str:
    """SHA-256 of a high-entropy token or key, hex."""
    return hashlib.sha256(token.encode()).hexdigest()


#: Letters and digits of a key's secret: no ``-``, so that every Runyard key passes
#: the wandb client's own key check (``[A-Za-z0-9_]``, 40 characters or more, a ``-``
#: splitting off a prefix), and works as ``WANDB_API_KEY`` as it is.
_KEY_ALPHABET = string.ascii_letters + string.digits


def new_api_key() -> tuple[str, str]:
    """A new key and its prefix: ``("ry_<prefix>_<secret>", "<prefix>")``; the secret
    is 43 letters and digits (256 bits), the whole key 59 characters."""
    prefix = secrets.token_hex(6)
    secret = "".join(secrets.choice(_KEY_ALPHABET) for _ in range(43))
    return f"{KEY_PREFIX}{prefix}_{secret}", prefix


def parse_api_key(key: str) -> str | None:
    """The prefix of a well-formed key, else None."""
    if not key.startswith(KEY_PREFIX) or len(key) > 200:
        return None
    prefix, sep, secret = key[len(KEY_PREFIX) :].partition("_")
    if not sep or not secret or len(prefix) != 12:
        return None
    try:
        int(prefix, 16)
    except ValueError:
        return None
    return prefix


def same_secret(a: str, b: str) -> bool:
    """Constant-time comparison of two secrets given as text."""
    return hmac.compare_digest(a.encode(), b.encode())
