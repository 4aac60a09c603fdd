"""Expiring URLs for uploads and downloads that carry no ``Authorization`` header.

wandb's client ``PUT``s run files (and ``GET``s ``directUrl``s) without credentials, so
each URL carries its own proof: ``?exp=<unix seconds>&kid=<key id>&sig=<HMAC-SHA256>``
over the method, the path and ``exp``. Where the blob store can presign (S3), the
client gets the bucket's own presigned URL instead and the bytes never pass through
the server (see :func:`runyard.server.wandb.files.upload_url`).

The HMAC key is the SHA-256 of the caller's API key, the value the accounts table
already stores (``api_keys.key_hash``): so every replica behind a load balancer and a
restarted server verify the URLs the others signed, with no secret to distribute, and
revoking the key revokes its URLs. Without accounts (``runyard ui``, ``--no-auth``)
every route is open anyway; URLs are then signed with a key derived from the store's
URI, which every replica shares, and still expire.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlencode

__all__ = ["URL_SECONDS", "SignedUrl", "Signer"]

#: How long a signed URL works. wandb's client asks for upload URLs right before it
#: uploads, but queues uploads behind each other (and retries through outages).
URL_SECONDS = 24 * 3600


@dataclass(frozen=True)
class SignedUrl:
    """The proof parts of a signed URL, as read from its query string."""

    exp: int
    kid: int
    sig: str


class Signer:
    """Signs and verifies ``(method, path)`` pairs.

    ``secret_of(kid)`` gives the HMAC key of a key id (``None``: unknown or revoked);
    ``kid`` 0 is the keyless secret of an app without accounts.
    """

    def __init__(
        self, secret_of: Callable[[int], bytes | None], clock: Callable[[], float] = time.time
    ) -> None:
        self._secret_of = secret_of
        self._clock = clock

    @staticmethod
    def _mac(secret: bytes, method: str, path: str, exp: int) -> str:
        message = f"{method.upper()}\n{path}\n{exp}".encode("utf-8", "surrogatepass")
        return hmac.new(secret, message, hashlib.sha256).hexdigest()

    def sign(
        self, method: str, path: str, kid: int, secret: bytes, seconds: int = URL_SECONDS
    ) -> str:
        """The query string (without ``?``) that makes ``method path`` valid until
        ``seconds`` from now."""
        exp = int(self._clock()) + seconds
        return urlencode({"exp": exp, "kid": kid, "sig": self._mac(secret, method, path, exp)})

    def verify(self, method: str, path: str, proof: SignedUrl) -> str | None:
        """``None`` when the proof holds, else why not (for the 403's message)."""
        if proof.exp < self._clock():
            return "this signed URL has expired; ask the server for a new one"
        secret = self._secret_of(proof.kid)
        if secret is None:
            return "this signed URL's API key is unknown or revoked"
        expected = self._mac(secret, method, path, proof.exp)
        if not hmac.compare_digest(expected, proof.sig):
            return "this URL's signature does not match"
        return None
