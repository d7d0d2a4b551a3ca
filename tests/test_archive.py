"""The campaign archive on both backends: CLI, matches with earlier campaigns, the same results
from the embedded and the Redis archive, concurrent adds, the run cache, private files."""

from __future__ import annotations

import json
import multiprocessing
import os
import re
import shutil
import socket
import stat
import subprocess
import tempfile
import time
from dataclasses import asdict
from pathlib import Path

import numpy as np
import pytest
from conftest import SAMPLES, source_text
from sklearn.base import clone

from essaycheck.archive import ArchiveError, open_archive
from essaycheck.candidates import CandidateIndex, IndexParams, sketch
from essaycheck.cli import main
from essaycheck.documents import Document
from essaycheck.pipeline import Config, check_documents
from essaycheck.relevance import RelevanceScorer, prepare_resolution

OLD = ["thcs_01", "thcs_02", "bv_01", "cty_01", "xa_01", "tp_01"]


@pytest.fixture(scope="module")
def redis_url():
    """A Redis for these tests: ``$ESSAYCHECK_TEST_REDIS`` (``.ci/run`` starts one), else a
    ``redis-server`` started here on a free port; without either the tests skip, except under
    CI, where they fail. The database is flushed before each use."""
    url = os.environ.get("ESSAYCHECK_TEST_REDIS")
    proc = folder = None
    if not url:
        server = shutil.which("redis-server")
        if server is None:
            if os.environ.get("CI"):
                pytest.fail("redis-server is missing: .ci/run must install and start it")
            pytest.skip("redis-server is not installed (make redis)")
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        folder = tempfile.mkdtemp()
        proc = subprocess.Popen(
            [server, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--dir", folder],
            stdout=subprocess.DEVNULL,
        )
        url = f"redis://127.0.0.1:{port}/0"
    import redis

    client = redis.Redis.from_url(url)
    for _ in range(100):
        try:
            client.ping()
            break
        except redis.ConnectionError:
            time.sleep(0.05)
    yield url
    client.close()
    if proc is not None:
        proc.terminate()
        proc.wait(10)
        shutil.rmtree(folder, ignore_errors=True)


def _flushed(url: str) -> str:
    import redis

    with redis.Redis.from_url(url) as client:
        client.flushdb()
    return url


@pytest.fixture(params=["embedded", "redis"])
def spec(request, tmp_path):
    """An empty archive of each kind, as the string a user gives."""
    if request.param == "embedded":
        return str(tmp_path / "kho")
    return _flushed(request.getfixturevalue("redis_url"))


def _doc(essay_id: str, text: str | None = None) -> Document:
    return Document(
        essay_id, f"{essay_id}.txt", text if text is not None else source_text(essay_id)
    )


def _handed_in_by(text: str, name: str, role: str = "Giáo viên") -> str:
    """Another writer's header on the same essay (the name changed everywhere it is written)."""
    author = re.search(r"Họ và tên: (.+)", text).group(1).strip()
    text = re.sub(r"Chức vụ: .+", f"Chức vụ: {role}", text)
    return text.replace(author, name)


@pytest.fixture(scope="module")
def resolution() -> str:
    return (SAMPLES / "resolution.txt").read_text(encoding="utf-8")


def _check(docs, resolution, archive, **kw):
    return check_documents(
        docs, resolution, config=Config(cache="", n_jobs=1), archive=archive, **kw
    )


def test_cli_adds_lists_and_removes_campaigns(spec, tmp_path, capsys):
    folder = tmp_path / "old"
    folder.mkdir()
    for i in OLD[:3]:
        (folder / f"{i}.txt").write_text(source_text(i), encoding="utf-8")
    res = str(SAMPLES / "resolution.txt")
    assert (
        main(["archive", "add", spec, "--campaign", "2023", "--resolution", res, str(folder)]) == 0
    )
    assert "Đã thêm 3 bài" in capsys.readouterr().err
    # Adding the same essays again adds nothing: ids are unique within a campaign.
    assert (
        main(["archive", "add", spec, "--campaign", "2023", "--resolution", res, str(folder)]) == 0
    )
    assert "3 bài đã có trong đợt" in capsys.readouterr().err
    assert main(["archive", "list", spec]) == 0
    rows = capsys.readouterr().out.strip().split("\n")
    assert rows[1].split("\t")[:2] == ["2023", "3"]
    assert main(["archive", "remove", spec, "--campaign", "2023"]) == 0
    assert main(["archive", "list", spec]) == 0
    assert "chưa có đợt nào" in capsys.readouterr().err
    assert main(["archive", "remove", spec, "--campaign", "2023"]) == 2
    assert (
        main(["archive", "add", spec, "--campaign", "a/b", "--resolution", res, str(folder)]) == 2
    )


def test_check_against_the_archive_names_campaign_and_whose_essay(spec, resolution, capsys):
    with open_archive(spec) as archive:
        archive.add("Khóa XIII 2023", resolution, [_doc(i) for i in OLD])
        own = _doc("thcs_01")  # the same writer hands in last campaign's essay again
        other = _doc("nv_moi", _handed_in_by(source_text("bv_01"), "Trần Thị Mới"))
        honest = _doc("thcs_03")
        report = _check([own, other, honest], resolution, archive)
    found = {m.a: m for m in report.matches if m.kind == "archive"}
    assert set(found) == {"thcs_01", "nv_moi"}
    for essay_id, old in (("thcs_01", "thcs_01"), ("nv_moi", "bv_01")):
        m = found[essay_id]
        assert (m.b, m.campaign) == (f"Khóa XIII 2023/{old}", "Khóa XIII 2023")
        assert m.source == m.b and m.score > 0.8  # the earlier campaign's essay is the source
        assert report.texts[m.b] == source_text(old)  # shown side by side
        assert m.passages and m.passages[0].b_end <= len(report.texts[m.b])
    assert "chính mình" in found["thcs_01"].reason
    assert "người khác" in found["nv_moi"].reason and "Trần Thị Mới" in found["nv_moi"].reason
    assert report.essay("nv_moi").copy.partners == ("Khóa XIII 2023/bv_01",)
    assert "copy_of_reference" not in report.essay("nv_moi").flags
    assert not report.essay("thcs_03").copy.partners


def test_both_backends_give_the_same_report(tmp_path, redis_url, resolution):
    docs = [_doc(i) for i in OLD]
    batch = [
        _doc("thcs_01"),
        _doc("chep", _handed_in_by(source_text("cty_01"), "Lê Văn Chép")),
        _doc("xa_02"),
    ]
    results = []
    for spec in (str(tmp_path / "kho"), _flushed(redis_url)):
        with open_archive(spec) as archive:
            archive.add("2023", resolution, docs)
            report = _check(batch, resolution, archive)
        results.append([asdict(m) for m in report.matches])
    assert results[0] == results[1]
    assert any(m["kind"] == "archive" for m in results[0])


def test_one_index_code_on_memory_segments_and_redis(tmp_path, redis_url, make_essays):
    """The archive's index is the batch's: the same hits whatever the storage."""
    from essaycheck.archive.segments import SegmentStore

    rng = np.random.default_rng(0)
    base = rng.integers(0, 2**63, 400, dtype=np.uint64)
    texts = [base.copy() for _ in range(6)]
    texts[1][200:] = rng.integers(0, 2**63, 200, dtype=np.uint64)  # half the same
    texts[2] = rng.integers(0, 2**63, 400, dtype=np.uint64)  # unrelated
    texts[3][:300] = rng.integers(0, 2**63, 300, dtype=np.uint64)  # one section shared
    params = IndexParams()
    sketches = [sketch(t, {f"fact {n} {i}" for i in range(5)}, params) for n, t in enumerate(texts)]

    store = SegmentStore(tmp_path / "index")
    stored = CandidateIndex(params, attach=store.attach)
    stored.insert(enumerate(sketches))
    store.use([store.flush()])
    import redis

    _flushed(redis_url)
    kwargs = redis.Redis.from_url(redis_url).connection_pool.connection_kwargs
    config = {"host": kwargs["host"], "port": kwargs["port"], "db": kwargs["db"]}
    shared = CandidateIndex(params, {"type": "redis", "redis": config, "basename": b"t:"})
    shared.insert(enumerate(sketches))
    memory = CandidateIndex(params)
    memory.insert(enumerate(sketches))
    hits = [index.query(sketches) for index in (memory, stored, shared)]
    assert hits[0] == hits[1] == hits[2]
    assert 1 in hits[0][0].texts and 2 not in hits[0][0].texts
    assert hits[0][0].candidates(params.min_window_hits) >= {0, 1, 3, 4, 5}


def _resident_kb(path: Path) -> int:
    """kB of ``path`` mapped into this process and resident (Linux's /proc/self/smaps)."""
    total, inside = 0, False
    for line in Path("/proc/self/smaps").read_text().splitlines():
        if re.match(r"^[0-9a-f]+-[0-9a-f]+ ", line):
            inside = line.endswith(str(path))
        elif inside and line.startswith("Rss:"):
            total += int(line.split()[1])
    return total


@pytest.mark.skipif(not Path("/proc/self/smaps").exists(), reason="Linux only")
def test_segment_lookups_do_not_keep_the_index_in_memory(tmp_path):
    """A check reads every page of the index segments it searches; it must not keep them, or
    its memory grows with the archive."""
    from essaycheck.archive.segments import SegmentStore

    rng = np.random.default_rng(2)
    store = SegmentStore(tmp_path / "index")
    hashes = rng.integers(0, 2**63, 300_000, dtype=np.uint64)
    table = store.table(b"full_0")
    store.pending = [(table, int(h), n, -1) for n, h in enumerate(hashes)]
    store.use([store.flush()])
    queries = [int(h).to_bytes(8, "little") for h in hashes[::3]]
    found = store.lookup(table, queries)
    assert all(str(n).encode() in keys for n, keys in zip(range(0, 300_000, 3), found, strict=True))
    h_file = next((tmp_path / "index").glob("seg-*")) / "h.npy"
    assert h_file.stat().st_size > 2_000_000 and _resident_kb(h_file) == 0


def test_a_redis_archive_of_the_old_layout_is_refused_with_what_to_do(redis_url):
    import redis

    url = _flushed(redis_url)
    with redis.Redis.from_url(url) as client:
        client.hset("essaycheck:meta", mapping={"format": "essaycheck-archive-1"})
    with pytest.raises(ArchiveError, match="essaycheck archive add"):
        open_archive(url, create=False)


def _redis_dump(client, prefix: bytes) -> dict:
    """Every key under ``prefix`` and its value, the prefix cut from keys and values."""

    def cut(b: bytes) -> bytes:
        return b.removeprefix(prefix)

    out = {}
    for key in client.scan_iter(match=prefix + b"*"):
        kind = client.type(key)
        if kind == b"hash":
            value = {cut(k): cut(v) for k, v in client.hgetall(key).items()}
        elif kind == b"set":
            value = client.smembers(key)
        else:
            value = client.lrange(key, 0, -1)
        out[cut(key)] = value
    return out


def test_redis_bulk_insert_writes_datasketchs_own_layout(redis_url):
    """The archive's bulk writer leaves Redis exactly as datasketch's insertion would."""
    import redis

    rng = np.random.default_rng(1)
    params = IndexParams()
    sketches = [
        sketch(rng.integers(0, 2**63, 300, dtype=np.uint64), {f"f{n}{i}" for i in range(4)}, params)
        for n in range(5)
    ]
    url = _flushed(redis_url)
    with open_archive(url) as archive, redis.Redis.from_url(url) as client:
        archive._insert_index(enumerate(sketches, start=1))
        config = {k: client.connection_pool.connection_kwargs[k] for k in ("host", "port", "db")}
        theirs = CandidateIndex(params, {"type": "redis", "redis": config, "basename": b"ds:"})
        theirs.insert(enumerate(sketches, start=1))
        ours = _redis_dump(client, b"ec:")
        assert len(ours) > 5 * 3 and ours == _redis_dump(client, b"ds:")
        assert archive.index.query(sketches[2:3])[0].texts == {3}


def test_redis_removal_frees_the_index_and_keeps_the_rest(redis_url, resolution):
    """Removing a campaign leaves no bucket, band-table entry or key list behind (Redis memory
    is what a shared archive runs out of), and the other campaign is still found."""
    import redis

    url = _flushed(redis_url)
    with open_archive(url) as archive, redis.Redis.from_url(url) as client:
        archive.add("2022", resolution, [_doc(i) for i in OLD[:2]])
        index_keys = {k for k in client.scan_iter(match=b"ec:*")}
        tables = {k: client.hlen(k) for k in index_keys if client.type(k) == b"hash"}
        archive.add("2023", resolution, [_doc(i) for i in OLD[2:]])
        window_bucket = next(
            k for k in client.scan_iter(match=b"ec:wi_bucket_*") if client.type(k) == b"set"
        )
        assert client.object("encoding", window_bucket) == b"intset"  # integer keys: compact
        assert archive.remove("2023") == len(OLD) - 2
        assert {k for k in client.scan_iter(match=b"ec:*")} == index_keys
        assert {k: client.hlen(k) for k in tables} == tables
        report = _check([_doc("thcs_01"), _doc("bv_01")], resolution, archive)
    assert {(m.a, m.b) for m in report.matches if m.kind == "archive"} == {
        ("thcs_01", "2022/thcs_01")
    }


def _add_worker(spec, campaign, resolution, texts, barrier):
    barrier.wait(30)
    with open_archive(spec) as archive:
        archive.add(campaign, resolution, [_doc(i, t) for i, t in texts.items()])


@pytest.mark.slow
def test_two_reviewers_adding_at_once_lose_nothing(spec, resolution):
    ids = [p.stem for p in sorted((SAMPLES / "source" / "essays").glob("*.txt"))][:16]
    halves = [
        {i: source_text(i) for i in ids[:8]},
        {i: source_text(i) for i in ids[8:]},
    ]
    open_archive(spec).close()  # created before the race
    ctx = multiprocessing.get_context("fork")
    barrier = ctx.Barrier(4)
    jobs = [
        ctx.Process(target=_add_worker, args=(spec, "chung", resolution, halves[0], barrier)),
        ctx.Process(target=_add_worker, args=(spec, "chung", resolution, halves[1], barrier)),
        # The same ids again at the same time, in another campaign and in the same one.
        ctx.Process(target=_add_worker, args=(spec, "rieng", resolution, halves[0], barrier)),
        ctx.Process(target=_add_worker, args=(spec, "chung", resolution, halves[1], barrier)),
    ]
    for job in jobs:
        job.start()
    for job in jobs:
        job.join(120)
        assert job.exitcode == 0
    with open_archive(spec) as archive:
        counts = {c.name: c.n_essays for c in archive.campaigns()}
        assert counts == {"chung": 16, "rieng": 8}
        # Every essay is in the index: each finds its archived self.
        report = _check([_doc(i) for i in ids[::3]], resolution, archive)
    for essay_id in ids[::3]:
        found = {m.b for m in report.matches if m.a == essay_id and m.kind == "archive"}
        assert f"chung/{essay_id}" in found
        assert (f"rieng/{essay_id}" in found) == (essay_id in halves[0])


def test_run_cache_sees_a_changed_archive(tmp_path, resolution):
    spec = str(tmp_path / "kho")
    config = Config(cache=str(tmp_path / "cache" / "tokens.sqlite"), n_jobs=1)
    batch = [_doc("thcs_01"), _doc("xa_02")]
    with open_archive(spec) as archive:
        first = check_documents(batch, resolution, config=config, archive=archive)
        assert not [m for m in first.matches if m.kind == "archive"]
        archive.add("2023", resolution, [_doc("thcs_01")])
        again = check_documents(batch, resolution, config=config, archive=archive)
    assert [(m.a, m.b) for m in again.matches if m.kind == "archive"] == [
        ("thcs_01", "2023/thcs_01")
    ]


def test_add_to_archive_after_the_check(tmp_path, resolution, capsys):
    spec = str(tmp_path / "kho")
    folder = tmp_path / "batch"
    folder.mkdir()
    for i in ("xa_01", "xa_02"):
        (folder / f"{i}.txt").write_text(source_text(i), encoding="utf-8")
    res = str(SAMPLES / "resolution.txt")
    args = ["check", str(folder), "--resolution", res, "--no-cache", "-q", "--archive", spec]
    assert main([*args, "--add-to-archive", "2024"]) == 0
    out = tmp_path / "r.json"
    assert main([*args, "--json", str(out)]) == 0  # the next campaign finds this one
    matches = json.loads(out.read_text())["matches"]
    assert {
        (m["a"], m["b"], m["kind"], m["campaign"]) for m in matches if m["kind"] == "archive"
    } == {
        ("xa_01", "2024/xa_01", "archive", "2024"),
        ("xa_02", "2024/xa_02", "archive", "2024"),
    }
    assert main(["check", str(folder), "--resolution", res, "--add-to-archive", "x"]) == 2
    missing = str(tmp_path / "khong_co")  # a mistyped archive is an error, not an empty one
    assert main(["check", str(folder), "--resolution", res, "--archive", missing, "-q"]) == 2
    assert not (tmp_path / "khong_co").exists()


def test_embedded_archive_is_private_and_holds_no_pickle(tmp_path, resolution):
    spec = tmp_path / "kho"
    with open_archive(str(spec)) as archive:
        archive.add("2023", resolution, [_doc("thcs_01"), _doc("bv_01")])
    for path in [spec, *spec.rglob("*")]:
        mode = stat.S_IMODE(path.stat().st_mode)
        assert mode == (0o700 if path.is_dir() else 0o600), (path, oct(mode))
    arrays = list(spec.rglob("*.npy"))
    assert arrays
    for path in arrays:
        np.load(path, allow_pickle=False)  # plain numeric arrays
    assert not list(spec.rglob("*.pkl")) and not list(spec.rglob("*.joblib"))
    with pytest.raises(ArchiveError):
        open_archive(str(tmp_path / "nowhere"), create=False)


def test_relevance_scorer_clones_like_a_scikit_learn_estimator(make_essays, resolution):
    scorer = RelevanceScorer(cutpoints=(10.0, 30.0, 60.0), shared_credit=0.3, scales={"x": 2.0})
    copy = clone(scorer)
    assert copy.get_params() == scorer.get_params() and copy is not scorer
    essays = make_essays({i: source_text(i) for i in OLD[:4]})
    fitted = RelevanceScorer().fit(essays, prepare_resolution(resolution), levels=[1, 2, 0, 3])
    assert hasattr(fitted, "cutpoints_")
    fresh = clone(fitted)
    assert fresh.get_params() == fitted.get_params()
    assert not hasattr(fresh, "cutpoints_") and not hasattr(fresh, "vectorizer_")
