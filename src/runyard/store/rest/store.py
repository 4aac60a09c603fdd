"""`HttpStore`: the tracking store over HTTP, against a Runyard server.

``open_store("https://runyard.example.org")`` gives a store whose every method is
one request to the server's ``/api/v1`` store routes (:mod:`runyard.server.routes.ingest`
and :mod:`runyard.server.routes.store_reads`), in the msgpack wire format of
:mod:`runyard.store.wire`. The server runs the same :class:`TrackingStore` behind
them, so an SDK, a ``runyard sync`` or a public-API client sees the same store
embedded and online.

Failures are retried by the client's one policy (:mod:`runyard.store.rest.client`:
connection errors, 5xx and 429, with backoff and ``Retry-After``) within
``deadline`` seconds per call; then the call raises
:class:`~runyard.errors.CommError`. The writer thread, the caller that matters,
keeps its journal and tries again later. Retrying writes is safe because every
batch is idempotent (see :mod:`runyard.server.routes.ingest`): journal batches by
their ``(journal, start, end)``, other batches by a one-off journal name this
client gives them. Only ``put_preset`` (each call adds a version) is retried just
when the request surely did not run (it could not connect, or the server answered
429 or 503).

Answers map to the store's own exceptions: 400 → ``ValueError`` (bad filters,
bad names), 409 → :class:`~runyard.store.base.JournalConflict` (``.stored`` tells
where to resend from; without it :class:`~runyard.store.base.ForeignJournal`),
413 and 422 → :class:`~runyard.errors.StoreError`, 401/403 →
:class:`~runyard.errors.AuthError` (a ``CommError``) naming the server.

The API key comes from the ``api_key`` argument, else ``RUNYARD_API_KEY``, else
``WANDB_API_KEY``, and is sent as ``Authorization: Bearer <key>``.
"""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Iterator, Mapping, Sequence
from typing import Any
from urllib.parse import quote

import httpx

from runyard.entities import RunRecord, RunRef
from runyard.errors import AuthError, CommError, StoreError
from runyard.store.base import (
    ArtifactCollection,
    ArtifactFile,
    ArtifactRecord,
    ConsoleLine,
    ForeignJournal,
    JournalConflict,
    ProjectStats,
    Rollup,
    RunBatch,
    SavedView,
    Series,
    SystemSamples,
    TrackingStore,
    ViewExistsError,
)
from runyard.store.rest.client import API, RestClient, RetryPolicy, detail, json_map
from runyard.store.wire import (
    MEDIA_TYPE,
    compress_body,
    decode_artifact,
    decode_collection,
    decode_record,
    decode_rollup,
    decode_series,
    decode_stats,
    encode_batch,
    pack,
    split_batch,
    unpack,
)

__all__ = ["HttpStore"]

#: The journal span of the one-off journal of a batch without one (room for parts).
_ONE_OFF_END = 1 << 20
#: Batches packing to more are sent in parts (the server takes 32 MiB a request).
MAX_REQUEST_BYTES = 16 << 20
#: Console lines the server answers per request (server/routes/logs.py).
_LOG_PAGE = 5000


def _q(segment: str) -> str:
    """One path segment, percent-encoded (spaces, ``%``, ``?``, ``#`` and non-ASCII
    survive; a ``/`` in an entity, project or run id cannot be routed and answers
    an error). History keys and journal names travel where ``/`` is fine."""
    return quote(segment, safe="")


