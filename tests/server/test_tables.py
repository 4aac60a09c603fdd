"""The table route: a page of a logged table, searched and sorted, JSON or Parquet."""

from __future__ import annotations

import functools
import io
import math
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from fastapi.testclient import TestClient

import runyard
from runyard.data_types.table_file import PARQUET_SUFFIX, encode_parquet
from runyard.server.app import create_app
from runyard.server.tables import cell_text, read_table_page, sort_order
from runyard.settings import Settings
from tests.server.logged import BACKENDS, Logged, P, get, png, store_uri

COLUMNS = ["id", "score", "label"]
ROWS: list[list[Any]] = [
    [1, 0.5, "Cat"],
    [2, None, "dog"],
    [3, 2.5, "bird"],
    [4, -1.0, None],
    [5, 10, "catfish"],
]


@pytest.fixture(params=BACKENDS)
def logged(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Logged]:
    logged = Logged(tmp_path, store_uri(request))
    a = logged.run("a")
    logged.log(a, 0, tbl=logged.table(a, COLUMNS, ROWS[:2]))
    logged.log(a, 5, tbl=logged.table(a, COLUMNS, ROWS), loss=0.1)
    logged.log(a, 6, note="text")
    b = logged.run("b")
    logged.summary(b, tbl=logged.table(b, ["x"], [[1], [2]]))
    yield logged
    logged.store.close()


@pytest.fixture
def client(logged: Logged) -> Iterator[TestClient]:
    with logged.client() as test_client:
        yield test_client


def table(client: TestClient, status: int = 200, run: str = "a", **params: Any) -> Any:
    return get(client, f"{P}/runs/{run}/table", status, key="tbl", **params)


def test_latest_step_by_default_and_explicit_steps(client: TestClient) -> None:
    body = table(client)
    assert body["key"] == "tbl" and body["step"] == 5
    assert body["columns"] == COLUMNS and body["rows"] == ROWS
    assert body["total"] == 5 and body["nrows"] == 5
    first = table(client, step=0)
    assert first["step"] == 0 and first["rows"] == ROWS[:2] and first["nrows"] == 2


def test_summary_only_table_has_step_null(client: TestClient) -> None:
    body = table(client, run="b")
    assert body["step"] is None and body["rows"] == [[1], [2]]


def test_paging(client: TestClient) -> None:
    body = table(client, offset=1, limit=2)
    assert body["rows"] == ROWS[1:3] and body["total"] == 5
    assert table(client, offset=10)["rows"] == []


def test_sort_numbers_numerically_with_nulls_last_both_ways(client: TestClient) -> None:
    ids = [r[0] for r in table(client, sort="score")["rows"]]
    assert ids == [4, 1, 3, 5, 2]
    ids = [r[0] for r in table(client, sort="score", desc=True)["rows"]]
    assert ids == [5, 3, 1, 4, 2]


def test_sort_text_and_search_case_insensitively(client: TestClient) -> None:
    labels = [r[2] for r in table(client, sort="label")["rows"]]
    assert labels == ["Cat", "bird", "catfish", "dog", None]
    found = table(client, q="CAT", sort="id", desc=True)
    assert [r[0] for r in found["rows"]] == [5, 1]
    assert found["total"] == 2 and found["nrows"] == 5
    assert table(client, q="2.5")["rows"] == [ROWS[2]]
    assert table(client, q="nothing matches")["rows"] == []
    assert table(client, q="cat\x00dog")["total"] == 0  # no cell text holds NUL


def test_bad_requests_name_the_value(client: TestClient) -> None:
    assert "unknown sort column 'nope'" in table(client, 400, sort="nope")["detail"]
    assert "no value of 'tbl' at step 3" in table(client, 404, step=3)["detail"]
    detail = get(client, f"{P}/runs/a/table", 400, key="note")["detail"]
    assert "'note' of run a holds str, not a table-file" in detail
    assert "no value of 'missing'" in get(client, f"{P}/runs/a/table", 404, key="missing")["detail"]
    assert "no run tester/proj/zz" in table(client, run="zz", status=404)["detail"]
    assert "invalid key 'a\\x00b'" in get(client, f"{P}/runs/a/table", 400, key="a\x00b")["detail"]
    assert "invalid run id" in table(client, 400, run="a%00")["detail"]
    table(client, 422, step=2**63)  # beyond the store's 64-bit steps
    table(client, 422, offset=2**63)
    table(client, 422, limit=100_001)
    table(client, 422, offset=-1)
    table(client, 422, step="x")


