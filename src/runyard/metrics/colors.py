"""Run colours: key-based colours (semantic legends) and the default run palette.

Key-based colours put runs into buckets by one value per run (a metric's latest, max or
min value, a config value, or a default metric such as Relative Time (Wall)):

* Numbers: the range ``[min, max]`` of the runs' finite values is split into ``n``
  equal-width buckets (2 to 8), labelled ``Min – a``, ``a – b``, …, ``z – Max``. A value
  exactly on a boundary goes to the upper bucket; ``+inf``/``-inf`` go to the last and
  first bucket. Each bucket gets one colour of a sequential ramp, light (low) to dark
  (high). When every run has the same value there is one bucket, labelled with the value.
* Strings and booleans (in config, usually): one colour per distinct value, from the
  qualitative run palette.
* Runs without a value (missing, ``None``, NaN, a list or dict) are grey and listed as such.

Everything here is pure and mirrored line by line in ``web/src/lib/keyColors.ts`` and
``web/src/lib/runColor.ts``, so the web app, the ``/colors`` route and scripts give the
same colours; shared golden cases test both (``web/src/lib/keyColors.golden.json``).

Example:
    >>> colors = assign_key_colors({"a": 0.74, "b": 0.80, "c": 0.86, "d": None}, 3)
    >>> [b.label for b in colors.buckets]
    ['Min – 0.78', '0.78 – 0.82', '0.82 – Max']
    >>> colors.bucket_of["b"], colors.missing
    (1, ['d'])
    >>> colors.colors["d"] == MISSING_COLOR
    True
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from decimal import ROUND_HALF_UP, Decimal, localcontext
from typing import Any, Literal, TypeAlias

__all__ = [
    "DEFAULT_BUCKETS",
    "DEFAULT_METRICS",
    "DEFAULT_PALETTE",
    "MAX_BUCKETS",
    "MIN_BUCKETS",
    "MISSING_COLOR",
    "PALETTES",
    "RUN_PALETTE",
    "Y_VALUES",
    "Bucket",
    "KeyColorSetting",
    "KeyColors",
    "KeyValue",
    "assign_key_colors",
    "assign_run_colors",
    "bucket_edges",
    "bucket_index",
    "bucket_labels",
    "fnv1a",
    "format_edge",
    "format_edges",
    "key_value",
    "ramp",
    "valid_color",
    "value_at",
]

#: One run's value for a key: a number (NaN and ±inf allowed), a string, a bool or None.
KeyValue: TypeAlias = float | str | bool | None

#: The y values a metric key can be reduced to, per run.
Y_VALUES: tuple[str, ...] = ("latest", "max", "min")

#: Keys every run has, with their names in the web app (the x-axes of line plots).
DEFAULT_METRICS: dict[str, str] = {
    "_runtime": "Relative Time (Process)",
    "_wall": "Relative Time (Wall)",
    "_timestamp": "Wall Time",
    "_step": "Step",
}

MIN_BUCKETS = 2
MAX_BUCKETS = 8
DEFAULT_BUCKETS = 5

#: Sequential ramps, light to dark (matplotlib's perceptually uniform, colour-blind-safe
#: maps, sampled at equal steps). Their light ends are cut where a line has 2:1
#: contrast on the white chart background (viridis at 0.75, cividis and plasma at
#: 0.78, magma at 0.8: the yellow ends, 1.1-1.3:1, were nearly invisible); magma's
#: near-black end is cut too.
PALETTES: dict[str, tuple[str, ...]] = {
    "viridis": (
        "#5ec962",
        "#32b67a",
        "#1fa088",
        "#23898e",
        "#2c728e",
        "#375b8d",
        "#424086",
        "#482374",
        "#440154",
    ),
    "cividis": ("#c3b369", "#918b78", "#646770", "#33446d", "#00224e"),
    "magma": (
        "#fe9f6d",
        "#f66c5c",
        "#d8456c",
        "#ab337c",
        "#7e2482",
        "#54137d",
        "#251255",
    ),
    "plasma": (
        "#fb9f3a",
        "#ef7e50",
        "#de5f65",
        "#c8437b",
        "#ad2793",
        "#8d0ba5",
        "#6700a8",
        "#3f049c",
        "#0d0887",
    ),
}
DEFAULT_PALETTE = "viridis"

#: Runs without a value for the key.
MISSING_COLOR = "#bdbdbd"

#: The run palette of web/src/lib/runColor.ts: Okabe–Ito (without black and yellow), then
#: Paul Tol's "muted" scheme. Runs get these by id; categorical values get them in order.
RUN_PALETTE: tuple[str, ...] = (
    "#0072B2",
    "#E69F00",
    "#009E73",
    "#D55E00",
    "#CC79A7",
    "#56B4E9",
    "#332288",
    "#117733",
    "#882255",
    "#999933",
    "#44AA99",
    "#AA4499",
)

_DASH = " – "
_EXACT = 1200  # decimal digits: enough for any float64 exactly
_ZERO = 1e-9  # boundaries closer to zero than this fraction of the range are zero
_FLOAT_MARK = "$float"
_FLOAT_NAMES = {"NaN": math.nan, "Infinity": math.inf, "-Infinity": -math.inf}


# -- the setting ------------------------------------------------------------------


@dataclass(frozen=True)
class KeyColorSetting:
    """The workspace's ``keyColors`` setting.

    ``key`` is a metric key (``acc``), ``config:<path>`` for a config value, or one of
    :data:`DEFAULT_METRICS`; ``y`` is one of :data:`Y_VALUES` (ignored for config keys).

    Example:
        >>> KeyColorSetting.from_json({"enabled": True, "key": "acc", "buckets": 12})
        KeyColorSetting(enabled=True, key='acc', y='latest', buckets=8, palette='viridis')
    """

    enabled: bool = False
    key: str = ""
    y: str = "latest"
    buckets: int = DEFAULT_BUCKETS
    palette: str = DEFAULT_PALETTE

    @classmethod
    def from_json(cls, doc: Any) -> KeyColorSetting:
        """Read the saved setting leniently (it is user data): bad fields get defaults."""
        if not isinstance(doc, Mapping):
            return cls()
        buckets = doc.get("buckets")
        return cls(
            enabled=doc.get("enabled") is True,
            key=doc["key"] if isinstance(doc.get("key"), str) else "",
            y=doc["y"] if doc.get("y") in Y_VALUES else "latest",
            buckets=(
                min(MAX_BUCKETS, max(MIN_BUCKETS, round(buckets)))
                if isinstance(buckets, (int, float))
                and not isinstance(buckets, bool)
                and math.isfinite(buckets)
                else DEFAULT_BUCKETS
            ),
            palette=doc["palette"] if doc.get("palette") in PALETTES else DEFAULT_PALETTE,
        )

    def with_overrides(
        self,
        key: str | None = None,
        y: str | None = None,
        buckets: int | None = None,
        palette: str | None = None,
    ) -> KeyColorSetting:
        """Apply explicit choices (an API query), strictly: bad values raise ``ValueError``.

        Naming a key turns key-based colours on.
        """
        changed = self
        if key is not None:
            if not key:
                raise ValueError("key must not be empty")
            changed = replace(changed, key=key, enabled=True)
        if y is not None:
            if y.lower() not in Y_VALUES:
                raise ValueError(f"invalid y value {y!r}; expected one of {list(Y_VALUES)}")
            changed = replace(changed, y=y.lower())
        if buckets is not None:
            if not MIN_BUCKETS <= buckets <= MAX_BUCKETS:
                raise ValueError(
                    f"invalid buckets {buckets!r}; expected {MIN_BUCKETS} to {MAX_BUCKETS}"
                )
            changed = replace(changed, buckets=buckets)
        if palette is not None:
            if palette not in PALETTES:
                raise ValueError(f"invalid palette {palette!r}; expected one of {list(PALETTES)}")
            changed = replace(changed, palette=palette)
        return changed

    @property
    def active(self) -> bool:
        """On and naming a key."""
        return self.enabled and bool(self.key)

    def to_json(self) -> dict[str, Any]:
        return {
            "enabled": self.enabled,
            "key": self.key,
            "y": self.y,
            "buckets": self.buckets,
            "palette": self.palette,
        }


# -- values -----------------------------------------------------------------------


def key_value(value: Any) -> KeyValue:
    """A stored value as a :data:`KeyValue`: numbers become floats, the store's
    ``{"$float": "NaN"}`` markers become floats, anything else (lists, dicts, media)
    becomes ``None``.

    Example:
        >>> key_value(3), key_value({"$float": "-Infinity"}), key_value([1]), key_value(True)
        (3.0, -inf, None, True)
    """
    if isinstance(value, (bool, str)):
        return value
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, Mapping) and len(value) == 1 and value.get(_FLOAT_MARK) in _FLOAT_NAMES:
        return _FLOAT_NAMES[value[_FLOAT_MARK]]
    return None


def _is_group(value: Any) -> bool:
    return (
        isinstance(value, Mapping)
        and len(value) > 0
        and "_type" not in value
        and _FLOAT_MARK not in value
    )


def value_at(doc: Mapping[str, Any] | None, path: str) -> Any:
    """The value at a dotted ``path`` of a nested config or summary, as the web app
    flattens them (``{"model": {"depth": 4}}`` has ``model.depth``); None when absent.

    Example:
        >>> value_at({"model": {"depth": 4}, "a.b": 1}, "model.depth"), value_at({"a.b": 1}, "a.b")
        (4, 1)
    """
    if not doc:
        return None
    if path in doc and not _is_group(doc[path]):
        return doc[path]
    for name, value in doc.items():
        if _is_group(value) and path.startswith(f"{name}."):
            found = value_at(value, path[len(name) + 1 :])
            if found is not None:
                return found
    return None


# -- numbers ----------------------------------------------------------------------


def _exponent(x: float) -> int:
    """The decimal exponent of ``x``'s shortest repr (as JavaScript's ``toExponential()``)."""
    return Decimal(repr(abs(x))).adjusted()


def _fixed(x: float, decimals: int) -> str:
    """``x`` with ``decimals`` decimals, ties away from zero (JavaScript's ``toFixed``)."""
    with localcontext() as context:
        context.prec = _EXACT
        q = Decimal(x).quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)
    return f"{q:f}"


