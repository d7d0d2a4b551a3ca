"""Learn the genre's formulas from the training campaigns: ``essaycheck/genre_phrases.txt``.

    python scripts/learn_genre_phrases.py

A run of syllables that writers of *different* campaigns (other resolutions, other units, other
hands) all use is a formula of the genre — closing formulas, slogans, Hồ Chí Minh's words, the
usual sentences on a resolution's importance — never evidence that one essay copied another.
Here: every 6-syllable run without a figure found in the essays of at least two training
campaigns and in at least four essays; overlapping runs of one essay merged into phrases. Only
original essays are read: copies and references ("bài mẫu") are left out, so that a template
and its fill-ins stay a copy. The test
campaigns (data/campaigns/README.md) and ../shared/campaigns are never read.
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

from essaycheck.campaigns import load_campaign
from essaycheck.essay import prepare
from essaycheck.readers import read_batch
from essaycheck.tokenize import syllables

ROOT = Path(__file__).resolve().parent.parent
TRAIN = [ROOT / "data" / "samples"] + [
    ROOT / "data" / "campaigns" / n for n in ("nqtw4_xii", "qd08_2022", "dh13_2021", "ct05_2016")
]
N, MIN_CAMPAIGNS, MIN_ESSAYS, MIN_PHRASE = 6, 2, 4, 6
OUT = ROOT / "essaycheck" / "genre_phrases.txt"


def body_syllables(essay) -> list[str]:
    start, end = essay.layout.body_start, essay.layout.body_end
    return [s.lower() for s in syllables(essay.norm.text[start:end])[0]]


def main() -> None:
    essays: list[tuple[str, list[str]]] = []
    for path in TRAIN:
        campaign = load_campaign(path)
        documents, _ = read_batch([campaign.batch])
        originals = set(campaign.levels.id)  # copies repeat their source's text
        essays += [
            (campaign.name, body_syllables(e)) for e in prepare(documents) if e.id in originals
        ]
    where: dict[tuple[str, ...], set[tuple[str, int]]] = defaultdict(set)
    for n, (name, words) in enumerate(essays):
        for i in range(len(words) - N + 1):
            gram = tuple(words[i : i + N])
            if all(w.isalpha() for w in gram):
                where[gram].add((name, n))
    common = {
        g for g, seen in where.items()
        if len({c for c, _ in seen}) >= MIN_CAMPAIGNS and len(seen) >= MIN_ESSAYS
    }  # fmt: skip
    phrases: set[str] = set()
    for _, words in essays:
        i = 0
        while i <= len(words) - N:
            if tuple(words[i : i + N]) not in common:
                i += 1
                continue
            j = i
            while j + 1 <= len(words) - N and tuple(words[j + 1 : j + 1 + N]) in common:
                j += 1
            phrases.add(" ".join(words[i : j + N]))
            i = j + 1
    kept = sorted(p for p in phrases if len(p.split()) >= MIN_PHRASE)
    header = [
        "# Formulas of the genre, learned by scripts/learn_genre_phrases.py: runs of syllables",
        f"# the essays of at least {MIN_CAMPAIGNS} training campaigns (other resolutions, units",
        f"# and hands) share, in at least {MIN_ESSAYS} essays. Trained on: "
        + ", ".join(p.name for p in TRAIN) + ".",
        "# Never evidence of copying (boilerplate.py). Do not edit by hand: re-run the script.",
    ]
    OUT.write_text("\n".join(header + kept) + "\n", encoding="utf-8")
    print(f"{len(kept)} phrases from {len(common)} shared {N}-syllable runs -> {OUT}")


if __name__ == "__main__":
    main()
