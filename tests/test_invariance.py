"""Copy verdicts that must not move: adding references or unrelated essays never removes or
changes a verdict between two essays; input order and file names change none."""

from __future__ import annotations

import random

import pytest
from conftest import SAMPLES

from essaycheck import Config, Document, check_documents, read_batch, read_text, read_units

# originals, their copies of every kind (paraphrase, verbatim, light edit, find-and-replace,
# partial section) and honest essays of the same units
BATCH = [
    "xa_01", "xa_08", "xa_12", "xa_13", "xa_03", "xa_09", "tp_01", "tp_02", "tp_08", "tp_09",
    "tp_10", "xa_11", "thcs_01", "thcs_08", "bv_11", "bv_01", "bv_10", "xa_02", "tp_03",
]  # fmt: skip
UNRELATED = ["cty_02", "cty_03", "bv_04", "thcs_05", "bv_12"]


@pytest.fixture(scope="module")
def check(resolution_text):
    units = read_units(SAMPLES / "units.csv")
    texts = {d.id: d.text for d in read_batch([SAMPLES / "batch"])[0]}

    def check(ids, references=(), rename=None):
        rename = rename or {}
        docs = [Document(rename.get(i, i), f"{rename.get(i, i)}.txt", texts[i]) for i in ids]
        refs = [Document(p.stem, p.name, read_text(p)) for p in (SAMPLES / "reference").iterdir()][
            : len(references)
        ]
        return check_documents(docs, resolution_text, refs, units, Config(cache="", n_jobs=1))

    return check


def verdicts(report, back=None):
    """Essay-essay matches as {pair: source}, ids mapped ``back`` to the original names."""
    back = back or {}
    ids = {e.id for e in report.essays}
    return {
        frozenset((back.get(m.a, m.a), back.get(m.b, m.b))): back.get(m.source, m.source)
        for m in report.matches
        if m.a in ids and m.b in ids
    }


def test_references_and_unrelated_essays_change_no_essay_verdict(check):
    base = verdicts(check(BATCH))
    assert len(base) >= 10  # the batch holds its copies
    assert verdicts(check(BATCH, references=("all",) * 3)) == base
    assert verdicts(check(BATCH + UNRELATED)) == base


def test_input_order_and_file_names_change_no_verdict(check):
    base = verdicts(check(BATCH))
    shuffled = BATCH[:]
    random.Random(7).shuffle(shuffled)
    rename = {i: f"bai_{n:02d}" for n, i in enumerate(shuffled)}
    back = {v: k for k, v in rename.items()}
    assert verdicts(check(shuffled, rename=rename), back) == base