def _trim(text: str) -> str:
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def format_edge(x: float, width: float = 0.0, digits: int = 4) -> str:
    """A bucket boundary for a label: ``digits`` significant digits (the integer part is
    never rounded away), more when the bucket ``width`` needs them to tell neighbours
    apart; trailing zeros dropped. Tiny and huge numbers use exponent notation.

    Example:
        >>> format_edge(0.76294), format_edge(1795413116.4, 50.0), format_edge(0.1, 0.02)
        ('0.7629', '1795413116', '0.1')
        >>> format_edge(1.5e-9), format_edge(-2.5e20)
        ('1.5e-9', '-2.5e+20')
    """
    if x == 0 or not math.isfinite(x):
        return "0" if x == 0 else repr(x).replace("inf", "Infinity").replace("nan", "NaN")
    exponent = _exponent(x)
    if exponent < -6 or exponent >= 15:
        with localcontext() as context:
            context.prec = _EXACT
            exact = Decimal(x)
            e = exact.adjusted()
            mantissa = exact.scaleb(-e).quantize(Decimal("0.001"), rounding=ROUND_HALF_UP)
            if abs(mantissa) >= 10:
                e += 1
                mantissa = exact.scaleb(-e).quantize(Decimal("0.001"), rounding=ROUND_HALF_UP)
        return f"{_trim(f'{mantissa:f}')}e{'+' if e >= 0 else '-'}{abs(e)}"
    decimals = max(0, digits - 1 - exponent)
    if width > 0 and math.isfinite(width):
        decimals = max(decimals, 1 - _exponent(width))
    return _trim(_fixed(x, min(decimals, 15)))


