"""How the simulated marks follow the chromatin state, per tissue group.

Every mark is drawn from the gene's chromatin state ``h`` through a coupling ``c``: the mark's
driver is ``c * h`` (plus the mark's own noise). With ``group_specific = 0`` the coupling is 1
for every mark and group, so the histone-to-expression map is the same in every cell. With
``group_specific = s > 0`` each mark is inverted in some tissue groups and not in others: its
coupling there is ``1 - 2 s`` (0 at ``s = 0.5``: the mark carries nothing in those groups; -1
at ``s = 1``: the mark reads the opposite way). Which groups invert a mark is balanced (as near
half of the groups as possible, at least one when there are two or more groups) and drawn from
its own seeded stream, so the knob at 0 leaves the cohort byte-identical.
"""

from __future__ import annotations

import numpy as np


def inverted(seed: int, n_groups: int, n_marks: int) -> np.ndarray:
    """Which (group, mark) pairs invert the mark: per mark, a seeded half of the groups."""
    rng = np.random.default_rng([seed, 0x5EC])
    base = np.arange(n_groups) % 2 == 1  # n_groups // 2 of them
    return np.stack([rng.permutation(base) for _ in range(n_marks)], axis=1)


def mark_coupling(seed: int, n_groups: int, n_marks: int, group_specific: float) -> np.ndarray:
    """Coupling of each mark to the chromatin state, groups x marks."""
    if not 0.0 <= group_specific <= 1.0:
        raise ValueError(f"group_specific must lie in [0, 1], got {group_specific}")
    flip = inverted(seed, n_groups, n_marks)
    return np.where(flip, 1.0 - 2.0 * group_specific, 1.0)
