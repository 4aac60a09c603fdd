"""`TerminalLines`: console output (raw chunks with ``\\r``, ``\\b`` and ANSI escapes) turned
into the lines a terminal would show, for a scrolling log.

A progress bar redrawn 10,000 times with ``\\r`` is one line holding its last state;
cursor moves (``ESC[A`` and friends, as tqdm's nested bars and rich's live displays use)
rewrite the lines they reach; colours (SGR ``ESC[…m``) are kept in each line's text, every
line self-contained (opened and reset within the line). Other control sequences (cursor
visibility, titles, hyperlinks) are dropped.

Why not `pyte`: it emulates a fixed-size screen (lines wrap at its width, scrolled-off
rows leave through a history buffer and colours become per-cell attributes), while a run's
log needs unbounded, numbered lines with their SGR codes kept as text, and the changes
since the last call — a different model that is smaller written directly than adapted.

What this models:

* each stream (stdout, stderr) has its own cursor and lines, as the two are separate
  files: a tqdm bar on stderr and prints on stdout do not garble each other;
* lines are numbered in the order they appear, across streams, from ``first_line``;
* ``\\n`` (also VT, FF) moves to the next line and to column 0 (a tty's ONLCR); a line
  exists once something is written on it or it is ended, so output ending with
  ``\\n`` leaves no empty last line;
* the cursor moves within the last :data:`WINDOW` lines of its stream (a screen's
  worth, generously): older lines are final;
* a line longer than ``max_line_chars`` continues on the next line (a terminal wraps);
* after ``max_lines`` lines one marker line says so, and later output is ignored;
* ``ESC[2J`` (clear screen) keeps what was written: it starts a new "screen" below it,
  from which absolute positions (``ESC[H``) count.

Characters are one cell wide (wide CJK/emoji characters are not measured), and a tab
is kept as a character. Deterministic: the same chunks give the same lines and line
numbers, however they are split across :meth:`TerminalLines.feed` calls.

Example:
    >>> t = TerminalLines()
    >>> t.feed("stderr", 1.0, "\\r 10%|#   |\\r 50%|##  |")
    >>> t.feed("stderr", 2.0, "\\r100%|####|\\n")
    >>> t.take_changes()
    [(0, 'stderr', 2.0, '100%|####|')]
"""

from __future__ import annotations

import re
from itertools import groupby

__all__ = ["MAX_LINES", "MAX_LINE_CHARS", "WINDOW", "TerminalLines"]

#: Lines stored per run session before the rest of the output is dropped.
MAX_LINES = 1_000_000
#: Characters on one line before it wraps onto the next.
MAX_LINE_CHARS = 20_000
#: Lines of a stream the cursor can still reach (a tall screen).
WINDOW = 500
#: An unfinished escape sequence longer than this is not one: it is dropped.
_MAX_PENDING = 4096
_RESET = "\x1b[0m"

# One token at a time: printable text (tab included), a CSI sequence, a string
# sequence (OSC, DCS, APC, PM, SOS, ended by BEL or ST), another escape, one control.
_TOKEN = re.compile(
    r"(?P<text>[^\x00-\x08\x0a-\x1f\x7f]+)"
    r"|\x1b\[(?P<params>[0-?]*)(?P<inter>[ -/]*)(?P<final>[@-~])"
    r"|\x1b[\]PX^_][^\x07\x1b]*(?:\x07|\x1b\\)"
    r"|\x1b(?![\[\]PX^_])(?P<esc>[ -/]*[0-~])"
    r"|(?P<ctl>[\x00-\x08\x0a-\x1a\x1c-\x1f\x7f])"
)
#: A character other than text and newlines: a chunk without one takes the fast path.
_SPECIAL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
#: What the start of an escape sequence looks like when a chunk ends inside it.
_PARTIAL = re.compile(r"\x1b(?:\[[0-?]*[ -/]*|[\]PX^_][^\x07\x1b]*\x1b?|[ -/]*)")