def _zero(text: str) -> str:
    """``-0``, ``-0.00``: no sign on zero."""
    return text[1:] if text.startswith("-") and set(text[1:]) <= {"0", "."} else text


def format_edges(edges: Sequence[float], width: float) -> list[str]:
    """The inner boundaries of one legend, with the same number of decimals: enough for
    four significant digits of each and to tell neighbours ``width`` apart, less the
    trailing zeros every boundary has (``1 – 2``, but ``0.8017 – 0.8300``). Tiny and
    huge boundaries are written one by one in exponent notation (:func:`format_edge`).

    Example:
        >>> format_edges([0.034, 0.067], 0.033), format_edges([1.0, 2.0, 3.0], 1.0)
        (['0.034', '0.067'], ['1', '2', '3'])
    """
    if any(e != 0 and not -6 <= _exponent(e) < 15 for e in edges):
        return [format_edge(e, width) for e in edges]
    decimals = max(0, 1 - _exponent(width)) if width > 0 and math.isfinite(width) else 0
    for e in edges:
        if e != 0:
            decimals = max(decimals, 3 - _exponent(e))
    decimals = min(decimals, 15)
    texts = [_fixed(e, decimals) for e in edges]
    if decimals > 0:
        common = min(len(t) - len(t.rstrip("0")) for t in texts)
        cut = min(common, decimals)
        texts = [t[: len(t) - cut] for t in texts]
        if cut == decimals:
            texts = [t.rstrip(".") for t in texts]
    return [_zero(t) for t in texts]


