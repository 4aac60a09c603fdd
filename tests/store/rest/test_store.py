"""What only the HTTP store does: idempotent retries, conflicts, a server going away,
429/5xx backoff and body limits, each against a real server process.

(What every store does is in test_contract.py, which runs HttpStore too.)
"""

from __future__ import annotations

import asyncio
import email.utils
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import pytest

from runyard.entities import RunRef
from runyard.errors import AuthError, CommError, StoreError
from runyard.store.base import JournalConflict, RunBatch
from runyard.store.registry import open_store
from runyard.store.rest.store import HttpStore
from runyard.store.sql.store import SqlStore
from runyard.store.wire import encode_batch, encode_body, unpack
from tests.store.http_server import Server, ServerProcess
from tests.store.rest.faults import FakeClock, Flaky

RUN = RunRef("ent", "proj", "run1")
BATCHES = "/api/v1/projects/ent/proj/runs/run1/batches"


@pytest.fixture
def store(server: Server) -> Iterator[HttpStore]:
    client = HttpStore(server.url, deadline=20.0)
    yield client
    client.close()


def first_batch(**fields: Any) -> RunBatch:
    return RunBatch(
        RUN,
        create={"display_name": "x"},
        config={"lr": 0.1},
        columns={"loss": ([0, 1, 2], [1.0, 0.5, 0.25])},
        journal=("0123abcd", 100),
        journal_start=0,
        **fields,
    )


def post(url: str, batch: RunBatch, **headers: str) -> httpx.Response:
    body, encoding = encode_body(encode_batch(batch))
    return httpx.post(
        url + BATCHES,
        content=body,
        headers={"Content-Encoding": encoding, **headers},
        timeout=30,
    )


def test_open_store_picks_the_http_store_for_http_urls(server: Server) -> None:
    store = open_store(server.url)
    try:
        assert isinstance(store, HttpStore)
        assert store.list_projects() == []
    finally:
        store.close()


def test_a_batch_sent_twice_is_applied_once(server: Server, store: HttpStore) -> None:
    """A retry after a lost response: same answer, and edits made in between survive."""
    first = post(server.url, first_batch())
    assert first.status_code == 200, first.text
    # Someone edits the run between the original request and its retry.
    store.write_batch(RunBatch(RUN, config={"lr": 0.2}))
    again = post(server.url, first_batch())
    assert again.status_code == 200, again.text
    assert (
        again.json()
        == first.json()
        == {
            "run": "ent/proj/run1",
            "journal": "0123abcd",
            "start": 0,
            "end": 100,
        }
    )
    record = store.get_run(RUN)
    assert record is not None and record.config == {"lr": 0.2}  # not rolled back to 0.1
    assert store.read_series(RUN, "loss").steps.tolist() == [0, 1, 2]
    assert store.journal_offset("0123abcd") == 100


def test_batch_starting_past_the_stored_offset_is_a_conflict(
    server: Server, store: HttpStore
) -> None:
    store.write_batch(first_batch())
    gap = RunBatch(
        RUN, columns={"loss": ([9], [0.1])}, journal=("0123abcd", 300), journal_start=200
    )
    answer = post(server.url, gap)
    assert answer.status_code == 409
    assert answer.json()["stored"] == 100 and answer.json()["journal"] == "0123abcd"
    with pytest.raises(JournalConflict) as caught:
        store.write_batch(gap)
    assert caught.value.stored == 100
    assert store.read_series(RUN, "loss").steps.tolist() == [0, 1, 2]  # nothing applied
    # Resending from where the store stands works.
    gap.journal_start = 100
    store.write_batch(gap)
    assert store.read_series(RUN, "loss").steps.tolist() == [0, 1, 2, 9]
    assert store.journal_offset("0123abcd") == 300


def test_done_journal_takes_no_more_batches(store: HttpStore) -> None:
    """A second `runyard sync` of a finished journal changes nothing."""
    store.write_batch(first_batch(journal_done=True))
    assert store.journal_offset("0123abcd") == 0  # done reads as forgotten...
    store.write_batch(RunBatch(RUN, config={"lr": 0.3}))
    store.write_batch(first_batch())  # ...but a replay of it is recognised
    record = store.get_run(RUN)
    assert record is not None and record.config == {"lr": 0.3}


