"""``define_metric``: validating a call, merging repeated calls, matching keys to definitions.

Example:
    >>> defs = MetricDefinitions()
    >>> _ = defs.define(validate_define_metric("train/*", summary="min"))
    >>> _ = defs.define(validate_define_metric("*/loss", summary="max"))
    >>> defs.match(("train/loss",)).name  # more literal characters win
    'train/*'
    >>> defs.match(("_step",)) is None  # globs never match "_" keys
    True
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, cast

from runyard.errors import Error
from runyard.metrics.flatten import Path, key_of, parse_name

__all__ = [
    "SUMMARY_OPS",
    "Goal",
    "MetricDefinition",
    "MetricDefinitions",
    "validate_define_metric",
]

Goal = Literal["minimize", "maximize"]

SUMMARY_OPS: frozenset[str] = frozenset({"min", "max", "mean", "first", "last", "best", "none"})
"""The summary ops a definition can hold (``copy`` is accepted by validation and dropped)."""

_COPY_WARNING = "define_metric(summary='copy') is deprecated and will be removed."
_GOALS: dict[str, Goal] = {
    "minimize": "minimize",
    "min": "minimize",
    "maximize": "maximize",
    "max": "maximize",
}


@dataclass(frozen=True)
class MetricDefinition:
    """One ``define_metric`` definition, after validation and merging.

    Attributes:
        name: The name as given, e.g. ``"train/*"`` or ``"dotted\\\\.name"``.
        step_metric: Name of the metric used as this metric's x-axis, or None.
        step_sync: Insert the latest ``step_metric`` value into rows that lack it.
        hidden: Hide the metric's charts in the UI.
        summary: Summary ops, a subset of :data:`SUMMARY_OPS`.
        goal: ``"minimize"`` or ``"maximize"`` (needed by the ``best`` op), or None.
        path: ``parse_name(name)``, the leaf path an explicit definition applies to.
        glob: True when the name contains ``*`` and matches keys by pattern.
    """

    name: str
    step_metric: str | None = None
    step_sync: bool = False
    hidden: bool = False
    summary: frozenset[str] = frozenset()
    goal: Goal | None = None
    path: Path = field(init=False, repr=False, compare=False)
    glob: bool = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "path", parse_name(self.name))
        object.__setattr__(self, "glob", "*" in self.name)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-able dict, the inverse of :meth:`from_dict`."""
        return {
            "name": self.name,
            "step_metric": self.step_metric,
            "step_sync": self.step_sync,
            "hidden": self.hidden,
            "summary": sorted(self.summary),
            "goal": self.goal,
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> MetricDefinition:
        """Rebuild a definition from :meth:`to_dict` output (unknown keys are ignored)."""
        goal = d.get("goal")
        return cls(
            name=str(d["name"]),
            step_metric=d.get("step_metric"),
            step_sync=bool(d.get("step_sync", False)),
            hidden=bool(d.get("hidden", False)),
            summary=frozenset(d.get("summary") or ()),
            goal=None if goal is None else _GOALS[goal],
        )


def validate_define_metric(
    name: Any,
    step_metric: Any = None,
    step_sync: Any = None,
    hidden: Any = None,
    summary: Any = None,
    goal: Any = None,
    overwrite: Any = None,
) -> MetricDefinition:
    """Check the arguments of ``define_metric`` and build the definition they describe.

    Messages match wandb 0.31, except where the seed documents win: ``*`` may appear
    anywhere in ``name``, and ``summary="best"`` with a ``goal`` is supported.

    Args:
        name: Metric name; ``*`` makes it a glob, ``"\\\\."`` is a literal dot.
        step_metric: A name, or an object with a ``name`` attribute (a ``Metric``).
        step_sync: Defaults to True when ``step_metric`` is set.
        hidden: Hide the metric in the UI.
        summary: Comma-separated, case-insensitive ops from
            ``min, max, mean, first, last, best, none`` (``copy`` warns and is dropped).
        goal: ``"minimize"``/``"maximize"`` (or ``"min"``/``"max"``).
        overwrite: Only type-checked here; pass it to :meth:`MetricDefinitions.define`.

    Returns:
        The validated definition.

    Raises:
        runyard.errors.Error: An argument is invalid.

    Example:
        >>> d = validate_define_metric("loss", summary="MIN,max", step_metric="epoch")
        >>> sorted(d.summary), d.step_sync
        (['max', 'min'], True)
    """
    if not name:
        raise Error("define_metric() requires non-empty name argument")
    if step_metric is not None and not isinstance(step_metric, str):
        metric_name = getattr(step_metric, "name", None)
        if isinstance(metric_name, str):
            step_metric = metric_name
    for arg_name, arg_val, expected in (
        ("name", name, str),
        ("step_metric", step_metric, str),
        ("step_sync", step_sync, bool),
        ("hidden", hidden, bool),
        ("summary", summary, str),
        ("goal", goal, str),
        ("overwrite", overwrite, bool),
    ):
        if arg_val is not None and not isinstance(arg_val, expected):
            raise Error(f"Unhandled define_metric() arg: {arg_name} type: {type(arg_val).__name__}")

    ops: set[str] = set()
    if summary:
        for op in summary.split(","):
            # Spaces are not stripped: wandb rejects "min, max" with op " max".
            op = op.lower()
            if op == "copy":
                warnings.warn(_COPY_WARNING, DeprecationWarning, stacklevel=3)
                continue
            if op not in SUMMARY_OPS:
                raise Error(f"Unhandled define_metric() arg: summary op: {op}")
            ops.add(op)

    goal_value: Goal | None = None
    if goal is not None:
        goal_value = _GOALS.get(goal.lower())
        if goal_value is None:
            raise Error(
                f'Unhandled define_metric() arg: goal: {goal!r} (expected "minimize" or "maximize")'
            )
    if "best" in ops and goal_value is None:
        raise Error('define_metric() summary="best" requires goal="minimize" or goal="maximize"')

    step_metric = step_metric or None
    return MetricDefinition(
        name=name,
        step_metric=step_metric,
        step_sync=(step_metric is not None) if step_sync is None else step_sync,
        hidden=bool(hidden),
        summary=frozenset(ops),
        goal=goal_value,
    )


@dataclass(frozen=True)
class _Glob:
    definition: MetricDefinition
    regex: re.Pattern[str]
    # Precedence: more literal characters, then fewer `*`, then the later define().
    rank: tuple[int, int, int]


class MetricDefinitions:
    """The run's metric definitions, merged as wandb merges them, and key matching.

    ``match(path)`` picks the definition for a leaf path: an explicit definition whose path
    equals it wins; otherwise the most specific matching glob (most literal characters,
    then fewest ``*``, then the most recently defined). ``*`` matches any run of
    characters, ``/`` and ``.`` included, against ``key_of(path)``. Globs never match keys
    whose first component starts with ``_``. Matches are cached until the next ``define``.

    Every ``define`` bumps :attr:`revision`; :meth:`revision_of` tells when a name was last
    defined, so that callers (the summary) can tell whether a key was redefined since an
    event.
    """

    def __init__(self, definitions: Iterable[MetricDefinition] = ()) -> None:
        """Create the registry, defining ``definitions`` in order (with merging)."""
        self._by_name: dict[str, MetricDefinition] = {}
        self._explicit: dict[Path, MetricDefinition] = {}
        self._globs: list[_Glob] = []
        self._cache: dict[Path, MetricDefinition | None] = {}
        self._revisions: dict[str, int] = {}
        self._revision = 0
        for d in definitions:
            self.define(d)

    @property
    def revision(self) -> int:
        """A counter bumped by every :meth:`define` call."""
        return self._revision

    def revision_of(self, name: str) -> int:
        """The :attr:`revision` at which ``name`` was last defined (0 if never)."""
        return self._revisions.get(name, 0)

    def define(self, defn: MetricDefinition, overwrite: bool = False) -> MetricDefinition:
        """Add a definition, merging it into an earlier one of the same name.

        Without ``overwrite`` (wandb's ``definedMetric.With``): summary ops are OR-ed, and a
        non-empty new summary decides ``none`` on its own; ``step_sync`` and ``hidden`` only
        turn on; ``step_metric`` and ``goal`` are replaced when the new call gives them.
        With ``overwrite`` the new definition replaces the old one.

        Returns:
            The definition now in force for ``defn.name``.
        """
        old = self._by_name.get(defn.name)
        if old is not None and not overwrite:
            summary = old.summary
            if defn.summary:
                summary = (old.summary - {"none"}) | defn.summary
            defn = MetricDefinition(
                name=defn.name,
                step_metric=defn.step_metric if defn.step_metric is not None else old.step_metric,
                step_sync=old.step_sync or defn.step_sync,
                hidden=old.hidden or defn.hidden,
                summary=summary,
                goal=defn.goal if defn.goal is not None else old.goal,
            )
        self._revision += 1
        self._store(defn, self._revision)
        return defn

    def _store(self, defn: MetricDefinition, revision: int) -> None:
        old = self._by_name.pop(defn.name, None)
        self._by_name[defn.name] = defn  # re-inserted: all() lists in define order
        self._revisions[defn.name] = revision
        if old is not None and not old.glob:
            self._explicit.pop(old.path, None)
        self._globs = [g for g in self._globs if g.definition.name != defn.name]
        if defn.glob:
            pattern = key_of(defn.path)
            regex = re.compile(".*".join(re.escape(p) for p in pattern.split("*")), re.DOTALL)
            stars = pattern.count("*")
            self._globs.append(_Glob(defn, regex, (-(len(pattern) - stars), stars, -revision)))
            self._globs.sort(key=lambda g: g.rank)
        else:
            self._explicit[defn.path] = defn
        self._cache.clear()

    def get(self, name: str) -> MetricDefinition | None:
        """The definition named exactly ``name``, or None."""
        return self._by_name.get(name)

    def match(self, path: Path) -> MetricDefinition | None:
        """The definition that applies to leaf ``path``, or None (see the class docstring)."""
        try:
            return self._cache[path]
        except KeyError:
            pass
        found = self._explicit.get(path)
        if found is None and self._globs and path and not path[0].startswith("_"):
            key = key_of(path)
            for g in self._globs:  # sorted by precedence: the first hit wins
                if g.regex.fullmatch(key):
                    found = g.definition
                    break
        self._cache[path] = found
        return found

    def is_hidden(self, path: Path) -> bool:
        """True when the definition matching ``path`` is hidden."""
        d = self.match(path)
        return d is not None and d.hidden

    def step_metric_for(self, path: Path) -> str | None:
        """The ``step_metric`` name of the definition matching ``path``, or None."""
        d = self.match(path)
        return None if d is None else d.step_metric

    def all(self) -> list[MetricDefinition]:
        """Every definition, in the order of their latest ``define``."""
        return list(self._by_name.values())

    def to_list(self) -> list[dict[str, Any]]:
        """JSON-able list for persistence; each item is ``to_dict()`` plus its revision."""
        return [
            {**d.to_dict(), "revision": self._revisions[d.name]} for d in self._by_name.values()
        ]

    @classmethod
    def from_list(cls, items: Iterable[Mapping[str, Any]]) -> MetricDefinitions:
        """Rebuild from :meth:`to_list` output, keeping revisions (used on resume)."""
        defs = cls()
        for i, item in enumerate(items, start=1):
            revision = int(cast(int, item.get("revision", i)))
            defs._store(MetricDefinition.from_dict(item), revision)
            defs._revision = max(defs._revision, revision)
        return defs
