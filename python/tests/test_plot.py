"""spirapi.plot: pictures of π sequences and line charts, as SVG text, PNG
bytes or files written atomically."""

import math
import os
import struct
import xml.etree.ElementTree as ElementTree

import pytest

import spirapi
from spirapi import plot_sequence, render_line_chart

SVG_NS = "{http://www.w3.org/2000/svg}"


@pytest.fixture
def db(tmp_path):
    with spirapi.SpiraPiDatabase(tmp_path / "db", sync=False) as d:
        d.pi.compute(2000, "p")
        yield d


def png_size(data):
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", data[16:24])


@pytest.mark.parametrize("kind", ["distribution", "spiral", "runs"])
def test_each_kind_as_svg_text_and_png_bytes(db, kind):
    svg = plot_sequence(db, "p", kind)
    assert isinstance(svg, str)
    root = ElementTree.fromstring(svg)  # well-formed XML
    assert root.tag == SVG_NS + "svg"
    assert root.get("viewBox").startswith("0 0 ")
    assert root.find(SVG_NS + "title").text.endswith("'p'")
    png = plot_sequence(db.pi, "p", kind, format="png")
    assert isinstance(png, bytes)
    width, height = png_size(png)
    assert width >= 400 and height >= 300


def test_distribution_counts_are_the_stored_ones(db):
    svg = plot_sequence(db, "p", "distribution")
    counts = db.pi.statistics("p")["digit_distribution"]["counts"]
    texts = [t.text for t in ElementTree.fromstring(svg).iter(SVG_NS + "text")]
    for c in counts:
        assert str(c) in texts
    assert "all 2,000 digits" in svg


def test_files_take_the_format_of_their_extension(db, tmp_path):
    assert plot_sequence(db, "p", "spiral", tmp_path / "s.png") is None
    assert png_size((tmp_path / "s.png").read_bytes())[0] >= 400
    assert plot_sequence(db, "p", "runs", str(tmp_path / "r.SVG"), max_digits=500) is None
    text = (tmp_path / "r.SVG").read_text()
    assert "first 500 of 2,000 digits" in text
    ElementTree.fromstring(text)
    # Replaced whole.
    plot_sequence(db, "p", "distribution", tmp_path / "r.SVG", format="svg")
    assert "Digit distribution" in (tmp_path / "r.SVG").read_text()


def test_refusals_write_nothing(db, tmp_path):
    with pytest.raises(spirapi.NotFoundError):
        plot_sequence(db, "absent", "runs", tmp_path / "a.svg")
    with pytest.raises(spirapi.InvalidArgumentError, match="unknown plot kind 'pie'"):
        plot_sequence(db, "p", "pie", tmp_path / "a.svg")
    with pytest.raises(spirapi.InvalidArgumentError, match=r"\.svg or \.png"):
        plot_sequence(db, "p", "runs", tmp_path / "a.jpg")
    with pytest.raises(spirapi.InvalidArgumentError, match="ends in .svg"):
        plot_sequence(db, "p", "runs", tmp_path / "a.svg", format="png")
    with pytest.raises(spirapi.InvalidArgumentError, match="unknown plot format"):
        plot_sequence(db, "p", "runs", format="gif")
    with pytest.raises(spirapi.InvalidArgumentError, match="at most"):
        plot_sequence(db, "p", "spiral", max_digits=spirapi.plot.MAX_SPIRAL_PLOT_DIGITS + 1)
    with pytest.raises(spirapi.IOError):
        plot_sequence(db, "p", "runs", tmp_path / "no" / "dir" / "a.svg")
    with pytest.raises(spirapi.InvalidTypeError):
        plot_sequence("not a database", "p", "runs")
    with pytest.raises(spirapi.InvalidTypeError):
        plot_sequence(db, "p", "runs", path=42)
    with pytest.raises(spirapi.InvalidArgumentError):
        plot_sequence(db, "p", "runs", max_digits=-1)
    with pytest.raises(spirapi.InvalidArgumentError, match="at least 1"):
        plot_sequence(db, "p", "runs", max_digits=0)
    assert sorted(os.listdir(tmp_path)) == ["db"]


def test_closed_database_is_refused(tmp_path):
    d = spirapi.SpiraPiDatabase(tmp_path / "db", sync=False)
    d.pi.store_sequence("s", "12345")
    assert plot_sequence(d, "s", "spiral").count("digit ") >= 10
    d.close()
    with pytest.raises(spirapi.Error, match="closed"):
        plot_sequence(d, "s", "spiral")


def test_line_chart_with_time_axis_units_and_gaps(tmp_path):
    t0 = 1_796_652_000_000_000
    series = {
        "p99": [(t0 + i * 60_000_000, None if i == 10 else 0.004 + i * 1e-4) for i in range(30)],
        "p50": [(t0 + i * 60_000_000, math.nan if i == 3 else 0.001) for i in range(30)],
    }
    svg = render_line_chart(series, title="read latency", y_label="latency", time_axis=True,
                            y_unit="seconds")
    root = ElementTree.fromstring(svg)
    assert len(list(root.iter(SVG_NS + "polyline"))) == 4  # each series broken once
    texts = [t.text for t in root.iter(SVG_NS + "text")]
    assert "latency (ms)" in texts
    assert "14:00" in texts
    png = render_line_chart(series, width=500, height=250, format="png")
    assert png_size(png) == (500, 250)
    assert render_line_chart({"bytes": [(0, 5 << 20), (1, 6 << 20)]}, y_unit="bytes",
                             path=tmp_path / "b.svg") is None
    assert "(MiB)" in (tmp_path / "b.svg").read_text()


def test_line_chart_refusals():
    with pytest.raises(spirapi.InvalidArgumentError, match="200..4000"):
        render_line_chart({}, width=10)
    with pytest.raises(spirapi.InvalidArgumentError, match="y unit"):
        render_line_chart({}, y_unit="furlongs")
    with pytest.raises(spirapi.InvalidArgumentError, match="not finite"):
        render_line_chart({"s": [(math.inf, 1)]})
    with pytest.raises(spirapi.InvalidTypeError):
        render_line_chart([(0, 1)])
    with pytest.raises(spirapi.InvalidTypeError):
        render_line_chart({"s": [1, 2]})
    with pytest.raises(spirapi.InvalidTypeError):
        render_line_chart({"s": "12"})
    empty = render_line_chart({})
    assert "no data" in empty
    ElementTree.fromstring(empty)