class _Line:
    __slots__ = ("cells", "number", "pens", "stream", "ts")

    def __init__(self, number: int, stream: str, ts: float) -> None:
        self.number = number
        self.stream = stream
        self.ts = ts
        self.cells: list[str] = []
        #: The SGR state each cell was written with; None while every cell is plain.
        self.pens: list[str] | None = None

    def set_pens(self, col: int, n: int, pen: str) -> None:
        """Cells ``col:col+n`` were written with ``pen`` (after the cells changed)."""
        pens = self.pens
        if pens is None:
            if not pen:
                return
            pens = self.pens = [""] * len(self.cells)
        elif len(pens) < len(self.cells):
            pens.extend([""] * (len(self.cells) - len(pens)))
        pens[col : col + n] = [pen] * n
        del pens[len(self.cells) :]

    def text(self) -> str:
        cells = self.cells
        pens = self.pens
        if pens is None or not any(pens):
            return "".join(cells).rstrip(" ")
        end = len(cells)
        while end and cells[end - 1] == " " and not pens[end - 1]:
            end -= 1  # trailing blanks a terminal would not show
        out: list[str] = []
        pos = 0
        for pen, group in groupby(pens[:end]):
            n = len(list(group))
            if pen:
                out.append(pen)
                out.extend(cells[pos : pos + n])
                out.append(_RESET)
            else:
                out.extend(cells[pos : pos + n])
            pos += n
        return "".join(out)


class _Stream:
    """One stream's cursor and the lines it can still reach."""

    __slots__ = ("col", "lines", "pen", "pending", "row", "saved", "top")

    def __init__(self) -> None:
        self.lines: list[_Line] = []
        self.row = 0  # index into lines; len(lines) is the line not yet begun
        self.col = 0
        self.pen = ""
        self.pending = ""  # an escape sequence cut by the end of a chunk
        self.saved = (0, 0)
        self.top = 0  # first line of the current "screen" (absolute positions)


