"""``GET /vendor/{library}/{path}``: chart libraries' files from installed packages, for
logged HTML pages that load them from a CDN (see :mod:`runyard.server.vendor`)."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException
from fastapi.responses import FileResponse

from runyard.server.vendor import VENDOR_PREFIX, vendor_file

router = APIRouter()

#: Public files of installed packages: any page may load them, cached for a day.
_HEADERS = {
    "cache-control": "public, max-age=86400",
    # Pages load them from a sandboxed (opaque) origin, with crossorigin="anonymous"
    # when they pin an integrity hash: a CORS answer is needed for those.
    "access-control-allow-origin": "*",
    "x-content-type-options": "nosniff",
}


@router.get(VENDOR_PREFIX + "/{library}/{path:path}", include_in_schema=False)
def get_vendor_file(library: str, path: str) -> FileResponse:
    found = vendor_file(library, path)
    if found is None:
        raise HTTPException(404, f"no file {path!r} of an installed library {library!r}")
    target, kind = found
    return FileResponse(target, media_type=kind, headers=_HEADERS)
