"""Words for generated run names (wandb-style ``adjective-noun-N``, e.g. ``dashing-firefly-7``).

The SDK picks the two words when a run starts without ``name=``; the store that
creates the run appends ``N``, the run's number in its project, and makes the whole
name unique there (see :meth:`runyard.store.sql.store.SqlStore.write_batch` and
docs/compat.md, "Run names"). Plain data and one function, importing nothing, so the
SDK, the server and the store can all use it.
"""

from __future__ import annotations

import random

__all__ = ["ADJECTIVES", "NOUNS", "random_words"]

#: Short, friendly adjectives: lower-case ASCII letters only, so a name never needs
#: escaping in a URL, a file name or a shell.
ADJECTIVES: tuple[str, ...] = (
    "amber", "ancient", "autumn", "azure", "bold", "brave", "breezy", "bright",
    "brisk", "calm", "celestial", "cheerful", "clever", "cosmic", "crimson", "crisp",
    "curious", "dainty", "dapper", "dashing", "dauntless", "deft", "divine", "dreamy",
    "eager", "earnest", "electric", "elegant", "ember", "fancy", "fearless", "fiery",
    "floral", "fluent", "fresh", "frosty", "gallant", "gentle", "gilded", "glad",
    "glowing", "golden", "graceful", "grand", "happy", "hardy", "hearty", "hidden",
    "honest", "humble", "icy", "jolly", "jovial", "keen", "kind", "lilac", "lively",
    "lucky", "lunar", "lyric", "magic", "major", "mellow", "merry", "misty", "modest",
    "mossy", "nimble", "noble", "northern", "olive", "pious", "plucky", "polar",
    "proud", "quiet", "radiant", "rapid", "rare", "restful", "robust", "rosy",
    "royal", "rustic", "sage", "scarlet", "serene", "sharp", "shining", "silent",
    "silver", "sleek", "smooth", "snowy", "solar", "spring", "stellar", "stoic",
    "stormy", "sturdy", "summer", "sunny", "swift", "tidy", "tranquil", "twilight",
    "upbeat", "valiant", "velvet", "vibrant", "vivid", "warm", "wild", "winter",
    "wise", "witty", "woven", "youthful", "zany", "zesty",
)  # fmt: skip

#: Concrete nouns from nature and the sky.
NOUNS: tuple[str, ...] = (
    "aurora", "badger", "bamboo", "bay", "beacon", "bird", "blossom", "breeze",
    "brook", "butterfly", "canyon", "cedar", "cloud", "comet", "coral", "cosmos",
    "cove", "crane", "creek", "dawn", "deer", "dew", "dolphin", "dove", "dream",
    "dune", "eagle", "ember", "falcon", "fern", "field", "firefly", "flower", "fog",
    "forest", "fox", "frost", "galaxy", "glade", "glacier", "grass", "grove",
    "harbor", "haze", "heron", "hill", "horizon", "island", "jazz", "lake", "leaf",
    "lion", "lotus", "maple", "meadow", "meteor", "mist", "moon", "morning",
    "mountain", "nebula", "night", "oak", "ocean", "orchid", "otter", "owl", "palm",
    "panda", "paper", "pebble", "pine", "planet", "pond", "prairie", "puddle",
    "pulsar", "quasar", "rain", "reef", "resonance", "river", "salmon", "sea",
    "shadow", "shape", "silence", "sky", "snow", "snowflake", "sound", "spaceship",
    "spark", "star", "stone", "sun", "sunset", "surf", "swan", "terrain", "thunder",
    "tide", "tree", "valley", "violet", "voice", "water", "waterfall", "wave",
    "willow", "wind", "wildflower", "wood", "yak",
)  # fmt: skip

_random = random.SystemRandom()  # not the user's `random` state: seeding it must not repeat names


def random_words() -> str:
    """Two random words, ``"<adjective>-<noun>"`` (about 14,000 pairs).

    Example:
        >>> adjective, noun = random_words().split("-")
        >>> adjective in ADJECTIVES and noun in NOUNS
        True
    """
    return f"{_random.choice(ADJECTIVES)}-{_random.choice(NOUNS)}"