class TerminalLines:
    """Applies console chunks as a terminal would; reports lines new or rewritten.

    Args:
        first_line: the number of the first line (a per-session base on resume).
        max_lines: lines kept; then one marker line, and the rest is ignored.
        max_line_chars: a longer line continues on the next one.
    """

    def __init__(
        self,
        first_line: int = 0,
        max_lines: int = MAX_LINES,
        max_line_chars: int = MAX_LINE_CHARS,
    ) -> None:
        if max_lines < 1 or max_line_chars < 1:
            raise ValueError(
                f"max_lines and max_line_chars must be positive, got {max_lines!r}, "
                f"{max_line_chars!r}"
            )
        self._next = first_line
        self._first = first_line
        self._max_lines = max_lines
        self._width = max_line_chars
        self._streams: dict[str, _Stream] = {}
        self._dirty: dict[int, _Line] = {}
        self._capped = False

    @property
    def line_count(self) -> int:
        """Lines begun so far (the marker line included)."""
        return self._next - self._first

    @property
    def capped(self) -> bool:
        """True once ``max_lines`` was reached: later output is ignored."""
        return self._capped

    def feed(self, stream: str, ts: float, text: str) -> None:
        """Apply one chunk written to ``stream`` at time ``ts``."""
        if self._capped or not text:
            return
        st = self._streams.get(stream)
        if st is None:
            st = self._streams[stream] = _Stream()
        if st.pending:
            text = st.pending + text
            st.pending = ""
        elif not st.pen and not _SPECIAL.search(text):
            text = self._plain_lines(st, stream, ts, text)
        match = _TOKEN.match
        pos = 0
        end = len(text)
        while pos < end and not self.capped:
            m = match(text, pos)
            if m is None:
                # An escape sequence not finished in this chunk waits for the rest;
                # an ESC that starts no sequence (or too long a one) is dropped.
                rest = text[pos:]
                if len(rest) < _MAX_PENDING and _PARTIAL.fullmatch(rest):
                    st.pending = rest
                    return
                pos += 1
                continue
            pos = m.end()
            kind = m.lastgroup
            if kind == "text":
                self._write(st, stream, ts, m.group("text"))
            elif kind == "ctl":
                self._control(st, stream, ts, m.group("ctl"))
            elif kind == "final":
                self._csi(st, stream, ts, m.group("params"), m.group("inter"), m.group("final"))
            elif kind == "esc":
                self._escape(st, stream, ts, m.group("esc"))
            # string sequences (titles, hyperlinks) are dropped

    def _plain_lines(self, st: _Stream, stream: str, ts: float, text: str) -> str:
        """Lines of plain text (most output): those that begin at the end of the stream
        are made with no cursor work. Returns the unfinished last line."""
        *whole, rest = text.split("\n")
        width = self._width
        dirty = self._dirty
        for piece in whole:
            if st.col == 0 and st.row == len(st.lines) and len(piece) <= width:
                line = self._line(st, stream, ts)
                if line is None:
                    return ""
                line.cells = list(piece)
                dirty[line.number] = line
                st.row += 1
            else:
                if piece:
                    self._write(st, stream, ts, piece)
                self._newline(st, stream, ts)
                if self._capped:
                    return ""
        return rest

    def take_changes(self) -> list[tuple[int, str, float, str]]:
        """``(line, stream, ts, text)`` of the lines new or rewritten since the last call,
        by line number; ``ts`` is when the line last changed."""
        if not self._dirty:
            return []
        dirty = self._dirty
        self._dirty = {}
        return [(n, line.stream, line.ts, line.text()) for n, line in sorted(dirty.items())]

    # -- lines ------------------------------------------------------------------------
    def _line(self, st: _Stream, stream: str, ts: float) -> _Line | None:
        """The line under the cursor, begun if it is the next one (None once capped)."""
        if st.row < len(st.lines):
            return st.lines[st.row]
        if self._next - self._first >= self._max_lines:
            self._cap(stream, ts)
            return None
        line = _Line(self._next, stream, ts)
        self._next += 1
        st.lines.append(line)
        st.row = len(st.lines) - 1
        if len(st.lines) > 2 * WINDOW:
            drop = len(st.lines) - WINDOW
            del st.lines[:drop]
            st.row -= drop
            st.top = max(0, st.top - drop)
            st.saved = (max(0, st.saved[0] - drop), st.saved[1])
        return line

    def _cap(self, stream: str, ts: float) -> None:
        marker = _Line(self._next, stream, ts)
        marker.cells = list(
            f"[runyard: console output beyond {self._max_lines:,} lines is not stored]"
        )
        self._next += 1
        self._dirty[marker.number] = marker
        self._capped = True

    def _touch(self, line: _Line, ts: float) -> None:
        line.ts = ts
        self._dirty[line.number] = line

    def _newline(self, st: _Stream, stream: str, ts: float) -> None:
        if st.row >= len(st.lines):
            line = self._line(st, stream, ts)  # an empty line is a line
            if line is None:
                return
            self._touch(line, ts)
        st.row += 1
        st.col = 0

    def _write(self, st: _Stream, stream: str, ts: float, text: str) -> None:
        width = self._width
        while text:
            col = st.col
            if col >= width:
                self._newline(st, stream, ts)
                if self._capped:
                    return
                col = 0
            if st.row < len(st.lines):
                line: _Line | None = st.lines[st.row]
            else:
                line = self._line(st, stream, ts)
                if line is None:
                    return
            assert line is not None
            n = len(text)
            if n > width - col:
                n = width - col
                part, text = text[:n], text[n:]
            else:
                part, text = text, ""
            cells = line.cells
            if col == len(cells):
                cells.extend(part)
            else:
                if col > len(cells):
                    cells.extend(" " * (col - len(cells)))
                cells[col : col + n] = part
            if st.pen or line.pens is not None:
                line.set_pens(col, n, st.pen)
            st.col = col + n
            line.ts = ts
            self._dirty[line.number] = line

    def _control(self, st: _Stream, stream: str, ts: float, ch: str) -> None:
        if ch == "\r":
            st.col = 0
        elif ch in "\n\x0b\x0c":
            self._newline(st, stream, ts)
        elif ch == "\b":
            st.col = max(0, st.col - 1)
        # BEL, NUL and the other controls show nothing

    def _move_to_row(self, st: _Stream, row: int) -> None:
        st.row = max(0, min(row, len(st.lines)))

    def _escape(self, st: _Stream, stream: str, ts: float, code: str) -> None:
        if code == "7":
            st.saved = (st.row, st.col)
        elif code == "8":
            self._move_to_row(st, st.saved[0])
            st.col = st.saved[1]
        elif code == "M":  # reverse index: up one line
            self._move_to_row(st, st.row - 1)
        elif code == "D":  # index: down one line
            self._move_to_row(st, st.row + 1)
        elif code == "E":  # next line
            self._newline(st, stream, ts)
        # charset designations (ESC ( B) and the rest change nothing shown

    def _csi(
        self, st: _Stream, stream: str, ts: float, params: str, inter: str, final: str
    ) -> None:
        if inter or (params and params[0] in "<=>?"):
            return  # private modes (cursor visibility, bracketed paste…)
        if final == "m":
            self._sgr(st, params)
            return
        args = [int(p) if p.isdigit() else 0 for p in params.split(";")] if params else []
        n = max(args[0], 1) if args else 1
        if final == "A":
            self._move_to_row(st, st.row - n)
        elif final in "Be":
            self._move_to_row(st, st.row + n)
        elif final in "Ca":
            st.col = min(st.col + n, self._width)
        elif final == "D":
            st.col = max(0, st.col - n)
        elif final == "E":
            self._move_to_row(st, st.row + n)
            st.col = 0
        elif final == "F":
            self._move_to_row(st, st.row - n)
            st.col = 0
        elif final in "G`":
            st.col = min(n - 1, self._width)
        elif final in "Hf":
            row = max(args[0], 1) if args else 1
            col = max(args[1], 1) if len(args) > 1 else 1
            self._move_to_row(st, st.top + row - 1)
            st.col = min(col - 1, self._width)
        elif final == "d":
            self._move_to_row(st, st.top + n - 1)
        elif final == "K":
            self._erase_line(st, ts, args[0] if args else 0)
        elif final == "J":
            self._erase_display(st, ts, args[0] if args else 0)
        elif final in "XP@":
            self._edit_chars(st, ts, final, n)
        elif final == "s":
            st.saved = (st.row, st.col)
        elif final == "u":
            self._move_to_row(st, st.saved[0])
            st.col = st.saved[1]
        # scrolling regions, insert/delete lines, device queries: nothing to show

    def _sgr(self, st: _Stream, params: str) -> None:
        parts = params.split(";") if params else [""]
        if parts[0] in ("", "0"):
            rest = ";".join(parts[1:])
            st.pen = f"\x1b[{rest}m" if rest else ""
        else:
            code = f"\x1b[{params}m"
            # Codes add up until a reset; a pen that only grows keeps its latest code.
            st.pen = st.pen + code if len(st.pen) < 64 else code

    def _erase_line(self, st: _Stream, ts: float, mode: int) -> None:
        if st.row >= len(st.lines):
            return
        line = st.lines[st.row]
        if mode == 0:
            del line.cells[st.col :]
        elif mode == 1:
            n = min(st.col + 1, len(line.cells))
            line.cells[:n] = " " * n
            if line.pens is not None:
                line.set_pens(0, n, "")
        else:
            line.cells.clear()
        if line.pens is not None:
            del line.pens[len(line.cells) :]
        self._touch(line, ts)

    def _erase_display(self, st: _Stream, ts: float, mode: int) -> None:
        if mode == 0:
            self._erase_line(st, ts, 0)
            for line in st.lines[st.row + 1 :]:
                if line.cells:
                    line.cells.clear()
                    line.pens = None
                    self._touch(line, ts)
        elif mode == 1:
            for line in st.lines[st.top : st.row]:
                if line.cells:
                    line.cells.clear()
                    line.pens = None
                    self._touch(line, ts)
            self._erase_line(st, ts, 1)
        else:
            # Clearing the screen keeps the log: a new screen starts below what was shown.
            st.row = st.top = len(st.lines)
            st.col = 0

    def _edit_chars(self, st: _Stream, ts: float, final: str, n: int) -> None:
        if st.row >= len(st.lines):
            return
        line = st.lines[st.row]
        col = st.col
        if col >= len(line.cells) and final != "@":
            return
        pens = line.pens
        if final == "X":  # erase n characters
            m = min(n, len(line.cells) - col)
            line.cells[col : col + m] = " " * m
            if pens is not None:
                line.set_pens(col, m, "")
        elif final == "P":  # delete n characters, the rest moves left
            del line.cells[col : col + n]
            if pens is not None:
                del pens[col : col + n]
        else:  # insert n blanks
            if col > len(line.cells):
                return
            line.cells[col:col] = " " * n
            del line.cells[self._width :]
            if pens is not None:
                pens[col:col] = [""] * n
                del pens[self._width :]
        self._touch(line, ts)
