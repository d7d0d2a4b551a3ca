"""Relevance: how well an essay ties the resolution to the writer's own unit and duties.

Every sentence of the body is described by a few facts anyone can check (does it name the unit,
give a figure or a date that is not in the resolution, speak of the writer's own work, commit to
something measurable, echo a resolution point?) and weighed by how much of it is the writer's own
(resolution quotes and text from references earn nothing; text shared with another essay, whose
author is unknown, earns ``shared_credit``). Components saturate, so padding earns little, and
each one keeps the sentences that earned it.
"""

from __future__ import annotations

import hashlib
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from functools import cache

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.feature_extraction.text import TfidfVectorizer

from .documents import Document
from .essay import Essay, prepare
from .header import date_cell, dates_in
from .levels import LevelModel, default_model
from .matches import CopyProfile
from .normalize import fold
from .sections import ACTIONS, PROPOSALS, SELF, SUMMARY, UNIT, is_heading, sentence_parts
from .sentence_roles import FEATURES, SentenceModel, default_sentence_model
from .tokenize import TokenCache, is_word, segment_words, segmented
from .topic import known_resolutions, resolution_ids, same_ids
from .units import Unit

COMPONENTS = (
    "resolution_fit",
    "unit_grounding",
    "linkage",
    "self_role",
    "commitments",
    "generic_links",
)
CONTENT = COMPONENTS[1:]  # the components the level model weighs, each gated by the fit
# Evidence points at which a component reaches 63% (1 - 1/e): saturation keeps padding cheap.
DEFAULT_SCALES = {
    "unit_grounding": 5.0,
    "linkage": 2.5,
    "self_role": 2.0,
    "commitments": 2.5,
    "generic_links": 4.0,
}
OFF_TOPIC_FIT = 0.4  # below this resolution_fit an essay is about another resolution
FULL_FIT = 0.6  # resolution_fit from which the content counts in full
COMPONENT_LABELS = {
    "resolution_fit": "Bám sát nghị quyết đang học",
    "unit_grounding": "Thực tiễn của đơn vị (số liệu, sự việc)",
    "linkage": "Gắn điểm nghị quyết với tình hình đơn vị",
    "self_role": "Liên hệ trách nhiệm bản thân",
    "commitments": "Kế hoạch, cam kết, kiến nghị cụ thể",
    "generic_links": "Có phần liên hệ (dù chung chung)",
}
LEVEL_NAMES = ("không liên hệ", "chung chung", "có liên hệ một phần", "liên hệ sát, cụ thể")

