"""Pictures as files, drawn by the engine itself (no other library, no
network): π sequences as a digit distribution, an Ulam spiral or run
lengths, and line charts of time series; charts of the metrics history are
SpiraPiDatabase.plot_metric. See docs/PLOTS.md.

SVG comes back as a ``str`` (one self-contained document: inline styles,
``viewBox``, ``<title>``), PNG as ``bytes``. Given a ``path``, the picture is
written there atomically instead (a temporary file renamed over it), in the
format its extension names (``.svg`` or ``.png``), and None is returned.

Errors are :class:`spirapi.Error` subclasses: NotFoundError for an unknown
sequence, InvalidArgumentError for a bad kind, format, extension or size
(nothing is written then), IOError when the file cannot be written,
InvalidTypeError for an argument of the wrong type.
"""

from __future__ import annotations

import math
import os
from typing import TYPE_CHECKING, Final, Iterable, Mapping, Optional, Tuple, Union

from spirapi import _checks, _spirapi
from spirapi._errors import InvalidArgumentError, InvalidTypeError

if TYPE_CHECKING:
    from spirapi.database import SpiraPiDatabase
    from spirapi.pi import PiStore

#: The most digits a spiral plot shows (2048 x 2048 cells).
MAX_SPIRAL_PLOT_DIGITS: Final[int] = _spirapi.MAX_SPIRAL_PLOT_DIGITS

#: The metric names of SpiraPiDatabase.plot_metric (docs/PLOTS.md).
METRIC_PLOT_NAMES: Final = _spirapi.METRIC_PLOT_NAMES

#: The plot kinds of :func:`plot_sequence`.
PLOT_KINDS: Final = ("distribution", "spiral", "runs")

_FORMATS = ("svg", "png")


def _database_of(db_or_store: object) -> _spirapi.Database:
    from spirapi.database import SpiraPiDatabase
    from spirapi.pi import PiStore
    if isinstance(db_or_store, SpiraPiDatabase):
        return db_or_store._db
    if isinstance(db_or_store, PiStore):
        return db_or_store._store.database
    if isinstance(db_or_store, _spirapi.Database):
        return db_or_store
    raise InvalidTypeError("expected a SpiraPiDatabase or a PiStore, not "
                           + type(db_or_store).__name__)


def _format_for(path: Optional[str], format: Optional[str]) -> str:
    if format is not None:
        _checks.text(format, "format")
        if format not in _FORMATS:
            raise InvalidArgumentError(f"unknown plot format '{format}' (svg or png)")
    if path is None:
        return format or "svg"
    extension = os.path.splitext(path)[1].lower().lstrip(".")
    if extension not in _FORMATS:
        raise InvalidArgumentError(f"'{path}': a plot file name must end in .svg or .png")
    if format is not None and format != extension:
        raise InvalidArgumentError(f"format '{format}' but the file name '{path}' ends in "
                                   f".{extension}")
    return extension


def _path_of(path: Union[str, "os.PathLike[str]", None]) -> Optional[str]:
    if path is None:
        return None
    if not isinstance(path, (str, os.PathLike)):
        raise InvalidTypeError(f"path must be a str or a path, not {type(path).__name__}")
    return _checks.text(os.fspath(path), "path")


def _result(data: bytes, format: str) -> Union[str, bytes]:
    return data.decode("utf-8") if format == "svg" else data


