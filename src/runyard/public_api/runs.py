"""`Runs`: a lazy, paginated, filterable collection of stored runs (``api.runs(...)``)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any, overload

from runyard.public_api.run import Run, flatten_for_frame

if TYPE_CHECKING:
    from runyard.public_api.api import Api

__all__ = ["Runs"]


class Runs:
    """Runs of one project matching ``filters``, fetched ``per_page`` at a time.

    ``len()`` counts in the store without loading runs; iteration and indexing
    load pages as they are reached.
    """

    def __init__(
        self,
        api: Api,
        entity: str,
        project: str,
        filters: Mapping[str, Any] | None,
        order: str | None,
        per_page: int,
    ) -> None:
        if per_page < 1:
            raise ValueError(f"per_page must be at least 1, got {per_page!r}")
        self._api = api
        self.entity = entity
        self.project = project
        self.filters = dict(filters) if filters else None
        self.order = order
        self.per_page = per_page
        self._pages: dict[int, list[Run]] = {}
        self._length: int | None = None
        # Compile once up front so a bad filter fails here, naming the culprit.
        self._page(0)

    def _page(self, number: int) -> list[Run]:
        page = self._pages.get(number)
        if page is None:
            records = self._api.store.query_runs(
                self.entity,
                self.project,
                self.filters,
                self.order,
                limit=self.per_page,
                offset=number * self.per_page,
            )
            page = self._pages[number] = [Run(self._api, r) for r in records]
        return page

    def __len__(self) -> int:
        if self._length is None:
            self._length = self._api.store.count_runs(self.entity, self.project, self.filters)
        return self._length

    def __iter__(self) -> Iterator[Run]:
        number = 0
        while True:
            page = self._page(number)
            yield from page
            if len(page) < self.per_page:
                return
            number += 1

    @overload
    def __getitem__(self, index: int) -> Run: ...

    @overload
    def __getitem__(self, index: slice) -> list[Run]: ...

    def __getitem__(self, index: int | slice) -> Run | list[Run]:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        if index < 0:
            index += len(self)
        page = self._page(index // self.per_page)
        offset = index % self.per_page
        if index < 0 or offset >= len(page):
            raise IndexError(f"run index {index} out of range")
        return page[offset]

    def to_dataframe(self) -> Any:
        """One row per run: identity, state, times, ``config.*`` and ``summary.*`` columns.

        Needs pandas (``pip install runyard[pandas]``).
        """
        try:
            import pandas as pd
        except ImportError as exc:
            raise ImportError("to_dataframe() needs pandas: pip install 'runyard[pandas]'") from exc
        rows = []
        for run in self:
            row: dict[str, Any] = {
                "id": run.id,
                "name": run.name,
                "state": run.state,
                "group": run.group,
                "job_type": run.job_type,
                "tags": list(run.tags),
                "created_at": pd.Timestamp(run.record.created_at, unit="s", tz="UTC"),
                "runtime": run.record.runtime,
            }
            row.update(flatten_for_frame(run.config, "config"))
            row.update(flatten_for_frame(run.summary.as_dict(), "summary"))
            rows.append(row)
        return pd.DataFrame.from_records(rows)

    def __repr__(self) -> str:
        return f"<Runs {self.entity}/{self.project} ({len(self)})>"
