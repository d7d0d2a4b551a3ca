"""Legacy Vietnamese 8-bit encodings TCVN3 (ABC) and VNI-Windows <-> Unicode.

Old Word files typed with the ABC or VNI keyboards store Vietnamese as Latin-1 characters that the
fonts ``.VnTime`` (TCVN3) or ``VNI-Times`` (VNI) draw as Vietnamese letters; read as Unicode the
text is mojibake ("Ninh B×nh", "Ninh Bình" -> "Ninh Bình"). The tables below follow the Unikey
converter's tables (TCVN3 = TCVN 5712:1993 VN3; VNI = VNI-Windows).

* TCVN3 has one code per lowercase letter and codes for the seven plain capitals Ă Â Ê Ô Ơ Ư Đ. A
  capital with a tone mark has no code: it is typed as the lowercase code in a capitals font
  (``.VnTimeH``), so ``encode`` writes the lowercase code and ``decode(..., caps=True)`` reads a
  run set in such a font. Typed in the normal font a heading shows "ĐảNG Bộ"; ``decode`` restores
  the capitals of a line whose every other letter is a capital ("ĐẢNG BỘ").
* VNI writes most letters as a base letter followed by a mark character ("aù" = "á", "oà" = "ồ").

Text that Word stored through a symbol-font code page (U+F020-U+F0FF) is folded back to Latin-1.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Literal

Encoding = Literal["tcvn3", "vni"]
ENCODINGS: tuple[Encoding, ...] = ("tcvn3", "vni")

# Tone order used by every row below: none, grave, hook above, tilde, acute, dot below.
_TONE_MARKS = ("", "\u0300", "\u0309", "\u0303", "\u0301", "\u0323")
# Vowels as base + modifier (breve, circumflex, horn).
_VOWELS = {
    "a": "a", "ă": "a\u0306", "â": "a\u0302", "e": "e", "ê": "e\u0302", "i": "i",
    "o": "o", "ô": "o\u0302", "ơ": "o\u031b", "u": "u", "ư": "u\u031b", "y": "y",
}  # fmt: skip


def _letter(vowel: str, tone: int) -> str:
    return unicodedata.normalize("NFC", _VOWELS[vowel] + _TONE_MARKS[tone])


# --- TCVN3 ------------------------------------------------------------------------------------
# Lowercase codes, tones in _TONE_MARKS order (Latin-1 code points = the byte values).
_TCVN3_LOWER = {
    "a": "a\xb5\xb6\xb7\xb8\xb9",
    "ă": "\xa8\xbb\xbc\xbd\xbe\xc6",
    "â": "\xa9\xc7\xc8\xc9\xca\xcb",
    "e": "e\xcc\xce\xcf\xd0\xd1",
    "ê": "\xaa\xd2\xd3\xd4\xd5\xd6",
    "i": "i\xd7\xd8\xdc\xdd\xde",
    "o": "o\xdf\xe1\xe2\xe3\xe4",
    "ô": "\xab\xe5\xe6\xe7\xe8\xe9",
    "ơ": "\xac\xea\xeb\xec\xed\xee",
    "u": "u\xef\xf1\xf2\xf3\xf4",
    "ư": "\xad\xf5\xf6\xf7\xf8\xf9",
    "y": "y\xfa\xfb\xfc\xfd\xfe",
}
_TCVN3_EXTRA = {"đ": "\xae", "Đ": "\xa7", "Ă": "\xa1", "Â": "\xa2", "Ê": "\xa3", "Ô": "\xa4",
                "Ơ": "\xa5", "Ư": "\xa6"}  # fmt: skip

# --- VNI-Windows ------------------------------------------------------------------------------
# Mark characters appended to a base letter (lowercase forms; capitals use the codes 0x20 lower).
_VNI_TONE = ("", "\xf8", "\xfb", "\xf5", "\xf9", "\xef")  # grave ø, hook û, tilde õ, acute ù, dot ï
_VNI_CIRC = ("\xe2", "\xe0", "\xe5", "\xe3", "\xe1", "\xe4")  # â à å ã á ä (circumflex + tone)
_VNI_BREVE = ("\xea", "\xe8", "\xfa", "\xfc", "\xe9", "\xeb")  # ê è ú ü é ë (breve + tone)
_VNI_I = ("i", "\xec", "\xe6", "\xf3", "\xed", "\xf2")  # i ì æ ó í ò
_VNI_BASES = {"a": "a", "ă": "a", "â": "a", "e": "e", "ê": "e", "o": "o", "ô": "o",
              "ơ": "\xf4", "u": "u", "ư": "\xf6", "y": "y"}  # fmt: skip
_VNI_MARKS = {"ă": _VNI_BREVE, "â": _VNI_CIRC, "ê": _VNI_CIRC, "ô": _VNI_CIRC}


def _vni_lower(vowel: str, tone: int) -> str:
    if vowel == "i":
        return _VNI_I[tone]
    if vowel == "y" and tone == 5:
        return "\xee"  # ỵ has its own code
    return _VNI_BASES[vowel] + _VNI_MARKS.get(vowel, _VNI_TONE)[tone]


def _upper_code(code: str) -> str:
    """The capital form of a legacy code: ASCII upper-cased, Latin-1 codes 0xE0-0xFE -> -0x20."""
    return "".join(chr(ord(c) - 0x20) if 0xE0 <= ord(c) <= 0xFE else c.upper() for c in code)


def _build() -> tuple[dict[str, str], dict[str, str], dict[str, str], dict[str, str]]:
    """Unicode->legacy and legacy->Unicode tables for both encodings."""
    to_tcvn3: dict[str, str] = {}
    to_vni: dict[str, str] = {}
    for vowel in _VOWELS:
        for tone in range(6):
            lower = _letter(vowel, tone)
            upper = lower.upper()
            code = _TCVN3_LOWER[vowel][tone]
            to_tcvn3[lower] = code
            to_tcvn3[upper] = _TCVN3_EXTRA.get(upper, code if tone else upper)
            vni = _vni_lower(vowel, tone)
            to_vni[lower] = vni
            to_vni[upper] = _upper_code(vni)
    to_tcvn3["đ"], to_tcvn3["Đ"] = _TCVN3_EXTRA["đ"], _TCVN3_EXTRA["Đ"]
    to_vni["đ"], to_vni["Đ"] = "\xf1", "\xd1"
    # Decoding tables: ASCII letters map to themselves and are left out.
    from_tcvn3 = {code: letter for letter, code in to_tcvn3.items()
                  if letter.islower() or letter in _TCVN3_EXTRA}  # fmt: skip
    from_vni = {code: letter for letter, code in to_vni.items() if code != letter}
    # A capital base with a lowercase mark ("Aù") is still read as the capital letter.
    for letter, code in list(to_vni.items()):
        if letter.isupper() and len(code) == 2:
            from_vni.setdefault(code[0] + to_vni[letter.lower()][1], letter)
    return to_tcvn3, to_vni, from_tcvn3, from_vni


_TO_TCVN3, _TO_VNI, _FROM_TCVN3, _FROM_VNI = _build()

#: The 134 precomposed Vietnamese letters (lowercase and capital) outside plain ASCII.
VIETNAMESE_LETTERS: frozenset[str] = frozenset(letter for letter in _TO_VNI if not letter.isascii())
_TCVN3_RE = re.compile("|".join(sorted(map(re.escape, _FROM_TCVN3), key=len, reverse=True)))
_VNI_RE = re.compile("|".join(sorted(map(re.escape, _FROM_VNI), key=len, reverse=True)))


# Lowercase letters whose capital has no TCVN3 code of its own (the letters with a tone mark).
_NO_TCVN3_CAPITAL = frozenset(
    letter
    for letter in VIETNAMESE_LETTERS
    if letter.islower() and _TO_TCVN3[letter.upper()] == _TO_TCVN3[letter]
)


def _restore_capitals(line: str) -> str:
    """Upper-case a line written in capitals whose toned letters TCVN3 could only write small."""
    letters = [c for c in line if c.isalpha()]
    capitals = sum(c.isupper() for c in letters)
    if capitals < 2 or not all(c.isupper() or c in _NO_TCVN3_CAPITAL for c in letters):
        return line
    return line.upper()


def _check(encoding: str) -> Encoding:
    if encoding not in ENCODINGS:
        raise ValueError(f"unknown legacy encoding {encoding!r}; expected one of {ENCODINGS}")
    return encoding  # type: ignore[return-value]


def _fold_symbol_range(text: str) -> str:
    """Map U+F020-U+F0FF (Word's symbol-font code points) back to Latin-1."""
    if not any("\uf020" <= c <= "\uf0ff" for c in text):
        return text
    return "".join(chr(ord(c) - 0xF000) if "\uf020" <= c <= "\uf0ff" else c for c in text)


def decode(text: str, encoding: str, *, caps: bool = False) -> str:
    """Convert ``text`` typed in a TCVN3 or VNI font to Unicode (NFC).

    ``caps=True`` reads text set in a TCVN3 capitals font (``.VnTimeH``): every letter is a
    capital there. Otherwise a TCVN3 line in capitals but for its toned letters, which TCVN3 can
    only write small, is upper-cased. Characters that are not legacy codes are kept as they are.
    """
    enc = _check(encoding)
    text = _fold_symbol_range(text)
    if enc == "tcvn3":
        out = _TCVN3_RE.sub(lambda m: _FROM_TCVN3[m.group()], text)
        if not caps:
            out = "\n".join(_restore_capitals(line) for line in out.split("\n"))
    else:
        out = _VNI_RE.sub(lambda m: _FROM_VNI[m.group()], text)
    if caps:
        out = out.upper()
    return unicodedata.normalize("NFC", out)


def encode(text: str, encoding: str) -> str:
    """Convert Unicode ``text`` to what a TCVN3 or VNI font shows as that text.

    The result is a ``str`` of Latin-1 characters (the font's byte values), as Word stores it.
    In TCVN3 a capital with a tone mark becomes the lowercase code (see the module notes).
    """
    enc = _check(encoding)
    table = _TO_TCVN3 if enc == "tcvn3" else _TO_VNI
    text = unicodedata.normalize("NFC", text)
    return "".join(table.get(c, c) for c in text)


# --- detection ------------------------------------------------------------------------------------
_WORD_RE = re.compile(r"[^\s\d.,;:!?()\[\]{}\"'“”‘’/\\|<>=+*&%$#@^~`_-]+")
# TCVN3 codes that are neither Vietnamese letters in Unicode nor VNI codes.
_TCVN3_ONLY = frozenset("¡¢£¤¥¦§¨©ª«¬\xad®µ¶·¸¹»¼½¾ÇÐ×Þßç÷þ")
# VNI sequences that never occur in Unicode Vietnamese.
_VNI_SIGNAL_RE = re.compile(
    "[aeiouyAEIOUYôÔöÖ][ùøûõïÙØÛÕÏ]|[aeAE][âáàåãäÂÁÀÅÃÄ]|[oO][âåäÂÅÄ]|[aA][êéèúüëÊÉÈÚÜË]|[ñÑöÖ]"
)


_TONES = "\u0300\u0301\u0303\u0309\u0323"
_SYLLABLE_RE = re.compile(
    "(?:ngh|ng|nh|ch|gh|gi|kh|ph|qu|th|tr|[bcdđghklmnprstvx])?"
    "(?:iêu|yêu|oai|oay|oao|oeo|uây|uôi|ươi|ươu|uya|uyê|uyu"
    "|ai|ao|au|ay|âu|ây|eo|êu|ia|iê|iu|oa|oă|oe|oi|ôi|ơi|oo|ua|uâ|uê|ui|uô|uơ|uy|ưa|ưi|ươ|ưu|yê"
    "|[aăâeêioôơuưy])"
    "(?:ch|ng|nh|[cmnpt])?"
)


def has_unicode_vietnamese(text: str) -> bool:
    """Whether ``text`` holds Vietnamese letters no legacy font code can produce (ạ, ư, đ, ế …).

    Such text is already Unicode even if its font is a legacy one (converted, font not changed).
    """
    return any(ord(c) > 0xFF and c in VIETNAMESE_LETTERS for c in text)


def _is_syllable(word: str) -> bool:
    """Whether ``word`` is one Vietnamese syllable (Unicode, any case, at most one tone mark)."""
    nfd = unicodedata.normalize("NFD", word.lower())
    if sum(nfd.count(t) for t in _TONES) > 1:
        return False
    bare = unicodedata.normalize("NFC", "".join(c for c in nfd if c not in _TONES))
    return _SYLLABLE_RE.fullmatch(bare) is not None


def looks_like(text: str) -> Encoding | None:
    """Return ``"tcvn3"`` or ``"vni"`` if ``text`` is clearly mojibake of that encoding, else None.

    Conservative: text with Unicode Vietnamese letters beyond Latin-1 (ạ, ư, đ, ế …) gives None;
    otherwise the encoding needs at least three tell-tale words, clearly more than the other one,
    and decoding must turn at least 80% of the words it changes into Vietnamese syllables.
    """
    words = [w for w in _WORD_RE.findall(_fold_symbol_range(text)) if not w.isascii()]
    if not words:
        return None
    native = sum(1 for w in words if has_unicode_vietnamese(w))
    if native > 0.05 * len(words):
        return None
    scores = {
        "tcvn3": sum(1 for w in words if len(w) > 1 and any(c in _TCVN3_ONLY for c in w)),
        "vni": sum(1 for w in words if _VNI_SIGNAL_RE.search(w)),
    }
    best: Encoding = max(ENCODINGS, key=lambda e: scores[e])
    other = scores["vni" if best == "tcvn3" else "tcvn3"]
    if scores[best] < 3 or scores[best] < 0.3 * len(words) or scores[best] < 2 * other:
        return None
    changed = [d for w in words if (d := decode(w, best)) != w]
    good = sum(1 for d in changed if _is_syllable(d))
    return best if good >= 3 and good >= 0.8 * len(changed) else None
