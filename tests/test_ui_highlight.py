"""Highlighting is pure and safe: untrusted essay text can never become markup."""

from __future__ import annotations

import html
import re

import pytest

from essaycheck.ui.highlight import Span, highlight, legend, safe_anchor, text_box
from essaycheck.ui.inputs import safe_name

_TAG = re.compile(r"<[^>]+>")


def _visible(markup: str) -> str:
    """What a browser would show as text."""
    return html.unescape(_TAG.sub("", markup))


def test_script_and_img_onerror_are_shown_as_text():
    text = 'Trước <script>alert("x")</script> giữa <img src=x onerror="alert(1)"> sau & hết'
    out = highlight(text, [Span(0, 20, "copy", "#ffd8a8"), Span(30, 60, "quote")])
    assert "<script" not in out and "<img" not in out
    assert "&lt;script&gt;" in out and "&lt;img src=x onerror=&quot;a" in out
    assert _visible(out) == text  # nothing lost, nothing added
    assert set(re.findall(r"</?(\w+)", out)) <= {"mark"}
    whole = highlight(text, [])
    assert "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;" in whole and "<" not in whole


def test_no_spans_is_just_escaped_text():
    text = "a < b > c \"d\" 'e' &"
    assert highlight(text, []) == html.escape(text, quote=True)


def test_label_colour_and_anchor_cannot_break_out_of_attributes():
    evil = Span(
        0, 3, "copy", colour='red;" onmouseover="alert(1)', label='"><script>x</script>',
        anchor='a" onclick="x', link="b'><img>",
    )  # fmt: skip
    out = highlight("abcdef", [evil])
    assert "onmouseover" not in out  # colour not a hex colour: dropped
    assert "<script" not in out and "<img" not in out
    assert 'title="&quot;&gt;&lt;script&gt;x&lt;/script&gt;"' in out
    assert 'id="a__onclick__x"' in out and 'href="#b___img_"' in out
    assert safe_anchor("x y<z>") == "x_y_z_"


def test_spans_are_marked_in_order_and_clipped():
    out = highlight("0123456789", [Span(2, 4, "copy", "#ffd8a8"), Span(8, 50, "copy", "#b2f2bb")])
    assert _visible(out) == "0123456789"
    marks = re.findall(r"<mark[^>]*>([^<]*)</mark>", out)
    assert marks == ["23", "89"]
    assert highlight("abc", [Span(5, 9), Span(2, 2), Span(-4, 1)]).startswith("<mark")


def test_overlaps_priority_and_nested_passages_stay_visible():
    # a copy inside a quote wins; a short passage inside a long one keeps its own anchor
    out = highlight(
        "abcdefghij",
        [Span(0, 10, "quote"), Span(3, 5, "copy", "#ffd8a8"),
         Span(6, 10, "copy", anchor="outer"), Span(7, 8, "copy", anchor="inner")],
    )  # fmt: skip
    assert _visible(out) == "abcdefghij"
    assert re.findall(r'class="ec-(\w+)"[^>]*>([^<]*)<', out) == [
        ("quote", "abc"), ("copy", "de"), ("quote", "f"), ("copy", "g"), ("copy", "h"),
        ("copy", "ij"),
    ]  # fmt: skip
    assert out.count('id="outer"') == 1 and out.count('id="inner"') == 1


def test_links_wrap_marks():
    out = highlight("abcdef", [Span(1, 3, "copy", link="pb-0", anchor="pa-0")])
    assert '<a href="#pb-0"' in out and 'id="pa-0"' in out and out.count("</a>") == 1


def test_text_box_and_legend_escape():
    assert "pre-wrap" in text_box("x") and "max-height:520px" in text_box("x")
    assert "max-height" not in text_box("x", height=None)
    out = legend([("copy", "#ffd8a8", "<b>bv_01</b> (Nguyễn Văn A)")])
    assert "<b>" not in out and "&lt;b&gt;bv_01&lt;/b&gt;" in out


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("../../etc/passwd", "passwd"),
        ("C:\\Users\\a\\bài thu hoạch.DOCX", "bài thu hoạch.docx"),
        (".bashrc", "bashrc"),
        ("a/b/<script>.txt", "script.txt"),
        ("", "tep"),
        ("....", "tep"),
        ("x" * 300 + ".pdf", "x" * 100 + ".pdf"),
    ],
)
def test_upload_names_become_safe_file_names(name, expected):
    assert safe_name(name) == expected
    assert "/" not in safe_name(name) and "\\" not in safe_name(name)
