"""`ImportReport`: what an import wrote, left alone and skipped (with why)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

__all__ = ["ImportReport"]


@dataclass
class ImportReport:
    """Counts of one import, and the reasons things were skipped.

    ``skipped`` counts points by ``(run source, reason)``, so a tag skipped at
    every step is one line of the report, not thousands.
    """

    imported: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    points: int = 0
    artifacts: int = 0
    skipped: Counter[tuple[str, str]] = field(default_factory=Counter)

    def skip(self, source: str, reason: str, count: int = 1) -> None:
        self.skipped[(source, reason)] += count

    def lines(self) -> list[str]:
        """The report as terminal lines."""
        out = [
            f"imported {len(self.imported)} runs ({self.points} points), "
            f"{len(self.unchanged)} already imported and unchanged"
        ]
        if self.artifacts:
            out.append(f"imported {self.artifacts} artifact versions")
        for (source, reason), count in sorted(self.skipped.items()):
            out.append(f"skipped {count} in {source}: {reason}")
        return out