_NUMBER = re.compile(r"\d+(?:[.,/]\d+)*\s*%?")
_YEAR = re.compile(r"(19|20)\d\d")
# Numbers that name a document or its dates, not a fact of the unit: "27-NQ/TW",
# "Luật số 59/2020/QH14", "Nghị định 123/2020/NĐ-CP", "có hiệu lực từ ngày 01/7/2023".
_DOCUMENT_NUMBER = re.compile(
    r"(?:\b\d+(?:/\d{2,4})?[/-][A-ZĐ][\w/-]*"
    r"|\b(?:luật|nghị định|thông tư|quyết định|chỉ thị|quy định|kết luận|nghị quyết|hiến pháp"
    r"|bộ luật|pháp lệnh|hướng dẫn|công văn|kế hoạch)\s+(?:số\s*)?\d[\w/.-]*)"
    r"(?:\s+ngày\s+\d{1,2}\s*[/.-]\s*\d{1,2}\s*[/.-]\s*\d{4})?"
    r"|(?:có hiệu lực|ban hành|thông qua|ký)[^.;]{0,25}?\d[\d/.-]*"
    r"|\b\d+\s+(?:điều|biểu hiện|nhiệm vụ|giải pháp)\s+(?:đảng viên|cấm|không được|suy thoái)",
    re.IGNORECASE,
)
# The writer's own unit set beside national figures ("đơn vị tôi", "xã ta", "chúng tôi").
_OWN_UNIT = re.compile(
    r"\b(chung toi|chung tui|(?:don vi|co quan|xa|phuong|truong|khoa|cong ty|doi|to|chi bo|lang"
    r"|thon|ban|phong|tram|don)\s+(?:toi|tui|ta|minh|chung toi))\b"
)
# A sentence about the country or the Party as a whole cites national, not unit, figures.
_NATIONAL = re.compile(
    r"\b(ca nuoc|toan quoc|tren the gioi|quoc gia|gdp|toan dang|nen kinh te|dat nuoc|trung uong"
    r"|viet nam|nuoc ta|toan dan|dang ta|ca he thong chinh tri|toan nganh|ca nganh)\b"
)
# Names of national bodies and documents: never a name of the writer's unit.
_INSTITUTION = re.compile(
    r"\b(trung uong|bo chinh tri|ban bi thu|ban chap hanh|quoc hoi|chinh phu|dang cong san"
    r"|ho chi minh|viet nam|dai hoi|hoi nghi|nghi quyet|ket luan|chi thi|quy dinh|luat|nghi dinh"
    r"|thong tu|tong bi thu|nha nuoc|mat tran to quoc|cong hoa|thu tuong|bac ho)\b"
)
_WORD = re.compile(r"\w+")
_LIST_MARKER = re.compile(r"^\s*(\d+(\.\d+)*|[a-dđ]|[ivx]+)\s*[.)]\s")
_FIRST_PERSON = re.compile(r"\b(toi|tui|ban than|ca nhan toi|chung toi|chung tui)\b")
_COMMIT = re.compile(
    r"\b(se|phan dau|cam ket|dang ky|chu dong|tiep tuc|quyet tam|trien khai|thuc hien|xay dung"
    r"|hoan thanh|to chuc)\b"
)
_UNIT_CUE = re.compile(
    r"\b(don vi|co quan|dia phuong|nha truong|truong ta|benh vien|cong ty|chi bo|ubnd|uy ban"
    r"|xa ta|toan xa|phong chung toi|khoa chung toi|tai xa|cua xa|tai phong|cua phong)\b"
)
_PROPOSE = re.compile(r"\b(kien nghi|de xuat|de nghi)\b")
# A deadline with a date on it ("trước ngày 15/01", "trong quý II", "học kỳ I"); "hằng năm" is none.
_DEADLINE = re.compile(
    r"\b(truoc|den|trong|tu|cuoi|dau|het)\s+(ngay|thang|quy|nam|tuan|hoc ky|nam hoc)\s*"
    r"(\d|[ivx]+\b)|\b(quy|hoc ky)\s+[ivx]+\b|%"
)


@dataclass(frozen=True)
class Evidence:
    """A sentence behind a component: its text, span in the original essay, and why it counts."""

    text: str
    start: int
    end: int
    reason: str
    weight: float = 1.0


@dataclass(frozen=True)
class RelevanceScore:
    """``score`` 0-100, ``level`` 0-3, ``components`` 0-1, the evidence and what is missing."""

    score: float
    level: int
    components: dict[str, float]
    evidence: dict[str, list[Evidence]] = field(default_factory=dict)
    missing: list[str] = field(default_factory=list)
    written: dict[str, float] = field(default_factory=dict)
    """The components of the text as written, copied parts counted (a copy only)."""

    @property
    def level_name(self) -> str:
        return LEVEL_NAMES[self.level]


@dataclass(frozen=True)
class _View:
    """How an essay compares with the resolution: whole body, each sentence, numbers it cites."""

    body: float
    sentences: np.ndarray
    other: np.ndarray  # each sentence's best cosine with another resolution's profile
    own_ids: int  # times the body names the studied resolution
    other_ids: int  # times it names other resolutions


@dataclass
class _Sentence:
    index: int
    text: str
    credit: float
    facts: list[str]
    unit_context: bool
    about_unit: bool
    linked: bool
    first_person: bool
    commit: bool
    propose: bool
    measurable: bool
    part: str | None
    concrete: float = 1.0  # P(concrete liên hệ) from the sentence model
    generic: float = 0.0  # P(generic liên hệ, fitting any unit)


def _saturate(points: float, scale: float) -> float:
    return 1.0 - math.exp(-points / scale)


def _overlap(start: int, end: int, spans: Sequence[tuple[int, int]]) -> float:
    if end <= start:
        return 0.0
    inside = sum(max(0, min(end, b) - max(start, a)) for a, b in spans)
    return inside / (end - start)


def _text_key(essay: Essay) -> tuple[str, str]:
    return essay.id, hashlib.blake2b(essay.text.encode(), digest_size=12).hexdigest()


def _canonical(number: str) -> str:
    """One spelling per figure: "09/11/2022" and "9/11/2022" are the same date."""
    number = number.strip()
    parts = number.split("/")
    return "/".join(str(int(p)) for p in parts) if all(p.isdigit() for p in parts) else number