def test_a_whole_table_in_one_request(client: TestClient) -> None:
    assert len(table(client, limit=100_000)["rows"]) == 5


def test_media_cells_get_urls_and_nan_travels_as_a_marker(logged: Logged) -> None:
    c = logged.run("c")
    image = {"_type": "image-file", "format": "png", **logged.file(c, "images", png(), ".png")}
    image["caption"] = "a red square"
    logged.log(c, 0, tbl=logged.table(c, ["img", "v"], [[image, math.nan], [None, math.inf]]))
    with logged.client() as client:
        body = table(client, run="c")
        cell = body["rows"][0][0]
        assert cell["url"] == f"{P}/runs/c/media/{image['path']}"
        assert client.get(cell["url"]).content.startswith(b"\x89PNG")
        assert body["rows"][0][1] == {"$float": "NaN"}
        assert body["rows"][1] == [None, {"$float": "Infinity"}]
        assert table(client, run="c", q="red square")["total"] == 1
        assert table(client, run="c", q="png")["total"] == 0  # paths are not searched


# -- Parquet -------------------------------------------------------------------

N = 25_000
GROUP = 1_000


@functools.cache
def parquet_bytes(corrupt_group: int | None = None) -> bytes:
    """``N`` rows in row groups of ``GROUP``; optionally one group's data destroyed."""
    ids = list(range(N))
    table = pa.table(
        {
            "id": ids,
            "value": [float((i * 7919) % N) for i in ids],
            "name": [f"row {i}" for i in ids],
        }
    )
    buffer = io.BytesIO()
    pq.write_table(table, buffer, row_group_size=GROUP)
    data = bytearray(buffer.getvalue())
    if corrupt_group is not None:
        group = pq.ParquetFile(io.BytesIO(bytes(data))).metadata.row_group(corrupt_group)
        for c in range(group.num_columns):
            column = group.column(c)
            start = column.data_page_offset
            data[start : start + column.total_compressed_size] = b"\xff" * (
                column.total_compressed_size
            )
    return bytes(data)


@pytest.fixture
def parquet_client(logged: Logged) -> Iterator[TestClient]:
    p = logged.run("p")
    stored = logged.file(p, "table", parquet_bytes(), ".parquet")
    logged.log(p, 0, big={"_type": "table-file", **stored, "ncols": 3, "nrows": N})
    with logged.client() as test_client:
        yield test_client


def test_parquet_pages_sorts_and_searches(parquet_client: TestClient) -> None:
    url = f"{P}/runs/p/table"
    body = get(parquet_client, url, key="big", offset=12_345, limit=3)
    assert body["columns"] == ["id", "value", "name"] and body["nrows"] == N
    assert [r[0] for r in body["rows"]] == [12_345, 12_346, 12_347]
    top = get(parquet_client, url, key="big", sort="value", desc=True, limit=2)["rows"]
    assert [r[1] for r in top] == [N - 1.0, N - 2.0]
    found = get(parquet_client, url, key="big", q="ROW 2499", sort="id")
    assert [r[0] for r in found["rows"]] == [2499, *range(24_990, 25_000)]
    assert found["total"] == 11 and found["nrows"] == N
    assert len(get(parquet_client, url, key="big", limit=100_000)["rows"]) == N


def test_parquet_pages_read_only_the_row_groups_they_need() -> None:
    broken = parquet_bytes(corrupt_group=20)
    page = read_table_page(broken, "t.parquet", offset=1_500, limit=10)
    assert [r[0] for r in page.rows] == list(range(1_500, 1_510))
    # A page in the broken group fails: it is the only one that reads it.
    with pytest.raises(ValueError, match=r"table file 't\.parquet' is not readable Parquet"):
        read_table_page(broken, "t.parquet", offset=20_500, limit=10)