def test_forget_journal_marks_it_done(store: HttpStore) -> None:
    store.write_batch(first_batch())
    store.forget_journal("0123abcd")
    assert store.journal_offset("0123abcd") == 0
    store.write_batch(RunBatch(RUN, config={"lr": 0.3}))
    store.write_batch(first_batch())
    record = store.get_run(RUN)
    assert record is not None and record.config == {"lr": 0.3}


def test_client_retries_while_the_server_restarts(tmp_path: Path) -> None:
    server = ServerProcess(tmp_path, f"sqlite:///{tmp_path}/store.db").start()

    def restart(_seconds: float) -> None:  # the first failed attempt brings it back
        if server.proc is None:
            server.start()

    clock = FakeClock(on_sleep=restart)
    store = HttpStore(server.url, policy=clock.policy(deadline=20.0))
    try:
        store.write_batch(first_batch())
        assert clock.sleeps == []
        server.stop()
        nxt = RunBatch(RUN, columns={"loss": ([3], [0.1])}, journal=("0123abcd", 200))
        nxt.journal_start = 100
        store.write_batch(nxt)  # sent while nothing listens: retried until it is back
        assert len(clock.sleeps) >= 1
        assert store.read_series(RUN, "loss").steps.tolist() == [0, 1, 2, 3]
    finally:
        store.close()
        server.stop()


def test_a_server_that_stays_down_fails_the_call_within_its_deadline() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # nothing listens here once closed
    clock = FakeClock()
    store = HttpStore(f"http://127.0.0.1:{port}", policy=clock.policy(deadline=1.0))
    try:
        with pytest.raises(CommError, match=r"after 4 attempts in 0\.7s: ConnectError"):
            store.get_run(RUN)
    finally:
        store.close()
    assert clock.sleeps == [0.1, 0.2, 0.4]  # waiting 0.8 more would pass the deadline


@pytest.mark.parametrize("status", [429, 503, 500, 502])
def test_overloaded_or_failing_server_is_retried(
    server: Server, flaky_server: Any, status: int
) -> None:
    flaky = Flaky(server.url, status, failures=3, retry_after=None)
    store = HttpStore(flaky_server(flaky), policy=FakeClock().policy(deadline=20.0))
    store.write_batch(first_batch())
    assert len(flaky.seen) == 4  # three failures, then the batch
    record = store.get_run(RUN)
    assert record is not None and record.config == {"lr": 0.1}
    store.close()


@pytest.mark.parametrize(
    ("retry_after", "waits"),
    [
        ("1", [1.0, 1.0]),
        # an HTTP date 30 s after the (fake) time of day: then it has passed
        (email.utils.formatdate(1_000_000_030, usegmt=True), [30.0, 0.2]),
    ],
)
def test_retry_after_is_honoured(
    server: Server, flaky_server: Any, retry_after: str, waits: list[float]
) -> None:
    flaky = Flaky(server.url, 429, failures=2, retry_after=retry_after)
    clock = FakeClock()
    store = HttpStore(flaky_server(flaky), policy=clock.policy(deadline=60.0))
    try:
        assert store.get_run(RUN) is None
    finally:
        store.close()
    assert len(flaky.seen) == 3
    assert clock.sleeps == waits


def test_a_retry_after_past_the_deadline_fails_at_once(server: Server, flaky_server: Any) -> None:
    flaky = Flaky(server.url, 503, failures=1, retry_after="120")
    clock = FakeClock()
    store = HttpStore(flaky_server(flaky), policy=clock.policy(deadline=60.0))
    try:
        with pytest.raises(
            CommError, match=r"1 attempt .*HTTP 503: try later \(Retry-After: 120s\)"
        ):
            store.get_run(RUN)
    finally:
        store.close()
    assert clock.sleeps == []
    assert len(flaky.seen) == 1


def test_backoff_gives_up_at_the_deadline(server: Server, flaky_server: Any) -> None:
    flaky = Flaky(server.url, 503, failures=10_000, retry_after=None)
    clock = FakeClock()
    store = HttpStore(flaky_server(flaky), policy=clock.policy(deadline=1.5))
    try:
        with pytest.raises(CommError, match=r"after 5 attempts in 1\.5s: HTTP 503: try later"):
            store.write_batch(first_batch())
    finally:
        store.close()
    assert clock.sleeps == [0.1, 0.2, 0.4, 0.8]  # doubling; 1.6 more would pass 1.5 s
    assert len(flaky.seen) == 5


