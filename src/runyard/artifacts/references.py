"""References: artifact entries that point at files stored elsewhere (wandb's
``add_reference``), for ``s3://``, ``file://`` and ``http(s)://``.

A reference's bytes are not copied into Runyard's blob store: its entry keeps the
URI (``ref``) and a checksum as its ``digest``, so a new version is made only when
the referenced content changed:

- ``s3://bucket/key``: the object's ETag (``extra`` has ``etag`` and ``versionID``);
  a key that is no object is a prefix, whose objects (up to ``max_objects``) become
  one entry each. boto3 is imported here, on first use; the endpoint and credentials
  are boto3's own (``AWS_ENDPOINT_URL``, profiles, instance roles).
- ``file:///path``: the file's SHA-256, or with ``checksum=False`` its size and
  mtime; a directory becomes one entry per file.
- ``http(s)://``: the ``ETag`` of a ``HEAD`` request (else the URL), with its
  ``Content-Length`` as size.
- Any other scheme is only tracked: the URI is its digest and it cannot be downloaded.

With ``checksum=False`` (S3, HTTP) nothing is read: the URI itself is the digest.
"""

from __future__ import annotations

import contextlib
import os
import posixpath
import shutil
import tempfile
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from runyard.artifacts.digests import sha256_file
from runyard.artifacts.manifest import ManifestEntry, check_entry_path

__all__ = ["DEFAULT_MAX_OBJECTS", "download_reference", "resolve_reference"]

#: wandb's default limit of entries one reference may expand to.
DEFAULT_MAX_OBJECTS = 10_000_000


def _too_many(max_objects: int) -> ValueError:
    return ValueError(f"Exceeded {max_objects} objects tracked, pass max_objects to add_reference")


def _join(name: str | None, rest: str) -> str:
    return check_entry_path(posixpath.join(name, rest) if name else rest)


def resolve_reference(
    uri: str, name: str | None, checksum: bool, max_objects: int | None
) -> list[ManifestEntry]:
    """The entries a reference to ``uri`` adds (see the module docstring).

    Raises:
        ValueError: nothing at ``uri``, or more than ``max_objects`` objects there.
    """
    limit = DEFAULT_MAX_OBJECTS if max_objects is None else int(max_objects)
    scheme = urlsplit(uri).scheme
    if scheme == "file":
        return _file_entries(uri, name, checksum, limit)
    if scheme == "s3":
        return _s3_entries(uri, name, checksum, limit)
    if scheme in ("http", "https"):
        return [_http_entry(uri, name, checksum)]
    base = name or posixpath.basename(urlsplit(uri).path.rstrip("/")) or "reference"
    return [ManifestEntry(path=check_entry_path(base), digest=uri, ref=uri)]


# -- file:// -----------------------------------------------------------------------
def _file_path(uri: str) -> Path:
    parts = urlsplit(uri)
    return Path(unquote(parts.netloc + parts.path) if parts.netloc else unquote(parts.path))


def _file_entry(path: Path, entry_name: str, checksum: bool) -> ManifestEntry:
    info = path.stat()
    if checksum:
        digest, size = sha256_file(path)
    else:
        digest, size = f"{info.st_size}-{info.st_mtime_ns}", info.st_size
    return ManifestEntry(path=entry_name, digest=digest, size=size, ref=path.resolve().as_uri())


def _file_entries(uri: str, name: str | None, checksum: bool, limit: int) -> list[ManifestEntry]:
    path = _file_path(uri)
    if path.is_file():
        return [_file_entry(path, check_entry_path(name or path.name), checksum)]
    if not path.is_dir():
        raise ValueError(f"cannot add a reference to {uri!r}: no file or directory at {path}")
    entries: list[ManifestEntry] = []
    for root, dirs, files in os.walk(path):
        dirs.sort()
        for file in sorted(files):
            full = Path(root) / file
            if len(entries) >= limit:
                raise _too_many(limit)
            rel = full.relative_to(path).as_posix()
            entries.append(_file_entry(full, _join(name, rel), checksum))
    return entries


# -- s3:// -----------------------------------------------------------------------
def s3_client() -> Any:
    """A boto3 S3 client with boto3's own configuration (lazily imported)."""
    try:
        import boto3  # type: ignore[import-untyped]
        from botocore.config import Config  # type: ignore[import-untyped]
    except ImportError:
        raise ImportError("s3:// references need boto3: pip install boto3") from None
    endpoint = os.environ.get("AWS_ENDPOINT_URL_S3") or os.environ.get("AWS_ENDPOINT_URL")
    config = Config(s3={"addressing_style": "path"}) if endpoint else None
    return boto3.session.Session().client("s3", endpoint_url=endpoint or None, config=config)