# -- buckets ----------------------------------------------------------------------


def bucket_edges(values: Iterable[float], buckets: int) -> list[float] | None:
    """``buckets + 1`` equal-width boundaries over the finite values' ``[min, max]``;
    ``[v, v]`` when they are all equal; None without a finite value.

    Example:
        >>> bucket_edges([0.0, 1.0, math.inf, math.nan], 4)
        [0.0, 0.25, 0.5, 0.75, 1.0]
        >>> bucket_edges([-0.3, 0.5], 8)[3]
        0.0
    """
    finite = [v for v in values if math.isfinite(v)]
    if not finite:
        return None
    lo, hi = min(finite), max(finite)
    if lo == hi:
        return [lo, hi]
    n = max(1, buckets)
    edges = [lo]
    for i in range(1, n):
        edge = lo + (hi - lo) * i / n
        # -0.3 + 0.1 * 3 is 5.6e-17: a boundary that is zero but for rounding is zero
        edges.append(0.0 if abs(edge) < (hi - lo) * _ZERO else edge)
    edges.append(hi)
    return edges


def bucket_index(value: float, edges: list[float]) -> int | None:
    """The bucket of ``value``: boundaries belong to the upper bucket, ±inf to the end
    buckets, NaN to none.

    Example:
        >>> [bucket_index(v, [0.0, 1.0, 2.0]) for v in (0.0, 1.0, 2.0, -math.inf, math.nan)]
        [0, 1, 1, 0, None]
    """
    if math.isnan(value):
        return None
    n = len(edges) - 1
    index = 0
    for edge in edges[1:n]:
        if value >= edge:
            index += 1
    return index


