"""`HttpBlobStore`: a run's files on a Runyard team server, for the SDK in online mode.

Keys are the same as in every other store (``<entity>/<project>/<run_id>/<name>``,
see :mod:`runyard.blobs.keys`), so SDK code writing media, tensors and run files
works unchanged; each key is sent to the run's ``files`` routes. Design decisions:

- **Uploads ask first.** ``put`` posts ``{"name", "size"}`` to the run's
  ``uploads`` route and ``PUT``\\ s the bytes where the answer says: a presigned
  object-store URL (``direct``: no Runyard credentials are sent there) or the
  server's own ``PUT`` route. Large files then go straight to the bucket.
- **Run prefixes.** Blob keys use a filesystem-safe spelling of the names
  (``my run`` → ``my_run``); the server route needs the real names. Runs the SDK
  registers with :meth:`add_run` (or ``runs=``) are matched by prefix; any other
  key is read as ``entity/project/run_id/name`` literally.
- **Retries.** Requests go through the one client of :mod:`runyard.store.rest.client`
  and its retry policy (connection errors, timeouts, 5xx and 429, with backoff and
  ``Retry-After``, within a deadline); re-sending is safe because every request is
  a whole-object ``PUT``, a read or a delete. ``retries=0`` makes one attempt per
  call (the writer thread retries a failed upload on its own schedule). Errors are
  the file system's, as for every ``BlobStore``: ``FileNotFoundError`` for 404 on
  reads, ``PermissionError`` for 401/403, ``OSError`` naming the URL and status
  otherwise (and when the retries are used up).
- Presigned object-store URLs get neither the API key nor the client header.
- httpx is imported when this module is, never by ``import runyard``. One
  ``httpx.Client`` per store (thread-safe, keeps connections alive).
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from typing import Any
from urllib.parse import quote, urljoin, urlsplit

import httpx

from runyard.blobs.base import BlobStore, validate_key
from runyard.blobs.keys import run_prefix, split_run_key
from runyard.entities import RunRef
from runyard.errors import CommError
from runyard.store.rest.client import API, RestClient, RetryPolicy, detail, json_map

__all__ = ["HttpBlobStore"]

_OCTETS = {"Content-Type": "application/octet-stream"}


class HttpBlobStore(BlobStore):
    """Run files through a Runyard server's ``/api/v1`` files routes.

    Args:
        base_url: the server, e.g. ``https://runyard.example.org`` (a path prefix
            such as ``https://host/runyard`` is kept).
        api_key: sent as ``Authorization: Bearer <api_key>`` to the server (never
            to presigned object-store URLs).
        runs: runs whose keys this store will see (see :meth:`add_run`).
        timeout: seconds each read or write of a request may wait.
        retries: tries after the first one (``None``: as many as ``deadline`` allows).
        deadline: seconds one call may take, retries included.
        policy: the whole retry policy (overrides ``retries`` and ``deadline``).

    Example:
        >>> store = HttpBlobStore("http://127.0.0.1:8765", "ry_…", runs=[run.ref])
        >>> store.put(f"{run_prefix(run.ref)}/model.bin", data)  # doctest: +SKIP
    """

    def __init__(
        self,
        base_url: str,
        api_key: str | None = None,
        *,
        runs: Iterable[RunRef] = (),
        timeout: float = 60.0,
        retries: int | None = None,
        deadline: float = 120.0,
        policy: RetryPolicy | None = None,
    ) -> None:
        parts = urlsplit(base_url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ValueError(f"invalid Runyard server URL {base_url!r}; expected http(s)://host")
        self.base_url = base_url.rstrip("/") + "/"
        self.uri = self.base_url
        if policy is None:
            attempts = None if retries is None else retries + 1
            policy = RetryPolicy(deadline=deadline, attempts=attempts)
        self.client = RestClient(base_url, api_key, timeout=timeout, policy=policy)
        self._runs: dict[str, RunRef] = {}
        self._runs_lock = threading.Lock()
        for ref in runs:
            self.add_run(ref)

    def add_run(self, ref: RunRef) -> None:
        """Route keys under ``run_prefix(ref)`` to ``ref``'s files (its real names)."""
        with self._runs_lock:
            self._runs[run_prefix(ref) + "/"] = ref

    # -- key → route ----------------------------------------------------------
    def _split(self, key: str) -> tuple[RunRef, str]:
        validate_key(key)
        with self._runs_lock:
            for prefix, ref in self._runs.items():
                if key.startswith(prefix):
                    return ref, key[len(prefix) :]
        return split_run_key(key)  # the spelling is injective: decode the run's names

    @staticmethod
    def _run_url(ref: RunRef) -> str:
        return (
            f"{API}/projects/{quote(ref.entity, safe='')}/{quote(ref.project, safe='')}"
            f"/runs/{quote(ref.run_id, safe='')}"
        )

    def _file_url(self, key: str) -> str:
        ref, name = self._split(key)
        return f"{self._run_url(ref)}/files/{quote(name, safe='/')}"

    # -- requests ---------------------------------------------------------------
    def _request(
        self,
        method: str,
        url: str,
        *,
        foreign: bool = False,
        content: bytes | None = None,
        json: Any = None,
        headers: dict[str, str] | None = None,
    ) -> httpx.Response:
        """Send through the client (retried by its policy); the first answer not
        retried is returned. Giving up raises ``OSError``."""
        try:
            return self.client.request(
                method,
                url,
                content=content,
                json=json,
                headers=headers,
                foreign=foreign,
                follow_redirects=True,  # large downloads redirect to the bucket
            )
        except CommError as exc:
            raise OSError(str(exc)) from exc

    def _fail(self, response: httpx.Response, what: str) -> OSError:
        message = f"{what}: HTTP {response.status_code} from {response.url}: {detail(response)}"
        if response.status_code in (401, 403):
            return PermissionError(message)
        return OSError(message)

    # -- BlobStore ----------------------------------------------------------------
    def put(self, key: str, data: bytes) -> None:
        ref, name = self._split(key)
        answer = self._request(
            "POST", f"{self._run_url(ref)}/uploads", json={"name": name, "size": len(data)}
        )
        if answer.status_code != 200:
            raise self._fail(answer, f"cannot upload {key!r}")
        target = json_map(answer)
        direct = bool(target.get("direct"))
        url = str(target["url"]) if direct else urljoin(self.base_url, str(target["url"]))
        response = self._request(
            str(target.get("method", "PUT")),
            url,
            foreign=direct,
            content=data,
            headers={**_OCTETS, **target.get("headers", {})},
        )
        if not 200 <= response.status_code < 300:
            raise self._fail(response, f"cannot upload {key!r}")

    def get(self, key: str) -> bytes:
        response = self._request("GET", self._file_url(key))
        if response.status_code == 404:
            raise FileNotFoundError(f"no file {key!r} on {self.base_url}")
        if response.status_code != 200:
            raise self._fail(response, f"cannot read {key!r}")
        return response.content

    def size(self, key: str) -> int:
        response = self._request("HEAD", self._file_url(key))
        if response.status_code == 404:
            raise FileNotFoundError(f"no file {key!r} on {self.base_url}")
        if response.status_code != 200:
            raise self._fail(response, f"cannot stat {key!r}")
        return int(response.headers["content-length"])

    def exists(self, key: str) -> bool:
        try:
            self.size(key)
        except FileNotFoundError:
            return False
        return True

    def list(self, prefix: str) -> list[tuple[str, int]]:
        probe = prefix + "/x"  # a key under prefix/: splits into the run and "<below>x"
        ref, name = self._split(probe)
        below = name[:-1]  # "" for the whole run, else "sub/dir/"
        run_keys = probe[: len(probe) - len(name)]  # the run's key prefix, with "/"
        response = self._request("GET", f"{self._run_url(ref)}/files")
        if response.status_code == 404:
            return []
        if response.status_code != 200:
            raise self._fail(response, f"cannot list {prefix!r}")
        return sorted(
            (run_keys + item["name"], int(item["size"]))
            for item in response.json()["files"]
            if item["name"].startswith(below)
        )

    def delete(self, key: str) -> None:
        response = self._request("DELETE", self._file_url(key))
        if response.status_code not in (204, 404):
            raise self._fail(response, f"cannot delete {key!r}")

    def close(self) -> None:
        self.client.close()
