"""One essay never sinks a batch: essays of every odd shape, mixed with good ones, give a report
in which every document is either checked or an error entry with a Vietnamese message."""

from __future__ import annotations

import pytest
from conftest import SAMPLES, source_text
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from essaycheck import Config, Document, check_documents, read_text

GOOD = ["xa_01", "tp_02"]
RESOLUTION = read_text(SAMPLES / "resolution.txt")
HEADER = "BÀI THU HOẠCH\nHọ và tên: Lê Văn A\nChức vụ: Đảng viên\nĐơn vị công tác: xã Tân Lập\n"
SHAPES = {
    "one_line": " ".join(source_text("xa_02").split()),
    "empty_body": HEADER + "\n\n   \n",
    "punctuation": "... ;;; --- !!! …… ???",
    "only_header": HEADER,
    "only_resolution": HEADER + "\n" + RESOLUTION,
    "no_header": "\n".join(source_text("xa_04").split("\n")[12:]),
    "digits": " ".join(str(n) for n in range(2000)),
    "blank_lines": "\n" * 500,
}


def _check(shapes: list[str]):
    docs = [Document(i, f"{i}.txt", source_text(i)) for i in GOOD]
    docs += [Document(f"odd{n}", f"odd{n}_{s}.txt", SHAPES[s]) for n, s in enumerate(shapes)]
    report = check_documents(docs, RESOLUTION, config=Config(cache="", n_jobs=1))
    return docs, report


@settings(max_examples=12, deadline=None, suppress_health_check=list(HealthCheck))
@given(shapes=st.lists(st.sampled_from(sorted(SHAPES)), min_size=1, max_size=5))
def test_every_document_is_checked_or_reported(shapes):
    docs, report = _check(shapes)
    checked = {e.id for e in report.essays}
    failed = {e.source for e in report.errors}
    for d in docs:
        assert (d.id in checked) != (d.source in failed), d.source  # exactly one of the two
    assert set(GOOD) <= checked
    for e in report.errors:
        assert e.source in e.message and e.code  # names the file, says what to do
    for e in report.essays:
        assert 0 <= e.relevance.score <= 100


def test_the_odd_shapes_are_told_apart():
    _, report = _check(sorted(SHAPES))
    by_source = {e.source.split("_", 1)[1].removesuffix(".txt"): e.code for e in report.errors}
    assert {"empty_body", "punctuation", "only_header", "blank_lines"} <= set(by_source)
    checked = {
        e.source.split("_", 1)[1].removesuffix(".txt") for e in report.essays if "_" in e.source
    }
    assert "one_line" in checked and "no_header" in checked  # run-on text is still an essay
    one_line = next(e for e in report.essays if e.source.endswith("one_line.txt"))
    assert one_line.author == "Vũ Minh Tuấn" and one_line.n_words > 300


@pytest.mark.slow
def test_a_megabyte_essay_does_not_sink_the_batch():
    text = source_text("xa_02")
    big = (text * (1_000_000 // len(text) + 1))[:1_000_000]
    docs = [Document("big", "big.txt", big)] + [
        Document(i, f"{i}.txt", source_text(i)) for i in GOOD
    ]
    report = check_documents(docs, RESOLUTION, config=Config(cache="", n_jobs=1))
    assert set(GOOD) <= {e.id for e in report.essays}
    assert "big" in {e.id for e in report.essays} | {
        e.source.removesuffix(".txt") for e in report.errors
    }