def bucket_labels(edges: list[float]) -> list[str]:
    """``Min – a``, ``a – b``, …, ``z – Max``; one bucket of equal values is named by it.

    Example:
        >>> bucket_labels([0.7434, 0.7629, 0.7824])
        ['Min – 0.7629', '0.7629 – Max']
        >>> bucket_labels([0.77, 0.8017, 0.83, 0.8583, 0.89])
        ['Min – 0.8017', '0.8017 – 0.8300', '0.8300 – 0.8583', '0.8583 – Max']
    """
    n = len(edges) - 1
    if edges[0] == edges[-1]:
        return [format_edge(edges[0])]
    width = (edges[-1] - edges[0]) / n
    names = ["Min", *format_edges(edges[1:n], width), "Max"]
    return [f"{names[i]}{_DASH}{names[i + 1]}" for i in range(n)]


def _hex(value: float) -> str:
    return f"{math.floor(value + 0.5):02x}"


def ramp(palette: str, n: int) -> list[str]:
    """``n`` colours spread evenly over a palette, light to dark (one: its middle).

    Example:
        >>> ramp("viridis", 2), ramp("viridis", 1)
        (['#5ec962', '#440154'], ['#2c728e'])
    """
    if palette not in PALETTES:
        raise ValueError(f"invalid palette {palette!r}; expected one of {list(PALETTES)}")
    anchors = [tuple(int(c[i : i + 2], 16) for i in (1, 3, 5)) for c in PALETTES[palette]]
    k = len(anchors)
    out = []
    for i in range(n):
        t = 0.5 if n == 1 else i / (n - 1)
        pos = t * (k - 1)
        j = min(math.floor(pos), k - 2)
        f = pos - j
        a, b = anchors[j], anchors[j + 1]
        out.append("#" + "".join(_hex(a[c] + (b[c] - a[c]) * f) for c in range(3)))
    return out


# -- assignment -------------------------------------------------------------------


@dataclass
class Bucket:
    """One legend entry: a range of numbers (``lo``/``hi``) or one categorical value."""

    label: str
    color: str
    runs: list[str] = field(default_factory=list)
    lo: float | None = None
    hi: float | None = None
    value: str | bool | float | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "label": self.label,
            "color": self.color,
            "min": self.lo,
            "max": self.hi,
            "value": self.value,
            "runs": self.runs,
        }


@dataclass
class KeyColors:
    """Runs' key-based colours: ``kind`` is ``"numeric"``, ``"categorical"`` or
    ``"empty"`` (no run has a value)."""

    kind: Literal["numeric", "categorical", "empty"]
    buckets: list[Bucket]
    colors: dict[str, str]
    bucket_of: dict[str, int | None]
    missing: list[str]


def _category(value: str | bool | float) -> tuple[int, str | bool | float, str]:
    """(sort rank, sort value, label) of a categorical value."""
    if isinstance(value, bool):
        return (0, value, "true" if value else "false")
    if isinstance(value, (int, float)):
        return (1, float(value), format_edge(float(value), digits=12))
    return (2, value, value)


