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

    def histories(
        self,
        samples: int = 500,
        keys: list[str] | None = None,
        x_axis: str = "_step",
        format: str = "default",
        stream: str = "default",
    ) -> Any:
        """Sampled history of every run (``Run.history`` of each), with a ``run_id`` key.

        ``format="default"`` gives a list of dicts; ``"pandas"`` and ``"polars"`` one
        DataFrame with the columns sorted (runs with no rows are left out), as wandb's
        ``Runs.histories``. Runs whose keys differ are stacked with missing cells
        (wandb's polars path raises there).
        """
        if format not in ("default", "pandas", "polars"):
            raise ValueError(
                f"Invalid format: {format!r}. Must be one of 'default', 'pandas', 'polars'"
            )
        per_run: list[tuple[str, list[dict[str, Any]]]] = []
        for run in self:
            rows = run.history(
                samples=samples, keys=keys, x_axis=x_axis, pandas=False, stream=stream
            )
            if rows:
                per_run.append((run.id, rows))
        if format == "default":
            return [{**row, "run_id": run_id} for run_id, rows in per_run for row in rows]
        if format == "pandas":
            try:
                import pandas as pd
            except ImportError as exc:
                raise ImportError(
                    "histories(format='pandas') needs pandas: pip install 'runyard[pandas]'"
                ) from exc
            if not per_run:
                return pd.DataFrame()
            frames = [pd.DataFrame.from_records(rows).assign(run_id=rid) for rid, rows in per_run]
            combined = pd.concat(frames).reset_index(drop=True)
            return combined[sorted(combined.columns)]
        try:
            import polars as pl
        except ImportError as exc:
            raise ImportError(
                "histories(format='polars') needs polars: pip install 'runyard[polars]'"
            ) from exc
        if not per_run:
            return pl.DataFrame()
        pframes = [
            pl.from_dicts(rows, infer_schema_length=None).with_columns(pl.lit(rid).alias("run_id"))
            for rid, rows in per_run
        ]
        pcombined = pl.concat(pframes, how="diagonal_relaxed")
        return pcombined.select(sorted(pcombined.columns))

    def __repr__(self) -> str:
        return f"<Runs {self.entity}/{self.project} ({len(self)})>"
