"""The server client's one retry policy and what every request carries.

The policy runs on a fake clock (:class:`~tests.store.rest.faults.FakeClock`): its
waits are recorded, never slept, so no test here depends on how fast the machine is.
"""

from __future__ import annotations

import email.utils
import gc
import warnings
from collections.abc import Callable
from typing import Any

import pytest

from runyard.entities import RunRef
from runyard.errors import CommError
from runyard.store.rest.blobs import HttpBlobStore
from runyard.store.rest.client import (
    CLIENT_HEADER,
    RestClient,
    Retry,
    RetryPolicy,
    retry_after_seconds,
)
from runyard.store.rest.login import verify_key
from runyard.store.rest.store import HttpStore
from tests.store.rest.faults import FakeClock, Recorder

# -- the policy on its own ---------------------------------------------------------------


def failing(times: int, retry_after: float | None = None) -> tuple[Callable[[float], str], list]:
    """An attempt that fails ``times`` times, then answers; ``calls`` gets each
    attempt's seconds left."""
    calls: list[float] = []

    def attempt(left: float) -> str:
        calls.append(left)
        if len(calls) <= times:
            raise Retry(f"failure {len(calls)}", retry_after)
        return "done"

    return attempt, calls


def test_backoff_doubles_up_to_its_cap() -> None:
    clock = FakeClock()
    attempt, calls = failing(8)
    assert clock.policy(deadline=100.0).call(attempt, "GET x") == "done"
    assert clock.sleeps == [0.1, 0.2, 0.4, 0.8, 1.6, 3.2, 5.0, 5.0]
    # each attempt is told what is left of the deadline
    assert calls == pytest.approx([100.0, 99.9, 99.7, 99.3, 98.5, 96.9, 93.7, 88.7, 83.7])


def test_jitter_waits_a_random_part_of_the_cap() -> None:
    caps: list[float] = []
    clock = FakeClock()
    policy = RetryPolicy(
        deadline=100.0,
        clock=clock,
        sleep=clock.sleep,
        jitter=lambda cap: caps.append(cap) or cap / 2,
    )
    attempt, _ = failing(3)
    policy.call(attempt, "GET x")
    assert caps == [0.1, 0.2, 0.4]
    assert clock.sleeps == [0.05, 0.1, 0.2]


def test_default_jitter_stays_within_the_cap() -> None:
    policy = RetryPolicy()
    waits = [policy.backoff(n) for n in range(1, 12) for _ in range(20)]
    assert all(0.0 <= w <= 5.0 for w in waits)
    assert len(set(waits)) > 1  # random, not a fixed schedule


def test_giving_up_at_the_deadline_names_the_call_and_the_last_problem() -> None:
    clock = FakeClock()
    attempt, calls = failing(100)
    with pytest.raises(CommError, match=r"^GET x failed after 6 attempts in 3\.1s: failure 6$"):
        clock.policy(deadline=5.0).call(attempt, "GET x")
    assert clock.sleeps == [0.1, 0.2, 0.4, 0.8, 1.6]  # then 3.2 more would pass 5 s
    assert len(calls) == 6


def test_attempts_bound_the_tries() -> None:
    clock = FakeClock()
    attempt, calls = failing(100)
    with pytest.raises(CommError, match=r"after 1 attempt in 0\.0s"):
        clock.policy(attempts=1).call(attempt, "GET x")
    assert (len(calls), clock.sleeps) == (1, [])
    attempt, calls = failing(100)
    with pytest.raises(CommError, match="after 3 attempts"):
        clock.policy(attempts=3).call(attempt, "GET x")
    assert len(calls) == 3


def test_retry_after_is_waited_at_least() -> None:
    clock = FakeClock()
    attempt, _ = failing(2, retry_after=2.5)
    clock.policy().call(attempt, "GET x")
    assert clock.sleeps == [2.5, 2.5]


def test_a_retry_after_past_the_deadline_gives_up_without_waiting() -> None:
    clock = FakeClock()
    attempt, calls = failing(1, retry_after=120.0)
    with pytest.raises(CommError, match="after 1 attempt"):
        clock.policy(deadline=60.0).call(attempt, "GET x")
    assert (len(calls), clock.sleeps) == (1, [])


def test_other_errors_are_not_retried() -> None:
    clock = FakeClock()
    calls: list[float] = []

    def attempt(left: float) -> None:
        calls.append(left)
        raise ValueError("bad filter")

    with pytest.raises(ValueError, match="bad filter"):
        clock.policy().call(attempt, "GET x")
    assert (len(calls), clock.sleeps) == (1, [])


def test_each_attempt_gets_at_least_a_second() -> None:
    clock = FakeClock()
    attempt, calls = failing(2)
    clock.now = 0.0
    clock.policy(deadline=0.35).call(attempt, "GET x")
    assert calls == [1.0, 1.0, 1.0]  # 0.35 s, 0.25 s and 0.05 s left, but at least 1 s


