"""Local search for one officer's loop: insert, shorten, drop, and kicks to leave local optima.

A loop's *worth* to an officer is the sum of ``free`` over the street segments it walks, where
``free`` is a segment's worth when no other officer walks it and 0 otherwise (the caller,
:mod:`.solve`, keeps that table up to date). Every move below keeps the loop within its budget
and never lowers its worth:

- :func:`insert_best` adds the corridor arc with the most worth per extra metre, at the best
  place in the loop (cheapest insertion; both directions of a street are tried);
- :func:`shorten` makes the loop shorter without walking less: reverse a stretch of it (2-opt,
  which also turns a single street around), move one arc elsewhere (relocate), or drop an arc
  worth nothing (another officer walks that street);
- :func:`improve` alternates the two until neither helps;
- :func:`kick` removes a random stretch of the loop and improves again, keeping the result
  only if it is worth more (or the same, shorter): an iterated local search.

Moves are evaluated for the whole loop at once with numpy; after each change the loop is
rewritten canonically (:meth:`~.instance.BeatInstance.canonical`), so streets its shortest
paths happen to walk count too.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .instance import EPS_M, BeatInstance, Loop

__all__ = ["GapRows", "better", "improve", "insert_best", "kick", "loop_worth", "seeded", "shorten"]

#: A move must shorten a loop by more than this (metres) to count.
_GAIN_M = 1e-6

#: Safety cap on rounds of moves per call.
_MAX_ROUNDS = 500


def loop_worth(inst: BeatInstance, loop: Sequence[int], free: np.ndarray) -> float:
    """Worth of a (canonical) loop: ``free`` summed over the segments it walks."""
    if not len(loop):
        return 0.0
    return float(free[inst.arc_seg[np.asarray(loop, dtype=np.int64)]].sum())


def _gaps(inst: BeatInstance, officer: int, loop: Sequence[int]
          ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    before, after = inst.ends(officer, loop)
    return before, after, inst.dist[before, after]


class GapRows:
    """What inserting each arc into a gap of a loop adds to its length, cached by gap.

    A gap runs from one terminal to the next; its row (one value per arc the officer can
    reach) depends on nothing else, so an officer's rows stay valid from one minute to the
    next and only the gaps a change makes are computed. :meth:`cheapest` gives each arc's
    cheapest gap in a loop, updated from the last loop asked about when few gaps changed.
    """

    def __init__(self, inst: BeatInstance, officer: int, keep: int = 4096) -> None:
        self.inst = inst
        #: The arcs the officer can reach at all (the only columns kept).
        self.arcs = np.flatnonzero(inst.reach[officer] <= inst.budget_m + EPS_M)
        self.keep = keep
        self.rows: dict[tuple[int, int], np.ndarray] = {}
        self._last: tuple[list[tuple[int, int]], np.ndarray, np.ndarray] | None = None

    def _fill(self, keys: list[tuple[int, int]]) -> None:
        """Compute the rows of the gaps not cached yet."""
        missing = sorted({k for k in keys if k not in self.rows})
        if not missing:
            return
        if len(self.rows) + len(missing) > self.keep:
            wanted = set(keys)
            self.rows = {k: v for k, v in self.rows.items() if k in wanted}
        inst, arcs = self.inst, self.arcs
        b = np.array([k[0] for k in missing], dtype=np.int64)
        a = np.array([k[1] for k in missing], dtype=np.int64)
        d = inst.dist
        fresh = (d[np.ix_(b, inst.arc_tail[arcs])] + inst.arc_len[arcs][None, :]
                 + d[np.ix_(inst.arc_head[arcs], a)].T - d[b, a][:, None])
        for key, row in zip(missing, fresh, strict=True):
            self.rows[key] = row

    def matrix(self, before: np.ndarray, after: np.ndarray) -> np.ndarray:
        """Gaps × reachable arcs (``self.arcs``): the extra length of walking each arc there."""
        keys = list(zip(before.tolist(), after.tolist(), strict=True))
        self._fill(keys)
        return np.stack([self.rows[key] for key in keys])

    def cheapest(self, before: np.ndarray, after: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Each reachable arc's least extra length within the loop, and the gap where it is."""
        keys = list(zip(before.tolist(), after.tolist(), strict=True))
        self._fill(keys)
        rows = self.rows
        first: dict[tuple[int, int], int] = {}
        for k, key in enumerate(keys):
            first.setdefault(key, k)
        last = self._last
        if last is not None and len(set(last[0]) ^ first.keys()) <= max(4, len(keys) // 4):
            old_keys, cost, gap_key = last
            cost = cost.copy()
            gone = np.array([old_keys[g] not in first for g in range(len(old_keys))])
            at = gap_key.copy()
            bad = np.flatnonzero(gone[at]) if gone.any() else np.zeros(0, dtype=np.int64)
            new_of_old = np.array([first.get(key, -1) for key in old_keys], dtype=np.int64)
            at = new_of_old[at]
            if bad.size:
                sub = np.stack([rows[key][bad] for key in keys])
                g = np.argmin(sub, axis=0)
                cost[bad], at[bad] = sub[g, np.arange(bad.size)], g
            for key, k in first.items():
                if key not in last[0]:
                    row = rows[key]
                    less = row < cost
                    cost[less], at[less] = row[less], k
        else:
            m = np.stack([rows[key] for key in keys])
            at = np.argmin(m, axis=0)
            cost = m[at, np.arange(m.shape[1])]
        self._last = (keys, cost, at)
        return cost, at


def insert_best(inst: BeatInstance, officer: int, loop: Loop, budget_m: float,
                free: np.ndarray, rows: GapRows | None = None) -> Loop | None:
    """The loop with the arc of most worth per extra metre added, or None if none fits.

    Candidates are arcs of segments worth something (``free > 0``) that the loop does not walk
    yet and that the officer can reach within ``budget_m``, each at its cheapest place;
    ``rows`` caches insertion costs.
    """
    rows = rows or GapRows(inst, officer)
    arcs = rows.arcs
    worth = free[inst.arc_seg[arcs]]
    if loop:
        walked = np.zeros(free.size, dtype=bool)
        walked[inst.arc_seg[np.asarray(loop)]] = True
        worth[walked[inst.arc_seg[arcs]]] = 0.0
    idx = np.flatnonzero((worth > 0) & (inst.reach[officer, arcs] <= budget_m + EPS_M))
    if not idx.size:
        return None
    before, after, gap = _gaps(inst, officer, loop)
    slack = budget_m - (float(gap.sum()) + float(inst.arc_len[np.asarray(loop, dtype=np.int64)]
                                                  .sum()))
    cost, where = rows.cheapest(before, after)
    delta = cost[idx]
    ok = delta <= slack + EPS_M
    if not ok.any():
        return None
    ratio = np.where(ok, worth[idx] / np.maximum(delta, 1e-3), -1.0)
    k = int(idx[int(np.argmax(ratio))])
    pos = int(where[k])
    return [*loop[:pos], int(arcs[k]), *loop[pos:]]


def _reversal(inst: BeatInstance, officer: int, loop: Loop) -> tuple[float, int, int]:
    """Best 2-opt move: reverse arcs ``i..j`` (each walked the other way); its change in length."""
    n = len(loop)
    arr = np.asarray(loop, dtype=np.int64)
    before, after, gap = _gaps(inst, officer, loop)
    rev = inst.arc_rev[arr]
    has_rev = rev >= 0
    rr = np.where(has_rev, rev, arr)
    t_r, h_r = inst.arc_tail[rr], inst.arc_head[rr]
    inner_r = inst.dist[h_r[1:], t_r[:-1]] if n > 1 else np.zeros(0)
    bad_inner = ~np.isfinite(inner_r)
    inner_r = np.where(bad_inner, 0.0, inner_r)
    gap_c = np.concatenate([[0.0], np.cumsum(gap)])
    len_c = np.concatenate([[0.0], np.cumsum(inst.arc_len[arr])])
    lrev_c = np.concatenate([[0.0], np.cumsum(np.where(has_rev, inst.arc_len[rr], 0.0))])
    in_c = np.concatenate([[0.0], np.cumsum(inner_r)])
    bad_c = np.concatenate([[0], np.cumsum(~has_rev)])
    badin_c = np.concatenate([[0], np.cumsum(bad_inner)])
    i = np.arange(n)[:, None]
    j = np.arange(n)[None, :]
    old = gap[i] + gap[j + 1] + (gap_c[j + 1] - gap_c[i + 1]) + (len_c[j + 1] - len_c[i])
    new = (inst.dist[before[i], t_r[j]] + inst.dist[h_r[i], after[j + 1]]
           + (in_c[j] - in_c[i]) + (lrev_c[j + 1] - lrev_c[i]))
    valid = (j >= i) & (bad_c[j + 1] - bad_c[i] == 0) & (badin_c[np.maximum(j, i)] -
                                                          badin_c[i] == 0)
    delta = np.where(valid & np.isfinite(new), new - old, np.inf)
    flat = int(np.argmin(delta))
    bi, bj = divmod(flat, n)
    return float(delta[bi, bj]), bi, bj


def _relocation(inst: BeatInstance, officer: int, loop: Loop) -> tuple[float, Loop | None]:
    """Best move of one arc (either way round) to another place; its change in length."""
    n = len(loop)
    if n < 2:
        return 0.0, None
    arr = np.asarray(loop, dtype=np.int64)
    before, after, gap = _gaps(inst, officer, loop)
    d = inst.dist
    best, best_loop = 0.0, None
    for i in range(n):
        saving = gap[i] + inst.arc_len[arr[i]] + gap[i + 1] - d[before[i], after[i + 1]]
        if saving <= _GAIN_M:
            continue
        b2 = np.concatenate([before[:i], [before[i]], before[i + 2:]])
        a2 = np.concatenate([after[:i], [after[i + 1]], after[i + 2:]])
        g2 = d[b2, a2]
        for a in (int(arr[i]), int(inst.arc_rev[arr[i]])):
            if a < 0:
                continue
            cost = d[b2, inst.arc_tail[a]] + inst.arc_len[a] + d[inst.arc_head[a], a2] - g2
            cost[i] = np.inf  # the same place: not a move
            k = int(np.argmin(cost))
            change = float(cost[k]) - float(saving)
            if change < best - _GAIN_M:
                rest = [*loop[:i], *loop[i + 1:]]
                best, best_loop = change, [*rest[:k], a, *rest[k:]]
    return best, best_loop


def _drop_worthless(inst: BeatInstance, officer: int, loop: Loop,
                    free: np.ndarray) -> Loop | None:
    """The loop without the worthless arc whose removal saves the most, if any saves."""
    if not loop:
        return None
    arr = np.asarray(loop, dtype=np.int64)
    worthless = free[inst.arc_seg[arr]] <= 0
    if not worthless.any():
        return None
    before, after, gap = _gaps(inst, officer, loop)
    saving = gap[:-1] + inst.arc_len[arr] + gap[1:] - inst.dist[before[:-1], after[1:]]
    saving = np.where(worthless, saving, -np.inf)
    i = int(np.argmax(saving))
    if saving[i] <= _GAIN_M:
        return None
    return [*loop[:i], *loop[i + 1:]]


def shorten(inst: BeatInstance, officer: int, loop: Loop, free: np.ndarray) -> Loop:
    """The loop made as short as 2-opt, relocation and dropping worthless arcs can make it.

    The loop walks at least the streets of worth it walked before.
    """
    for _ in range(_MAX_ROUNDS):
        if not loop:
            return loop
        dropped = _drop_worthless(inst, officer, loop, free)
        if dropped is not None:
            loop = inst.canonical(officer, dropped)
            continue
        change, i, j = _reversal(inst, officer, loop)
        if change < -_GAIN_M:
            middle = [int(inst.arc_rev[a]) for a in reversed(loop[i:j + 1])]
            loop = inst.canonical(officer, [*loop[:i], *middle, *loop[j + 1:]])
            continue
        change, moved = _relocation(inst, officer, loop)
        if moved is not None and change < -_GAIN_M:
            loop = inst.canonical(officer, moved)
            continue
        return loop
    return loop


def improve(inst: BeatInstance, officer: int, loop: Loop, budget_m: float,
            free: np.ndarray, rows: GapRows | None = None) -> Loop:
    """Insert arcs while they fit, shorten, and again, until neither helps.

    Parameters
    ----------
    inst : BeatInstance
        The instance.
    officer : int
        Whose loop.
    loop : list of int
        A loop within ``budget_m``.
    budget_m : float
        The longest loop allowed (search metres).
    free : numpy.ndarray
        Worth of each segment to this officer.
    rows : GapRows, optional
        The officer's cache of insertion costs.

    Returns
    -------
    list of int
        A canonical loop within the budget, worth at least as much as ``loop``.
    """
    rows = rows or GapRows(inst, officer)
    loop = inst.canonical(officer, loop)
    for _ in range(_MAX_ROUNDS):
        while (nxt := insert_best(inst, officer, loop, budget_m, free, rows)) is not None:
            loop = inst.canonical(officer, nxt)
        before = inst.length(officer, loop)
        loop = shorten(inst, officer, loop, free)
        if inst.length(officer, loop) >= before - _GAIN_M:
            return loop  # nothing freed: no insertion fits that did not fit before
    return loop


def better(inst: BeatInstance, officer: int, new: Loop, old: Loop, free: np.ndarray) -> bool:
    """Whether ``new`` is worth more than ``old``, or as much and shorter."""
    wn, wo = loop_worth(inst, new, free), loop_worth(inst, old, free)
    scale = max(1.0, abs(wo))
    if wn > wo + 1e-9 * scale:
        return True
    return wn >= wo - 1e-9 * scale and (inst.length(officer, new)
                                        < inst.length(officer, old) - _GAIN_M)


def kick(inst: BeatInstance, officer: int, loop: Loop, budget_m: float, free: np.ndarray,
         rng: np.random.Generator, tries: int, rows: GapRows | None = None) -> Loop:
    """Iterated local search: cut a random stretch out, improve, keep it if it is better.

    Parameters
    ----------
    inst, officer, loop, budget_m, free
        As in :func:`improve`.
    rng : numpy.random.Generator
        Seeded by the caller, so that results repeat.
    tries : int
        Kicks to try.
    rows : GapRows, optional
        The officer's cache of insertion costs.

    Returns
    -------
    list of int
        The best loop found (``loop`` itself if no kick helped).
    """
    best = loop
    for _ in range(tries):
        n = len(best)
        if n == 0:
            return best
        k = int(rng.integers(1, max(1, n // 3) + 1))
        i = int(rng.integers(0, n - k + 1))
        # the streets cut out are off limits at first, so the loop looks elsewhere
        tabu = free.copy()
        tabu[inst.arc_seg[np.asarray(best[i:i + k], dtype=np.int64)]] = 0.0
        trial = improve(inst, officer, [*best[:i], *best[i + k:]], budget_m, tabu, rows)
        trial = improve(inst, officer, trial, budget_m, free, rows)
        if better(inst, officer, trial, best, free):
            best = trial
    return best


def seeded(inst: BeatInstance, officer: int, budget_m: float, free: np.ndarray, seeds: int,
           rows: GapRows | None = None) -> list[Loop]:
    """Loops built from scratch, each from one of the ``seeds`` streets worth the most.

    A loop grown from small, near streets can miss a valuable street that only a loop of
    its own reaches; these starts find it.
    """
    worth = free[inst.arc_seg]
    ok = np.flatnonzero((worth > 0) & (inst.reach[officer] <= budget_m + EPS_M))
    if not ok.size:
        return []
    order = ok[np.lexsort((ok, -worth[ok]))]
    out: list[Loop] = []
    taken: set[int] = set()
    for a in order.tolist():
        seg = int(inst.arc_seg[a])
        if seg in taken:
            continue
        taken.add(seg)
        out.append(improve(inst, officer, [a], budget_m, free, rows))
        if len(out) >= seeds:
            break
    return out