def assign_key_colors(
    values: Mapping[str, KeyValue], buckets: int = DEFAULT_BUCKETS, palette: str = DEFAULT_PALETTE
) -> KeyColors:
    """Bucket runs by their values (run id → :data:`KeyValue`) and colour them.

    Any string or bool among the values makes the key categorical (one colour per
    distinct value, numbers included); otherwise numbers are bucketed by range.
    ``buckets`` is clamped to 2..8. Runs come out in the order of ``values``.
    """
    buckets = min(MAX_BUCKETS, max(MIN_BUCKETS, buckets))
    present = {
        run: v
        for run, v in values.items()
        if v is not None and not (isinstance(v, float) and math.isnan(v))
    }
    categorical = any(isinstance(v, (str, bool)) for v in present.values())
    colors: dict[str, str] = {}
    bucket_of: dict[str, int | None] = {}
    legend: list[Bucket] = []
    kind: Literal["numeric", "categorical", "empty"] = "empty"
    if categorical:
        kind = "categorical"
        seen: dict[tuple[int, str], tuple[int, str | bool | float, str]] = {}
        for v in present.values():
            assert v is not None
            rank, order, label = _category(v)
            seen.setdefault((rank, label), (rank, order, label))
        ordered = sorted(seen.values(), key=lambda c: (c[0], c[1]))
        index = {(c[0], c[2]): i for i, c in enumerate(ordered)}
        legend = [
            Bucket(label, RUN_PALETTE[i % len(RUN_PALETTE)], value=order)
            for i, (_rank, order, label) in enumerate(ordered)
        ]
        for run, v in present.items():
            assert v is not None
            rank, _order, label = _category(v)
            bucket_of[run] = index[(rank, label)]
    else:
        numbers = {run: float(v) for run, v in present.items() if v is not None}
        edges = bucket_edges(numbers.values(), buckets)
        if edges is not None:
            kind = "numeric"
            labels = bucket_labels(edges)
            shades = ramp(palette, len(labels))
            legend = [
                Bucket(label, shades[i], lo=edges[i], hi=edges[i + 1])
                for i, label in enumerate(labels)
            ]
            for run, v in numbers.items():
                bucket_of[run] = bucket_index(v, edges)
    missing = []
    for run in values:
        b = bucket_of.get(run)
        if b is None:
            bucket_of[run] = None
            colors[run] = MISSING_COLOR
            missing.append(run)
        else:
            colors[run] = legend[b].color
            legend[b].runs.append(run)
    return KeyColors(kind, legend, colors, bucket_of, missing)


# -- the default run colours -------------------------------------------------------

_CSS_COLOR = re.compile(r"^(#[0-9a-fA-F]{3,8}|(rgb|rgba|hsl|hsla)\([0-9.,%\s]+\)|[a-zA-Z]{3,20})$")


def valid_color(color: Any) -> str | None:
    """A CSS colour the web app accepts (hex, ``rgb()``/``hsl()``, a name), trimmed; else
    None. Stored run colours (``init(settings={"run_color": …})``) pass through this.

    Example:
        >>> valid_color(" #aabbcc "), valid_color("url(javascript:1)")
        ('#aabbcc', None)
    """
    if not isinstance(color, str):
        return None
    text = color.strip()
    return text if text and _CSS_COLOR.match(text) else None


def fnv1a(text: str) -> int:
    """32-bit FNV-1a over UTF-16 code units (as the web app hashes run ids).

    Example:
        >>> hex(fnv1a("a"))
        '0xe40c292c'
    """
    data = text.encode("utf-16-le")
    value = 0x811C9DC5
    for i in range(0, len(data), 2):
        value ^= data[i] | (data[i + 1] << 8)
        value = (value * 0x01000193) & 0xFFFFFFFF
    return value


def assign_run_colors(
    runs: Iterable[tuple[str, float, str | None]], custom: Mapping[str, str] | None = None
) -> dict[str, str]:
    """Colours of a project's runs ``(id, created_at, stored colour)`` without key-based
    colours: a colour picked in the runs table (``custom``) wins, then the run's stored
    colour; the others get the palette's colours in sequence, in creation order (as
    W&B hands them out), so the first runs of a project get its most distinct colours
    and a new run never changes an earlier one's. Hashing run ids to colours instead
    gave two runs of a two-run project a green each.

    Example:
        >>> assign_run_colors([("a", 1.0, "#123456"), ("b", 2.0, None), ("c", 3.0, None)])
        {'a': '#123456', 'b': '#0072B2', 'c': '#E69F00'}
    """
    ordered = sorted(runs, key=lambda r: (r[1], r[0]))
    colors: dict[str, str] = {}
    n = 0
    for run_id, _created, stored in ordered:
        color = valid_color(stored)
        if not color:
            color = RUN_PALETTE[n % len(RUN_PALETTE)]
            n += 1
        colors[run_id] = color
    for run_id, color in (custom or {}).items():
        chosen = valid_color(color)
        if chosen and run_id in colors:
            colors[run_id] = chosen
    return colors