def plot_sequence(db_or_store: Union[SpiraPiDatabase, PiStore], id: str, kind: str,
                  path: Union[str, "os.PathLike[str]", None] = None,
                  format: Optional[str] = None, *,
                  max_digits: Optional[int] = None) -> Union[str, bytes, None]:
    """A picture of π sequence ``id`` of a database (or of its ``db.pi``).

    ``kind`` is "distribution" (bars of the digit counts 0-9, the uniform
    expectation and the chi-square test), "spiral" (the digits on the Ulam
    spiral, one coloured cell each) or "runs" (how many runs of k equal
    digits occur against the number expected of random digits).
    ``max_digits`` plots the first that many digits (default 10**7, for a
    spiral 65,536; a spiral shows at most MAX_SPIRAL_PLOT_DIGITS); the
    picture says when it shows fewer than the sequence holds.

    Without ``path``: the SVG text (``format`` "svg", the default) or the
    PNG bytes ("png"). With ``path``: written there in the format of its
    extension (``format``, if given, must agree), returns None.
    """
    database = _database_of(db_or_store)
    _checks.text(id, "id")
    _checks.text(kind, "kind")
    limit = 0 if max_digits is None else _checks.uint64(max_digits, "max_digits")
    if max_digits is not None and limit == 0:
        raise InvalidArgumentError("max_digits must be at least 1")
    file = _path_of(path)
    fmt = _format_for(file, format)
    if file is None:
        return _result(_spirapi.plot_sequence(database, id, kind, fmt, limit), fmt)
    _spirapi.plot_sequence_file(database, id, kind, file, limit)
    return None


#: One series of :func:`render_line_chart`: (x, y) points in increasing x;
#: a y of None (or NaN) is a missing sample, where the line breaks.
Points = Iterable[Tuple[float, Optional[float]]]


def render_line_chart(series: Mapping[str, Points], *, title: str = "", subtitle: str = "",
                      x_label: str = "", y_label: str = "", time_axis: bool = False,
                      y_unit: Optional[str] = None, max_gap: float = 0, width: int = 800,
                      height: int = 400, path: Union[str, "os.PathLike[str]", None] = None,
                      format: Optional[str] = None) -> Union[str, bytes, None]:
    """A line chart of one or more series, ``{name: [(x, y), ...]}``.

    ``time_axis``: x is microseconds since the Unix epoch, labelled as UTC
    times or dates. ``y_unit`` None, "seconds", "bytes" or "ops" (per
    second) scales the y axis to a readable unit (µs/ms/s, KiB/MiB, k ops/s)
    named in its label. Points further apart than ``max_gap`` in x (0: no
    limit) are not joined. ``width`` 200..4000, ``height`` 150..4000 pixels;
    at most 100 series. ``path`` and ``format`` as for :func:`plot_sequence`.
    """
    if not isinstance(series, Mapping):
        raise InvalidTypeError(f"series must be a mapping of name to points, not "
                               f"{type(series).__name__}")
    listed = []
    for name, points in series.items():
        _checks.text(name, "series name")
        if isinstance(points, (str, bytes)):
            raise InvalidTypeError(f"series '{name}' must be (x, y) pairs, not "
                                   + type(points).__name__)
        pairs = []
        for i, point in enumerate(points):
            try:
                x, y = point
            except (TypeError, ValueError):
                raise InvalidTypeError(f"series '{name}' point {i} is not an (x, y) pair") from None
            fx = _checks.number(x, f"series '{name}' point {i} x")
            fy = None if y is None else _checks.number(y, f"series '{name}' point {i} y")
            pairs.append((fx, None if fy is None or math.isnan(fy) else fy))
        listed.append((name, pairs))
    for value, what in ((title, "title"), (subtitle, "subtitle"), (x_label, "x_label"),
                        (y_label, "y_label")):
        _checks.text(value, what)
    unit = "none" if y_unit is None else _checks.text(y_unit, "y_unit")
    file = _path_of(path)
    fmt = _format_for(file, format)
    data = _spirapi.render_line_chart(
        listed, title, subtitle, x_label, y_label, "time" if time_axis else "number", unit,
        _checks.number(max_gap, "max_gap"), _checks.c_int(width, "width"),
        _checks.c_int(height, "height"), fmt)
    if file is None:
        return _result(data, fmt)
    _spirapi.write_plot_file(file, data)
    return None


__all__ = ["plot_sequence", "render_line_chart", "Points", "MAX_SPIRAL_PLOT_DIGITS", "PLOT_KINDS",
           "METRIC_PLOT_NAMES"]