def proper_names(text: str) -> list[str]:
    """Runs of two or more capitalised syllables not opening the text ("Nguyễn Văn An")."""
    names, run, last_end = [], [], -1
    for m in _WORD.finditer(text):
        word = m.group()
        joined = run and text[last_end : m.start()].strip() == ""
        titled = word[0].isupper() and not word.isdigit() and not (len(word) > 4 and word.isupper())
        if titled and m.start() > 0:
            run = [*run, word] if joined else [word]
        else:
            if len(run) >= 2:
                names.append(" ".join(run))
            run = []
        last_end = m.end()
    if len(run) >= 2:
        names.append(" ".join(run))
    return names


def _facts(
    body: str,
    folded: str,
    unit_context: bool,
    resolution_numbers: set[str],
    resolution_names: set[str],
    unit_phrases: set[str],
) -> tuple[list[str], list[str], int, int]:
    """The figures and names of a sentence that can be facts of the unit, its numbers that can
    measure a commitment (years included: "trong năm 2025"), and how many figures and names."""
    # National figures, even in the unit's own field, unless the unit is set beside them.
    if _NATIONAL.search(folded) and not _OWN_UNIT.search(folded):
        return [], [], 0, 0
    cleaned = _DOCUMENT_NUMBER.sub(" ", body)
    numbers = [
        n.strip() for n in _NUMBER.findall(cleaned) if _canonical(n) not in resolution_numbers
    ]
    names = [
        n
        for n in proper_names(cleaned)
        if fold(n) not in resolution_names
        and not _INSTITUTION.search(fold(n))
        and not any(p in n.lower() for p in unit_phrases)  # the unit's own name
    ]
    figures = [n for n in numbers if not _YEAR.fullmatch(n)]  # a year alone is no fact
    return list(dict.fromkeys(figures + names)), numbers, len(figures), len(names)


