"""Name index over the listed names: blocking by normalised core, scoring only the few candidates that share it."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence

from rapidfuzz import fuzz, process

from xinyong.screening.names import CORE_DIFF_WEIGHT, NameMatch, ParsedName, parse_many, score

Progress = Callable[[int], None]
FUZZY_LIMIT = 5  # near cores scored per query when the threshold lets different cores through
PARSE_CHUNK = 20_000


def _blocks_of(core: str) -> tuple[str, ...]:
    return tuple(f"{i}{c}" for i, c in enumerate(core[:2]))


class NameIndex:
    """Listed names, parsed once, looked up by their core (字号 + 行业) and its alternative reading."""

    def __init__(self, names: Sequence[str]) -> None:
        self.names = list(names)
        self.parsed: list[ParsedName] = []
        for start in range(0, len(self.names), PARSE_CHUNK):
            self.parsed += parse_many(self.names[start:start + PARSE_CHUNK])
        self.by_key: dict[str, list[int]] = defaultdict(list)
        for i, p in enumerate(self.parsed):
            for key in p.keys:
                if key:
                    self.by_key[key].append(i)
        self._blocks: dict[str, tuple[list[str], list[int]]] | None = None

    def _block_table(self) -> dict[str, tuple[list[str], list[int]]]:
        """Cores by first and by second character: one changed character still shares a block (built lazily)."""
        if self._blocks is None:
            blocks: dict[str, tuple[list[str], list[int]]] = {}
            for i, p in enumerate(self.parsed):
                for key in p.keys:
                    for block in _blocks_of(key):
                        cores, ids = blocks.setdefault(block, ([], []))
                        cores.append(key)
                        ids.append(i)
            self._blocks = blocks
        return self._blocks

    def candidates(self, query: ParsedName, threshold: float) -> set[int]:
        """Listed names worth scoring: same core, plus near cores when the threshold is below the core cap."""
        found: set[int] = set()
        for key in query.keys:
            found.update(self.by_key.get(key, ()))
        if threshold < CORE_DIFF_WEIGHT:
            cutoff = 100 * threshold / CORE_DIFF_WEIGHT
            blocks = self._block_table()
            near: dict[int, float] = {}
            for key in query.keys:
                for block in _blocks_of(key):
                    cores, ids = blocks.get(block, ((), ()))
                    for _, ratio, pos in process.extract(key, cores, scorer=fuzz.ratio, score_cutoff=cutoff,
                                                         limit=FUZZY_LIMIT):
                        near[ids[pos]] = max(ratio, near.get(ids[pos], 0.0))
            found.update(sorted(near, key=lambda i: -near[i])[:FUZZY_LIMIT])
        return found

    def match(self, query: ParsedName, threshold: float) -> list[tuple[int, NameMatch]]:
        """(listed name index, match) at or above the threshold, best first."""
        scored = [(i, score(query, self.parsed[i])) for i in self.candidates(query, threshold)]
        return sorted(((i, m) for i, m in scored if m.score >= threshold), key=lambda x: (-x[1].score, x[0]))

    def match_many(self, names: Sequence[str], threshold: float,
                   progress: Progress | None = None) -> list[list[tuple[int, NameMatch]]]:
        """match() for each name, parsing them in chunks; progress gets the number of names done."""
        out: list[list[tuple[int, NameMatch]]] = []
        for start in range(0, len(names), PARSE_CHUNK):
            chunk = parse_many(names[start:start + PARSE_CHUNK])
            out += [self.match(q, threshold) if q.core else [] for q in chunk]
            if progress:
                progress(len(chunk))
        return out
