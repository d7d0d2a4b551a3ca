"""Copy detection: each kind of copying is found, with exact spans; honest essays are not."""

from __future__ import annotations

import random
import re
import unicodedata
from importlib.resources import files

import numpy as np
import pytest
from conftest import SAMPLES, source_text

from essaycheck.detect import CopyDetector
from essaycheck.documents import Document
from essaycheck.essay import prepare

HONEST = ["thcs_02", "thcs_03", "bv_02", "bv_03", "xa_02", "xa_04", "tp_03", "cty_02", "cty_03"]


def body(essay_id: str) -> str:
    """The text after the header lines ("Label: value") of a sample essay."""
    lines = source_text(essay_id).split("\n")
    last_label = max(i for i, ln in enumerate(lines[:20]) if re.match(r"^\s*\S[^:]{0,25}:", ln))
    return "\n".join(lines[last_label + 1 :])


def header(name: str, unit: str) -> str:
    return (
        f"ĐẢNG BỘ HUYỆN THUẬN GIANG\nBÀI THU HOẠCH\nHọ và tên: {name}\nChức vụ: Chuyên viên\n"
        f"Đơn vị công tác: {unit}\n\n"
    )


def paragraphs(text: str) -> list[str]:
    return [p for p in text.split("\n") if p.strip()]


def detect(make_essays, resolution_text, texts, references=None, **params):
    essays = make_essays(texts)
    refs = prepare([Document(i, i, t) for i, t in (references or {}).items()], None, 1, whole=True)
    return CopyDetector(**params).fit(essays, resolution_text, refs), essays


def pairs(detector) -> set[frozenset[str]]:
    return {frozenset((m.a, m.b)) for m in detector.matches_}


def honest_texts() -> dict[str, str]:
    return {i: source_text(i) for i in HONEST}


def test_honest_essays_of_one_campaign_are_not_matched(make_essays, resolution_text):
    det, _ = detect(make_essays, resolution_text, honest_texts())
    assert det.matches_ == []
    assert all(p.similarity == 0 for p in det.profiles_.values())
    # They quote the same resolution sentences: that is measured, not called copying.
    assert all(p.quote_share > 0 for p in det.profiles_.values())


def test_verbatim_copy_with_header_changed_has_exact_spans(make_essays, resolution_text):
    texts = honest_texts() | {
        "copy": header("Phạm Văn Tú", "Trường THCS Nguyễn Trãi") + body("thcs_02")
    }
    det, _essays = detect(make_essays, resolution_text, texts)
    assert pairs(det) == {frozenset(("thcs_02", "copy"))}
    m = det.matches_[0]
    assert m.coverage_a > 0.9 and m.coverage_b > 0.9
    a_text, b_text = texts[m.a], texts[m.b]
    for p in m.passages:
        assert p.n_words >= 8
        assert a_text[p.a_start : p.a_end] == b_text[p.b_start : p.b_end]
    # Header lines are not part of any passage.
    copy_text = texts["copy"]
    assert all("Phạm Văn Tú" not in copy_text[p.b_start : p.b_end] for p in m.passages)


def light_edit(text: str, seed: int = 1) -> str:
    rng = random.Random(seed)
    paras = paragraphs(text)
    sentences = [s for p in paras for s in re.split(r"(?<=\.)\s+", p)]
    keep = [s for s in sentences if rng.random() > 0.12]  # drop some sentences
    swaps = {
        "nâng cao": "tăng cường",
        "thực hiện": "triển khai",
        "cán bộ": "công chức",
        "rất": "khá",
    }
    out = " ".join(keep)
    for old, new in swaps.items():
        out = out.replace(old, new)
    return out + " Bản thân tôi sẽ cố gắng nhiều hơn trong thời gian tới."


def test_light_edit_is_found(make_essays, resolution_text):
    texts = honest_texts() | {
        "edited": header("Hà Văn Nam", "Trường THCS") + light_edit(body("thcs_03"))
    }
    det, _ = detect(make_essays, resolution_text, texts)
    assert frozenset(("thcs_03", "edited")) in pairs(det)
    assert len(pairs(det)) == 1