class RelevanceScorer(BaseEstimator):
    """Score essays against a resolution and their units.

    :meth:`fit` learns what is common in the batch and in the resolution (and, given labelled
    levels, the cut points between levels, in ``cutpoints_``); :meth:`score` explains one essay.

    Parameters
    ----------
    model: the :class:`LevelModel` turning components into a score and a level (default: the
        model shipped with the package, fitted on labelled campaigns).
    sentence_model: the :class:`SentenceModel` weighing each sentence by how likely it is
        concrete liên hệ (default: the shipped one).
    cutpoints: scores at which levels 1, 2 and 3 begin (default: the model's).
    shared_credit: credit for sentences shared with another essay of the batch.
    link_similarity: TF-IDF cosine with a resolution sentence that counts as echoing it.
    quote_similarity: above this cosine a sentence is a restatement of the resolution.
    scales: evidence points at which a component reaches 63% (see ``DEFAULT_SCALES``).
    """

    def __init__(
        self,
        model: LevelModel | None = None,
        sentence_model: SentenceModel | None = None,
        cutpoints: tuple[float, float, float] | None = None,
        shared_credit: float = 0.5,
        link_similarity: float = 0.25,
        quote_similarity: float = 0.6,
        scales: dict[str, float] | None = None,
    ) -> None:
        self.model = model
        self.sentence_model = sentence_model
        self.cutpoints = cutpoints
        self.shared_credit = shared_credit
        self.link_similarity = link_similarity
        self.quote_similarity = quote_similarity
        self.scales = scales

    @property
    def model_(self) -> LevelModel:
        return self.model or default_model()

    @property
    def sentence_model_(self) -> SentenceModel:
        return self.sentence_model or default_sentence_model()

    def _cuts(self) -> tuple[float, float, float]:
        fitted = getattr(self, "cutpoints_", None)
        return fitted or self.cutpoints or self.model_.cutpoints

    # -- learning ---------------------------------------------------------------------------
    def fit(
        self,
        essays: Sequence[Essay],
        resolution: Essay,
        levels: Sequence[int] | None = None,
        units: Sequence[Unit] = (),
        profiles: dict[str, CopyProfile] | None = None,
        unit_of: dict[str, Unit] | None = None,
        references: Sequence[Essay] = (),
    ) -> RelevanceScorer:
        """Learn batch statistics; with ``levels``, also the cut points between levels.

        ``references`` (sample essays, last year's essays) are only judged on topic: a copy of
        an essay about another resolution earns nothing from its liên hệ.
        """
        self.scales_ = {**DEFAULT_SCALES, **(self.scales or {})}
        self.resolution_ = resolution
        self._profile_cache: dict[str, list[str]] = {}
        res_sentences = [[w for w in s.words if is_word(w)] for s in resolution.sentences]
        # The title names the studied resolution; its text may cite earlier ones.
        title = [ln for ln in resolution.norm.text.split("\n") if ln.strip()][:2]
        self.resolution_ids_ = set(resolution_ids("\n".join(title)))
        others = _other_resolutions(self.resolution_ids_)
        other_sentences = [[w for w in s.words if is_word(w)] for e in others for s in e.sentences]
        docs = (
            res_sentences
            + other_sentences
            + [[w for w in s.words if is_word(w)] for e in essays for s in e.sentences]
        )
        self.vectorizer_ = TfidfVectorizer(analyzer=segmented, sublinear_tf=True, min_df=1)
        self.vectorizer_.fit(docs or [["_"]])
        self.resolution_matrix_ = self.vectorizer_.transform(res_sentences or [["_"]])
        self.resolution_vector_ = self.vectorizer_.transform(
            [[w for ws in res_sentences for w in ws]]
        )
        # A profile as close to the studied resolution as its own text is that resolution.
        whole = [[w for s in e.sentences for w in s.words] for e in others] or [["_"]]
        closeness = (self.vectorizer_.transform(whole) @ self.resolution_vector_.T).toarray()
        keep = [i for i in range(len(others)) if closeness[i, 0] < 0.35]
        kept = [[w for w in s.words if is_word(w)] for i in keep for s in others[i].sentences]
        self.other_matrix_ = self.vectorizer_.transform(kept or [["_"]])
        self.resolution_words_ = {w for ws in res_sentences for w in ws}
        # "ngày 09 tháng 11 năm 2022" in the resolution is "09/11/2022" in an essay.
        self.resolution_numbers_ = {_canonical(n) for n in _NUMBER.findall(resolution.norm.text)}
        self.resolution_numbers_ |= {
            f"{d.day}/{d.month}/{d.year}" for d in dates_in(resolution.norm.text)
        }
        self.resolution_names_ = {fold(n) for n in proper_names(resolution.norm.text)}
        df: dict[str, int] = {}
        for e in essays:
            for w in {w for s in e.sentences for w in s.words}:
                df[w] = df.get(w, 0) + 1
        common = max(3, int(0.3 * len(essays)))
        self.common_words_ = {w for w, c in df.items() if c >= common}
        # Each body and sentence is compared with the resolution once, here; score() reuses it.
        self._views = self._compare([*essays, *references])
        sims = [self._views[_text_key(e)].body for e in essays]
        self.typical_similarity_ = float(np.median(sims)) if sims else 0.3
        self.off_topic_ = {
            e.id for e in [*essays, *references] if self._resolution_fit(e) < OFF_TOPIC_FIT
        }
        if levels is not None:
            own, written = [], []
            for e in essays:
                profile, unit = (profiles or {}).get(e.id), (unit_of or {}).get(e.id)
                own.append(self._raw(e, profile, unit)[0])
                as_written = self._written(e, profile, unit)
                written.append(own[-1] if as_written is None else as_written)
            self.cutpoints_ = fit_cutpoints(own, list(levels), written)
        return self

    def _written(
        self, essay: Essay, profile: CopyProfile | None, unit: Unit | None
    ) -> float | None:
        """The score of the text as written, copied parts counted, when the essay copied from
        essays on this resolution (a copied liên hệ is then "generic", level 1); else None."""
        written = self._written_components(essay, profile, unit)
        return None if written is None else self.model_.score(gated(written))

    def _written_components(
        self, essay: Essay, profile: CopyProfile | None, unit: Unit | None
    ) -> dict[str, float] | None:
        if profile is None or not (profile.taken or profile.shared):
            return None
        if self.off_topic_.intersection(profile.partners):
            return None
        return self._raw(essay, replace(profile, taken=(), shared=()), unit)[1]

    def _compare(self, essays: Sequence[Essay], chunk: int = 500) -> dict[tuple[str, str], _View]:
        """Cosine of each body, and the best cosine of each sentence, with the resolution (and
        with the other resolutions' profiles), in batches (one vectorizer call per batch)."""
        views = {}
        for lo in range(0, len(essays), chunk):
            part = essays[lo : lo + chunk]
            sentences = [[w for w in s.words if is_word(w)] for e in part for s in e.sentences]
            bodies = [[w for s in e.sentences for w in s.words if is_word(w)] for e in part]
            sims = np.zeros(len(sentences), dtype=np.float32)
            other = np.zeros(len(sentences), dtype=np.float32)
            if sentences:
                m = self.vectorizer_.transform(sentences)
                sims = (m @ self.resolution_matrix_.T).max(axis=1).toarray().ravel()
                other = (m @ self.other_matrix_.T).max(axis=1).toarray().ravel()
            body = (self.vectorizer_.transform(bodies) @ self.resolution_vector_.T).toarray()
            ends = np.cumsum([len(e.sentences) for e in part])
            for e, b, stop in zip(part, body[:, 0], ends, strict=True):
                ids = resolution_ids(e.body)
                own = sum(c for i, c in ids.items() if same_ids({i}, self.resolution_ids_))
                views[_text_key(e)] = _View(
                    float(b),
                    sims[stop - len(e.sentences) : stop].astype(np.float32),
                    other[stop - len(e.sentences) : stop].astype(np.float32),
                    own,
                    sum(ids.values()) - own,
                )
        return views

    def _view(self, essay: Essay) -> _View:
        view = self._views.get(_text_key(essay))
        return view if view is not None else self._compare([essay])[_text_key(essay)]

    # -- scoring ----------------------------------------------------------------------------
    def _profile_words(self, unit: Unit | None) -> set[str]:
        if unit is None or not unit.profile:
            return set()
        if unit.profile not in self._profile_cache:  # one segmentation per unit, not per essay
            self._profile_cache[unit.profile] = segment_words([[unit.profile]])[0][0]
        words = self._profile_cache[unit.profile]
        return {
            w
            for w in words
            if is_word(w)
            and w not in self.resolution_words_
            and w not in self.common_words_
            and not w.isdigit()
            and len(w) > 2
        }

    def _sentences(
        self, essay: Essay, profile: CopyProfile | None, unit: Unit | None
    ) -> list[_Sentence]:
        sents, features = self.sentence_features(essay, profile, unit)
        for s, p in zip(sents, self.sentence_model_.predict(features), strict=True):
            s.concrete, s.generic = float(p[0]), float(p[1])
        return sents

    def sentence_features(
        self, essay: Essay, profile: CopyProfile | None = None, unit: Unit | None = None
    ) -> tuple[list[_Sentence], np.ndarray]:
        """The body sentences that count (headings and date lines left out) and, for each,
        the sentence model's features (columns in ``FEATURES`` order)."""
        text = essay.norm.text
        parts = sentence_parts(essay)
        unit_phrases = unit.distinctive_phrases() if unit else set()
        profile_words = self._profile_words(unit)
        view = self._view(essay)
        res_sim = view.sentences
        out, rows = [], []
        for i, s in enumerate(essay.sentences):
            raw = text[s.start : s.end]
            if is_heading(essay, i) or (len(s.words) <= 12 and date_cell(raw)):
                continue  # a heading, or a header's place-and-date line left in the body
            folded = fold(raw)
            credit = self._credit(s.start, s.end, profile)
            if res_sim[i] >= self.quote_similarity:
                credit = 0.0
            body = _LIST_MARKER.sub("", raw)
            lowered = raw.lower()
            unit_context = bool(
                any(p in lowered for p in unit_phrases) or profile_words & set(s.words)
            )
            facts, numbers, n_figures, n_names = _facts(
                body,
                folded,
                unit_context,
                self.resolution_numbers_,
                self.resolution_names_,
                unit_phrases,
            )
            unit_cue = bool(_UNIT_CUE.search(folded))
            sentence = _Sentence(
                index=i,
                text=raw,
                credit=credit,
                facts=facts,
                unit_context=unit_context,
                about_unit=unit_context or parts[i] == UNIT or unit_cue,
                linked=bool(res_sim[i] >= self.link_similarity or "nghi quyet" in folded),
                first_person=bool(_FIRST_PERSON.search(folded)),
                commit=bool(_COMMIT.search(folded)),
                propose=bool(_PROPOSE.search(folded)) or parts[i] == PROPOSALS,
                measurable=bool(numbers) or bool(_DEADLINE.search(folded)),
                part=parts[i],
            )
            words = [w for w in s.words if is_word(w)] or ["_"]
            values = {
                "figures": min(3, n_figures) / 3,
                "names": min(2, n_names) / 2,
                "unit_named": float(unit_context),
                "unit_cue": float(unit_cue),
                "first_person": float(sentence.first_person),
                "commit": float(sentence.commit),
                "propose": float(bool(_PROPOSE.search(folded))),
                "deadline": float(bool(_DEADLINE.search(folded))),
                "resolution_similarity": float(res_sim[i]),
                "other_resolution_similarity": float(view.other[i]),
                "common_words": sum(w in self.common_words_ for w in words) / len(words),
                "resolution_words": sum(w in self.resolution_words_ for w in words) / len(words),
                "national": float(bool(_NATIONAL.search(folded))),
                "length": math.log1p(len(words)) / 5,
                "part_summary": float(parts[i] == SUMMARY),
                "part_unit": float(parts[i] == UNIT),
                "part_self": float(parts[i] == SELF),
                "part_actions": float(parts[i] == ACTIONS),
                "part_proposals": float(parts[i] == PROPOSALS),
            }
            out.append(sentence)
            rows.append([values[f] for f in FEATURES])
        return out, np.asarray(rows, dtype=float).reshape(len(rows), len(FEATURES))

    def _credit(self, start: int, end: int, profile: CopyProfile | None) -> float:
        """How much of a sentence is the writer's own: quotes, stock phrases and copied text
        earn nothing; text shared with an essay of unknown direction earns ``shared_credit``."""
        if profile is None:
            return 1.0
        own = 1.0 - _overlap(start, end, profile.quoted) - _overlap(start, end, profile.boilerplate)
        if own < 0.35:
            return 0.0
        if _overlap(start, end, profile.taken) >= 0.5 * own:
            return 0.0
        if _overlap(start, end, profile.shared) >= 0.5 * own:
            return self.shared_credit
        return 1.0

    def _raw(
        self, essay: Essay, profile: CopyProfile | None, unit: Unit | None
    ) -> tuple[float, dict[str, float], dict[str, list[Evidence]], list[_Sentence]]:
        sents = self._sentences(essay, profile, unit)
        evidence: dict[str, list[Evidence]] = {c: [] for c in COMPONENTS}
        scales = getattr(self, "scales_", DEFAULT_SCALES)

        def note(component: str, s: _Sentence, reason: str, weight: float) -> None:
            sentence = essay.sentences[s.index]
            a, b = essay.original_span(sentence.start, sentence.end)
            evidence[component].append(Evidence(s.text, a, b, reason, round(weight, 3)))

        # Unit grounding: concrete facts (at most two a sentence) in a sentence about the unit.
        grounding = 0.0
        for s in sents:
            if s.credit and s.about_unit and s.facts:
                w = s.credit * s.concrete * min(2, len(s.facts))
                grounding += w
                note(
                    "unit_grounding", s, "số liệu, sự việc của đơn vị: " + ", ".join(s.facts[:4]), w
                )
        # Linkage: a resolution point and a unit fact in the same sentence or paragraph.
        linkage = 0.0
        by_paragraph: dict[int, list[_Sentence]] = {}
        for s in sents:
            by_paragraph.setdefault(essay.sentences[s.index].paragraph, []).append(s)
        for group in by_paragraph.values():
            linked = any(s.linked and s.credit for s in group)
            concrete = [s for s in group if s.credit and s.facts and s.about_unit]
            if linked and concrete:
                best = max(concrete, key=lambda s: s.credit * s.concrete * (2 if s.linked else 1))
                w = best.credit * best.concrete * (1.0 if best.linked else 0.7)
                linkage += w
                note("linkage", best, "gắn điểm của nghị quyết với thực tế đơn vị", w)
        # The writer's own role: first person with something concrete. A ritual first person
        # ("bản thân tôi luôn xác định…", "tôi xin hứa…") names nothing of the unit and earns
        # nothing.
        self_role = 0.0
        for s in sents:
            if s.credit and s.first_person and (s.facts or s.unit_context):
                self_role += s.credit * s.concrete
                note("self_role", s, "nói về nhiệm vụ, vai trò của bản thân", s.credit * s.concrete)
        # Commitments and proposals: measurable or about the unit; vague promises earn nothing.
        commitments = 0.0
        for s in sents:
            acting = s.part in (ACTIONS, PROPOSALS, SELF) and (s.commit or s.propose)
            concrete = s.measurable or (s.unit_context and bool(s.facts))
            if s.credit and (acting or s.propose) and concrete:
                commitments += s.credit * s.concrete
                kind = "kiến nghị, đề xuất" if s.propose else "cam kết, kế hoạch cụ thể"
                note("commitments", s, kind, s.credit * s.concrete)
        # A liên hệ that is there but generic tells level 1 from level 0, as long as it is not
        # drowned in ritual and restated resolution (whose sentences look generic too).
        generic = sum(s.credit * s.generic for s in sents)
        vague = generic + sum(1.0 - s.concrete - s.generic for s in sents)
        generic_share = generic / vague if vague else 0.0
        fit = self._resolution_fit(essay)
        components = {
            "resolution_fit": round(fit, 3),
            "unit_grounding": round(_saturate(grounding, scales["unit_grounding"]), 3),
            "linkage": round(_saturate(linkage, scales["linkage"]), 3),
            "self_role": round(_saturate(self_role, scales["self_role"]), 3),
            "commitments": round(_saturate(commitments, scales["commitments"]), 3),
            "generic_links": round(_saturate(generic, scales["generic_links"]) * generic_share, 3),
        }
        score = self.model_.score(gated(components))
        for c in evidence:
            evidence[c].sort(key=lambda e: -e.weight)
            evidence[c] = evidence[c][:5]
        return score, components, evidence, sents

    def _resolution_fit(self, essay: Essay) -> float:
        """How far the body is about the studied resolution: its closeness to the resolution
        against the batch's typical essay, and near zero for a body about another resolution.

        Three signs of such a body: more than a fifth of its resolution talk is closer to
        another resolution's profile; it names other resolutions more often than this one; it
        is further from the resolution than most essays. The first with the second, or with the
        third when two or more sentences talk of another resolution, or naming other
        resolutions at least three times and twice as often as this one, decides.
        """
        view = self._view(essay)
        typical = 0.8 * self.typical_similarity_
        content = min(1.0, view.body / typical) if typical else 0.0
        res, other = view.sentences, view.other
        about_this = int(((res >= self.link_similarity) & (res >= other)).sum())
        about_other = int(((other >= self.link_similarity) & (other > res + 0.05)).sum())
        talks_of_other = about_other >= 1 and about_other >= 0.2 * (about_this + about_other)
        names_other = bool(self.resolution_ids_) and view.other_ids > view.own_ids
        mostly_other = names_other and view.other_ids >= max(3, 2 * view.own_ids + 1)
        far = view.body < typical
        if (talks_of_other and (names_other or (far and about_other >= 2))) or mostly_other:
            return 0.05 * content
        return content

    def score(
        self, essay: Essay, profile: CopyProfile | None = None, unit: Unit | None = None
    ) -> RelevanceScore:
        """Score one essay; ``profile`` (from copy detection) removes credit for copied text."""
        score, components, evidence, sents = self._raw(essay, profile, unit)
        missing = _missing(components, sents, profile)
        cuts = self._cuts()
        level = int(np.searchsorted(cuts, score, side="right"))
        written = self._written_components(essay, profile, unit)
        # A liên hệ that is there but not the writer's own is "generic" (level 1), which keeps
        # it apart from an essay with no liên hệ at all.
        if level == 0 and written is not None and self.model_.score(gated(written)) >= cuts[0]:
            score, level = float(cuts[0]), 1
            missing.append("Phần liên hệ có nhưng chép từ bài khác: chỉ được tính mức 1.")
        return RelevanceScore(
            score=round(score, 1),
            level=level,
            components=components,
            evidence={c: v for c, v in evidence.items() if v},
            missing=missing,
            written=written or {},
        )


