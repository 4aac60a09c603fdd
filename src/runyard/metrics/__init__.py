"""Pure metric logic shared by the SDK, the stores and the server.

Flattening of logged dicts into leaf paths, ``define_metric`` validation and matching,
assembly of log records into history rows, the summary fold, extreme-preserving
downsampling of series for charts and ``run.history(samples=...)``, and run colours
(key-based buckets for semantic legends, the default palette), and the rules a logged
value must meet to be stored (``values``). Nothing here does I/O; it imports only
numpy, the standard library and :mod:`runyard.errors`. The names below are imported
from their modules when first used.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

# flatten is light and eager: its function `flatten` shares the module's name.
from runyard.metrics.flatten import (
    Path,
    delete_path,
    drop_shadowed,
    flatten,
    get_path,
    key_of,
    nest,
    parse_name,
    set_path,
)

if TYPE_CHECKING:
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
    from runyard.metrics.history import RowAssembler
    from runyard.metrics.sampling import (
        m4_series,
        merge_rollup,
        minmax_indices,
        minmax_series,
        sample_rows,
    )
    from runyard.metrics.summary import SummaryState
    from runyard.metrics.values import (
        INT64_MAX,
        INT64_MIN,
        MAX_DEPTH,
        MAX_KEY_BYTES,
        RESERVED_KEYS,
        check_keys,
        check_row,
        check_value,
        row_as_is,
        show_path,
        wide_int_float,
        wide_int_note,
    )

__all__ = [
    "DEFAULT_BUCKETS",
    "DEFAULT_METRICS",
    "DEFAULT_PALETTE",
    "INT64_MAX",
    "INT64_MIN",
    "MAX_BUCKETS",
    "MAX_DEPTH",
    "MAX_KEY_BYTES",
    "MIN_BUCKETS",
    "MISSING_COLOR",
    "PALETTES",
    "RESERVED_KEYS",
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
    "check_keys",
    "check_row",
    "check_value",
    "delete_path",
    "drop_shadowed",
    "flatten",
    "fnv1a",
    "format_edge",
    "format_edges",
    "get_path",
    "key_of",
    "key_value",
    "m4_series",
    "merge_rollup",
    "minmax_indices",
    "minmax_series",
    "nest",
    "parse_name",
    "ramp",
    "row_as_is",
    "sample_rows",
    "set_path",
    "show_path",
    "valid_color",
    "validate_define_metric",
    "value_at",
    "wide_int_float",
    "wide_int_note",
]

#: The submodules the names above come from. They are imported when a name is first
#: used, so that importing one light submodule (``runyard.metrics.values``, which the
#: SDK needs in ``import runyard``) does not import numpy with the others.
_MODULES = ("colors", "definitions", "flatten", "history", "sampling", "summary", "values")


def __getattr__(name: str) -> Any:
    if name in __all__:
        for module_name in _MODULES:
            module = importlib.import_module(f"runyard.metrics.{module_name}")
            if name in module.__all__:
                value = getattr(module, name)
                globals()[name] = value
                return value
    raise AttributeError(f"module 'runyard.metrics' has no attribute {name!r}")
