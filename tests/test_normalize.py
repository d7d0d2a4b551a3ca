import unicodedata

import numpy as np
import pytest

from essaycheck.normalize import fold, normalize


@pytest.mark.parametrize(
    ("old", "new"),
    [("hoà", "hòa"), ("thuỷ", "thủy"), ("khoẻ", "khỏe"), ("Hoà Bình", "Hòa Bình"), ("HOÀ", "HÒA")],
)
def test_old_and_new_tone_placement_compare_equal(old, new):
    assert normalize(old).text == normalize(new).text


@pytest.mark.parametrize("word", ["quý", "hoàn", "thuyền", "khuya", "hoang"])
def test_tone_placement_leaves_other_syllables_alone(word):
    assert normalize(word).text == word


def test_nfd_and_nfc_compare_equal_and_map_back_to_the_original():
    original = unicodedata.normalize("NFD", "Trường THCS Nguyễn Trãi")
    norm = normalize(original)
    assert norm.text == "Trường THCS Nguyễn Trãi"
    start = norm.text.index("Nguyễn")
    a, b = norm.to_original(start, start + len("Nguyễn"))
    assert unicodedata.normalize("NFC", original[a:b]) == "Nguyễn"


def test_invisible_characters_spaces_and_quotes():
    text = "Nghị\u00a0quyết\u200b “số\u00ad 27”  –  đưa \t vào"
    # A tab separates table cells (header tables), so one is kept.
    assert normalize(text).text == 'Nghị quyết "số 27" - đưa\tvào'


def test_line_breaks_kept_and_blank_lines_collapsed():
    assert normalize("a\r\n\r\n\r\n  b\rc\n").text == "a\n\nb\nc"


def test_every_normalised_span_maps_to_the_same_text_in_the_original():
    original = "  Đơn vị:\u00a0Trường  “A”\r\n\r\nHoà bình… thuỷ\u200b lợi  "
    norm = normalize(original)
    for word in ["Đơn vị", "Trường", "bình", "lợi"]:
        i = norm.text.index(word)
        a, b = norm.to_original(i, i + len(word))
        assert normalize(original[a:b]).text == word


def test_fold_strips_diacritics_and_case():
    assert fold("Đơn vị Công tác") == "don vi cong tac"


def test_offsets_are_kept_as_runs_and_point_at_the_right_characters():
    text = "Điều  “hoà”\u200b giải\r\nthôn\t\tTân   Phú " * 50
    norm = normalize(text)
    assert len(norm.starts._breaks) < len(norm.text) / 4  # runs, not one number a character
    starts = norm.starts[np.arange(len(norm.text))]
    ends = norm.ends[np.arange(len(norm.text))]
    for i, ch in enumerate(norm.text):
        if ch.isalnum():  # the tone fix moves marks, so compare without them
            assert fold(text[starts[i] : ends[i]]) == fold(ch), (i, ch)
    assert norm.to_original(0, len(norm.text)) == (0, len(text.rstrip()))
    with pytest.raises(IndexError):
        norm.starts[len(norm.text)]