def test_a_hanging_server_does_not_hold_a_call_past_its_deadline(flaky_server: Any) -> None:
    """Each attempt's timeout is cut to what is left of the call's deadline."""

    async def hang(scope: Any, receive: Any, send: Any) -> None:
        await asyncio.sleep(600)

    clock = FakeClock()
    store = HttpStore(
        flaky_server(hang), timeout=600, policy=clock.policy(deadline=1.0, attempts=1)
    )
    timeouts: list[dict[str, float]] = []
    store.client._http.event_hooks["request"].append(
        lambda request: timeouts.append(request.extensions["timeout"])
    )
    try:
        with pytest.raises(CommError, match="ReadTimeout"):
            store.get_run(RUN)
    finally:
        store.close()
    assert [t["read"] for t in timeouts] == [1.0]  # not the 600 s the store was given


def test_put_preset_is_not_retried_after_it_may_have_run(server: Server, flaky_server: Any) -> None:
    """A 500 might come after the version was saved: retrying would save it twice."""
    flaky = Flaky(server.url, 500, failures=1, retry_after=None)
    store = HttpStore(flaky_server(flaky), policy=FakeClock().policy(deadline=5.0))
    with pytest.raises(CommError, match="answered 500"):
        store.put_preset("me", "chart", {"mark": "line"})
    assert len(flaky.seen) == 1
    store.close()


# -- limits and bad answers --------------------------------------------------------------------


def test_oversized_body_is_refused_with_413(server: Server, store: HttpStore) -> None:
    too_big = b"\0" * ((32 << 20) + 1)
    answer = httpx.post(server.url + BATCHES, content=too_big, timeout=60)
    assert answer.status_code == 413
    assert str(32 << 20) in answer.text or "32" in answer.text
    assert store.get_run(RUN) is None


def test_oversized_batch_that_cannot_be_cut_raises_store_error_naming_the_limit(
    store: HttpStore,
) -> None:
    """Without ``journal_start`` its parts could not get spans of their own."""
    noise = np.random.default_rng(0).random(4_500_000)  # ~36 MB, incompressible
    # (numpy columns encode without lists: the wire format takes them as they are)
    columns: Any = {"x": (np.arange(len(noise)), noise)}
    batch = RunBatch(RUN, create={}, columns=columns, journal=("j", 10))
    with pytest.raises(StoreError, match=r"limit"):
        store.write_batch(batch)
    assert store.get_run(RUN) is None