def test_reordered_paragraphs_are_found_as_several_passages(make_essays, resolution_text):
    paras = paragraphs(body("bv_02"))
    random.Random(3).shuffle(paras)
    texts = honest_texts() | {"shuffled": header("Lò Văn A", "Bệnh viện") + "\n".join(paras)}
    det, _ = detect(make_essays, resolution_text, texts)
    assert pairs(det) == {frozenset(("bv_02", "shuffled"))}
    m = det.matches_[0]
    assert len(m.passages) >= 3
    assert max(m.coverage_a, m.coverage_b) > 0.8


def test_one_section_taken_inside_a_longer_essay(make_essays, resolution_text):
    source = paragraphs(body("xa_02"))
    section = "\n".join(source[len(source) // 3 : len(source) // 3 + 3])  # a few paragraphs only
    own = body("tp_03")
    texts = {i: source_text(i) for i in HONEST if i != "tp_03"} | {
        "partial": header("Vi Thị B", "Xã") + own + "\n" + section
    }
    det, _ = detect(make_essays, resolution_text, texts)
    assert pairs(det) == {frozenset(("xa_02", "partial"))}
    m = det.matches_[0]
    side = "a" if m.a == "partial" else "b"
    cov_partial = m.coverage_a if side == "a" else m.coverage_b
    cov_source = m.coverage_b if side == "a" else m.coverage_a
    assert 0.15 <= cov_partial < 0.8 and cov_source < 0.6
    # The matched spans in the copier lie inside the appended section.
    start = texts["partial"].index(section[:40])
    for p in m.passages:
        lo = p.a_start if side == "a" else p.b_start
        assert lo >= start - 5


def test_template_fill_in_from_a_reference_and_a_copy_ring(make_essays, resolution_text):
    template = (SAMPLES / "reference" / "mau_1.txt").read_text(encoding="utf-8")
    units = ["Trường THCS Nguyễn Trãi", "Ủy ban nhân dân xã Tân Lập", "Công ty Cổ phần Cấp nước"]
    filled = {
        f"fill_{n}": template.replace("[TÊN ĐƠN VỊ]", unit).replace("……………", f"Người {n}", 1)
        for n, unit in enumerate(units)
    }
    det, _ = detect(make_essays, resolution_text, honest_texts() | filled, {"mau_1": template})
    found = pairs(det)
    for i in filled:
        assert frozenset((i, "mau_1")) in found
    ring = [g for g in det.groups_ if "mau_1" in g.members]
    assert len(ring) == 1 and set(ring[0].members) == set(filled) | {"mau_1"}
    assert ring[0].source == "mau_1"
    assert all("copy_of_reference" in det.profiles_[i].flags for i in filled)
    assert all(
        m.kind == "reference" and m.b == "mau_1" for m in det.matches_ if "mau_1" in (m.a, m.b)
    )


def test_find_and_replace_of_another_units_essay(make_essays, resolution_text):
    replaced = body("thcs_02")
    for old, new in [
        ("Trường THCS Nguyễn Trãi", "Bệnh viện Đa khoa huyện"),
        ("nhà trường", "bệnh viện"),
        ("học sinh", "người bệnh"),
        ("giáo viên", "bác sĩ"),
        ("trường", "bệnh viện"),
    ]:
        replaced = replaced.replace(old, new)
    texts = honest_texts() | {"replaced": header("Y Văn C", "Bệnh viện Đa khoa huyện") + replaced}
    det, _ = detect(make_essays, resolution_text, texts)
    assert pairs(det) == {frozenset(("thcs_02", "replaced"))}


def test_paraphrase_keeping_facts_and_order_is_found(make_essays, resolution_text):
    texts = honest_texts() | {i: source_text(i) for i in ["xa_01", "xa_08"]}
    det, _ = detect(make_essays, resolution_text, texts)
    assert pairs(det) == {frozenset(("xa_01", "xa_08"))}
    assert "paraphrase" in det.matches_[0].method


def test_robust_to_unicode_forms_tone_placement_case_and_line_breaks(make_essays, resolution_text):
    text = body("cty_02")
    mangled = unicodedata.normalize("NFD", text.replace("hòa", "hoà").replace("thủy", "thuỷ"))
    mangled = mangled.replace(". ", ".\n").upper()
    texts = honest_texts() | {"mangled": header("A", "B") + mangled}
    det, _ = detect(make_essays, resolution_text, texts)
    assert pairs(det) == {frozenset(("cty_02", "mangled"))}
    assert det.matches_[0].coverage_a > 0.8


def test_more_copied_text_scores_higher(make_essays, resolution_text):
    source = paragraphs(body("tp_03"))
    own = paragraphs(body("bv_03"))
    scores = []
    for share in (0.3, 0.6, 1.0):
        k = max(1, int(len(source) * share))
        texts = {
            "tp_03": source_text("tp_03"),
            "x": "\n".join(own[: len(own) - k // 2] + source[:k]),
        }
        det, _ = detect(make_essays, resolution_text, texts, threshold=0.0, min_match_words=1)
        scores.append(max((m.score for m in det.matches_), default=0.0))
    assert scores == sorted(scores) and scores[0] < scores[-1]


def test_text_made_of_resolution_quotes_is_no_match(make_essays, resolution_text):
    quotes = (SAMPLES / "source" / "QUOTES.txt").read_text(encoding="utf-8")
    a = header("A", "X") + quotes + "\n" + body("bv_03")
    b = header("B", "Y") + quotes + "\n" + body("cty_03")
    det, _ = detect(make_essays, resolution_text, {"a": a, "b": b})
    assert det.matches_ == []
    assert det.profiles_["a"].quote_share > 0.1


def test_resolution_only_essay_is_flagged(make_essays, resolution_text):
    stitched = header("C", "Z") + "\n".join(resolution_text.split("\n")[5:40])
    det, _ = detect(make_essays, resolution_text, honest_texts() | {"stitched": stitched})
    assert "resolution_only" in det.profiles_["stitched"].flags
    assert det.matches_ == []
    assert not any("resolution_only" in det.profiles_[i].flags for i in HONEST)


@pytest.mark.parametrize("threshold", [0.5, 0.95])
def test_threshold_is_honoured(make_essays, resolution_text, threshold):
    texts = honest_texts() | {
        "partial": body("bv_03") + "\n" + "\n".join(paragraphs(body("xa_02"))[:4])
    }
    det, _ = detect(make_essays, resolution_text, texts, threshold=threshold)
    for m in det.matches_:
        section = max((p.n_words for p in m.passages if p.method == "shingle"), default=0)
        assert m.score >= threshold or section >= det.min_section_words
    # a lifted section is a copy below the threshold too, unless sections are switched off
    det, _ = detect(
        make_essays, resolution_text, texts, threshold=threshold, min_section_words=10**6
    )
    assert all(m.score >= threshold for m in det.matches_)


def test_essays_sharing_only_the_genres_formulas_are_not_a_copy(make_essays, resolution_text):
    """Two essays whose shared text is the genre's learned formulas (closing formulas, ritual
    sentences, slogans), however long, with nothing of a writer's own: no match, even at a low
    threshold, while the same shared paragraph of ordinary prose is a copy."""
    from essaycheck.boilerplate import genre_hashes
    from essaycheck.fingerprint import fingerprint_text

    lines = files("essaycheck").joinpath("genre_phrases.txt").read_text("utf-8").splitlines()
    phrases = [ln for ln in lines if ln and not ln.startswith("#") and len(ln.split()) >= 8]
    formulas = ". ".join(p.capitalize() for p in phrases[:: max(1, len(phrases) // 12)][:12])
    assert np.isin(fingerprint_text(formulas, 5).hashes, genre_hashes(5)).mean() > 0.6
    texts = honest_texts() | {
        "one": body("thcs_03") + "\n" + formulas + ".",
        "two": body("cty_03") + "\n" + formulas + ".",
    }
    det, essays = detect(make_essays, resolution_text, texts, threshold=0.05, min_match_words=5)
    assert frozenset(("one", "two")) not in pairs(det)
    # the formulas are boilerplate for the copy profile, not merely too short to count
    one = next(e for e in essays if e.id == "one")
    start = one.text.index(formulas[:40])
    covered = sum(
        max(0, min(b, start + len(formulas)) - max(a, start))
        for a, b in det.highlights_["one"]["boilerplate"]
    )
    assert covered > 0.6 * len(formulas)
    prose = "\n".join(paragraphs(body("xa_02"))[:3])
    texts |= {"one": body("thcs_03") + "\n" + prose, "two": body("cty_03") + "\n" + prose}
    det, _ = detect(make_essays, resolution_text, texts)
    assert frozenset(("one", "two")) in pairs(det)
