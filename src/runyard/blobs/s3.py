"""`S3BlobStore`: blobs in an S3-compatible bucket (``s3://bucket/prefix`` URIs).

Works with AWS S3, MinIO, SeaweedFS and moto's server. Design decisions:

- boto3 is imported when a store is built, never by ``import runyard``, and its
  absence names the extra to install (``runyard[server]``).
- One boto3 client per store, made from its own ``Session``: clients are
  thread-safe, the default session is not, so request threads share the client.
- Credentials and region come the standard boto3 way (environment, shared config,
  instance roles). The endpoint is an argument: :func:`runyard.blobs.registry.open_blobs`
  passes ``--s3-endpoint-url``, else ``Settings.s3_endpoint_url``
  (``RUNYARD_S3_ENDPOINT_URL`` or ``AWS_ENDPOINT_URL_S3``); without one, AWS. With a
  custom endpoint, path-style addressing is used, which every S3-compatible server
  understands without wildcard DNS.
- S3's ``PutObject`` replaces an object atomically, so ``put`` needs no temp key.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from urllib.parse import urlsplit

from runyard.blobs.base import BlobStore, validate_key

__all__ = ["S3BlobStore"]

_DELETE_BATCH = 1000  # DeleteObjects accepts at most 1000 keys per request
_MISSING = {"NoSuchKey", "404", "NotFound"}


def _parse(uri: str) -> tuple[str, str]:
    parts = urlsplit(uri)
    if parts.scheme != "s3" or not parts.netloc:
        raise ValueError(f"invalid S3 blob store URI {uri!r}; expected s3://bucket[/prefix]")
    if parts.query or parts.fragment:
        raise ValueError(f"invalid S3 blob store URI {uri!r}: no query or fragment allowed")
    prefix = parts.path.strip("/")
    if prefix:
        validate_key(prefix)
    return parts.netloc, prefix


def _error_code(exc: BaseException) -> str:
    response = getattr(exc, "response", None) or {}
    return str(response.get("Error", {}).get("Code", ""))


class S3BlobStore(BlobStore):
    """Blobs under ``prefix/`` in ``bucket``.

    Args:
        uri: ``s3://bucket`` or ``s3://bucket/some/prefix``.
        endpoint_url: an S3-compatible endpoint such as ``http://127.0.0.1:9000``.
        client: a ready boto3 S3 client (tests and embedding applications).
        presign: hand out presigned URLs (``False`` when clients cannot reach the
            endpoint the server uses, e.g. ``http://minio:9000`` inside a private
            network: files then pass through the server).
    """

    def __init__(
        self,
        uri: str,
        *,
        endpoint_url: str | None = None,
        client: Any | None = None,
        presign: bool = True,
    ) -> None:
        self.bucket, self.prefix = _parse(uri)
        self.uri = f"s3://{self.bucket}/{self.prefix}" if self.prefix else f"s3://{self.bucket}"
        self.endpoint_url = endpoint_url or None
        self.presign = presign
        self._client = client if client is not None else self._make_client()

    def _make_client(self) -> Any:
        try:
            import boto3  # type: ignore[import-untyped]
            from botocore.config import Config  # type: ignore[import-untyped]
        except ImportError:
            raise ImportError(
                "s3:// blob stores need boto3; pip install 'runyard[server]'"
            ) from None
        config = Config(
            signature_version="s3v4",
            retries={"mode": "standard", "max_attempts": 5},
            s3={"addressing_style": "path"} if self.endpoint_url else {},
        )
        session = boto3.session.Session()
        return session.client("s3", endpoint_url=self.endpoint_url, config=config)

    def _key(self, key: str) -> str:
        validate_key(key)
        return f"{self.prefix}/{key}" if self.prefix else key

    def _missing(self, exc: BaseException) -> bool:
        return _error_code(exc) in _MISSING

    def put(self, key: str, data: bytes) -> None:
        self._client.put_object(Bucket=self.bucket, Key=self._key(key), Body=data)

    def get(self, key: str) -> bytes:
        try:
            response = self._client.get_object(Bucket=self.bucket, Key=self._key(key))
        except Exception as exc:
            if self._missing(exc):
                raise FileNotFoundError(f"no blob {key!r} in {self.uri}") from None
            raise
        body = response["Body"]
        try:
            data: bytes = body.read()
        finally:
            body.close()
        return data

    def delete(self, key: str) -> None:
        self._client.delete_object(Bucket=self.bucket, Key=self._key(key))

    def size(self, key: str) -> int:
        try:
            head = self._client.head_object(Bucket=self.bucket, Key=self._key(key))
        except Exception as exc:
            if self._missing(exc):
                raise FileNotFoundError(f"no blob {key!r} in {self.uri}") from None
            raise
        return int(head["ContentLength"])

    def modified(self, key: str) -> float | None:
        try:
            head = self._client.head_object(Bucket=self.bucket, Key=self._key(key))
        except Exception as exc:
            if self._missing(exc):
                raise FileNotFoundError(f"no blob {key!r} in {self.uri}") from None
            raise
        return float(head["LastModified"].timestamp())

    def exists(self, key: str) -> bool:
        try:
            self.size(key)
        except FileNotFoundError:
            return False
        return True

    def list(self, prefix: str) -> list[tuple[str, int]]:
        full = self._key(prefix) + "/"
        cut = len(self.prefix) + 1 if self.prefix else 0
        found: list[tuple[str, int]] = []
        paginator = self._client.get_paginator("list_objects_v2")
        for page in paginator.paginate(Bucket=self.bucket, Prefix=full):
            for item in page.get("Contents", ()):
                found.append((str(item["Key"])[cut:], int(item["Size"])))
        return sorted(found)

    def delete_prefix(self, prefix: str) -> int:
        keys = [self._key(key) for key, _ in self.list(prefix)]
        for start in range(0, len(keys), _DELETE_BATCH):
            batch = keys[start : start + _DELETE_BATCH]
            response = self._client.delete_objects(
                Bucket=self.bucket,
                Delete={"Objects": [{"Key": k} for k in batch], "Quiet": True},
            )
            errors = response.get("Errors") or []
            if errors:
                first = errors[0]
                raise OSError(
                    f"could not delete {len(errors)} blob(s) under {prefix!r} in {self.uri}, "
                    f"e.g. {first.get('Key')!r}: {first.get('Code')} {first.get('Message')}"
                )
        return len(keys)

    def check(self) -> None:
        try:
            self._client.head_bucket(Bucket=self.bucket)
        except Exception as exc:
            where = f" at {self.endpoint_url}" if self.endpoint_url else ""
            raise OSError(
                f"S3 bucket {self.bucket!r}{where} is not usable: {exc}; create it and "
                "check the credentials (AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY or a profile)"
            ) from exc

    def presigned_put(self, key: str, expires: int = 3600) -> str | None:
        if not self.presign:
            return None
        url: str = self._client.generate_presigned_url(
            "put_object",
            Params={"Bucket": self.bucket, "Key": self._key(key)},
            ExpiresIn=expires,
            HttpMethod="PUT",
        )
        return url

    def presigned_get(self, key: str, expires: int = 3600) -> str | None:
        if not self.presign:
            return None
        url: str = self._client.generate_presigned_url(
            "get_object",
            Params={"Bucket": self.bucket, "Key": self._key(key)},
            ExpiresIn=expires,
        )
        return url

    # -- multipart uploads (artifact contents, verified before they are kept) --------
    def start_multipart(self, key: str) -> str:
        """Start a multipart upload to ``key``; returns its upload id."""
        answer = self._client.create_multipart_upload(Bucket=self.bucket, Key=self._key(key))
        return str(answer["UploadId"])

    def presigned_part(self, key: str, upload_id: str, part: int, expires: int = 3600) -> str:
        """A URL a client may ``PUT`` part ``part`` (from 1) of the upload to."""
        url: str = self._client.generate_presigned_url(
            "upload_part",
            Params={
                "Bucket": self.bucket,
                "Key": self._key(key),
                "UploadId": upload_id,
                "PartNumber": part,
            },
            ExpiresIn=expires,
            HttpMethod="PUT",
        )
        return url

    def complete_multipart(
        self, key: str, upload_id: str, parts: Sequence[tuple[int, str]]
    ) -> None:
        """Join the parts ``(number, ETag)`` into the object ``key``."""
        self._client.complete_multipart_upload(
            Bucket=self.bucket,
            Key=self._key(key),
            UploadId=upload_id,
            MultipartUpload={"Parts": [{"PartNumber": n, "ETag": etag} for n, etag in parts]},
        )

    def list_parts(self, key: str, upload_id: str) -> Sequence[dict[str, Any]]:
        """The parts of an unfinished upload: ``[{"number", "etag", "size"}]``."""
        answer = self._client.list_parts(Bucket=self.bucket, Key=self._key(key), UploadId=upload_id)
        return [
            {"number": int(p["PartNumber"]), "etag": str(p["ETag"]), "size": int(p["Size"])}
            for p in answer.get("Parts", ())
        ]

    def sha256(self, key: str) -> tuple[str, int]:
        """``(hex SHA-256, size)`` of the object, read as a stream (bounded memory)."""
        import hashlib

        response = self._client.get_object(Bucket=self.bucket, Key=self._key(key))
        hasher = hashlib.sha256()
        size = 0
        body = response["Body"]
        try:
            for chunk in body.iter_chunks(1 << 20):
                hasher.update(chunk)
                size += len(chunk)
        finally:
            body.close()
        return hasher.hexdigest(), size

    def copy(self, source: str, key: str) -> None:
        """Copy an object inside the bucket (multipart copy for large ones)."""
        self._client.copy(
            {"Bucket": self.bucket, "Key": self._key(source)}, self.bucket, self._key(key)
        )

    def close(self) -> None:
        self._client.close()