def test_api_key_is_sent_as_a_bearer_token(
    server: Server, flaky_server: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[dict[str, str]] = []

    async def echo(scope: Any, receive: Any, send: Any) -> None:
        seen.append({k.decode(): v.decode() for k, v in scope["headers"]})
        await send({"type": "http.response.start", "status": 401, "headers": []})
        await send({"type": "http.response.body", "body": b'{"detail": "bad key"}'})

    url = flaky_server(echo)

    def refused(api_key: str | None = None) -> None:
        client = HttpStore(url, api_key=api_key)
        try:
            with pytest.raises(CommError, match="answered 401: bad key") as info:
                client.get_run(RUN)
            assert isinstance(info.value, AuthError)  # what the writer stops retrying on
        finally:
            client.close()

    monkeypatch.setenv("RUNYARD_API_KEY", "from-env")
    refused()
    refused("explicit")
    monkeypatch.delenv("RUNYARD_API_KEY")
    monkeypatch.setenv("WANDB_API_KEY", "from-wandb")
    refused()
    assert [h["authorization"] for h in seen] == [
        "Bearer from-env",
        "Bearer explicit",
        "Bearer from-wandb",
    ]


def test_bad_server_url_is_refused_naming_it() -> None:
    with pytest.raises(ValueError, match="invalid server URL 'http:/nohost'"):
        HttpStore("http:/nohost")


def test_reads_match_the_sql_store_behind_the_server(server: Server, store: HttpStore) -> None:
    """Typed arrays survive the trip bit for bit (ints stay ints, NaN stays NaN)."""
    nan = float("nan")
    store.write_batch(
        RunBatch(
            RUN,
            create={},
            columns={"i": ([0, 1], [1, 2]), "f": ([0, 1], [nan, 2.5]), "s": ([0], ["a"])},
        )
    )
    direct = SqlStore(f"sqlite:///{server.db}")
    try:
        for key in ("i", "f"):
            ours, theirs = store.read_series(RUN, key), direct.read_series(RUN, key)
            assert ours.values.dtype == theirs.values.dtype
            assert ours.values.tobytes() == theirs.values.tobytes()
        assert store.read_values(RUN, ["s"], 0, None) == {"s": [(0, "a")]}
    finally:
        direct.close()


@pytest.mark.parametrize("journal", [True, False])
def test_request_whose_answer_was_lost_is_not_applied_twice(
    server: Server, store: HttpStore, flaky_server: Any, journal: bool
) -> None:
    """The server applies the batch, the answer is lost, the client retries. A fork
    copies history: applied twice it would collide with itself and fail for good.
    Batches without a journal (public-API edits) get a one-off one from the client."""
    store.write_batch(first_batch())
    flaky = Flaky(server.url, 502, failures=1, retry_after=None, lose_answers=True)
    lossy = HttpStore(flaky_server(flaky), policy=FakeClock().policy(deadline=20.0))
    fork = RunRef("ent", "proj", "fork")
    batch = RunBatch(fork, create={"display_name": "fork"}, copy_history=(RUN, 1))
    if journal:
        batch.journal, batch.journal_start = ("fork-journal", 50), 0
    lossy.write_batch(batch)
    assert len(flaky.seen) == 2  # applied, answer lost, retried
    assert store.read_series(fork, "loss").steps.tolist() == [0, 1]
    lossy.close()


def big_batch(points: int, **fields: Any) -> RunBatch:
    noise = np.random.default_rng(1).random(points)
    return RunBatch(
        RUN,
        create={"display_name": "big"},
        config={"lr": 0.5},
        columns={
            "a": (list(range(points)), noise.tolist()),
            "b": (list(range(points)), [7] * points),
        },
        **fields,
    )


@pytest.mark.parametrize("journal", [True, False])
def test_a_batch_over_the_request_size_goes_in_parts(server: Server, journal: bool) -> None:
    store = HttpStore(server.url, max_request_bytes=1 << 20)
    fields: dict[str, Any] = {"journal": ("big-j", 10_000), "journal_start": 0} if journal else {}
    store.write_batch(big_batch(200_000, **fields))  # ~3 MB: 6+ requests
    record = store.get_run(RUN)
    assert record is not None and record.config == {"lr": 0.5}
    series = store.read_series(RUN, "a")
    assert series.steps.tolist() == list(range(200_000))
    assert store.read_series(RUN, "b").values.tolist() == [7] * 200_000
    if journal:
        assert store.journal_offset("big-j") == 10_000
    store.close()


def test_a_batch_cut_short_resumes_after_its_last_applied_part(
    server: Server, flaky_server: Any
) -> None:
    """Parts 1-2 are applied, then the server fails; the writer tries the batch again."""
    batch = big_batch(200_000, journal=("big-j", 10_000), journal_start=0)

    class FailsAfterTwo(Flaky):
        async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
            self.failures = 0 if len(self.seen) < 2 else 10_000
            await super().__call__(scope, receive, send)

    flaky = FailsAfterTwo(server.url, 503, failures=0, retry_after=None)
    policy = FakeClock().policy(deadline=0.5)
    broken = HttpStore(flaky_server(flaky), max_request_bytes=1 << 20, policy=policy)
    with pytest.raises(CommError):
        broken.write_batch(batch)
    broken.close()
    store = HttpStore(server.url, max_request_bytes=1 << 20)
    assert 0 < store.journal_offset("big-j") < 10_000  # part-way
    assert store.get_run(RUN).config == {}  # type: ignore[union-attr]  # config comes last
    store.write_batch(batch)
    assert store.read_series(RUN, "a").steps.tolist() == list(range(200_000))  # once each
    assert store.get_run(RUN).config == {"lr": 0.5}  # type: ignore[union-attr]
    assert store.journal_offset("big-j") == 10_000
    store.close()


def test_scan_history_reads_pages_of_rows(server: Server, store: HttpStore) -> None:
    n = 200_000  # 3 values a row (a, b, _step): two pages of at most 500,000 values
    store.write_batch(big_batch(n))
    page = httpx.get(
        f"{server.url}/api/v1/projects/ent/proj/runs/run1/history/rows",
        params={"only_keys": "false"},
        timeout=60,
    )
    first = unpack(page.content)
    assert 0 < len(first["rows"]) < n and first["next"] == len(first["rows"])
    rows = list(store.scan_history(RUN))
    assert [r["_step"] for r in rows] == list(range(n))
    assert rows[5] == {"_step": 5, "a": store.read_series(RUN, "a").values[5], "b": 7}
    only_a = list(store.scan_history(RUN, keys=["a"], min_step=n - 10))
    assert [sorted(r) for r in only_a] == [["_step", "a"]] * 10
