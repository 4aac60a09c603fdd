"""Pure metric logic shared by the SDK, the stores and the server.

Flattening of logged dicts into leaf paths, ``define_metric`` validation and matching,
assembly of log records into history rows, the summary fold, and extreme-preserving
downsampling of series for charts and ``run.history(samples=...)``. Nothing here does I/O;
it imports only numpy, the standard library and :mod:`runyard.errors`.
"""

from __future__ import annotations

from runyard.metrics.definitions import (
    SUMMARY_OPS,
    Goal,
    MetricDefinition,
    MetricDefinitions,
    validate_define_metric,
)
from runyard.metrics.flatten import (
    Path,
    delete_path,
    flatten,
    get_path,
    key_of,
    nest,
    parse_name,
    set_path,
)
from runyard.metrics.history import RowAssembler
from runyard.metrics.sampling import merge_rollup, minmax_indices, minmax_series, sample_rows
from runyard.metrics.summary import SummaryState

__all__ = [
    "SUMMARY_OPS",
    "Goal",
    "MetricDefinition",
    "MetricDefinitions",
    "Path",
    "RowAssembler",
    "SummaryState",
    "delete_path",
    "flatten",
    "get_path",
    "key_of",
    "merge_rollup",
    "minmax_indices",
    "minmax_series",
    "nest",
    "parse_name",
    "sample_rows",
    "set_path",
    "validate_define_metric",
]
