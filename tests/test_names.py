"""The words of generated run names (runyard/names.py)."""

from __future__ import annotations

import re

from runyard.names import ADJECTIVES, NOUNS, random_words


def test_word_lists_are_plain_unique_and_plentiful() -> None:
    for words in (ADJECTIVES, NOUNS):
        assert len(set(words)) == len(words)
        assert all(re.fullmatch(r"[a-z]{2,12}", w) for w in words), words
    assert len(ADJECTIVES) * len(NOUNS) >= 10_000


def test_random_words_are_an_adjective_and_a_noun() -> None:
    seen = {random_words() for _ in range(200)}
    for pair in seen:
        adjective, noun = pair.split("-")
        assert adjective in ADJECTIVES and noun in NOUNS
    assert len(seen) > 150  # drawn at random, not from a short cycle