def gated(components: dict[str, float]) -> dict[str, float]:
    """The content components, each scaled by how far the essay is about the resolution (an
    essay about another resolution earns nothing however well it describes its unit)."""
    gate = min(1.0, components.get("resolution_fit", 0.0) / FULL_FIT)
    return {c: gate * components.get(c, 0.0) for c in CONTENT}


@cache
def _known_resolution_essays() -> tuple[Essay, ...]:
    """The known resolutions' profiles, segmented once per process."""
    docs = [
        Document(f"other_{i}", "resolutions.txt", p.text) for i, p in enumerate(known_resolutions())
    ]
    return tuple(prepare(docs, None, whole=True)) if docs else ()


def _other_resolutions(studied: set[str]) -> list[Essay]:
    """The known resolutions' profiles as essays, the studied one left out by identifier."""
    return [
        e
        for p, e in zip(known_resolutions(), _known_resolution_essays(), strict=True)
        if not same_ids(p.ids, studied)
    ]


def _missing(
    components: dict[str, float], sents: list[_Sentence], profile: CopyProfile | None
) -> list[str]:
    out = []
    if components["resolution_fit"] < OFF_TOPIC_FIT:
        out.append("Bài không bám sát nghị quyết đang học tập (có thể viết về nghị quyết khác).")
    if components["unit_grounding"] < 0.25:
        out.append(
            "Bài chưa liên hệ thực tiễn cơ quan, đơn vị: "
            "chưa nêu số liệu, sự việc cụ thể của đơn vị."
        )
    if components["linkage"] < 0.25:
        out.append("Chưa gắn nội dung nghị quyết với tình hình cụ thể của đơn vị.")
    if components["self_role"] < 0.25:
        out.append("Chưa liên hệ rõ trách nhiệm, nhiệm vụ của bản thân.")
    if components["commitments"] < 0.25:
        out.append("Chưa có kế hoạch hành động cụ thể (việc gì, khi nào, đo bằng gì).")
    if not any(s.propose and s.credit for s in sents):
        out.append("Bài chưa có phần kiến nghị, đề xuất.")
    if sents and sum(s.credit == 0 for s in sents) > 0.6 * len(sents):
        if profile is not None and profile.quote_share > 0.4:
            out.append("Phần lớn bài là trích dẫn nghị quyết, ít nội dung của bản thân.")
        else:
            out.append(
                "Phần lớn nội dung trùng với bài khác hoặc tài liệu mẫu: không được tính điểm."
            )
    return out


