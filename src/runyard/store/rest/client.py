"""`RestClient`: the one HTTP client for a Runyard server, and its one `RetryPolicy`.

:class:`~runyard.store.rest.store.HttpStore` (batches and reads),
:class:`~runyard.store.rest.blobs.HttpBlobStore` (run files) and
:func:`~runyard.store.rest.login.verify_key` (``runyard login``) all send through
a :class:`RestClient`: one ``httpx.Client`` set up one way (base URL with any path
prefix kept, ``Authorization: Bearer <key>``, the :data:`CLIENT_HEADER` the server's
cross-site checks look for, timeouts, a connection pool) and one retry policy.

The policy (:class:`RetryPolicy`, run by `tenacity`):

- connection errors, timeouts, 429 and 5xx (500, 502, 503, 504) are retried, with
  exponential backoff and full jitter (a random wait up to ``first_delay * 2**n``,
  at most ``max_delay``);
- a ``Retry-After`` (seconds or an HTTP date) is waited at least;
- a call gives up, raising :class:`~runyard.errors.CommError`, before a wait would
  take it past its ``deadline`` (or after ``attempts`` tries); each attempt's
  timeout is cut to what is left of the deadline (at least a second);
- a request that is not idempotent is retried only when it surely did not run: it
  could not connect, or the server answered 429 or 503.

Every other answer (2xx, 4xx, a non-retried 5xx) is returned for the caller to map
to its own exceptions. The clock and the sleep are the policy's, so tests drive the
backoff with a fake clock instead of waiting for it.
"""

from __future__ import annotations

import email.utils
import json as jsonlib
import random
import time
import weakref
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar
from urllib.parse import urlsplit

import httpx
import tenacity

from runyard.errors import CommError

__all__ = [
    "API",
    "CLIENT_HEADER",
    "CLIENT_NAME",
    "RestClient",
    "Retry",
    "RetryPolicy",
    "detail",
    "json_map",
    "retry_after_seconds",
]

T = TypeVar("T")

#: The server's API root, below the base URL.
API = "/api/v1"
#: Sent with every request to the server: a web page cannot set it on a cross-site
#: "simple" request, so the server can tell its API clients from other pages.
CLIENT_HEADER = "X-Runyard-Client"
CLIENT_NAME = "sdk"
#: Statuses worth another try.
RETRY_STATUS = frozenset((429, 500, 502, 503, 504))
#: Statuses that prove a request did not run (safe to retry any request).
NOT_RUN_STATUS = frozenset((429, 503))
_CONNECT_ERRORS = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)


def _full_jitter(cap: float) -> float:
    return random.uniform(0.0, cap)


@dataclass(frozen=True)
class RetryPolicy:
    """When a failed request is tried again, how long to wait, and when to give up.

    Args:
        deadline: seconds one call may take, retries included.
        attempts: at most this many tries (``None``: only the deadline bounds them).
        first_delay: the first backoff cap; doubled per retry up to ``max_delay``.
        max_delay: the largest backoff cap (a ``Retry-After`` may ask for more).
        clock: monotonic seconds (tests pass a fake one, advanced by ``sleep``).
        sleep: how to wait.
        jitter: the wait for a backoff cap (default: uniform in ``[0, cap]``).
        wall_clock: the time of day, to read ``Retry-After`` dates.
    """

    deadline: float = 60.0
    attempts: int | None = None
    first_delay: float = 0.1
    max_delay: float = 5.0
    clock: Callable[[], float] = field(default=time.monotonic, repr=False)
    sleep: Callable[[float], None] = field(default=time.sleep, repr=False)
    jitter: Callable[[float], float] = field(default=_full_jitter, repr=False)
    wall_clock: Callable[[], float] = field(default=time.time, repr=False)

    def backoff(self, retry: int, retry_after: float | None = None) -> float:
        """The wait before retry number ``retry`` (1 for the first)."""
        cap = min(self.max_delay, self.first_delay * 2 ** (retry - 1))
        return max(self.jitter(cap), retry_after or 0.0)

    def call(self, attempt: Callable[[float], T], what: str) -> T:
        """``attempt(seconds_left)`` until it returns, or raise ``CommError`` naming ``what``.

        ``attempt`` raises :class:`Retry` for a failure worth another try; anything
        else it raises goes to the caller at once.
        """
        start = self.clock()
        give_up = start + self.deadline
        tries = 0

        def once() -> T:
            nonlocal tries
            tries += 1
            return attempt(max(1.0, give_up - self.clock()))

        def wait(state: tenacity.RetryCallState) -> float:
            failure = state.outcome.exception() if state.outcome is not None else None
            retry_after = failure.retry_after if isinstance(failure, Retry) else None
            return self.backoff(state.attempt_number, retry_after)

        def stop(state: tenacity.RetryCallState) -> bool:
            if self.attempts is not None and state.attempt_number >= self.attempts:
                return True
            return self.clock() + state.upcoming_sleep > give_up

        retrying = tenacity.Retrying(
            sleep=self.sleep,
            wait=wait,
            stop=stop,
            retry=tenacity.retry_if_exception_type(Retry),
            reraise=True,
        )
        try:
            return retrying(once)
        except Retry as failure:
            took = self.clock() - start
            plural = "attempt" if tries == 1 else "attempts"
            raise CommError(
                f"{what} failed after {tries} {plural} in {took:.1f}s: {failure.problem}"
            ) from failure.__cause__


