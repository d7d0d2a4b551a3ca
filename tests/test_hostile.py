"""Hostile and careless inputs (tests/hostile.py builds them): each answered in at most 10 s and
1 GB, with a Vietnamese message naming the file, and never at the cost of the good essay beside
it. Also: the whole command line on the worst of them, and the resolution's own checks."""

from __future__ import annotations

import resource
import time
from pathlib import Path

import pytest
from hostile import CASES, GOOD, Case, build

from essaycheck.readers import ReadFailure, read_batch, read_text

SECONDS = 10.0
GB = 1024**3
VIETNAMESE = set("ăâđêôơưạảấầẩẫậắằẳẵặẹẻẽếềểễệỉịọỏốồổỗộớờởỡợụủứừửữựỳỵỷỹáàãéèíìóòõúùýĐ")


def _rss() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * resource.getpagesize()


def _peak() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def _relative(source: str, folder: Path) -> str:
    prefix = str(folder) + "/"
    return source[len(prefix) :] if source.startswith(prefix) else source


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_hostile_input(case: Case, tmp_path):
    folder = build(case, tmp_path)
    before = _rss()
    started = time.perf_counter()
    docs, errors = read_batch([folder], **case.limits)
    elapsed = time.perf_counter() - started
    assert elapsed <= SECONDS, f"{case.name} took {elapsed:.1f} s"
    assert _peak() - before < GB, f"{case.name} took {(_peak() - before) / GB:.1f} GB"

    for e in errors:  # a Vietnamese message that names the file, no traceback
        assert VIETNAMESE & set(e.message.lower()), e.message
        assert "Traceback" not in e.message and e.source.split("/")[-1][:20] in e.message
        e.message.encode("utf-8")  # a report can hold it
    for d in docs:
        d.source.encode("utf-8")
        d.id.encode("utf-8")
        assert 0 < len(d.text) <= 100_000 and any(c.isalnum() for c in d.text)
    if case.good:
        assert any(GOOD.strip() in d.text for d in docs), "the good essay was lost"

    read = [_relative(d.source, folder) for d in docs]
    # An archive member left out is reported on the archive, the member named in the message.
    failed = [(_relative(e.source, folder), e.code) for e in errors] + [
        (f"{_relative(e.source, folder)}/{e.message.split(chr(39))[1]}", e.code)
        for e in errors
        if e.message.count("'") >= 2
    ]
    for key, want in case.expect.items():
        if key == "*":
            if want == "quiet":  # nothing to read and nothing to complain about
                assert not failed, failed
            elif want == "read":
                assert len(read) > int(case.good), (read, failed)
            elif want != "*":
                assert any(code == want for _, code in failed), failed
            continue
        if want == "read":
            assert any(r.startswith(key) for r in read), (key, read, failed)
        elif want == "*":  # read or refused, never lost silently nor a crash
            assert any(r.startswith(key) for r in read) or any(
                s.startswith(key) for s, _ in failed
            ), (key, read, failed)
        else:
            assert any(s.startswith(key) and code == want for s, code in failed), (key, failed)


def test_the_suite_covers_the_issue(tmp_path):
    assert len(CASES) >= 55
    assert len({c.name for c in CASES}) == len(CASES)


def test_resolution_of_only_punctuation_is_refused(tmp_path):
    path = tmp_path / "nq.txt"
    path.write_text("... ; — !!!", encoding="utf-8")
    with pytest.raises(ReadFailure) as caught:
        read_text(path)
    assert "không có chữ nào" in caught.value.message and "nq.txt" in caught.value.message


def test_cli_empty_folder_exits_1_with_a_message(tmp_path, capsys):
    from essaycheck.cli import main

    (tmp_path / "rong").mkdir()
    resolution = tmp_path / "nq.txt"
    resolution.write_text("Nghị quyết số 27-NQ/TW về xây dựng Nhà nước pháp quyền.", "utf-8")
    out = tmp_path / "r.json"
    args = ["check", str(tmp_path / "rong"), "--resolution", str(resolution), "--no-cache"]
    code = main([*args, "-q", "--json", str(out)])
    assert code == 1
    err = capsys.readouterr().err
    assert "Không tìm thấy bài thu hoạch nào" in err and "không đọc được bài thu hoạch nào" in err
    assert out.stat().st_size > 0


def test_cli_punctuation_resolution_is_a_usage_error(tmp_path, capsys):
    from essaycheck.cli import main

    (tmp_path / "good.txt").write_text(GOOD, encoding="utf-8")
    resolution = tmp_path / "nq.txt"
    resolution.write_text("....", encoding="utf-8")
    assert main(["check", str(tmp_path / "good.txt"), "--resolution", str(resolution),
                 "--no-cache", "-q"]) == 2  # fmt: skip
    assert "không có chữ nào" in capsys.readouterr().err


def test_check_on_the_longest_allowed_repetitive_essays_is_bounded():
    """The quadratic paths (relevance overlap, candidate generation) on the longest essay the
    readers let through: each batch answers within 10 s."""
    from essaycheck.documents import Document
    from essaycheck.pipeline import Config, check_documents

    resolution = "Nghị quyết số 27-NQ/TW về tiếp tục xây dựng và hoàn thiện Nhà nước pháp quyền."
    line = "Tôi sẽ thực hiện tốt nghị quyết, nâng cao chất lượng công tác tại đơn vị. "
    for text in ((line * 1400)[:99_000], "a" * 99_000, (resolution + " ") * 1200):
        started = time.perf_counter()
        docs = [Document("x", "x.txt", text[:99_000]), Document("g", "g.txt", GOOD)]
        report = check_documents(docs, resolution, config=Config(cache="", n_jobs=1))
        assert time.perf_counter() - started <= SECONDS
        assert len(report.essays) + len(report.errors) >= 2


@pytest.mark.slow
def test_check_never_raises_on_odd_documents():
    """Property-based: ``check_documents`` on generated odd documents gives a report."""
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    from essaycheck.documents import Document
    from essaycheck.pipeline import Config, check_documents

    words = st.sampled_from(["tôi", "đơn vị", "nghị quyết", "2024", "...", "\n", "=1+1", "@", "a"])
    texts = st.lists(words, min_size=1, max_size=60).map(" ".join)

    @settings(max_examples=8, deadline=None, suppress_health_check=list(HealthCheck))
    @given(bodies=st.lists(texts, min_size=1, max_size=4))
    def run(bodies):
        docs = [Document(f"d{i}", f"d{i}.txt", b) for i, b in enumerate(bodies)]
        report = check_documents(docs, "Nghị quyết số 27-NQ/TW.", config=Config(cache=""))
        ids = {e.id for e in report.essays} | {e.source for e in report.errors}
        assert len(ids) >= 1

    run()
