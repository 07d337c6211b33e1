"""Pure image functions of the OCR reader, on synthetic images built in the test."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
from PIL import Image, ImageDraw

from extractors.layout.types import Box, Rule
from extractors.ocr.glyphs import is_bullet, mark_bullets, split_run_together, trimmed
from extractors.ocr.image import (
    binarise,
    estimate_skew,
    find_rules,
    ink_regions,
    otsu_threshold,
    speck_mask,
)
from extractors.ocr.marks import box_glyph, drop_flat_words, drop_noise, fit_to_ink, mark_tick_boxes, stray_marks
from extractors.ocr.slips import drop_stray_stops, fix_citations, fix_slips, settle_quotes
from extractors.ocr.words import (
    EMPTY,
    TICKED,
    OcrWord,
    drop_unsure_punctuation,
    fix_email,
    fold_accents,
    normalise_words,
    split_glued_punctuation,
)


def text_like_page(width: int = 900, height: int = 1200) -> Image.Image:
    """White page with rows of word-like dark bars, like lines of print."""
    page = Image.new("L", (width, height), 255)
    draw = ImageDraw.Draw(page)
    rng = np.random.default_rng(7)
    for top in range(80, height - 80, 30):
        x = 80
        while x < width - 150:
            length = int(rng.integers(25, 90))
            draw.rectangle((x, top, x + length, top + 10), fill=0)
            x += length + int(rng.integers(8, 16))
    return page


def ink_of(image: Image.Image) -> np.ndarray:
    return binarise(np.asarray(image))


def test_estimate_skew_finds_counter_clockwise_rotation_within_a_tenth_of_a_degree() -> None:
    rotated = text_like_page().rotate(2.0, fillcolor=255, resample=Image.Resampling.BICUBIC)

    assert abs(estimate_skew(ink_of(rotated)) - 2.0) <= 0.1


def test_estimate_skew_finds_clockwise_rotation_within_a_tenth_of_a_degree() -> None:
    rotated = text_like_page().rotate(-1.34, fillcolor=255, resample=Image.Resampling.BICUBIC)

    assert abs(estimate_skew(ink_of(rotated)) - -1.34) <= 0.1


def test_estimate_skew_of_a_level_page_is_zero() -> None:
    assert estimate_skew(ink_of(text_like_page())) == 0.0


def test_estimate_skew_of_a_blank_page_is_zero() -> None:
    assert estimate_skew(np.zeros((400, 300), dtype=bool)) == 0.0


def test_otsu_threshold_separates_ink_from_paper() -> None:
    gray = np.full((100, 100), 230, dtype=np.uint8)
    gray[40:60, 10:90] = 30

    level = otsu_threshold(gray)

    assert 30 <= level < 230
    assert int(binarise(gray).sum()) == 20 * 80


def grid_image() -> np.ndarray:
    """A 3-row x 2-column ruled table, text-like bars in its cells, a pen stroke."""
    ink = np.zeros((400, 600), dtype=bool)
    for y in (50, 120, 190, 260):
        ink[y, 40:561] = True
    for x in (40, 250, 560):
        ink[50:261, x] = True
    # "Text" inside cells: short bars with gaps, never a long run.
    for top in (70, 140, 210):
        for x in range(60, 230, 14):
            ink[top : top + 10, x : x + 9] = True
    # A stroke of handwriting below the table: tall, but meets no horizontal rule.
    ink[300:350, 400:402] = True
    return ink


def test_find_rules_returns_the_grid_of_a_ruled_table_and_nothing_else() -> None:
    rules = find_rules(grid_image(), min_horizontal=100, min_vertical=30)

    assert rules == (
        Rule(40.0, 50.0, 561.0, 50.0),
        Rule(40.0, 120.0, 561.0, 120.0),
        Rule(40.0, 190.0, 561.0, 190.0),
        Rule(40.0, 260.0, 561.0, 260.0),
        Rule(40.0, 50.0, 40.0, 261.0),
        Rule(250.0, 50.0, 250.0, 261.0),
        Rule(560.0, 50.0, 560.0, 261.0),
    )


def test_find_rules_bridges_scanner_dropouts_in_a_line() -> None:
    ink = np.zeros((100, 400), dtype=bool)
    ink[50, 20:380] = True
    ink[50, 100:102] = False  # a two-pixel dropout
    ink[51, 200:380] = True  # the line steps down a pixel (residual skew)

    assert find_rules(ink, min_horizontal=100) == (Rule(20.0, 50.0, 380.0, 51.0),)


def test_ink_regions_returns_one_box_per_separate_blob() -> None:
    ink = np.zeros((200, 300), dtype=bool)
    ink[10:30, 10:60] = True
    ink[100:150, 200:205] = True
    ink[100:104, 205:260] = True  # touches the stroke above: same region

    assert sorted(ink_regions(ink, cell=4), key=lambda b: b.top) == [
        Box(10.0, 10.0, 60.0, 30.0),
        Box(200.0, 100.0, 260.0, 150.0),
    ]


def square(ticked: bool, size: int = 14) -> np.ndarray:
    patch = np.zeros((size + 4, size + 4), dtype=bool)
    patch[2, 2 : size + 2] = patch[size + 1, 2 : size + 2] = True
    patch[2 : size + 2, 2] = patch[2 : size + 2, size + 1] = True
    if ticked:
        for i in range(size):
            patch[2 + i, 2 + i] = patch[2 + i, size + 1 - i] = True
    return patch


def test_box_glyph_reads_a_crossed_square_as_ticked() -> None:
    assert box_glyph(square(ticked=True)) == TICKED


def test_box_glyph_reads_an_empty_square_as_empty() -> None:
    assert box_glyph(square(ticked=False)) == EMPTY


def test_box_glyph_does_not_take_a_letter_o_for_a_box() -> None:
    image = Image.new("L", (20, 20), 255)
    ImageDraw.Draw(image).ellipse((2, 2, 17, 17), outline=0, width=2)

    assert box_glyph(ink_of(image)) is None


def word(text: str, conf: float, left: int = 0, top: int = 0, height: int = 20) -> OcrWord:
    return OcrWord(text, conf, left, top, 10 * len(text), height, (1, 1, 1))


def test_drop_noise_drops_specks_and_handwriting_garbage_but_keeps_words() -> None:
    words = [
        word("Signature", 95),
        word("Name", 92, top=40),
        word(":", 23, left=300, height=3),
        word("poser,", 5, left=420, top=10, height=60),
        word("3).", 18, left=100, top=80),
        word(TICKED, 90, left=200, top=80),
    ]
    signature = Box(400.0, 0.0, 700.0, 90.0)

    kept = drop_noise(words, [signature])

    assert [w.text for w in kept] == ["Signature", "Name", "3).", TICKED]


def test_fix_email_reads_a_bar_as_the_letter_l_only_in_an_address() -> None:
    assert fix_email("|.innes@angus.council.example") == "l.innes@angus.council.example"
    assert fix_email("\\.innes@angus.council.example") == "l.innes@angus.council.example"
    assert fix_email("|mprove") == "|mprove"
    assert fix_email("a|b") == "a|b"


def test_fold_accents_folds_stray_accents_on_english_words_only() -> None:
    assert fold_accents("fairér") == "fairer"
    assert fold_accents("héalth,") == "health,"
    assert fold_accents("Fàs") == "Fàs"  # Gaelic grave accent kept
    assert fold_accents("Straße") == "Straße"
    assert fold_accents("£1,200") == "£1,200"
    assert fold_accents("people’s") == "people’s"


def test_normalise_words_splits_a_quote_glued_between_letter_and_digit() -> None:
    word = OcrWord("recommendation’8.", 60.0, 100, 50, 170, 16, (1, 1, 1))

    first, second = normalise_words([word])

    assert (first.text, second.text) == ("recommendation", "8.")
    assert first.left == 100 and first.right <= second.left and second.right <= 270
    assert [w.text for w in normalise_words([replace(word, text="1990’s")])] == ["1990’s"]


def test_drop_noise_keeps_a_confident_dash_but_not_a_speck() -> None:
    words = [
        OcrWord("care.", 95.0, 10, 10, 50, 16, (1, 1, 1)),
        OcrWord("-", 88.0, 66, 18, 6, 2, (1, 1, 1)),
        OcrWord("R2", 95.0, 80, 10, 20, 16, (1, 1, 1)),
        OcrWord("-", 40.0, 120, 18, 2, 2, (1, 1, 1)),
    ]

    assert [w.text for w in drop_noise(words, [])] == ["care.", "-", "R2"]


def test_fit_to_ink_cuts_a_word_box_back_to_its_own_rows_of_ink() -> None:
    ink = np.zeros((80, 120), dtype=bool)
    ink[20:35, 10:90] = True  # the word
    ink[48:50, 85:88] = True  # a speck below it, inside Tesseract's box
    (fitted,) = fit_to_ink([OcrWord("Provided", 66.0, 10, 20, 80, 32, (1, 1, 1))], ink)

    assert (fitted.top, fitted.bottom) == (20, 35)


def test_stray_marks_finds_the_unread_list_number_left_of_a_line() -> None:
    ink = np.zeros((200, 400), dtype=bool)
    words = []
    for k, top in enumerate((20, 44, 68)):
        ink[top : top + 14, 60:200] = True
        words.append(OcrWord("text", 95.0, 60, top, 140, 14, (1, 1, k + 1)))
    ink[44:58, 25:33] = True  # "2." in the number column, not read
    ink[100:102, 30:32] = True  # dust

    marks = stray_marks(ink, words)

    assert [(m.x0, m.top, line) for m, line in marks] == [(25.0, 44.0, (1, 1, 2))]


def test_speck_mask_removes_isolated_specks_but_keeps_a_full_stop_by_its_letter() -> None:
    ink = np.zeros((40, 60), dtype=bool)
    ink[10, 10] = True  # a lone speck
    ink[5, 50] = ink[6, 51] = True  # a two-pixel speck, diagonal
    ink[20:30, 20:23] = True  # a letter's stroke
    ink[28:30, 24:26] = True  # a 2 x 2 full stop a pixel from it
    ink[20, 30] = ink[20, 33] = True  # two pixels close together: only the touch test

    mask = speck_mask(ink, 150.0)

    assert np.argwhere(mask & ink).tolist() == [[5, 50], [6, 51], [10, 10], [20, 30], [20, 33]]
    assert mask[8:13, 8:13].all() and not mask[7, 10] and not mask[10, 13]  # white halo
    assert not mask[20:30, 20:26].any()


def test_speck_mask_keeps_a_full_stop_alone_and_scales_with_dpi() -> None:
    ink = np.zeros((40, 40), dtype=bool)
    ink[10:12, 10:12] = True  # four pixels: a full stop at 150 dpi, a speck at 300
    ink[30, 30] = True

    assert np.argwhere(speck_mask(ink, 150.0) & ink).tolist() == [[30, 30]]
    assert np.argwhere(speck_mask(ink, 300.0) & ink).tolist() == [[10, 10], [10, 11], [11, 10], [11, 11], [30, 30]]
    assert not speck_mask(np.zeros((0, 0), dtype=bool), 150.0).any()


def test_split_glued_punctuation_splits_a_speck_between_lower_case_letters() -> None:
    word = OcrWord("policy.and", 90.0, 100, 50, 100, 16, (1, 1, 1))

    first, second = split_glued_punctuation(word)

    assert (first.text, first.left, first.width) == ("policy", 100, 60)
    assert (second.text, second.left, second.width) == ("and", 170, 30)
    assert [w.text for w in split_glued_punctuation(replace(word, text="groups,and;so"))] == [
        "groups",
        "and",
        "so",
    ]
    for kept in ("e.g.", "i.e.the", "jo.bloggs@x.org", "www.site.org.uk", "Islands.Befriending", "care."):
        assert [w.text for w in split_glued_punctuation(replace(word, text=kept))] == [kept]


def test_drop_unsure_punctuation_drops_a_lone_unsure_mark_between_words() -> None:
    def word(text: str, left: int, conf: float = 90.0) -> OcrWord:
        return OcrWord(text, conf, left, 50, 10, 16, (1, 1, 1))

    words = [
        word(",", 0, 20.0),  # starts the line: kept
        word("Recs", 20),
        word("_", 40, 20.0),
        word("4", 60),
        word("-", 80, 20.0),
        word("&", 100, 20.0),
        word(".", 120, 95.0),
        word("x", 140),
        word(",", 160, 10.0),  # ends the line: kept
    ]

    assert [w.text for w in drop_unsure_punctuation(words)] == [",", "Recs", "4", "-", "&", ".", "x", ","]


def test_normalise_words_splits_glued_punctuation_and_drops_unsure_marks() -> None:
    words = [
        OcrWord("policy.and", 90.0, 0, 50, 100, 16, (1, 1, 1)),
        OcrWord("’", 30.0, 110, 50, 5, 16, (1, 1, 1)),
        OcrWord("héalth", 90.0, 120, 50, 60, 16, (1, 1, 1)),
    ]

    assert [w.text for w in normalise_words(words)] == ["policy", "and", "health"]


def test_misread_bullets_at_line_starts_are_restored() -> None:
    from extractors.ocr.words import OcrWord, restore_bullets

    def w(text: str, left: int, line: int) -> OcrWord:
        return OcrWord(text=text, conf=40, left=left, top=line * 30, width=10, height=12, line=(1, 1, line))

    words = [w("¢", 10, 1), w("Develop", 30, 1), w("services", 90, 1),
             w("e", 10, 2), w("Reduce", 30, 2),
             w("e", 10, 3), w("waiting", 30, 3),  # next word lower case: not a bullet
             w("Our", 10, 4), w("©", 50, 4), w("Staff", 70, 4)]  # not the first word
    assert [x.text for x in restore_bullets(words)] == [
        "•", "Develop", "services", "•", "Reduce", "e", "waiting", "Our", "©", "Staff"]


# --- glyph shapes: bullets, dashes, "A rapid" (extractors.ocr.glyphs) -------------------


def glyph_ink(draw: str, size: int = 12) -> np.ndarray:
    """One glyph-sized shape drawn on white: "disc", "ring", "bar"."""
    image = Image.new("L", (size, size), 255)
    pen = ImageDraw.Draw(image)
    if draw == "disc":
        pen.ellipse((1, 1, size - 2, size - 2), fill=0)
    elif draw == "ring":
        pen.ellipse((1, 1, size - 2, size - 2), outline=0, width=2)
    else:
        pen.rectangle((0, size // 2 - 1, size - 1, size // 2), fill=0)
    return ink_of(image)


def test_a_solid_blob_is_a_bullet_but_a_ring_or_a_bar_is_not() -> None:
    assert is_bullet(trimmed(glyph_ink("disc")), typical=22.0)
    assert not is_bullet(trimmed(glyph_ink("ring")), typical=22.0)  # "o", "e", "0" have holes
    assert not is_bullet(trimmed(glyph_ink("bar")), typical=22.0)
    assert not is_bullet(trimmed(glyph_ink("disc", size=20)), typical=22.0)  # letter-sized


def line_words(texts: list[tuple[str, int, int]], top: int = 10, conf: float = 95.0) -> list[OcrWord]:
    return [OcrWord(t, conf, left, top, width, 20, (1, 1, 1)) for t, left, width in texts]


def test_misread_bullet_before_a_word_becomes_a_bullet_and_a_missed_one_is_added() -> None:
    ink = np.zeros((80, 400), dtype=bool)
    ink[15:25, 10:20] = True  # a bullet Tesseract read as "¢"
    ink[10:30, 40:140] = True  # "Develop"
    ink[55:65, 10:20] = True  # a bullet Tesseract did not read at all
    ink[50:70, 40:140] = True  # "Reduce"
    words = [
        OcrWord("¢", 57.0, 10, 15, 10, 10, (1, 1, 1)),
        OcrWord("Develop", 96.0, 40, 10, 100, 20, (1, 1, 1)),
        OcrWord("Reduce", 96.0, 40, 50, 100, 20, (1, 1, 2)),
    ]

    marked = mark_bullets(words, ink)

    assert sorted((w.text, w.left, w.top) for w in marked) == [
        ("Develop", 40, 10), ("Reduce", 40, 50), ("•", 10, 15), ("•", 10, 55)]


def test_a_short_word_of_letters_is_not_taken_for_a_bullet() -> None:
    ink = np.zeros((40, 300), dtype=bool)
    ink[18:30, 10:22] = glyph_ink("ring")  # "and": its "a" has a hole
    ink[18:30, 24:40] = True
    ink[10:30, 50:130] = True  # "health"
    words = line_words([("and", 10, 30), ("health", 50, 80)])

    assert [w.text for w in mark_bullets(words, ink)] == ["and", "health"]


def test_a_dash_keeps_its_whole_stroke_and_a_dash_over_a_blob_goes() -> None:
    ink = np.zeros((40, 300), dtype=bool)
    ink[10:30, 10:60] = True  # "staff."
    ink[19:21, 66:72] = True  # "-": Tesseract boxed only its 2 x 2 corner
    ink[10:30, 80:110] = True  # "R7"
    ink[12:28, 150:160] = True  # a tall smudge read as "-"
    ink[10:30, 170:200] = True  # "R8"
    words = [
        *line_words([("staff.", 10, 50)]),
        OcrWord("-", 81.0, 70, 19, 2, 2, (1, 1, 1)),
        *line_words([("R7", 80, 30)]),
        OcrWord("-", 70.0, 150, 12, 10, 16, (1, 1, 1)),
        *line_words([("R8", 170, 30)]),
    ]

    marked = mark_bullets(words, ink)

    assert [(w.text, w.left, w.width) for w in marked] == [
        ("staff.", 10, 50), ("-", 66, 6), ("R7", 80, 30), ("R8", 170, 30)]


def test_an_article_run_into_the_next_word_is_split_at_the_word_space() -> None:
    ink = np.zeros((30, 400), dtype=bool)
    ink[5:25, 10:22] = True  # "A"
    for x in range(31, 110, 14):  # "rapid": letters 12 wide, 2 apart; a 9-pixel space after the "A"
        ink[5:25, x : x + 12] = True
    ink[5:25, 119:200] = True  # "response"
    words = line_words([("Arapid", 10, 100), ("response", 119, 81)])
    words.append(OcrWord("team", 95.0, 209, 10, 50, 20, (1, 1, 1)))
    ink[5:25, 209:259] = True

    split = split_run_together(words, ink)

    assert [(w.text, w.left) for w in split] == [("A", 10), ("rapid", 31), ("response", 119), ("team", 209)]
    assert [w.text for w in split_run_together([replace(words[0], text="Assessment")], ink)] == ["Assessment"]


def test_letters_lower_than_any_letter_are_specks_in_a_row() -> None:
    words = [*line_words([("Strengths", 10, 90), ("for", 110, 30)]), OcrWord("es", 80.0, 200, 15, 20, 4, (1, 1, 1))]

    assert [w.text for w in drop_flat_words(words)] == ["Strengths", "for"]


# --- slips the words around them give away (extractors.ocr.slips) ------------------------


def texts(words: list[OcrWord]) -> list[str]:
    return [w.text for w in words]


def test_curly_quotes_are_made_straight_when_the_page_types_straight_ones() -> None:
    page = line_words([("people's", 10, 80), ("‘very", 100, 50), ("good’", 160, 50), ("carer's", 220, 70)])
    assert texts(settle_quotes(page)) == ["people's", "'very", "good'", "carer's"]

    curly = line_words([("people’s", 10, 80), ("'very", 100, 50), ("carer’s", 220, 70)])
    assert texts(settle_quotes(curly)) == ["people’s", "'very", "carer’s"]


def test_citation_digits_read_as_letters_are_put_back() -> None:
    words = line_words([("(R4,", 10, 40), ("RS).", 60, 40), ("(Rees", 110, 50), ("6,", 170, 20),
                        ("10)", 200, 30), ("Recs", 240, 40), ("1,", 290, 20), ("2,5", 320, 30)])

    assert texts(fix_citations(words)) == ["(R4,", "R5).", "(Recs", "6,", "10)", "Recs", "1,", "2,", "5"]
    assert texts(fix_citations(line_words([("Rees", 10, 40), ("House", 60, 50)]))) == ["Rees", "House"]


def test_a_full_stop_before_a_word_in_lower_case_is_dust() -> None:
    same_line = line_words([("take", 10, 40), ("this.", 56, 40), ("forward", 102, 70), ("etc.", 180, 40),
                            ("and", 226, 30)])
    assert texts(drop_stray_stops(same_line)) == ["take", "this", "forward", "etc.", "and"]

    wrapped = [*line_words([("home.", 10, 50), ("Relates.", 66, 70)]),
               OcrWord("to", 95.0, 10, 36, 20, 20, (1, 1, 2)), OcrWord("R5.", 95.0, 36, 36, 30, 20, (1, 1, 2))]
    assert texts(drop_stray_stops(wrapped)) == ["home.", "Relates", "to", "R5."]

    # The next item's "o" bullet, or a word a column away, is no sentence going on.
    bullet = [*line_words([("staff", 10, 50), ("time.", 66, 50)]), OcrWord("o", 60.0, 10, 36, 10, 10, (1, 1, 2)),
              OcrWord("National", 95.0, 30, 36, 80, 20, (1, 1, 2))]
    assert texts(drop_stray_stops(bullet)) == ["staff", "time.", "o", "National"]
    columns = line_words([("earlier.", 10, 70), ("return", 400, 60)])
    assert texts(drop_stray_stops(columns)) == ["earlier.", "return"]


def test_lone_junk_tokens_go_and_junk_stuck_to_a_word_is_cut_off() -> None:
    words = line_words([("Cares?", 10, 60), ("_", 76, 8), ("Scotland", 90, 80), ("individual}", 180, 90),
                        ("|", 280, 4), ("plans", 290, 50)])

    assert texts(fix_slips(words)) == ["Cares?", "Scotland", "individual", "plans"]


def test_words_run_together_split_where_the_ink_shows_spaces_and_the_pieces_are_words() -> None:
    ink = np.zeros((30, 400), dtype=bool)
    # "to" (2 letters), space, "court" (5), space, "on" (2): letters 10 wide, 2 apart; spaces 9.
    x = 10
    for letters in (2, 5, 2):
        for _ in range(letters):
            ink[5:25, x : x + 10] = True
            x += 12
        x += 7
    ink[5:25, 141:189] = True  # "time", a space after "on"
    ink[5:25, 198:234] = True  # "and", a space after "time"
    words = line_words([("tocourton", 10, x - 17), ("time", 141, 48), ("and", 198, 36)])
    lexicon = frozenset({"to", "court", "on", "time"})

    assert texts(split_run_together(words, ink, lexicon)) == ["to", "court", "on", "time", "and"]
    assert [w.left for w in split_run_together(words, ink, lexicon)][:3] == [10, 41, 108]
    assert texts(split_run_together(words, ink, frozenset({"time"}))) == ["tocourton", "time", "and"]  # not words
    assert texts(split_run_together(words, ink)) == ["tocourton", "time", "and"]  # no word list: articles only


def test_tick_box_read_into_the_option_word_is_split_off_it() -> None:
    ink = np.zeros((40, 400), dtype=bool)
    ink[10:30, 10:110] = True  # "families"
    ink[10:30, 130:150] = square(ticked=True, size=16)  # the box (x 132-147), glued to the word
    ink[10:30, 156:250] = True  # "Community"
    words = [
        OcrWord("families", 95.0, 10, 10, 100, 20, (1, 1, 1)),
        OcrWord("[Community", 82.0, 134, 10, 116, 20, (1, 1, 1)),  # its box starts inside the tick box
    ]

    marked = mark_tick_boxes(words, ink, 150)

    assert [(w.text, w.left) for w in marked] == [("families", 10), (TICKED, 132), ("Community", 149)]
