"""`RateLimiter`: token buckets refill at their rate, answer how long to wait, and
forget only buckets that are full again."""

from __future__ import annotations

import time

import pytest
from fastapi import HTTPException

from runyard.server.limits import RateLimiter


def test_bucket_allows_a_burst_then_waits() -> None:
    limiter = RateLimiter()
    assert [limiter.wait_time("k", rate=10, burst=3) for _ in range(3)] == [0, 0, 0]
    wait = limiter.wait_time("k", rate=10, burst=3)
    assert 0 < wait <= 0.1
    time.sleep(0.12)
    assert limiter.wait_time("k", rate=10, burst=3) == 0
    assert limiter.wait_time("other", rate=10, burst=3) == 0  # buckets are separate


def test_check_raises_429_with_retry_after() -> None:
    limiter = RateLimiter()
    limiter.check("k", rate=0.1, burst=1)
    with pytest.raises(HTTPException) as refused:
        limiter.check("k", rate=0.1, burst=1)
    assert refused.value.status_code == 429
    assert refused.value.headers == {"Retry-After": "10"}


def test_pruning_forgets_only_full_buckets() -> None:
    limiter = RateLimiter()
    limiter._prune_at = 3
    limiter.wait_time("slow", rate=0.001, burst=1)  # empty for a long time
    limiter.wait_time("fast-a", rate=1000, burst=1)
    limiter.wait_time("fast-b", rate=1000, burst=1)
    time.sleep(0.01)  # the fast buckets refill
    limiter.wait_time("fast-c", rate=1000, burst=1)  # a fourth bucket: prune
    assert set(limiter._buckets) == {"slow", "fast-c"}
    assert limiter.wait_time("slow", rate=0.001, burst=1) > 0  # not forgotten
