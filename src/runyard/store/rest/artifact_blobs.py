"""`HttpArtifactBlobs`: artifact file contents through a Runyard server.

The client side of :mod:`runyard.server.routes.artifact_blobs` (and of the version
file route of :mod:`runyard.server.routes.artifacts`), over the one
:class:`~runyard.store.rest.client.RestClient` and its retry policy:

- ``held`` asks which contents the project already holds (one request per 10,000);
- ``upload`` sends a file of up to :data:`SINGLE_PUT_BYTES` in one ``PUT`` (the server
  checks its SHA-256), a larger one in parts: planned by the server, to presigned S3
  URLs (no Runyard credentials sent there) or to the server, then completed, when the
  server hashes the whole; planning again after a kill (file-backed server) gets the
  same upload, whose parts already there are not sent again. Every step is
  idempotent, so a failure is retried by sending again; a file that changed since it
  was hashed is refused (``ValueError``);
- ``download`` streams a version's file to disk (large ones are a redirect to S3).

Failures raise ``OSError`` (``PermissionError`` for 401/403), as blob stores do.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any
from urllib.parse import quote, urljoin

import httpx

from runyard.errors import CommError
from runyard.store.base import ArtifactFile, ArtifactRecord
from runyard.store.rest.client import API, RestClient, detail, json_map

__all__ = ["SINGLE_PUT_BYTES", "HttpArtifactBlobs"]

#: Files up to this size go in one request; larger ones in parts.
SINGLE_PUT_BYTES = 32 << 20
_OCTETS = {"Content-Type": "application/octet-stream"}


def _q(segment: str) -> str:
    return quote(segment, safe="")


class HttpArtifactBlobs:
    """Artifact contents of a server's projects (see the module doc)."""

    def __init__(self, client: RestClient, single_put_bytes: int = SINGLE_PUT_BYTES) -> None:
        self.client = client
        self.single_put_bytes = single_put_bytes

    def _blobs(self, entity: str, project: str) -> str:
        return f"{API}/projects/{_q(entity)}/{_q(project)}/artifact-blobs"

    def _send(self, method: str, url: str, what: str, **kwargs: Any) -> httpx.Response:
        try:
            response = self.client.request(method, url, **kwargs)
        except CommError as exc:
            raise OSError(f"{what}: {exc}") from exc
        if not 200 <= response.status_code < 300:
            message = f"{what}: HTTP {response.status_code} from {response.url}: {detail(response)}"
            if response.status_code in (401, 403):
                raise PermissionError(message)
            if response.status_code == 400 and "SHA-256" in message:
                raise ValueError(message)
            raise OSError(message)
        return response

    def held(self, entity: str, project: str, digests: list[str]) -> set[str]:
        found: set[str] = set()
        wanted = list(dict.fromkeys(digests))
        for start in range(0, len(wanted), 10_000):
            response = self._send(
                "POST",
                f"{self._blobs(entity, project)}/held",
                "cannot check artifact contents",
                json={"digests": wanted[start : start + 10_000]},
            )
            found.update(json_map(response).get("held", []))
        return found

    def upload(self, entity: str, project: str, digest: str, path: str | os.PathLike[str]) -> None:
        size = os.path.getsize(path)
        what = f"cannot upload {os.fspath(path)!r}"
        base = f"{self._blobs(entity, project)}/{digest}"
        if size <= self.single_put_bytes:
            data = Path(path).read_bytes()
            self._send("PUT", base, what, content=data, headers=_OCTETS)
            return
        plan = json_map(self._send("POST", f"{base}/uploads", what, json={"size": size}))
        upload = f"{base}/uploads/{quote(str(plan['upload_id']), safe='')}"
        part_size = int(plan["part_size"])
        # Parts the server holds already (a resumed upload): kept when whole.
        done = {
            int(p["number"]): str(p["etag"])
            for p in self._parts(upload, what)
            if int(p.get("size", -1)) == min(part_size, size - (int(p["number"]) - 1) * part_size)
        }
        with open(path, "rb") as handle:
            for part in plan["parts"]:
                number = int(part["number"])
                if number in done:
                    continue
                handle.seek((number - 1) * part_size)
                chunk = handle.read(part_size)
                direct = bool(part.get("direct"))
                url = str(part["url"])
                if not direct:
                    url = urljoin(self.client.base_url + "/", url.lstrip("/"))
                response = self._send(
                    "PUT",
                    url,
                    f"{what} (part {number})",
                    content=chunk,
                    foreign=direct,
                    headers=None if direct else _OCTETS,
                )
                done[number] = response.headers.get("etag") or str(
                    json_map(response).get("etag", "")
                )
        parts = [{"number": n, "etag": done[n]} for n in sorted(done)]
        self._send("POST", f"{upload}/complete", what, json={"parts": parts})

    def _parts(self, upload: str, what: str) -> list[dict[str, Any]]:
        """Parts of the upload the store already has (none for a new plan)."""
        return list(json_map(self._send("GET", upload, what)).get("parts", []))

    def download(
        self, artifact: ArtifactRecord, entry: ArtifactFile, dest: str | os.PathLike[str]
    ) -> None:
        if entry.digest is None:
            raise ValueError(f"{entry.path!r} is a reference to {entry.ref!r}, not stored content")
        url = (
            f"{API}/projects/{_q(artifact.entity)}/{_q(artifact.project)}/artifacts/"
            f"{_q(artifact.name)}/{_q(artifact.version)}/files/{quote(entry.path, safe='/')}"
        )
        response = self._send("GET", url, f"cannot download {entry.path!r}", follow_redirects=True)
        target = Path(dest)
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_name(f".{target.name}.{os.getpid()}.part")
        partial.write_bytes(response.content)
        os.replace(partial, target)