def fit_cutpoints(
    scores: Sequence[float], levels: Sequence[int], written: Sequence[float] | None = None
) -> tuple[float, float, float]:
    """Cut points that best reproduce ``levels`` from ``scores`` (quadratic weighted kappa).

    ``written``: each essay's score with copied text counted; an essay whose written score
    reaches level 1 is at least level 1 (see :meth:`RelevanceScorer.score`).
    Every triple on a grid of score midpoints is tried at once with numpy.
    """
    scores = np.asarray(scores, dtype=float)
    floor = np.asarray(scores if written is None else written, dtype=float)
    y = np.asarray(levels, dtype=int)
    n = len(y)
    order = np.sort(np.unique(np.round(scores, 1)))
    candidates = np.unique(np.concatenate([[0.0], (order[1:] + order[:-1]) / 2, [100.0]]))
    grid = candidates if len(candidates) <= 60 else np.quantile(candidates, np.linspace(0, 1, 60))
    g = len(grid)
    i, j, k = np.meshgrid(np.arange(g), np.arange(g), np.arange(g), indexing="ij")
    keep = (i <= j) & (j <= k)
    c1, c2, c3 = grid[i[keep]], grid[j[keep]], grid[k[keep]]  # loop order of the original
    # predicted level of each essay under each triple: how many cut points are <= its score
    pred = (
        (scores[None, :] >= c1[:, None]).astype(np.int8)
        + (scores[None, :] >= c2[:, None])
        + (scores[None, :] >= c3[:, None])
    )
    pred = np.maximum(pred, floor[None, :] >= c1[:, None])
    w = (np.arange(4)[:, None] - np.arange(4)[None, :]) ** 2 / 9.0
    true_hist = np.bincount(y, minlength=4)[:4].astype(float)
    # observed: sum over essays of w[y, pred]; expected: sum_ab w[a, b] * hist_y[a] * hist_p[b] / n
    observed = w[y[None, :], pred].sum(axis=1)
    pred_hist = np.stack([(pred == b).sum(axis=1) for b in range(4)], axis=1).astype(float)
    expected = pred_hist @ (w.T @ true_hist) / n
    with np.errstate(divide="ignore", invalid="ignore"):
        kappa = np.where(expected > 0, 1 - observed / expected, np.nan)
    best, best_k = (20.0, 40.0, 60.0), -2.0
    for idx in range(len(kappa)):  # first triple that beats the best by 1e-9, as before
        if kappa[idx] > best_k + 1e-9:
            best, best_k = (float(c1[idx]), float(c2[idx]), float(c3[idx])), kappa[idx]
    return best


def prepare_resolution(text: str, cache: TokenCache | None = None) -> Essay:
    """The resolution as an ``Essay`` (no header to strip) for scoring against."""
    return prepare([Document("resolution", "resolution", text)], cache, whole=True)[0]
