"""TerminalLines: console chunks become the lines a terminal shows (pure logic)."""

from __future__ import annotations

import io
import random

import pytest
import tqdm

from runyard.journal.terminal import WINDOW, TerminalLines


def lines(*chunks: str, stream: str = "stdout") -> list[str]:
    """The text of every line after feeding ``chunks`` (one take_changes)."""
    t = TerminalLines()
    for i, chunk in enumerate(chunks):
        t.feed(stream, float(i), chunk)
    return [text for _n, _s, _ts, text in t.take_changes()]


def test_plain_lines_and_no_empty_last_line() -> None:
    assert lines("a\nb\n") == ["a", "b"]
    assert lines("a", "b\nc") == ["ab", "c"]
    assert lines("\n\nx\n") == ["", "", "x"]  # print() prints an empty line


def test_carriage_return_overwrites_and_backspace_moves_back() -> None:
    assert lines("hello\rHE\n") == ["HEllo"]
    assert lines("abc\b\bX\n") == ["aXc"]
    assert lines("\b\bab\n") == ["ab"]  # not before column 0
    assert lines("abc\r\n") == ["abc"]  # CRLF


def test_tabs_are_kept_and_other_controls_dropped() -> None:
    assert lines("a\tb\x07\x00c\n") == ["a\tbc"]


def test_erase_in_line() -> None:
    assert lines("abcdef\r\x1b[3C\x1b[K\n") == ["abc"]
    assert lines("abcdef\r\x1b[3C\x1b[1K\n") == ["    ef"]
    assert lines("abcdef\x1b[2K\rxy\n") == ["xy"]


def test_cursor_up_rewrites_an_earlier_line() -> None:
    # rich's live display: go up, erase, redraw
    assert lines("one\ntwo\nthree\n", "\x1b[2A\r\x1b[2KTWO\n") == ["one", "TWO", "three"]
    assert lines("a\nb\n\x1b[5Atop\n") == ["top", "b"]  # clamped at the first line


def test_cursor_down_forward_back_and_column() -> None:
    assert lines("aaaa\nbbbb\n\x1b[2A\x1b[1B\x1b[2CX\n") == ["aaaa", "bbXb"]
    assert lines("abcd\x1b[2DX\n") == ["abXd"]
    assert lines("abcd\x1b[2GX\n") == ["aXcd"]
    assert lines("ab\x1b[3CX\n") == ["ab   X"]  # moved past the end: blanks


def test_absolute_position_counts_from_the_screen_after_a_clear() -> None:
    out = lines("old1\nold2\n", "\x1b[H\x1b[2J", "r1\nr2\n", "\x1b[1;2HX")
    assert out == ["old1", "old2", "rX", "r2"]


def test_erase_display_below() -> None:
    assert lines("a\nb\nc\n\x1b[3A\x1b[J") == ["", "", ""]
    assert lines("a\nb\nc\n\x1b[2A\x1b[1J") == ["", "", "c"]


def test_save_and_restore_cursor() -> None:
    assert lines("ab\x1b7\ncd\n\x1b8X\n") == ["abX", "cd"]
    assert lines("ab\x1b[s\ncd\n\x1b[uY") == ["abY", "cd"]


def test_insert_delete_erase_characters() -> None:
    assert lines("abcdef\r\x1b[2C\x1b[2P\n") == ["abef"]
    assert lines("abcdef\r\x1b[2C\x1b[2X\n") == ["ab  ef"]
    assert lines("abcdef\r\x1b[2C\x1b[2@\n") == ["ab  cdef"]


def test_colours_are_kept_and_each_line_is_self_contained() -> None:
    out = lines("\x1b[31mred\nstill\x1b[0m plain\n")
    assert out == ["\x1b[31mred\x1b[0m", "\x1b[31mstill\x1b[0m plain"]
    # overwriting part of a coloured word keeps each cell's colour
    assert lines("\x1b[1;32mgreen\x1b[m\rG\n") == ["G\x1b[1;32mreen\x1b[0m"]
    # attributes add up until a reset
    assert lines("\x1b[1m\x1b[34mx\x1b[0m\n") == ["\x1b[1m\x1b[34mx\x1b[0m"]
    assert lines("\x1b[0;33my\n") == ["\x1b[33my\x1b[0m"]


def test_other_sequences_are_dropped() -> None:
    text = (
        "\x1b[?25l"  # hide cursor
        "\x1b]0;title\x07"  # window title
        "\x1b]8;;https://example.com\x1b\\link\x1b]8;;\x1b\\"  # hyperlink
        "\x1b(B"  # charset (tput sgr0)
        "\x1b[?25h\n"
    )
    assert lines(text) == ["link"]
    assert lines("a\x1b\nb\n") == ["a", "b"]  # a lone ESC starts nothing


def test_escape_sequences_split_across_chunks() -> None:
    assert lines("ab\x1b", "[", "1", "D", "X\n") == ["aX"]
    assert lines("x\x1b]0;ti", "tle\x07y\n") == ["xy"]


def test_streams_have_their_own_cursor() -> None:
    t = TerminalLines()
    t.feed("stderr", 1.0, "\r 10%|#")
    t.feed("stdout", 2.0, "epoch 1\n")
    t.feed("stderr", 3.0, "\r 20%|##")
    t.feed("stdout", 4.0, "epoch 2\n")
    t.feed("stderr", 5.0, "\r100%|#####\n")
    assert t.take_changes() == [
        (0, "stderr", 5.0, "100%|#####"),
        (1, "stdout", 2.0, "epoch 1"),
        (2, "stdout", 4.0, "epoch 2"),
    ]


