"""``/presets``: custom-chart specs, built in (``wandb/...``) or saved by users.

A preset id is ``entity/name`` (the name may hold ``/``). The ``wandb`` entity is
the built-ins' namespace: read-only, and reserved so that a user preset can never
shadow a built-in one shipped later. Saving a name again adds a version; readers
get the latest unless they ask for one.
"""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from starlette.concurrency import run_in_threadpool

from runyard.presets import BUILTIN_ENTITY, BUILTIN_IDS, builtin_spec, check_spec, placeholders
from runyard.server.access import check_access, check_entity_read
from runyard.server.deps import store
from runyard.store.base import TrackingStore

router = APIRouter(tags=["presets"])

#: Largest spec accepted, as JSON text.
MAX_SPEC_BYTES = 1 << 20
_NAME_MAX = 128


def _info(entity: str, name: str, version: int, spec: Any, builtin: bool) -> dict[str, Any]:
    found = placeholders(spec)
    return {
        "id": f"{entity}/{name}",
        "entity": entity,
        "name": name,
        "version": version,
        "builtin": builtin,
        "fields": found.fields,
        "strings": found.strings,
    }


def _split(preset_id: str) -> tuple[str, str]:
    entity, _, name = preset_id.partition("/")
    _check_name(preset_id, entity, name)
    return entity, name


def _check_name(preset_id: str, entity: str, name: str) -> None:
    parts = name.split("/")
    if (
        not entity
        or not name
        or len(entity) > _NAME_MAX
        or len(name) > _NAME_MAX
        or any(p in ("", ".", "..") for p in parts)
        or any(c in preset_id for c in ("\\", "\0"))
        or any(ord(c) < 32 for c in preset_id)
    ):
        raise HTTPException(
            400,
            f"invalid preset id {preset_id!r}: expected entity/name, each 1 to {_NAME_MAX} "
            "characters, without empty, '.' or '..' segments, backslashes or control characters",
        )


@router.get("/presets")
def list_presets(
    request: Request,
    entity: str | None = Query(None, description="also list this entity's presets"),
    tracking: TrackingStore = Depends(store),
) -> dict[str, Any]:
    presets = []
    for preset_id in BUILTIN_IDS:
        name = preset_id.partition("/")[2]
        presets.append(_info(BUILTIN_ENTITY, name, 1, builtin_spec(preset_id), builtin=True))
    if entity is not None and entity != BUILTIN_ENTITY:
        if not entity or len(entity) > _NAME_MAX or any(ord(c) < 32 for c in entity):
            raise HTTPException(400, f"invalid entity {entity!r}")
        check_entity_read(request, entity)
        for name, version in tracking.list_presets(entity):
            found = tracking.get_preset(entity, name, version)
            if found is not None:
                presets.append(_info(entity, name, version, found[1], builtin=False))
    return {"presets": presets}


@router.get("/presets/{preset_id:path}")
def get_preset(
    request: Request,
    preset_id: str,
    version: int | None = Query(None, ge=1, le=2**31 - 1),
    tracking: TrackingStore = Depends(store),
) -> dict[str, Any]:
    entity, name = _split(preset_id)
    if entity == BUILTIN_ENTITY:
        spec = builtin_spec(preset_id)
        if spec is None or version not in (None, 1):
            raise HTTPException(404, _missing(preset_id, version))
        return {**_info(entity, name, 1, spec, builtin=True), "spec": spec}
    check_entity_read(request, entity)
    found = tracking.get_preset(entity, name, version)
    if found is None:
        raise HTTPException(404, _missing(preset_id, version))
    at, spec = found
    return {**_info(entity, name, at, spec, builtin=False), "spec": spec}


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON value")


def _missing(preset_id: str, version: int | None) -> str:
    return f"no preset {preset_id!r}" + ("" if version is None else f" version {version}")


@router.post("/presets/{entity}/{name:path}")
async def save_preset(
    request: Request,
    entity: str,
    name: str,
    tracking: TrackingStore = Depends(store),
) -> dict[str, Any]:
    preset_id = f"{entity}/{name}"
    _check_name(preset_id, entity, name)
    if entity == BUILTIN_ENTITY:
        raise HTTPException(
            400,
            f"preset {preset_id!r} is in the read-only {BUILTIN_ENTITY!r} entity of the "
            "built-in presets; save it under your own entity",
        )
    await run_in_threadpool(check_access, request, entity, write=True)
    raw = await request.body()
    if len(raw) > MAX_SPEC_BYTES:
        raise HTTPException(413, f"the body is {len(raw)} bytes; the limit is {MAX_SPEC_BYTES}")
    try:
        body = json.loads(raw, parse_constant=_no_constant)
    except (UnicodeDecodeError, json.JSONDecodeError, ValueError) as exc:
        raise HTTPException(400, f"the body is not valid JSON: {exc}") from None
    if not isinstance(body, dict) or "spec" not in body:
        raise HTTPException(400, 'the body must be a JSON object {"spec": {...}}')
    try:
        spec = check_spec(body["spec"])
    except ValueError as exc:
        raise HTTPException(400, f"preset {preset_id!r}: {exc}") from exc
    version = await run_in_threadpool(tracking.put_preset, entity, name, spec)
    return {"id": preset_id, "version": version}
