"""The archive ("kho bài"): checked essays of earlier campaigns, compared with every new check.

An archive keeps, per essay, its text, campaign, unit, writer, date, word segmentation and what
copy detection needs to find it again: its sketches in a :class:`~essaycheck.candidates.
CandidateIndex` (the same index a batch builds in memory), its own shingles and rare facts (the
cheap bound that most candidates fail before an essay is loaded).

Two backends, the same results:

- a local folder (the default, nothing to start): SQLite for essays and campaigns, the index in
  ``.npy`` segment files (one per added batch, memory-mapped, ``allow_pickle=False``); folders
  0700, files 0600 (:mod:`.embedded`);
- ``redis://HOST:PORT/DB``: one Redis shared by many reviewers; the index is datasketch's MinHash
  LSH with its Redis storage, essays are Redis hashes (:mod:`.redis_backend`).

Nothing is pickled: records are zlib-compressed JSON, shingles raw ``uint64`` bytes, index keys
bytes. :func:`open_archive` opens either from the string a user gives.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import zlib
from abc import ABC, abstractmethod
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass, field, replace
from typing import Any

import numpy as np

from ..candidates import CandidateIndex, IndexParams, Sketches, sketch
from ..documents import Document
from ..essay import Essay, Sentence, prepare
from ..header import parse_layout, split_run_on
from ..normalize import normalize
from ..tokenize import TokenCache, syllables

FORMAT = "essaycheck-archive-1"
_CAMPAIGN = re.compile(r"^[^/\x00-\x1f]{1,100}$")


class ArchiveError(Exception):
    """An archive that cannot be opened or used; the message is Vietnamese and says what to do."""


@dataclass(frozen=True)
class Campaign:
    """An archived campaign: its name, the resolution studied, how many essays, when added."""

    name: str
    resolution_title: str
    n_essays: int
    created: str
    resolution: str = ""


@dataclass(frozen=True)
class Summary:
    """What the cheap bound reads of an archived essay: its own shingles (sorted, unique) and
    rare facts, as computed when it was added."""

    shingles: np.ndarray
    facts: frozenset[str]


@dataclass(frozen=True)
class ArchivedEssay:
    """An archived essay as stored: enough to rebuild its :class:`~essaycheck.essay.Essay`
    without segmenting it again."""

    key: int
    campaign: str
    id: str
    source: str
    text: str
    meta: dict[str, str]
    sentences: list[list[Any]]  # [start, end, paragraph, [words]] in the normalised text
    norm_hash: str
    norm_text: str = ""  # the normalised text as laid out (saves laying it out again)

    @property
    def archive_id(self) -> str:
        """The essay's id in the archive (and in reports): ``CAMPAIGN/ID``, unique."""
        return f"{self.campaign}/{self.id}"

    def essay(self) -> Essay:
        norm = normalize(self.text)
        if len(self.norm_text) == len(norm.text) and _text_hash(self.norm_text) == self.norm_hash:
            norm = replace(norm, text=self.norm_text)  # what ``prepare`` made of it, kept
        else:
            norm = replace(norm, text=split_run_on(norm.text))  # as ``prepare`` lays out a body
        layout = parse_layout(norm.text)
        if _text_hash(norm.text) == self.norm_hash:
            sentences = tuple(
                Sentence(int(a), int(b), int(p), tuple(w)) for a, b, p, w in self.sentences
            )
            return Essay(
                self.archive_id, self.source, self.text, norm, layout, sentences, self.meta
            )
        # Made by another version of the normaliser: lay the text out again; the stored words
        # still serve for every sentence split the same way.
        cache = TokenCache(None)
        doc = Document(self.archive_id, self.source, self.text, dict(self.meta))
        return prepare([doc], cache, 1)[0]


def _text_hash(text: str) -> str:
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=12).hexdigest()


@dataclass
class Entry:
    """One essay ready to be added: its record, summary and sketches."""

    campaign: str
    id: str
    author: str
    role: str
    unit: str
    date: str
    record: bytes  # zlib JSON: source, text, meta, sentences, norm_hash
    shingles: np.ndarray
    facts: list[str]
    sketches: Sketches = field(default_factory=Sketches)

    @property
    def n_windows(self) -> int:
        return len(self.sketches.windows)

    def info(self) -> dict[str, Any]:
        return {
            "campaign": self.campaign,
            "id": self.id,
            "author": self.author,
            "role": self.role,
            "unit": self.unit,
            "date": self.date,
            "n_windows": self.n_windows,
        }


def encode_record(essay: Essay) -> bytes:
    data = {
        "source": essay.source,
        "text": essay.text,
        "meta": essay.meta,
        "sentences": [[s.start, s.end, s.paragraph, list(s.words)] for s in essay.sentences],
        "norm_hash": _text_hash(essay.norm.text),
        "norm_text": essay.norm.text,
    }
    return zlib.compress(json.dumps(data, ensure_ascii=False).encode("utf-8", "surrogatepass"), 6)


def decode_record(key: int, campaign: str, essay_id: str, blob: bytes) -> ArchivedEssay:
    """A stored record; :class:`ArchiveError` if it is not one (a damaged or planted value)."""
    try:
        data = json.loads(zlib.decompress(blob).decode("utf-8", "surrogatepass"))
        sentences = data["sentences"]
        if not isinstance(sentences, list) or not all(
            isinstance(s, list) and len(s) == 4 and isinstance(s[3], list) for s in sentences
        ):
            raise ValueError("sentences")
        meta = {str(k): str(v) for k, v in dict(data.get("meta") or {}).items()}
        return ArchivedEssay(
            key, campaign, essay_id, str(data["source"]), str(data["text"]), meta, sentences,
            str(data["norm_hash"]), str(data.get("norm_text", "")),
        )  # fmt: skip
    except (ValueError, KeyError, TypeError, zlib.error) as exc:
        raise ArchiveError(
            f"Bài {campaign}/{essay_id} trong kho bị hỏng ({type(exc).__name__}): hãy xoá đợt "
            f"'{campaign}' khỏi kho rồi thêm lại."
        ) from exc