class Retry(Exception):
    """One attempt failed in a way worth another (``problem`` says how)."""

    def __init__(self, problem: str, retry_after: float | None = None) -> None:
        super().__init__(problem)
        self.problem = problem
        self.retry_after = retry_after


class RestClient:
    """Requests to one Runyard server, with its credentials and the retry policy.

    Args:
        base_url: the server, ``http(s)://host[:port][/prefix]``.
        api_key: sent as ``Authorization: Bearer <key>`` (never to other hosts).
        timeout: seconds each read or write of one request may wait (connecting: 10).
        policy: the retry policy (default: :class:`RetryPolicy`).
        headers: more headers for every request to the server.
    """

    def __init__(
        self,
        base_url: str,
        api_key: str | None = None,
        *,
        timeout: float = 30.0,
        policy: RetryPolicy | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        parts = urlsplit(base_url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ValueError(f"invalid server URL {base_url!r}: expected http(s)://host[:port]")
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.policy = policy if policy is not None else RetryPolicy()
        sent = {CLIENT_HEADER: CLIENT_NAME, **(headers or {})}
        if api_key:
            sent["Authorization"] = f"Bearer {api_key}"
        self._server_headers = frozenset(k.lower() for k in sent)
        self._http = httpx.Client(
            base_url=self.base_url,
            headers=sent,
            timeout=httpx.Timeout(timeout, connect=min(timeout, 10.0)),
            limits=httpx.Limits(max_connections=32, max_keepalive_connections=16),
            follow_redirects=False,
        )
        # A client dropped without close() (an `Api()` nobody closes, as wandb's has no
        # close) still closes its sockets when it is collected, instead of leaving
        # them to the garbage collector, which warns (ResourceWarning) at a random later time.
        self._closer = weakref.finalize(self, self._http.close)

    def url(self, path: str) -> str:
        """The absolute URL of a path below the base URL (for messages)."""
        return path if "://" in path else self.base_url + path

    def request(
        self,
        method: str,
        path: str,
        *,
        params: Any = None,
        content: bytes | None = None,
        json: Any = None,
        headers: Mapping[str, str] | None = None,
        idempotent: bool = True,
        foreign: bool = False,
        follow_redirects: bool = False,
    ) -> httpx.Response:
        """Send, retried by the policy; the first answer not retried is returned.

        ``path`` is below the base URL (``/api/v1/...``) or an absolute URL.
        ``foreign``: the URL is another service's (a presigned object-store URL):
        no credentials nor client headers go there. Raises ``CommError`` when the
        policy gives up, or at once for a non-idempotent request that may have run.
        """
        if json is not None:
            content = jsonlib.dumps(json, allow_nan=False).encode()
            headers = {"Content-Type": "application/json", **(headers or {})}
        what = f"{method} {self.url(path)}"

        def attempt(left: float) -> httpx.Response:
            limit = httpx.Timeout(min(self.timeout, left), connect=min(10.0, left))
            request = self._http.build_request(
                method, path, params=params, content=content, headers=headers, timeout=limit
            )
            if foreign:
                for name in self._server_headers:
                    request.headers.pop(name, None)
            try:
                response = self._http.send(request, follow_redirects=follow_redirects)
            except httpx.TransportError as exc:
                if not idempotent and not isinstance(exc, _CONNECT_ERRORS):
                    raise CommError(
                        f"{what} failed ({exc!r}); not retried because it may have run"
                    ) from exc
                raise Retry(f"{type(exc).__name__}: {exc}") from exc
            status = response.status_code
            if status in RETRY_STATUS and (idempotent or status in NOT_RUN_STATUS):
                wait = retry_after_seconds(
                    response.headers.get("retry-after"), self.policy.wall_clock
                )
                asked = "" if wait is None else f" (Retry-After: {wait:g}s)"
                raise Retry(f"HTTP {status}: {detail(response)}{asked}", wait)
            return response

        return self.policy.call(attempt, what)

    def close(self) -> None:
        self._closer()

    def __enter__(self) -> RestClient:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()


def json_map(response: httpx.Response) -> dict[str, Any]:
    """The answer's JSON object, or ``{}`` when it is not one."""
    try:
        data = response.json()
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def detail(response: httpx.Response) -> str:
    """The server's error message (``{"detail": ...}``), else the start of the body."""
    found = json_map(response).get("detail")
    if found is None:
        return response.text[:200] or response.reason_phrase
    return found if isinstance(found, str) else jsonlib.dumps(found)


def retry_after_seconds(
    value: str | None, wall_clock: Callable[[], float] = time.time
) -> float | None:
    """``Retry-After`` as seconds (delta-seconds or an HTTP date), or ``None``."""
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - wall_clock())