class HttpStore(TrackingStore):
    """Tracking store on a Runyard server.

    Args:
        uri: the server's base URL, ``http(s)://host[:port][/prefix]``.
        api_key: the API key (default: ``RUNYARD_API_KEY`` or ``WANDB_API_KEY``).
        timeout: seconds each read or write of one request may wait (connecting: 10).
        deadline: seconds one call may take, retries included, before it raises
            (each attempt's timeout is cut to what is left, but is at least a second).
        max_request_bytes: batches packing to more are sent in several requests.
    """

    def __init__(
        self,
        uri: str,
        *,
        api_key: str | None = None,
        timeout: float = 30.0,
        deadline: float = 60.0,
        max_request_bytes: int = MAX_REQUEST_BYTES,
        policy: RetryPolicy | None = None,
    ) -> None:
        self.uri = uri
        self.max_request_bytes = max_request_bytes
        key = api_key or os.environ.get("RUNYARD_API_KEY") or os.environ.get("WANDB_API_KEY")
        self.client = RestClient(
            uri,
            key,
            timeout=timeout,
            policy=policy if policy is not None else RetryPolicy(deadline=deadline),
            headers={"Accept": MEDIA_TYPE, "Accept-Encoding": "deflate, gzip"},
        )

    @property
    def deadline(self) -> float:
        return self.client.policy.deadline

    # -- transport ------------------------------------------------------------------
    def _request(
        self,
        method: str,
        path: str,
        *,
        params: Any = None,
        body: Any = None,
        packed: bytes | None = None,
        json_body: Any = None,
        idempotent: bool = True,
        ok: tuple[int, ...] = (200,),
    ) -> httpx.Response:
        """One call to ``/api/v1<path>``, retried by the client's policy; an answer
        outside ``ok`` raises the store's exception for it.

        ``body`` is sent as (deflated) msgpack, ``packed`` is msgpack already, and
        ``json_body`` is sent as JSON (the web app's routes).
        """
        content: bytes | None = None
        headers: dict[str, str] | None = None
        if body is not None or packed is not None:
            raw = pack(body) if packed is None else packed
            content, encoding = compress_body(raw)
            headers = {"Content-Type": MEDIA_TYPE, "Content-Encoding": encoding}
        response = self.client.request(
            method,
            API + path,
            params=params,
            content=content,
            json=json_body,
            headers=headers,
            idempotent=idempotent,
        )
        if response.status_code not in ok:
            self._raise_for(method, path, response)
        return response

    def _raise_for(self, method: str, path: str, response: httpx.Response) -> None:
        status = response.status_code
        message = detail(response)
        if status == 400:
            raise ValueError(message)
        if status == 409:
            data = json_map(response)
            if "stored" not in data:
                raise ForeignJournal(str(data.get("journal")))
            raise JournalConflict(
                str(data.get("journal")), int(data.get("start") or 0), int(data.get("stored") or 0)
            )
        if status in (413, 422):
            raise StoreError(message)
        error = AuthError if status in (401, 403) else CommError
        raise error(f"{method} {self.client.url(API + path)} answered {status}: {message}")

    def _get(self, path: str, params: Any = None) -> Any:
        return unpack(self._request("GET", path, params=params).content)

    # -- the write primitive --------------------------------------------------------
    def write_batch(self, batch: RunBatch) -> None:
        """One request, or several for a batch over ``max_request_bytes`` (see
        :func:`~runyard.store.wire.split_batch`: each part is applied exactly once,
        so a failed call is simply made again)."""
        wire = encode_batch(batch)
        if batch.journal is None:
            # A one-off journal makes a retried edit apply exactly once as well.
            name = f"batch:{uuid.uuid4().hex}"
            wire.update(journal=[name, _ONE_OFF_END], journal_start=0, journal_done=True)
        ref = batch.run
        path = f"/projects/{_q(ref.entity)}/{_q(ref.project)}/runs/{_q(ref.run_id)}/batches"
        raw = pack(wire)
        if len(raw) <= self.max_request_bytes:
            self._request("POST", path, packed=raw)
            return
        for part in split_batch(wire, self.max_request_bytes):
            self._request("POST", path, body=part)

    # -- reads ------------------------------------------------------------------------
    @staticmethod
    def _run_path(ref: RunRef) -> str:
        return f"/projects/{_q(ref.entity)}/{_q(ref.project)}/runs/{_q(ref.run_id)}"

    def get_run(self, ref: RunRef) -> RunRecord | None:
        data = self._get(f"{self._run_path(ref)}/record")
        return None if data["record"] is None else decode_record(data["record"])

    def query_runs(
        self,
        entity: str,
        project: str,
        filters: Mapping[str, Any] | None = None,
        order: str | None = "+created_at",
        limit: int | None = None,
        offset: int = 0,
    ) -> list[RunRecord]:
        params: dict[str, Any] = {"order": order or "", "offset": int(offset)}
        if filters is not None:
            params["filters"] = json.dumps(filters)
        if limit is not None:
            params["limit"] = int(limit)
        data = self._get(f"/projects/{_q(entity)}/{_q(project)}/records", params)
        return [decode_record(r) for r in data["records"]]

    def count_runs(
        self, entity: str, project: str, filters: Mapping[str, Any] | None = None
    ) -> int:
        params = None if filters is None else {"filters": json.dumps(filters)}
        return int(
            self._get(f"/projects/{_q(entity)}/{_q(project)}/records/count", params)["count"]
        )

    def list_projects(self, entity: str | None = None) -> list[tuple[str, str]]:
        return [(s.entity, s.name) for s in self.project_stats(entity)]

    def project_stats(self, entity: str | None = None) -> list[ProjectStats]:
        params = None if entity is None else {"entity": entity}
        return [decode_stats(p) for p in self._get("/project-stats", params)["projects"]]

    def history_keys(self, ref: RunRef) -> list[str]:
        return list(self._get(f"{self._run_path(ref)}/history/keys")["keys"])

    @staticmethod
    def _window(min_step: int | None, max_step: int | None) -> dict[str, int]:
        params = {}
        if min_step is not None:
            params["min_step"] = int(min_step)
        if max_step is not None:
            params["max_step"] = int(max_step)
        return params

    def read_series(
        self, ref: RunRef, key: str, min_step: int | None = None, max_step: int | None = None
    ) -> Series:
        params = {"key": key, **self._window(min_step, max_step)}
        return decode_series(self._get(f"{self._run_path(ref)}/history/series", params))

    def read_rollup(
        self, ref: RunRef, key: str, min_step: int | None = None, max_step: int | None = None
    ) -> Rollup:
        params = {"key": key, **self._window(min_step, max_step)}
        return decode_rollup(self._get(f"{self._run_path(ref)}/history/rollup", params))

    def read_values(
        self, ref: RunRef, keys: Sequence[str], min_step: int, max_step: int | None
    ) -> dict[str, list[tuple[int, Any]]]:
        if not keys:
            return {}
        params: list[tuple[str, Any]] = [("key", k) for k in keys]
        params += list(self._window(min_step, max_step).items())
        values = self._get(f"{self._run_path(ref)}/history/values", params)["values"]
        return {key: [(int(s), v) for s, v in pairs] for key, pairs in values.items()}

    def scan_history(
        self,
        ref: RunRef,
        keys: Sequence[str] | None = None,
        min_step: int = 0,
        max_step: int | None = None,
        page_size: int = 1000,
    ) -> Iterator[dict[str, Any]]:
        """Rows a server page at a time (``history/rows``): one request per page
        instead of one per key per window, with the same rows as the base class."""
        params: list[tuple[str, Any]] = [("key", k) for k in keys or ()]
        params.append(("only_keys", "true" if keys is not None else "false"))
        if max_step is not None:
            params.append(("max_step", int(max_step)))
        start: int | None = int(min_step)
        while start is not None:
            page = self._get(f"{self._run_path(ref)}/history/rows", [*params, ("min_step", start)])
            yield from page["rows"]
            start = page["next"]

    # -- console and system metrics (the web app's routes, in msgpack) -------------------
    def _logs(self, ref: RunRef, params: dict[str, Any]) -> dict[str, Any] | None:
        response = self._request("GET", f"{self._run_path(ref)}/logs", params=params, ok=(200, 404))
        return None if response.status_code == 404 else dict(unpack(response.content))

    @staticmethod
    def _search(search: str | None, regex: bool) -> dict[str, Any]:
        return {"q": search, "regex": "1" if regex else "0"} if search else {}

    def read_console(
        self,
        ref: RunRef,
        search: str | None = None,
        regex: bool = False,
        start: int = 0,
        limit: int = 1000,
    ) -> list[ConsoleLine]:
        out: list[ConsoleLine] = []
        while len(out) < limit:
            size = min(_LOG_PAGE, limit - len(out))
            params = {**self._search(search, regex), "start": int(start), "limit": size}
            data = self._logs(ref, params)
            if data is None:
                break
            page = [
                ConsoleLine(int(d["line"]), str(d["stream"]), float(d["ts"]), str(d["text"]))
                for d in data["lines"]
            ]
            out.extend(page)
            if len(page) < size:
                break
            start = page[-1].line + 1
        return out

    def count_console(self, ref: RunRef, search: str | None = None, regex: bool = False) -> int:
        data = self._logs(ref, {**self._search(search, regex), "limit": 0})
        if data is None:
            return 0
        return int(data["matched"] if search else data["total"])

    def console_size(self, ref: RunRef) -> int:
        response = self._request("HEAD", f"{self._run_path(ref)}/files/output.log", ok=(200, 404))
        if response.status_code == 404:
            return 0
        return int(response.headers.get("content-length", 0))

    def read_system(self, ref: RunRef, keys: Sequence[str] | None = None) -> SystemSamples:
        params: dict[str, Any] = {} if keys is None else {"keys": ",".join(keys)}
        response = self._request(
            "GET", f"{self._run_path(ref)}/system", params=params, ok=(200, 404)
        )
        if response.status_code == 404:
            return SystemSamples.empty(keys)
        data = unpack(response.content)
        return SystemSamples(
            list(data["keys"]), list(data["ts"]), list(data["runtime"]), dict(data["values"])
        )

    def _post_runs(self, path: str, run_ids: Sequence[str] | None) -> Any:
        body = {"runs": None if run_ids is None else list(run_ids)}
        return unpack(self._request("POST", path, body=body).content)

    def project_keys(
        self, entity: str, project: str, run_ids: Sequence[str] | None = None
    ) -> dict[str, bool]:
        path = f"/projects/{_q(entity)}/{_q(project)}/history/keys"
        return dict(self._post_runs(path, run_ids)["keys"])

    def project_metrics(
        self, entity: str, project: str, run_ids: Sequence[str] | None = None
    ) -> list[list[dict[str, Any]]]:
        path = f"/projects/{_q(entity)}/{_q(project)}/metric-definitions"
        return list(self._post_runs(path, run_ids)["metrics"])

    # -- workspace (the web app's JSON route) ---------------------------------------------
    def get_workspace(self, entity: str, project: str) -> dict[str, Any] | None:
        response = self._request("GET", f"/projects/{_q(entity)}/{_q(project)}/workspace")
        settings = json_map(response).get("settings")
        # The route answers {} for "never saved"; an empty saved workspace reads the same.
        return dict(settings) if settings else None

    def put_workspace(self, entity: str, project: str, settings: Mapping[str, Any]) -> None:
        path = f"/projects/{_q(entity)}/{_q(project)}/workspace"
        response = self._request("PUT", path, json_body={"settings": dict(settings)}, ok=(200, 404))
        if response.status_code == 404:
            raise StoreError(detail(response))

    # -- saved views (server/routes/workspace.py) -----------------------------------------
    @staticmethod
    def _saved_view(data: Mapping[str, Any]) -> SavedView:
        return SavedView(
            name=str(data["name"]),
            settings=dict(data.get("settings") or {}),
            owner=data.get("owner"),
            created_at=float(data.get("created_at") or 0.0),
            updated_at=float(data.get("updated_at") or 0.0),
        )

    def _view_path(self, entity: str, project: str, name: str = "") -> str:
        path = f"/projects/{_q(entity)}/{_q(project)}/views"
        return f"{path}/{_q(name)}" if name else path

    def list_views(self, entity: str, project: str) -> list[SavedView]:
        response = self._request(
            "GET", self._view_path(entity, project), params={"full": "true"}, ok=(200, 404)
        )
        if response.status_code == 404:
            return []
        return [self._saved_view(v) for v in json_map(response)["views"]]

    def get_view(self, entity: str, project: str, name: str) -> SavedView | None:
        response = self._request("GET", self._view_path(entity, project, name), ok=(200, 404))
        return None if response.status_code == 404 else self._saved_view(json_map(response))

    def put_view(
        self,
        entity: str,
        project: str,
        name: str,
        settings: Mapping[str, Any],
        owner: str | None = None,
    ) -> SavedView:
        # The server records the signed-in caller as the owner; ``owner`` is not sent.
        response = self._request(
            "PUT",
            self._view_path(entity, project, name),
            json_body={"settings": dict(settings)},
            ok=(200, 404),
        )
        if response.status_code == 404:
            raise StoreError(detail(response))
        return self._saved_view(json_map(response))

    def rename_view(
        self, entity: str, project: str, name: str, new_name: str, owner: str | None = None
    ) -> SavedView | None:
        response = self._request(
            "PATCH",
            self._view_path(entity, project, name),
            json_body={"name": new_name},
            ok=(200, 404, 409),
        )
        if response.status_code == 409:
            raise ViewExistsError(detail(response))
        return None if response.status_code == 404 else self._saved_view(json_map(response))

    def delete_view(self, entity: str, project: str, name: str) -> bool:
        response = self._request("DELETE", self._view_path(entity, project, name), ok=(200, 404))
        return response.status_code == 200

    # -- journals -------------------------------------------------------------------------
    def journal_offset(self, journal: str) -> int:
        return int(self._get(f"/journals/{_q(journal)}")["position"])

    def forget_journal(self, journal: str) -> None:
        self._request("DELETE", f"/journals/{_q(journal)}")

    # -- artifacts (server/routes/artifacts.py) -------------------------------------------
    @staticmethod
    def _project_path(entity: str, project: str) -> str:
        return f"/projects/{_q(entity)}/{_q(project)}"

    def _version_path(self, entity: str, project: str, name: str, version: str) -> str:
        return f"{self._project_path(entity, project)}/artifacts/{_q(name)}/{_q(version)}"

    def _get_or_none(self, path: str, params: Any = None) -> Any:
        response = self._request("GET", path, params=params, ok=(200, 404))
        return None if response.status_code == 404 else unpack(response.content)

    def get_artifact(
        self, entity: str, project: str, name: str, version: str, type: str | None = None
    ) -> ArtifactRecord | None:
        params: dict[str, Any] = {"files": "false"}
        if type is not None:
            params["type"] = type
        data = self._get_or_none(self._version_path(entity, project, name, version), params)
        return None if data is None else decode_artifact(data["artifact"])

    def get_artifact_by_client_id(
        self, entity: str, project: str, client_id: str
    ) -> ArtifactRecord | None:
        path = f"{self._project_path(entity, project)}/artifact-clients/{_q(client_id)}"
        found = self._get(path)["artifact"]
        return None if found is None else decode_artifact(found)

    def artifact_files(self, artifact: ArtifactRecord) -> list[ArtifactFile]:
        path = self._version_path(
            artifact.entity, artifact.project, artifact.name, artifact.version
        )
        data = self._get_or_none(path)
        return [] if data is None else [ArtifactFile(**f) for f in data["files"]]

    def list_artifact_collections(
        self, entity: str, project: str, type: str | None = None
    ) -> list[ArtifactCollection]:
        params = None if type is None else {"type": type}
        data = self._get(f"{self._project_path(entity, project)}/artifacts", params)
        return [decode_collection(c) for c in data["collections"]]

    def list_artifact_versions(self, entity: str, project: str, name: str) -> list[ArtifactRecord]:
        path = f"{self._project_path(entity, project)}/artifacts/{_q(name)}/versions"
        return [decode_artifact(v) for v in self._get(path)["versions"]]

    def artifact_types(self, entity: str, project: str) -> list[str]:
        return list(self._get(f"{self._project_path(entity, project)}/artifact-types")["types"])

    def _run_artifacts(self, ref: RunRef, direction: str) -> list[ArtifactRecord]:
        data = self._get_or_none(f"{self._run_path(ref)}/artifacts", {"direction": direction})
        return [] if data is None else [decode_artifact(a) for a in data["artifacts"]]

    def artifacts_logged_by(self, ref: RunRef) -> list[ArtifactRecord]:
        return self._run_artifacts(ref, "logged")

    def artifacts_used_by(self, ref: RunRef) -> list[ArtifactRecord]:
        return self._run_artifacts(ref, "used")

    def runs_using(self, artifact: ArtifactRecord) -> list[RunRef]:
        path = self._version_path(
            artifact.entity, artifact.project, artifact.name, artifact.version
        )
        data = self._get_or_none(f"{path}/runs")
        return [] if data is None else [RunRef(*r) for r in data["runs"]]

    def update_artifact(
        self,
        artifact: ArtifactRecord,
        *,
        description: str | None = None,
        metadata: Mapping[str, Any] | None = None,
        aliases: Sequence[str] | None = None,
    ) -> ArtifactRecord:
        body: dict[str, Any] = {}
        if description is not None:
            body["description"] = description
        if metadata is not None:
            body["metadata"] = dict(metadata)
        if aliases is not None:
            body["aliases"] = list(aliases)
        path = self._version_path(
            artifact.entity, artifact.project, artifact.name, artifact.version
        )
        response = self._request("PATCH", path, json_body=body)
        return decode_artifact(unpack(response.content)["artifact"])

    def delete_artifact(self, artifact: ArtifactRecord, delete_aliases: bool = False) -> None:
        path = self._version_path(
            artifact.entity, artifact.project, artifact.name, artifact.version
        )
        params = {"delete_aliases": "true" if delete_aliases else "false"}
        response = self._request("DELETE", path, params=params, ok=(204, 404, 409))
        if response.status_code == 409:
            raise ValueError(detail(response))

    def artifact_blobs_held(
        self, entity: str, project: str, digests: Sequence[str], touch: bool = False
    ) -> set[str]:
        """The server's answer marks what it reports present as in use (``touch``)."""
        held: set[str] = set()
        wanted = list(dict.fromkeys(digests))
        path = f"{self._project_path(entity, project)}/artifact-blobs/held"
        for start in range(0, len(wanted), 10_000):
            response = self._request(
                "POST", path, json_body={"digests": wanted[start : start + 10_000]}
            )
            held.update(json_map(response).get("held", []))
        return held

    # -- custom-chart presets -------------------------------------------------------------
    def put_preset(self, entity: str, name: str, spec: Mapping[str, Any]) -> int:
        params = {"entity": entity, "name": name}
        response = self._request(
            "POST", "/preset-versions", params=params, body={"spec": dict(spec)}, idempotent=False
        )
        return int(unpack(response.content)["version"])

    def get_preset(
        self, entity: str, name: str, version: int | None = None
    ) -> tuple[int, dict[str, Any]] | None:
        params: dict[str, Any] = {"entity": entity, "name": name}
        if version is not None:
            params["version"] = int(version)
        found = self._get("/preset-versions", params)["preset"]
        return None if found is None else (int(found[0]), dict(found[1]))

    def list_presets(self, entity: str) -> list[tuple[str, int]]:
        found = self._get("/preset-versions", {"entity": entity})["presets"]
        return [(str(name), int(version)) for name, version in found]

    def close(self) -> None:
        self.client.close()
