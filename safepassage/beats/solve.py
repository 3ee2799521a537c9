"""Loops for several officers sharing one corridor, grown minute by minute.

The officers' loops are solved together. Each officer in turn improves its loop
(:func:`~.search.improve`; short loops are also rebuilt from the most valuable streets,
:func:`~.search.seeded`) counting only the streets no other officer walks; the rounds repeat
until no loop changes. A street walked by two officers counts once, so officers spread out
rather than repeat one another. Between rounds an officer with time to spare may take over a
street that another officer alone walks, so that the other can walk somewhere new
(*handovers*); a handover is kept only when the corridor walked by anyone grows.

The time grows a minute at a time (:func:`solve_loops`). Minute *m* starts from minute
*m* − 1's loops and improves them. Every :data:`MILESTONE_MIN` minutes a second, deeper search
starts from the loops of :data:`MILESTONE_MIN` minutes before (with room to choose
differently), with kicks (:func:`~.search.kick`) and handovers that rebuild a loop around the
street taken over; the better of the two is kept. Every minute's loops are therefore worth at
least the previous minute's, and the search up to minute *m* is the same whatever the final
number of minutes (same figures, same seeds): **more minutes never walk less of the corridor**.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .instance import EPS_M, BeatInstance, Loop
from .search import GapRows, better, improve, insert_best, kick, seeded

__all__ = ["HANDOVER_TRIES", "KICKS", "LIGHT_KICKS", "MILESTONE_MIN", "REBUILD_TRIES", "SEEDS",
           "SEED_MAX_ARCS", "corridor_worth", "solve_loops"]

#: Every this many minutes, a deeper search (kicks, rebuilding handovers) from the loops of
#: this many minutes before.
MILESTONE_MIN = 5

#: Kicks per loop in the deeper search, and every minute for short loops.
KICKS = 6
LIGHT_KICKS = 1

#: A loop of at most this many corridor streets is also rebuilt from :data:`SEEDS` starts.
SEED_MAX_ARCS = 12

#: Loops built from scratch, from the streets worth the most, for short loops.
SEEDS = 3

#: Streets an officer with time to spare tries to take over from another, per round: added
#: to its loop (every minute), and with its loop rebuilt around them (deeper search).
HANDOVER_TRIES = 1
REBUILD_TRIES = 1

#: Seed of the kicks (with the minute and the officer), so results repeat.
_SEED = 1_515

#: Rounds over the officers, at most.
_MAX_SWEEPS = 4


def _counts(inst: BeatInstance, loops: Sequence[Loop]) -> np.ndarray:
    """How many loops walk each segment."""
    counts = np.zeros(inst.prize.size, dtype=np.int64)
    for loop in loops:
        if loop:
            np.add.at(counts, inst.arc_seg[np.asarray(loop, dtype=np.int64)], 1)
    return counts


def corridor_worth(inst: BeatInstance, loops: Sequence[Loop]) -> float:
    """Corridor worth walked by any of the loops (each street once)."""
    segs = {int(x) for loop in loops for x in inst.arc_seg[np.asarray(loop, dtype=np.int64)]}
    return float(inst.prize[list(segs)].sum()) if segs else 0.0


def _sweep(inst: BeatInstance, loops: list[Loop], budget_m: float, counts: np.ndarray,
           rows: Sequence[GapRows], kicks: int, minute: int) -> bool:
    """One round over the officers; whether any loop changed."""
    changed = False
    for o in range(inst.n_officers):
        old = loops[o]
        np.subtract.at(counts, inst.arc_seg[np.asarray(old, dtype=np.int64)], 1)
        free = np.where(counts == 0, inst.prize, 0.0)
        new = improve(inst, o, old, budget_m, free, rows[o])
        short = len(new) <= SEED_MAX_ARCS
        if short:
            for other in seeded(inst, o, budget_m, free, SEEDS, rows[o]):
                if better(inst, o, other, new, free):
                    new = other
        if kicks and (short or kicks > LIGHT_KICKS):
            rng = np.random.default_rng((_SEED, minute, o))
            new = kick(inst, o, new, budget_m, free, rng, kicks, rows[o])
        if better(inst, o, new, old, free):
            loops[o] = new
            changed = True
        np.add.at(counts, inst.arc_seg[np.asarray(loops[o], dtype=np.int64)], 1)
    return changed


def _owners(inst: BeatInstance, loops: Sequence[Loop], counts: np.ndarray,
            o2: int) -> np.ndarray:
    """For each segment, the one other officer who alone walks it (-1 if none)."""
    owner = np.full(inst.prize.size, -1, dtype=np.int64)
    for o, loop in enumerate(loops):
        if o != o2 and loop:
            segs = inst.arc_seg[np.asarray(loop, dtype=np.int64)]
            owner[segs[counts[segs] == 1]] = o
    return owner


def _handover_candidates(inst: BeatInstance, loops: Sequence[Loop], budget_m: float,
                         owner: np.ndarray, o2: int, rows: GapRows,
                         rebuild: bool) -> list[tuple[int, int | None]]:
    """Arcs officer ``o2`` could take over: ``(arc, place in its loop)``, most promising first.

    First the arcs that fit into ``o2``'s loop as it is (least extra length first, with the
    place); then, when ``rebuild``, the most valuable of the others (place None: ``o2``'s loop
    is rebuilt around the arc).
    """
    mine = loops[o2]
    cols = np.flatnonzero((owner[inst.arc_seg[rows.arcs]] >= 0)
                          & (inst.reach[o2, rows.arcs] <= budget_m + EPS_M))
    if not cols.size:
        return []
    arcs = rows.arcs[cols]
    slack = budget_m - inst.length(o2, mine)
    cost, where = rows.cheapest(*inst.ends(o2, mine))
    best = cost[cols]
    fits = np.flatnonzero(best <= slack + EPS_M)
    out: list[tuple[int, int | None]] = [
        (int(arcs[c]), int(where[cols[c]]))
        for c in fits[np.lexsort((arcs[fits], best[fits]))][:HANDOVER_TRIES].tolist()]
    if rebuild:
        rest = np.setdiff1d(np.arange(arcs.size), fits)
        worth = inst.prize[inst.arc_seg[arcs[rest]]]
        out += [(int(arcs[c]), None)
                for c in rest[np.lexsort((arcs[rest], -worth))][:REBUILD_TRIES].tolist()]
    return out


def _free_for(inst: BeatInstance, loops: Sequence[Loop], officer: int) -> np.ndarray:
    """Worth of each segment to ``officer``: its worth where no other loop walks it."""
    others = _counts(inst, [x for k, x in enumerate(loops) if k != officer])
    return np.where(others == 0, inst.prize, 0.0)


def _handover(inst: BeatInstance, loops: Sequence[Loop], budget_m: float, o2: int,
              arc: int, pos: int | None, o1: int, rows: Sequence[GapRows]) -> list[Loop] | None:
    """The loops after ``o2`` takes ``arc`` over from ``o1``; None if ``o1`` gains nothing.

    With a place ``pos``, ``o2`` adds the arc there; without, ``o2``'s loop is rebuilt around
    it. Then ``o1`` (its loop without the street, or with it worth nothing where it cannot
    avoid walking it) and ``o2`` improve.
    """
    seg = inst.arc_seg[arc]
    trial = list(loops)
    trial[o1] = inst.canonical(o1, [x for x in loops[o1] if inst.arc_seg[x] != seg])
    if pos is not None:
        trial[o2] = inst.canonical(o2, [*loops[o2][:pos], arc, *loops[o2][pos:]])
        if insert_best(inst, o1, trial[o1], budget_m, _free_for(inst, trial, o1),
                       rows[o1]) is None:
            return None  # the time freed buys the first walker nothing
    else:
        free = _free_for(inst, trial, o2)
        free[seg] = inst.prize[seg]
        trial[o2] = improve(inst, o2, [arc], budget_m, free, rows[o2])
    for o in (o1, o2):
        trial[o] = improve(inst, o, trial[o], budget_m, _free_for(inst, trial, o), rows[o])
    return trial


def _handovers(inst: BeatInstance, loops: list[Loop], budget_m: float, counts: np.ndarray,
               o2: int, rows: Sequence[GapRows], rebuild: bool) -> bool:
    """Let officer ``o2`` take over a street another officer alone walks, if that helps.

    ``o2`` walks the street too (added to its loop, or, when ``rebuild``, with its loop
    rebuilt around it); its first walker drops it and uses the time freed elsewhere; then
    ``o2`` fills what time it has left. Kept only when the corridor walked by anyone grows.
    """
    owner = _owners(inst, loops, counts, o2)
    base = corridor_worth(inst, loops)
    for arc, pos in _handover_candidates(inst, loops, budget_m, owner, o2, rows[o2], rebuild):
        trial = _handover(inst, loops, budget_m, o2, arc, pos, int(owner[inst.arc_seg[arc]]),
                          rows)
        if trial is not None and corridor_worth(inst, trial) > base * (1 + 1e-12) + 1e-9:
            loops[:] = trial
            counts[:] = _counts(inst, loops)
            return True
    return False


def _search(inst: BeatInstance, start: Sequence[Loop], budget_m: float, minute: int,
            rows: Sequence[GapRows], *, deep: bool) -> list[Loop]:
    """Improve every loop for ``budget_m``: rounds of moves, then handovers, until stable."""
    loops = [list(x) for x in start]
    counts = _counts(inst, loops)
    kicks = KICKS if deep else LIGHT_KICKS
    for _ in range(_MAX_SWEEPS):
        for _ in range(_MAX_SWEEPS):
            if not _sweep(inst, loops, budget_m, counts, rows, kicks, minute):
                break
            kicks = 0  # kicks in the first round only
        moved = False
        for o2 in range(inst.n_officers if inst.n_officers > 1 else 0):
            moved = _handovers(inst, loops, budget_m, counts, o2, rows, deep) or moved
        if not moved:
            break
    return loops


def solve_loops(inst: BeatInstance, speed_m_per_min: float, minutes: int) -> list[Loop]:
    """Every officer's loop for ``minutes`` of walking, grown a minute at a time.

    Parameters
    ----------
    inst : BeatInstance
        Built for at least ``minutes × speed_m_per_min`` metres.
    speed_m_per_min : float
        Walking speed.
    minutes : int
        The time each loop may take.

    Returns
    -------
    list of list of int
        One canonical loop per officer, each at most ``minutes × speed_m_per_min`` metres
        (search metres), together worth at least what any fewer minutes give.
    """
    rows = [GapRows(inst, o) for o in range(inst.n_officers)]
    history: list[list[Loop]] = [[[] for _ in range(inst.n_officers)]]
    everything = float(inst.prize[np.unique(inst.arc_seg)].sum())
    for minute in range(1, int(minutes) + 1):
        if corridor_worth(inst, history[-1]) >= everything * (1 - 1e-12):
            break  # every street in reach is walked: more time cannot walk more
        budget = minute * float(speed_m_per_min)
        best = _search(inst, history[-1], budget, minute, rows, deep=False)
        if minute % MILESTONE_MIN == 0:
            deep = _search(inst, history[-MILESTONE_MIN], budget, minute, rows, deep=True)
            if corridor_worth(inst, deep) > corridor_worth(inst, best) * (1 + 1e-12) + 1e-9:
                best = deep
        history.append(best)
    return history[-1]
