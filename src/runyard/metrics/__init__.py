"""Pure metric logic shared by the SDK, the stores and the server.

Flattening of logged dicts into leaf paths, ``define_metric`` validation and matching,
assembly of log records into history rows, the summary fold, extreme-preserving
downsampling of series for charts and ``run.history(samples=...)``, and run colours
(key-based buckets for semantic legends, the default palette). Nothing here does I/O;
it imports only numpy, the standard library and :mod:`runyard.errors`.
"""

from __future__ import annotations

from runyard.metrics.colors import (
    DEFAULT_BUCKETS,
    DEFAULT_METRICS,
    DEFAULT_PALETTE,
    MAX_BUCKETS,
    MIN_BUCKETS,
    MISSING_COLOR,
    PALETTES,
    RUN_PALETTE,
    Y_VALUES,
    Bucket,
    KeyColors,
    KeyColorSetting,
    KeyValue,
    assign_key_colors,
    assign_run_colors,
    bucket_edges,
    bucket_index,
    bucket_labels,
    fnv1a,
    format_edge,
    format_edges,
    key_value,
    ramp,
    valid_color,
    value_at,
)
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
    "DEFAULT_BUCKETS",
    "DEFAULT_METRICS",
    "DEFAULT_PALETTE",
    "MAX_BUCKETS",
    "MIN_BUCKETS",
    "MISSING_COLOR",
    "PALETTES",
    "RUN_PALETTE",
    "SUMMARY_OPS",
    "Y_VALUES",
    "Bucket",
    "Goal",
    "KeyColorSetting",
    "KeyColors",
    "KeyValue",
    "MetricDefinition",
    "MetricDefinitions",
    "Path",
    "RowAssembler",
    "SummaryState",
    "assign_key_colors",
    "assign_run_colors",
    "bucket_edges",
    "bucket_index",
    "bucket_labels",
    "delete_path",
    "flatten",
    "fnv1a",
    "format_edge",
    "format_edges",
    "get_path",
    "key_of",
    "key_value",
    "merge_rollup",
    "minmax_indices",
    "minmax_series",
    "nest",
    "parse_name",
    "ramp",
    "sample_rows",
    "set_path",
    "valid_color",
    "validate_define_metric",
    "value_at",
]