def test_parquet_sorted_page_reads_the_sort_column_then_the_page() -> None:
    data = parquet_bytes()
    page = read_table_page(data, "t.parquet", offset=0, limit=5, sort="value")
    assert [r[1] for r in page.rows] == [0.0, 1.0, 2.0, 3.0, 4.0]
    assert all(r[2] == f"row {r[0]}" for r in page.rows)


def test_a_broken_table_file_is_a_400_naming_it() -> None:
    with pytest.raises(ValueError, match=r"table file 'x\.table\.json' is not JSON"):
        read_table_page(b"{nope", "x.table.json", 0, 10)
    with pytest.raises(ValueError, match=r"table file 'x\.table\.json' has no columns list"):
        read_table_page(b"[1]", "x.table.json", 0, 10)
    with pytest.raises(ValueError, match=r"table file 'x\.parquet' is not readable Parquet"):
        read_table_page(b"PAR1 not really", "x.parquet", 0, 10)


# -- helpers -------------------------------------------------------------------


def test_sort_order_puts_numbers_then_text_then_nulls() -> None:
    cells = ["b", 2, None, math.nan, 1.5, "a", True]
    assert [cells[i] for i in sort_order(cells, desc=False)][:5] == [1.5, 2, "a", "b", True]
    order = sort_order(cells, desc=True)
    assert [cells[i] for i in order[:5]] == [2, 1.5, True, "b", "a"]
    assert {repr(cells[i]) for i in order[5:]} == {"None", "nan"}


def test_cell_text() -> None:
    assert cell_text(None) == "" and cell_text(True) == "true" and cell_text(2.5) == "2.5"
    assert cell_text({"_type": "image-file", "caption": "cap", "path": "x.png"}) == "cap"
    assert cell_text({"a": 1}) == '{"a": 1}' and cell_text([1, "x"]) == '[1, "x"]'


def test_parquet_written_by_the_sdk_decodes_media_and_mixed_cells(logged: Logged) -> None:
    m = logged.run("m")
    image = {"_type": "image-file", "format": "png", **logged.file(m, "images", png(), ".png")}
    rows = [[i, image if i % 2 else None, [i, "x"] if i % 3 else "text"] for i in range(30)]
    stored = logged.file(m, "table", encode_parquet([0, "img", "mixed"], rows), PARQUET_SUFFIX)
    logged.log(m, 0, big={"_type": "table-file", **stored, "ncols": 3, "nrows": 30})
    with logged.client() as client:
        body = get(client, f"{P}/runs/m/table", key="big", sort="0", desc=True, limit=3)
        assert body["columns"] == ["0", "img", "mixed"] and body["nrows"] == 30
        assert [r[0] for r in body["rows"]] == [29, 28, 27]
        assert body["rows"][0][1]["url"] == f"{P}/runs/m/media/{image['path']}"
        assert body["rows"][1][1] is None and body["rows"][0][2] == [29, "x"]
        assert body["rows"][2][2] == "text"


def test_a_big_table_logged_by_the_sdk(ry_dir: Path) -> None:
    """End to end: more than 10,000 rows are stored as Parquet and paged whole."""
    run = runyard.init(project="proj", id="big1")
    n = 10_050
    run.log({"t": runyard.Table(columns=["i", "sq"], data=[[i, i * i] for i in range(n)])})
    run.finish()
    settings = Settings.from_env()
    with TestClient(create_app(settings.store_uri, settings.blobs_uri)) as client:
        last = get(client, f"{P}/runs/big1/table", key="t", offset=n - 2)
        assert last["rows"] == [[n - 2, (n - 2) ** 2], [n - 1, (n - 1) ** 2]]
        assert last["nrows"] == n and last["step"] == 0
        value = get(client, f"{P}/media", runs="big1", key="t")["runs"][0]["steps"][0]["value"]
        assert value["path"].endswith(".parquet")