def test_take_changes_reports_only_new_or_rewritten_lines() -> None:
    t = TerminalLines(first_line=100)
    t.feed("stdout", 1.0, "a\nb")
    assert t.take_changes() == [(100, "stdout", 1.0, "a"), (101, "stdout", 1.0, "b")]
    assert t.take_changes() == []
    t.feed("stdout", 2.0, "\rB\nc\n")
    assert t.take_changes() == [(101, "stdout", 2.0, "B"), (102, "stdout", 2.0, "c")]
    assert t.line_count == 3


def test_long_lines_wrap() -> None:
    t = TerminalLines(max_line_chars=4)
    t.feed("stdout", 0.0, "abcdefghij\n")
    assert [c[3] for c in t.take_changes()] == ["abcd", "efgh", "ij"]


def test_line_cap_ends_with_a_marker_and_ignores_the_rest() -> None:
    t = TerminalLines(max_lines=3)
    t.feed("stdout", 0.0, "1\n2\n3\n4\n5\n")
    t.feed("stderr", 1.0, "more\n")
    out = t.take_changes()
    assert [c[3] for c in out[:3]] == ["1", "2", "3"]
    assert len(out) == 4 and "beyond 3 lines" in out[3][3]
    assert t.capped
    with pytest.raises(ValueError, match="max_lines"):
        TerminalLines(max_lines=0)


def test_old_lines_leave_the_cursor_window() -> None:
    t = TerminalLines()
    t.feed("stdout", 0.0, "x\n" * (3 * WINDOW))
    t.take_changes()
    t.feed("stdout", 1.0, f"\x1b[{3 * WINDOW}AY")  # as far up as the window goes
    (changed,) = t.take_changes()
    # the cursor reaches back at least a window, and never the first lines
    assert changed[3] == "Y" and 0 < changed[0] <= 2 * WINDOW


def test_deterministic_however_the_output_is_split() -> None:
    text = "a\x1b[31mb\x1b[0m\rX\x1b[1A\x1b[2Kz\n\x1b]0;t\x07q\x1b[2D!\n" * 50
    whole = lines(text)
    rnd = random.Random(7)
    for _ in range(20):
        cuts = sorted(rnd.sample(range(1, len(text)), 30))
        parts = [text[i:j] for i, j in zip([0, *cuts], [*cuts, len(text)], strict=True)]
        assert lines(*parts) == whole


def test_plain_output_gives_the_same_lines_in_any_pieces() -> None:
    text = "".join(f"line {i} " + "x" * (i % 7) + "\n" for i in range(300)) + "tail"
    t = TerminalLines(max_line_chars=9)
    t.feed("stdout", 0.0, text)
    whole = t.take_changes()
    assert whole[0][3] == "line 0" and whole[-1][3] == "tail"
    rnd = random.Random(3)
    for _ in range(10):
        t = TerminalLines(max_line_chars=9)
        pos = 0
        while pos < len(text):
            step = rnd.randint(1, 40)
            t.feed("stdout", 0.0, text[pos : pos + step])
            pos += step
        assert t.take_changes() == whole


def _tqdm_output(**kwargs: object) -> str:
    out = io.StringIO()
    kwargs.setdefault("mininterval", 0)
    kwargs.setdefault("miniters", 1)
    for _ in tqdm.tqdm(range(10_000), file=out, **kwargs):  # type: ignore[call-overload]
        pass
    return out.getvalue()


def test_a_real_tqdm_bar_of_10000_updates_is_one_line_in_its_final_state() -> None:
    text = _tqdm_output(desc="train")
    assert text.count("\r") > 10_000
    t = TerminalLines()
    pos = 0
    rnd = random.Random(1)
    while pos < len(text):  # written in pieces, as a pipe delivers them
        step = rnd.randint(1, 4000)
        t.feed("stderr", float(pos), text[pos : pos + step])
        pos += step
    (line,) = t.take_changes()
    assert line[0] == 0 and line[1] == "stderr"
    assert line[3].startswith("train: 100%|") and "10000/10000" in line[3]


def test_real_tqdm_nested_bars_and_tqdm_write() -> None:
    out = io.StringIO()
    for i in tqdm.tqdm(range(3), file=out, position=0, desc="outer", mininterval=0, miniters=1):
        for _ in tqdm.tqdm(
            range(50), file=out, position=1, desc="inner", leave=False, mininterval=0, miniters=1
        ):
            pass
        tqdm.tqdm.write(f"epoch {i} done", file=out)
    t = TerminalLines()
    t.feed("stderr", 0.0, out.getvalue())
    texts = [c[3] for c in t.take_changes()]
    assert [x for x in texts if x.startswith("epoch")] == [f"epoch {i} done" for i in range(3)]
    bars = [x for x in texts if x.startswith("outer")]
    assert len(bars) == 1 and "3/3" in bars[0]
    assert not any(x.startswith("inner") for x in texts)  # leave=False: erased


def test_real_tqdm_coloured_bar_keeps_its_colour() -> None:
    text = _tqdm_output(colour="green", ncols=60)
    t = TerminalLines()
    t.feed("stderr", 0.0, text)
    (line,) = t.take_changes()
    assert "\x1b[32m" in line[3] and "\x1b[0m" in line[3]
    assert "10000/10000" in line[3] and "\r" not in line[3]
