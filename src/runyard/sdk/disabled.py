"""`DisabledRun`: what ``init(mode="disabled")`` returns — every call a cheap no-op."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from types import TracebackType
from typing import Any, Literal

from runyard.sdk.config import Config, config_items

__all__ = ["DisabledRun"]


class _DictSummary(dict[str, Any]):
    def update(self, *args: Any, **kwargs: Any) -> None:
        super().update(*args, **kwargs)


class DisabledRun:
    """Accepts the whole ``Run`` API and stores nothing."""

    disabled = True
    offline = False
    resumed = False
    url = None
    path = ""
    entity = ""
    dir = ""
    #: Nothing to attach to: frameworks pickle this with their logger (Lightning), so it
    #: must not be the no-op callable ``__getattr__`` gives.
    _attach_id: str | None = None

    def __init__(
        self,
        project: str | None = None,
        name: str | None = None,
        id: str | None = None,
        config: Any = None,
        on_finish: Callable[[DisabledRun], None] | None = None,
    ) -> None:
        self._on_finish = on_finish
        self.id = id or "disabled"
        self.name = name or f"dummy-{self.id}"
        self.project = project or ""
        self.config = Config(None, config_items(config))
        self.summary = _DictSummary()
        self.tags: tuple[str, ...] = ()
        self.notes: str | None = None
        self.group: str | None = None
        self.job_type: str | None = None
        self.step = 0

    def log(
        self, data: Mapping[str, Any], step: int | None = None, commit: bool | None = None
    ) -> None:
        return None

    def define_metric(self, name: str, *args: Any, **kwargs: Any) -> None:
        return None

    def finish(self, exit_code: int | None = None, quiet: bool | None = None) -> None:
        if self._on_finish is not None:
            self._on_finish(self)

    def __enter__(self) -> DisabledRun:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> Literal[False]:
        self.finish()
        return False

    def __getattr__(self, name: str) -> Any:
        # Any other Run method: a no-op callable.
        if name.startswith("__"):
            raise AttributeError(name)
        return lambda *args, **kwargs: None