def check_campaign_name(name: str) -> str:
    name = name.strip()
    if not _CAMPAIGN.match(name):
        raise ArchiveError(
            f"Tên đợt không hợp lệ: {name!r}. Hãy đặt tên 1–100 ký tự, không có dấu '/'."
        )
    return name


@dataclass(frozen=True)
class Settings:
    """What fixes an archive's sketches: shingle size and index settings (set at creation)."""

    shingle_size: int = 5
    params: IndexParams = field(default_factory=IndexParams)

    def to_json(self) -> str:
        return json.dumps({"shingle_size": self.shingle_size, "params": asdict(self.params)})

    @classmethod
    def from_json(cls, text: str) -> Settings:
        data = json.loads(text)
        return cls(int(data["shingle_size"]), IndexParams(**data["params"]))


@dataclass(frozen=True)
class AddResult:
    """What an add did: essays added, and ids skipped because the campaign already had them."""

    campaign: str
    added: int
    skipped: tuple[str, ...] = ()


class Archive(ABC):
    """An archive of checked essays (see the module docstring); use :func:`open_archive`."""

    settings: Settings
    location: str

    @property
    def params(self) -> IndexParams:
        return self.settings.params

    @property
    @abstractmethod
    def index(self) -> CandidateIndex:
        """The archive's candidate index (essay keys are the archive's essay numbers)."""

    @abstractmethod
    def campaigns(self) -> list[Campaign]: ...

    @abstractmethod
    def state(self) -> str:
        """A token that changes whenever essays are added or removed (for the run cache)."""

    @abstractmethod
    def summaries(self, keys: Sequence[int]) -> dict[int, Summary]:
        """The cheap-bound data of these essays (missing keys: removed since the query)."""

    @abstractmethod
    def essays(self, keys: Sequence[int]) -> list[ArchivedEssay]: ...

    @abstractmethod
    def keys(self, campaign: str) -> list[int]:
        """The essay numbers of a campaign, in the order they were added."""

    @abstractmethod
    def _store(self, campaign: Campaign, entries: list[Entry]) -> AddResult:
        """Store entries of one campaign atomically with respect to other writers."""

    @abstractmethod
    def remove(self, campaign: str) -> int:
        """Remove a campaign and its essays; returns how many essays were removed."""

    def close(self) -> None:  # noqa: B027 - optional for a backend
        """Release connections."""

    def __enter__(self) -> Archive:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def campaign(self, name: str) -> Campaign | None:
        return next((c for c in self.campaigns() if c.name == name), None)

    # -- adding ------------------------------------------------------------------------------
    def entries(self, campaign: str, resolution: str, essays: Sequence[Essay]) -> list[Entry]:
        """Entries for prepared essays: the same stage 1 and sketches as a check."""
        from .. import verify
        from ..detect import CopyDetector

        det = CopyDetector(shingle_size=self.settings.shingle_size, **asdict(self.params))
        resolution = normalize(resolution).text
        texts, _ = verify.texts(det, essays, resolution, [])
        facts, _ = verify.facts(texts, set(syllables(resolution)[0]))
        out = []
        for t, f in zip(texts, facts, strict=True):
            e = t.essay
            out.append(
                Entry(
                    campaign,
                    e.id,
                    e.author,
                    e.role,
                    e.unit,
                    e.layout.date,
                    encode_record(e),
                    np.unique(t.own_hashes),
                    sorted(f),
                    sketch(t.own_hashes, f, self.params),
                )
            )
        return out

    def add_essays(
        self, campaign: str, resolution: str, essays: Sequence[Essay], title: str = ""
    ) -> AddResult:
        """Add prepared essays to ``campaign`` (created if new)."""
        from ..pipeline import resolution_title

        name = check_campaign_name(campaign)
        info = Campaign(
            name,
            title or resolution_title(normalize(resolution).text),
            0,
            dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            resolution,
        )
        return self._store(info, self.entries(name, resolution, essays))

    def add(
        self,
        campaign: str,
        resolution: str,
        documents: Sequence[Document],
        cache: TokenCache | None = None,
        n_jobs: int | None = None,
    ) -> AddResult:
        """Prepare documents (segmentation cached) and add them to ``campaign``."""
        return self.add_essays(campaign, resolution, prepare(documents, cache, n_jobs))


def split_summary(blob: bytes, facts: str) -> Summary:
    return Summary(np.frombuffer(blob, dtype=np.uint64), frozenset(json.loads(facts)))


def chunks(items: Sequence[Any], size: int) -> Iterator[Sequence[Any]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


def open_archive(spec: str, create: bool = True) -> Archive:
    """An archive from a local folder path or a ``redis://HOST:PORT/DB`` URL."""
    if spec.startswith(("redis://", "rediss://", "unix://")):
        from .redis_backend import RedisArchive

        return RedisArchive(spec, create=create)
    from .embedded import EmbeddedArchive

    return EmbeddedArchive(spec, create=create)


__all__ = [
    "AddResult",
    "Archive",
    "ArchiveError",
    "ArchivedEssay",
    "Campaign",
    "Entry",
    "Settings",
    "Summary",
    "open_archive",
]
