"""How well the suggestion groups statements of the same meaning, on the labelled corpus.

    .venv/bin/python bench/synthesis.py

Each section's statements (tests/fixtures/statements.py) go through
``synthesis.group_statements`` as the suggestion panel sends them, one writer each; then,
over every pair of statements of a section:

- polarity_merges: pairs of opposite polarity (same topic, "+" and "-") put in one group;
- precision: of the pairs put in one group, those of the same meaning;
- recall: of the pairs of the same meaning, those put in one group.

The similarity threshold is tuned on the tune two thirds (the highest recall, then precision,
with no polarity merge and precision ≥ 0.97) and printed beside the shipped one; the figures are
those of the shipped threshold. Goals: 0 polarity merges, precision ≥ 0.97, recall ≥ 0.75.
Last line: the held-out third; the line before: the whole corpus.
"""
from __future__ import annotations

import inspect
import random
import sys
import time
from collections import defaultdict
from itertools import combinations
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app.reporting import synthesis
from tests.fixtures.statements import Labelled, statements


def score(corpus: list[Labelled], similarity: float | None = None) -> tuple[int, float, float, int, int]:
    """(polarity merges, precision, recall, pairs grouped, pairs of one meaning)."""
    by_section: dict[str, list[Labelled]] = defaultdict(list)
    for item in corpus:
        by_section[item.section].append(item)
    merges = together = right = same = 0
    for items in by_section.values():
        group_of: dict[str, int] = {}
        kwargs = {} if similarity is None else {"similarity": similarity}
        for g, group in enumerate(synthesis.group_statements([(i.unit, i.text) for i in items], **kwargs)):
            for unit in group.units:
                group_of[unit] = g
        for a, b in combinations(items, 2):
            grouped = group_of.get(a.unit) == group_of.get(b.unit) is not None
            meaning = a.label == b.label
            same += meaning
            together += grouped
            right += grouped and meaning
            merges += grouped and a.topic == b.topic and a.polarity != b.polarity
    precision = right / together if together else 1.0
    recall = right / same if same else 1.0
    return merges, precision, recall, together, same


def line(figures: tuple[int, float, float, int, int]) -> str:
    merges, precision, recall, *_ = figures
    return f"polarity_merges {merges} precision {precision:.3f} recall {recall:.3f}"


def detail(name: str, figures: tuple[int, float, float, int, int]) -> str:
    return f"{name}: {line(figures)} (pairs grouped {figures[3]}, pairs of one meaning {figures[4]})"


def main() -> None:
    corpus = statements()
    tune = [s for s in corpus if not s.held_out]
    held_out = [s for s in corpus if s.held_out]
    print(f"corpus: {len(corpus)} statements, {len({s.topic for s in corpus})} topics; "
          f"tune {len(tune)}, held out {len(held_out)}")
    shipped = synthesis.SIMILARITY
    if "similarity" in inspect.signature(synthesis.group_statements).parameters:
        best = None
        for threshold in range(60, 100, 2):
            merges, precision, recall, *_ = score(tune, threshold)
            if merges == 0 and precision >= 0.97 and (best is None or (recall, precision) > best[1:]):
                best = (threshold, recall, precision)
        print(f"tuned on the tune two thirds: similarity {best[0] if best else 'none'}; shipped: {shipped}")
    # A province's panel: 1,100 units writing the corpus' statements (numbers varied).
    rng = random.Random(1)
    entries = [(f"Xã Số {i}", rng.choice(corpus).text.replace("2", str(rng.randint(1, 9)))) for i in range(1100)]
    started = time.perf_counter()
    groups = synthesis.group_statements(entries)
    print(f"1,100 units' statements grouped in {time.perf_counter() - started:.2f} s ({len(groups)} groups)")
    figures = {name: score(part) for name, part in (("tune", tune), ("whole", corpus), ("held out", held_out))}
    for name, found in figures.items():
        print(detail(name, found))
    print(line(figures["whole"]))
    print(line(figures["held out"]))


if __name__ == "__main__":
    main()