@pytest.mark.parametrize(
    ("value", "seconds"),
    [
        (None, None),
        ("", None),
        ("3", 3.0),
        ("0.5", 0.5),
        ("-4", 0.0),
        ("soon", None),
        (email.utils.formatdate(1_000_000_042, usegmt=True), 42.0),
        (email.utils.formatdate(999_999_000, usegmt=True), 0.0),  # a date already past
    ],
)
def test_retry_after_values(value: str | None, seconds: float | None) -> None:
    assert retry_after_seconds(value, wall_clock=lambda: 1_000_000_000.0) == seconds


# -- requests against real servers ----------------------------------------------------------


def upload_answer(bucket: str) -> Callable[[str], tuple[int, bytes]]:
    def answer(path: str) -> tuple[int, bytes]:
        if path.endswith("/uploads"):  # send the bytes "straight to the bucket"
            return 200, f'{{"url": "{bucket}/obj?sig=1", "direct": true}}'.encode()
        if path.endswith("/auth/me"):
            return 200, b'{"user": {"username": "ann"}}'
        return 404, b'{"detail": "none"}'

    return answer


def test_every_request_to_the_server_carries_the_client_header_and_the_key(
    flaky_server: Any,
) -> None:
    """Store, run files and login alike (the server's cross-site checks look for the
    header); a presigned object-store URL gets neither the key nor the header."""
    bucket = Recorder(lambda path: (200, b""))
    bucket_url = flaky_server(bucket)
    server = Recorder(upload_answer(bucket_url))
    url = flaky_server(server)
    ref = RunRef("e", "p", "r")

    store = HttpStore(url, api_key="ry_key", policy=FakeClock().policy(attempts=1))
    with pytest.raises(CommError):
        store.get_run(ref)  # the recorder answers 404 with no record
    store.close()
    blobs = HttpBlobStore(url, "ry_key", runs=[ref], policy=FakeClock().policy(attempts=1))
    blobs.put("e/p/r/model.bin", b"weights")
    assert not blobs.exists("e/p/r/none.bin")
    blobs.close()
    assert verify_key(url, "ry_key").user == "ann"

    methods = [(method, path.rsplit("/", 1)[-1]) for method, path, _ in server.seen]
    assert methods == [
        ("GET", "record"),
        ("POST", "uploads"),
        ("HEAD", "none.bin"),
        ("GET", "me"),
    ]
    for _, _, headers in server.seen:
        assert headers[CLIENT_HEADER.lower()] == "sdk"
        assert headers["authorization"] == "Bearer ry_key"
    ((method, path, headers),) = bucket.seen
    assert (method, path) == ("PUT", "/obj")
    assert CLIENT_HEADER.lower() not in headers and "authorization" not in headers


def test_each_attempt_timeout_is_cut_to_the_deadline(flaky_server: Any) -> None:
    url = flaky_server(Recorder(lambda path: (503, b'{"detail": "busy"}')))
    clock = FakeClock()
    client = RestClient(url, timeout=30.0, policy=clock.policy(deadline=3.0))
    timeouts: list[dict[str, float]] = []
    client._http.event_hooks["request"].append(
        lambda request: timeouts.append(request.extensions["timeout"])
    )
    with pytest.raises(CommError, match=r"after 5 attempts in 1\.5s: HTTP 503: busy"):
        client.request("GET", "/api/v1/projects")
    client.close()
    assert [t["read"] for t in timeouts] == pytest.approx([3.0, 2.9, 2.7, 2.3, 1.5])
    assert [t["connect"] for t in timeouts] == pytest.approx([3.0, 2.9, 2.7, 2.3, 1.5])


def test_a_request_that_may_have_run_is_not_retried(flaky_server: Any) -> None:
    """Not idempotent: a 500 comes back to the caller; a 503 surely did not run."""
    recorder = Recorder(lambda path: (500 if path.endswith("a") else 503, b"{}"))
    url = flaky_server(recorder)
    clock = FakeClock()
    client = RestClient(url, policy=clock.policy(deadline=1.0))
    assert client.request("POST", "/a", idempotent=False).status_code == 500
    assert len(recorder.seen) == 1
    with pytest.raises(CommError, match="HTTP 503"):
        client.request("POST", "/b", idempotent=False)
    assert len(recorder.seen) > 2
    client.close()


def test_a_client_dropped_without_close_closes_its_sockets(flaky_server: Any) -> None:
    """An ``Api()`` nobody closes (wandb's has no close()) must not leave a socket to the
    garbage collector, whose ResourceWarning would come at a random later time (it
    failed a whole test session once, raised in pytest_unconfigure)."""
    url = flaky_server(Recorder(lambda path: (200, b"{}")))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ResourceWarning)
        for make in (
            lambda: RestClient(url),
            lambda: HttpStore(url).client,
            lambda: HttpBlobStore(url).client,
        ):
            client = make()
            assert client.request("GET", "/api/v1/projects").status_code == 200
            del client
            gc.collect()
    assert [str(w.message) for w in caught if w.category is ResourceWarning] == []


def test_bad_server_urls_are_refused_naming_them() -> None:
    with pytest.raises(ValueError, match="invalid server URL 'ftp://x'"):
        RestClient("ftp://x")
