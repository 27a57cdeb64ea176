"""Vega-Lite specs of the golden charts (tests/golden/chart/*.vl.json, which
unit.test_chart compares byte for byte with what ch_vega writes): each one
validates against the official Vega-Lite v5 JSON schema (the copy altair 5
ships, no network) and renders through an independent renderer
(vl-convert-python, Vega-Lite 5.20) to an image of the chart's size, with
hostile text drawn as text."""
import glob
import html
import json
import os
import re
import struct

import altair  # ships the Vega-Lite v5 schema (tests/requirements.txt)
import jsonschema
import pytest
import vl_convert as vlc

ROOT = os.environ.get("YTK_SOURCE_DIR",
                      os.path.join(os.path.dirname(__file__), "..", ".."))
GOLDEN = sorted(glob.glob(os.path.join(ROOT, "tests/golden/chart/*.vl.json")))
VL_VERSION = "5.20"


def schema():
    path = os.path.join(os.path.dirname(altair.__file__),
                        "vegalite", "v5", "schema", "vega-lite-schema.json")
    with open(path, encoding="utf-8") as f:
        return json.load(f)


VALIDATOR = jsonschema.Draft7Validator(schema())


def load(path):
    with open(path, "rb") as f:
        raw = f.read()
    return json.loads(raw.decode("utf-8"))  # strict: valid UTF-8 only


def test_every_golden_chart_has_a_spec():
    svgs = glob.glob(os.path.join(ROOT, "tests/golden/chart/*.svg"))
    names = {os.path.basename(p)[:-len(".vl.json")] for p in GOLDEN}
    assert len(svgs) >= 13
    for p in svgs:
        assert os.path.basename(p)[:-4] in names, p


@pytest.mark.parametrize("path", GOLDEN, ids=os.path.basename)
def test_spec_validates_against_vega_lite_v5_schema(path):
    spec = load(path)
    assert spec["$schema"].endswith("/vega-lite/v5.json")
    errors = [f"{list(e.path)}: {e.message[:200]}"
              for e in VALIDATOR.iter_errors(spec)]
    assert errors == []


@pytest.mark.parametrize("path", GOLDEN, ids=os.path.basename)
def test_spec_renders_at_its_size(path):
    spec = load(path)
    png = vlc.vegalite_to_png(spec, vl_version=VL_VERSION, scale=1)
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    w, h = struct.unpack(">II", png[16:24])
    assert (w, h) == (spec["width"], spec["height"])
    svg = vlc.vegalite_to_svg(spec, vl_version=VL_VERSION)
    # marks were drawn: a path or symbol per data row at least
    rows = spec.get("data", {}).get("values", [])
    assert rows, "no inline data"
    assert svg.count("<path") >= 3


def test_hostile_text_is_data_not_markup():
    spec = load(os.path.join(ROOT, "tests/golden/chart/hostile.vl.json"))
    cats = [r["x"] for r in spec["data"]["values"]]
    assert "<script>alert(1)</script>" in cats
    assert any("\u05e9\u05dc\u05d5\u05dd" in c for c in cats)  # RTL kept
    assert any("\U0001F3B8" in c for c in cats)  # emoji kept
    assert any("\ufffd" in c for c in cats)  # invalid UTF-8 replaced
    assert spec["title"]["text"].startswith("</title><script>")
    svg = vlc.vegalite_to_svg(spec, vl_version=VL_VERSION)
    assert "<script" not in svg
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in svg


def test_tooltips_name_the_row():
    spec = load(os.path.join(ROOT, "tests/golden/chart/bubble_labels.vl.json"))
    points, *names = spec["layer"]
    tips = points["encoding"]["tooltip"]
    assert tips[0] == {"field": "f0", "type": "nominal", "title": "title"}
    fields = [t["field"] for t in tips]
    assert fields[1:] == ["x_t", "y_t", "s_t"]
    rows = spec["data"]["values"]
    titles = {r["f0"] for r in rows}
    assert "<script>alert(1)</script>" in titles
    assert all(r["x_t"] and r["y_t"] for r in rows)
    # values formatted as on the axes: compact with a suffix
    assert any(r["y_t"].endswith("M") for r in rows)


def test_labelled_points_are_named_in_both_views():
    """The names the static chart writes beside its points (golden SVG) are
    the names the interactive view writes (text layers of the spec)."""
    spec = load(os.path.join(ROOT, "tests/golden/chart/bubble_labels.vl.json"))
    in_spec = sorted(r["label"] for layer in spec["layer"][1:]
                     for r in layer["data"]["values"])
    with open(os.path.join(ROOT, "tests/golden/chart/bubble_labels.svg"),
              encoding="utf-8") as f:
        svg = f.read()
    rows = {r["f0"] for r in spec["data"]["values"]}
    texts = [html.unescape(t) for t in re.findall(r"<text[^>]*>([^<]*)</text>",
                                                  svg)]
    in_svg = sorted(t for t in texts if t in rows)
    assert len(in_spec) == 5 and in_spec == in_svg
    for layer in spec["layer"][1:]:
        assert layer["mark"]["type"] == "text"
        assert layer["encoding"]["text"]["field"] == "label"