def _split_s3(uri: str) -> tuple[str, str]:
    parts = urlsplit(uri)
    if not parts.netloc:
        raise ValueError(f"invalid S3 reference {uri!r}: expected s3://bucket/key")
    return parts.netloc, unquote(parts.path.lstrip("/"))


def _s3_entries(uri: str, name: str | None, checksum: bool, limit: int) -> list[ManifestEntry]:
    bucket, key = _split_s3(uri)
    if not checksum:
        base = name or posixpath.basename(key.rstrip("/")) or bucket
        return [ManifestEntry(path=check_entry_path(base), digest=uri, ref=uri)]
    client = s3_client()
    if key and not key.endswith("/"):
        try:
            head = client.head_object(Bucket=bucket, Key=key)
        except Exception as exc:
            code = str(getattr(exc, "response", {}).get("Error", {}).get("Code", ""))
            if code not in ("404", "NoSuchKey", "NotFound"):
                raise
        else:
            return [_s3_entry(uri, name or posixpath.basename(key), head, head["ContentLength"])]
    entries: list[ManifestEntry] = []
    prefix = key if not key or key.endswith("/") else key + "/"
    for page in client.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        for obj in page.get("Contents") or ():
            if len(entries) >= limit:
                raise _too_many(limit)
            rel = obj["Key"][len(prefix) :]
            if not rel:
                continue
            ref = f"s3://{bucket}/{obj['Key']}"
            entries.append(_s3_entry(ref, _join(name, rel), obj, obj["Size"]))
    if not entries:
        raise ValueError(f"cannot add a reference to {uri!r}: no object at or under it")
    return entries


def _s3_entry(ref: str, entry_name: str, info: dict[str, Any], size: int) -> ManifestEntry:
    etag = str(info.get("ETag", "")).strip('"')
    extra: dict[str, Any] = {"etag": etag}
    if info.get("VersionId"):
        extra["versionID"] = info["VersionId"]
    return ManifestEntry(
        path=check_entry_path(entry_name), digest=etag or ref, size=int(size), ref=ref, extra=extra
    )


# -- http(s):// ------------------------------------------------------------------
def _http_entry(uri: str, name: str | None, checksum: bool) -> ManifestEntry:
    base = name or posixpath.basename(urlsplit(uri).path.rstrip("/")) or "index.html"
    if not checksum:
        return ManifestEntry(path=check_entry_path(base), digest=uri, ref=uri)
    import httpx

    response = httpx.head(uri, follow_redirects=True, timeout=30.0)
    if response.status_code >= 400:
        raise ValueError(
            f"cannot add a reference to {uri!r}: HTTP {response.status_code} for a HEAD request"
        )
    etag = response.headers.get("etag", "").strip('"')
    length = response.headers.get("content-length")
    return ManifestEntry(
        path=check_entry_path(base),
        digest=etag or uri,
        size=int(length) if length and length.isdigit() else None,
        ref=uri,
        extra={"etag": etag} if etag else {},
    )


# -- download --------------------------------------------------------------------
def download_reference(entry: ManifestEntry, target: Path) -> None:
    """Fetch the referenced file to ``target`` (atomically).

    Raises:
        ValueError: a scheme that is only tracked.
        OSError: the referenced file cannot be read.
    """
    ref = entry.ref or ""
    scheme = urlsplit(ref).scheme
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".tmp-")
    try:
        with os.fdopen(fd, "wb") as out:
            if scheme == "file":
                with open(_file_path(ref), "rb") as src:
                    shutil.copyfileobj(src, out)
            elif scheme == "s3":
                bucket, key = _split_s3(ref)
                args: dict[str, Any] = {"Bucket": bucket, "Key": key}
                if entry.extra.get("versionID"):
                    args["VersionId"] = entry.extra["versionID"]
                response = s3_client().get_object(**args)
                etag = str(response.get("ETag", "")).strip('"')
                if "VersionId" not in args and entry.digest != ref and etag != entry.digest:
                    # As wandb: an unversioned bucket whose object changed since it
                    # was logged must not pass for the logged content.
                    raise ValueError(
                        f"Digest mismatch for object {ref}: expected {entry.digest}, got {etag}"
                    )
                shutil.copyfileobj(response["Body"], out)
            elif scheme in ("http", "https"):
                import httpx

                with httpx.stream("GET", ref, follow_redirects=True, timeout=60.0) as response:
                    if response.status_code >= 400:
                        raise OSError(f"cannot download {ref!r}: HTTP {response.status_code}")
                    for chunk in response.iter_bytes():
                        out.write(chunk)
            else:
                raise ValueError(f"cannot download the reference {ref!r}: it is only tracked")
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
