"""Tests for safepassage.locate: MCLP, partial LSCP, coverage curves and the officer pool."""

from __future__ import annotations

import itertools
import math
from pathlib import Path

import numpy as np
import pytest
import scipy.sparse as sp

from safepassage.errors import InputError
from safepassage.locate import (
    CoveringModel,
    MaximalCovering,
    SetCovering,
    SolverUnavailableError,
    allocate_pool,
    coverage_curve,
    solvers,
)

WEST_OAKLAND = Path(__file__).resolve().parents[1] / "geodata/test/west_oakland.osm.bz2"


# ---------------------------------------------------------------------------------------------
# instances and brute force
# ---------------------------------------------------------------------------------------------


def random_instance(
    seed: int, n_cand: int = 8, n_seg: int = 15, density: float = 0.25
) -> tuple[sp.csr_array, np.ndarray]:
    rng = np.random.default_rng(seed)
    covers = sp.csr_array(rng.random((n_cand, n_seg)) < density)
    weights = np.round(rng.lognormal(0, 1, n_seg), 3)
    return covers, weights


def grid_instance(seed: int, side: int = 12, radius: float = 250.0, n_cand: int = 60):
    """Small street grid: candidates at intersections cover segments whose midpoint is in reach."""
    from scipy.sparse.csgraph import dijkstra

    rng = np.random.default_rng(seed)
    ii, jj = np.meshgrid(np.arange(side), np.arange(side), indexing="ij")
    xy = np.column_stack([jj.ravel(), ii.ravel()]) * 80.0 + rng.normal(0, 8, (side * side, 2))
    node = ii * side + jj
    edges = np.concatenate([
        np.column_stack([node[:, :-1].ravel(), node[:, 1:].ravel()]),
        np.column_stack([node[:-1, :].ravel(), node[1:, :].ravel()]),
    ])
    edges = edges[rng.random(len(edges)) > 0.08]
    length = np.linalg.norm(xy[edges[:, 0]] - xy[edges[:, 1]], axis=1)
    n = side * side
    adj = sp.coo_array(
        (np.r_[length, length], (np.r_[edges[:, 0], edges[:, 1]], np.r_[edges[:, 1], edges[:, 0]])),
        shape=(n, n),
    ).tocsr()
    cand = np.sort(rng.choice(n, n_cand, replace=False))
    dist = dijkstra(adj, directed=False, indices=cand, limit=radius)
    cost = np.minimum(dist[:, edges[:, 0]], dist[:, edges[:, 1]]) + length / 2
    weights = length * rng.lognormal(0, 0.7, len(edges))
    return cost, weights


def objective(covers, weights, sel, backup=None):
    cnt = np.asarray(covers[list(sel)].sum(axis=0)).ravel() if len(sel) else np.zeros(
        covers.shape[1]
    )
    value = float(weights[cnt >= 1].sum())
    if backup is not None:
        value += backup["factor"] * float(np.asarray(backup["weights"])[cnt >= 2].sum())
    return value


def brute_mclp(covers, weights, p, locked=(), banned=(), backup=None) -> float:
    free = [j for j in range(covers.shape[0]) if j not in locked and j not in banned]
    best = -math.inf
    for extra in itertools.combinations(free, p - len(locked)):
        best = max(best, objective(covers, weights, list(locked) + list(extra), backup))
    return best


def brute_lscp(covers, weights, need: float, banned=()) -> int:
    allowed = [j for j in range(covers.shape[0]) if j not in banned]
    for k in range(len(allowed) + 1):
        for sel in itertools.combinations(allowed, k):
            if objective(covers, weights, sel) >= need * (1 - 1e-12):
                return k
    raise AssertionError("unreachable target")


# ---------------------------------------------------------------------------------------------
# the models' shared API (one base class, spopt-style)
# ---------------------------------------------------------------------------------------------

#: Each model with its size argument: posts for MCLP, target share for LSCP.
MODELS = [(MaximalCovering, 3), (SetCovering, 0.8)]


def test_both_models_share_one_abstract_base():
    assert issubclass(MaximalCovering, CoveringModel)
    assert issubclass(SetCovering, CoveringModel)
    with pytest.raises(TypeError, match="abstract"):
        CoveringModel(None, "base")  # type: ignore[abstract]


@pytest.mark.parametrize(("cls", "size"), MODELS)
def test_coverage_matrix_and_cost_matrix_constructors_build_the_same_model(cls, size):
    cost, weights = grid_instance(3, side=8, n_cand=20)
    covers = CoveringModel.coverage_from_costs(cost, 250.0)
    assert covers.dtype == bool
    assert covers.toarray().tolist() == (cost <= 250.0).tolist()
    a = cls.from_coverage_matrix(cost <= 250.0, weights, size, locked=[1], banned=[0], name="a")
    b = cls.from_cost_matrix(cost, weights, 250.0, size, locked=[1], banned=[0], name="b")
    assert cls.from_coverage == cls.from_coverage_matrix  # the former name still works
    for model, name in ((a, "a"), (b, "b")):  # the input, as attributes, before solving
        assert model.name == name
        assert model.locked.tolist() == [1] and model.banned.tolist() == [0]
        assert model.weights.tolist() == weights.tolist()
        assert model.total_weight == pytest.approx(weights.sum())
        assert model.status == "not solved" and model.method == ""
        assert model.selected.size == 0 and not model.covered.any()
    assert (a.covers != b.covers).nnz == 0
    assert a.solve("exact") is a  # solve returns the model itself
    b.solve("exact")
    assert a.selected.tolist() == b.selected.tolist()
    assert a.covered_weight == b.covered_weight


@pytest.mark.parametrize(("cls", "size"), MODELS)
@pytest.mark.parametrize("method", ["exact", "greedy"])
def test_results_are_attributes_after_solve(cls, size, method):
    covers, weights = random_instance(6, n_cand=15, n_seg=50, density=0.12)
    model = cls.from_coverage_matrix(covers, weights, size).solve(method)
    times = np.asarray(covers[model.selected].sum(axis=0)).ravel()
    assert model.selected.dtype == np.intp and np.all(np.diff(model.selected) > 0)
    assert model.p == model.selected.size > 0
    assert model.times_covered.tolist() == times.tolist()
    assert model.covered.tolist() == (times >= 1).tolist()
    assert model.covered_weight == pytest.approx(weights[times >= 1].sum())
    reference = model.total_weight if cls is MaximalCovering else model.basis_weight
    assert model.coverage_fraction == pytest.approx(model.covered_weight / reference)
    assert model.method == method and model.status not in ("", "not solved")
    assert model.solve_seconds > 0 and model.fallback_reason is None
    if method == "exact":
        assert set(model.model_size) == {"candidates", "segment_groups", "segments",
                                         "dominated"}


def test_solving_again_starts_from_the_input_notes():
    covers, weights = random_instance(3, n_cand=5)
    model = MaximalCovering.from_coverage_matrix(covers, weights, 9)
    for method in ("greedy", "exact", "greedy"):
        model.solve(method)
        assert sum("clipped" in n for n in model.notes) == 1
        assert model.method == method


# ---------------------------------------------------------------------------------------------
# maximal covering
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
@pytest.mark.parametrize("local_search", [True, False])  # False: CBC always runs
def test_exact_equals_brute_force_on_tiny_instances(seed, local_search):
    covers, weights = random_instance(seed)
    for p in range(1, 5):
        model = MaximalCovering.from_coverage(covers, weights, p).solve(
            "exact", local_search=local_search
        )
        assert model.method == "exact"
        if not local_search:
            assert model.status == "optimal" or "trivial" in model.status
        assert model.selected.size == p
        assert model.covered_weight == pytest.approx(brute_mclp(covers, weights, p), rel=1e-9)
        assert model.gap == 0
        assert model.upper_bound == pytest.approx(model.objective)
        assert model.covered_weight == pytest.approx(objective(covers, weights, model.selected))


@pytest.mark.parametrize("seed", [4, 5])
def test_exact_equals_brute_force_with_locked_and_banned(seed):
    covers, weights = random_instance(seed)
    locked, banned = (2,), (0, 5)
    for p in range(1, 5):
        model = MaximalCovering.from_coverage(
            covers, weights, p, locked=locked, banned=banned
        ).solve("exact")
        assert model.covered_weight == pytest.approx(
            brute_mclp(covers, weights, p, locked, banned), rel=1e-9
        )
        assert 2 in model.selected
        assert not set(model.selected) & {0, 5}


@pytest.mark.parametrize("seed", range(6))
def test_exact_never_worse_than_greedy_and_bounds_hold(seed):
    covers, weights = random_instance(seed, n_cand=40, n_seg=150, density=0.06)
    for p in (3, 6, 10):
        exact = MaximalCovering.from_coverage(covers, weights, p).solve("exact")
        for local_search in (True, False):
            greedy = MaximalCovering.from_coverage(covers, weights, p).solve(
                "greedy", local_search=local_search
            )
            assert greedy.method == "greedy"
            assert greedy.selected.size == p
            assert exact.covered_weight >= greedy.covered_weight - 1e-9
            # the greedy bound is a true upper bound on the optimum
            assert greedy.upper_bound >= exact.covered_weight * (1 - 1e-9)
            assert greedy.gap == pytest.approx(
                (greedy.upper_bound - greedy.objective) / greedy.upper_bound, abs=1e-6
            )
            assert 0 <= greedy.gap < 1


def test_plain_greedy_is_the_marginal_gain_rule():
    covers, weights = random_instance(11, n_cand=30, n_seg=80, density=0.1)
    model = MaximalCovering.from_coverage(covers, weights, 5).solve("greedy", local_search=False)
    # replay: each pick has the largest marginal gain given the earlier ones
    chosen: list[int] = []
    for _ in range(5):
        gains = [
            -1.0 if j in chosen else objective(covers, weights, [*chosen, j])
            for j in range(30)
        ]
        chosen.append(int(np.argmax(gains)))
    assert sorted(chosen) == model.selected.tolist()


def test_real_street_network_west_oakland():
    ox = pytest.importorskip("osmnx")
    from scipy.sparse.csgraph import dijkstra

    if not WEST_OAKLAND.exists():
        pytest.skip("West Oakland extract not available")
    graph = ox.project_graph(ox.graph_from_xml(WEST_OAKLAND, bidirectional=True))
    nodes = list(graph.nodes)
    index = {n: i for i, n in enumerate(nodes)}
    seg: dict[tuple[int, int], float] = {}
    for u, v, data in graph.edges(data=True):
        key = (min(index[u], index[v]), max(index[u], index[v]))
        seg[key] = min(seg.get(key, math.inf), float(data["length"]))
    ends = np.array(list(seg))
    length = np.array(list(seg.values()))
    rows = np.r_[ends[:, 0], ends[:, 1]]
    cols = np.r_[ends[:, 1], ends[:, 0]]
    adj = sp.csr_array((np.r_[length, length], (rows, cols)), shape=(len(nodes),) * 2)
    dist = dijkstra(adj, directed=False, limit=250.0)
    cost = np.minimum(dist[:, ends[:, 0]], dist[:, ends[:, 1]]) + length / 2
    weights = length * np.random.default_rng(3).lognormal(0, 0.8, len(length))
    covers = cost <= 150.0
    for p in (1, 2, 3):
        exact = MaximalCovering.from_cost_matrix(cost, weights, 150.0, p).solve("exact")
        greedy = MaximalCovering.from_cost_matrix(cost, weights, 150.0, p).solve("greedy")
        best = brute_mclp(sp.csr_array(covers), weights, p)
        assert exact.covered_weight == pytest.approx(best, rel=1e-9)
        assert greedy.covered_weight <= exact.covered_weight + 1e-9


def test_realistic_grid_exact_vs_greedy():
    cost, weights = grid_instance(5)
    for p in (3, 8):
        exact = MaximalCovering.from_cost_matrix(cost, weights, 250.0, p).solve("exact")
        greedy = MaximalCovering.from_cost_matrix(cost, weights, 250.0, p).solve("greedy")
        assert exact.status.startswith("optimal")
        assert exact.covered_weight >= greedy.covered_weight - 1e-9
        assert greedy.upper_bound >= exact.covered_weight * (1 - 1e-9)
        assert exact.coverage_fraction - greedy.coverage_fraction < 0.05


def test_locked_always_selected_and_banned_never():
    covers, weights = random_instance(21, n_cand=30, n_seg=90, density=0.08)
    locked, banned = [3, 17], [0, 1, 2, 4, 5]
    for method in ("exact", "greedy", "auto"):
        for p in (2, 4, 7):
            model = MaximalCovering.from_coverage(
                covers, weights, p, locked=locked, banned=banned
            ).solve(method)
            assert set(locked) <= set(model.selected.tolist())
            assert not set(banned) & set(model.selected.tolist())
            assert model.selected.size == p


def test_coverage_never_falls_when_p_increases():
    covers, weights = random_instance(8, n_cand=25, n_seg=80, density=0.08)
    exact = coverage_curve(covers, weights, 8, method="exact")
    greedy = coverage_curve(covers, weights, 8, method="greedy")
    assert exact[0] == 0
    assert np.all(np.diff(exact) >= -1e-9)
    assert np.all(np.diff(greedy) >= -1e-9)
    assert np.all(exact >= greedy - 1e-9)
    for p in (1, 4, 8):
        solo = MaximalCovering.from_coverage(covers, weights, p).solve("exact")
        assert exact[p] == pytest.approx(solo.covered_weight)


def test_coverage_curve_with_locked_and_beyond_candidates():
    covers, weights = random_instance(9, n_cand=6, n_seg=20, density=0.3)
    curve = coverage_curve(covers, weights, 9, locked=[1, 2], banned=[0])
    assert np.isnan(curve[:2]).all()
    assert np.all(np.diff(curve[2:]) >= -1e-9)
    # only 5 allowed candidates: flat from p = 5 on, at everything the allowed ones reach
    assert np.all(curve[5:] == curve[5])
    reach = np.asarray(covers[[1, 2, 3, 4, 5]].sum(axis=0)).ravel() > 0
    assert curve[5] == pytest.approx(weights[reach].sum())


def test_backup_covers_the_heavy_segment_twice():
    # segment 0 is heavy; posts 0 and 1 both cover it, post 2 covers two light segments
    covers = sp.csr_array(
        np.array(
            [
                [1, 1, 0, 0, 0],
                [1, 0, 1, 0, 0],
                [0, 0, 0, 1, 1],
            ],
            dtype=bool,
        )
    )
    weights = np.array([10.0, 1.0, 1.0, 1.0, 1.0])
    plain = MaximalCovering.from_coverage(covers, weights, 2).solve("exact")
    assert plain.selected.tolist() == [0, 2]
    backup = {"weights": np.array([10.0, 0, 0, 0, 0]), "factor": 0.5}
    for method in ("exact", "greedy"):
        model = MaximalCovering.from_coverage(covers, weights, 2, backup=backup).solve(method)
        assert model.selected.tolist() == [0, 1]
        assert model.times_covered[0] == 2
        assert model.backup_weight == 10.0
        assert model.objective == pytest.approx(12.0 + 5.0)


@pytest.mark.parametrize("seed", range(5))
@pytest.mark.parametrize("factor", [0.5, 3.0])
def test_backup_exact_equals_brute_force(seed, factor):
    covers, weights = random_instance(seed + 40, density=0.35)
    rng = np.random.default_rng(seed)
    heavy = weights >= np.quantile(weights, 0.7)
    backup = {"weights": np.where(heavy, weights, 0.0) * rng.uniform(0.5, 1.5, weights.size),
              "factor": factor}
    for p in (2, 3, 4):
        best = brute_mclp(covers, weights, p, backup=backup)
        for local_search in (True, False):
            exact = MaximalCovering.from_coverage(covers, weights, p, backup=backup).solve(
                "exact", local_search=local_search
            )
            assert exact.objective == pytest.approx(best, rel=1e-9)
        greedy = MaximalCovering.from_coverage(covers, weights, p, backup=backup).solve("greedy")
        assert greedy.objective <= exact.objective + 1e-9
        assert greedy.upper_bound >= exact.objective * (1 - 1e-9)


def test_p_above_candidates_is_clipped_with_a_note():
    covers, weights = random_instance(3, n_cand=5)
    model = MaximalCovering.from_coverage(covers, weights, 9, banned=[4]).solve("exact")
    assert model.p == 4 and model.p_requested == 9
    assert any("clipped" in n for n in model.notes)
    assert model.selected.tolist() == [0, 1, 2, 3]


def test_posts_that_add_nothing_are_filled_deterministically():
    covers = sp.csr_array(np.array([[1, 1, 0], [1, 0, 0], [0, 0, 0], [0, 0, 1]], dtype=bool))
    weights = np.array([1.0, 1.0, 0.0])
    model = MaximalCovering.from_coverage(covers, weights, 3).solve("exact")
    assert model.covered_weight == 2.0
    assert model.selected.size == 3
    assert 0 in model.selected
    again = MaximalCovering.from_coverage(covers, weights, 3).solve("exact")
    assert again.selected.tolist() == model.selected.tolist()


def test_from_cost_matrix_dense_and_sparse_agree():
    cost, weights = grid_instance(2, side=8, n_cand=20)
    covers = cost <= 250.0
    a = MaximalCovering.from_coverage(covers, weights, 4).solve("exact")
    b = MaximalCovering.from_cost_matrix(cost, weights, 250.0, 4).solve("exact")
    finite = np.where(np.isfinite(cost), cost, 0.0)
    sparse_cost = sp.csr_array(finite)  # unreachable = not stored
    c = MaximalCovering.from_cost_matrix(sparse_cost, weights, 250.0, 4).solve("exact")
    # a stored zero distance counts as covered
    assert a.covered_weight == pytest.approx(b.covered_weight)
    assert b.selected.tolist() == a.selected.tolist()
    assert c.covered_weight <= b.covered_weight + 1e-9  # sparse drops explicit-zero entries only
    zero = sp.coo_array((np.array([0.0]), (np.array([0]), np.array([1]))), shape=(2, 3))
    m = MaximalCovering.from_cost_matrix(zero, np.ones(3), 10.0, 1).solve("exact")
    assert m.covered.tolist() == [False, True, False]


def test_same_input_gives_identical_output():
    cost, weights = grid_instance(7)
    runs = [
        MaximalCovering.from_cost_matrix(cost, weights, 250.0, 6).solve(method)
        for method in ("exact", "exact", "greedy", "greedy")
    ]
    assert runs[0].selected.tolist() == runs[1].selected.tolist()
    assert runs[2].selected.tolist() == runs[3].selected.tolist()
    assert runs[0].covered_weight == runs[1].covered_weight
    assert runs[2].upper_bound == runs[3].upper_bound
    # greedy ties go to the lowest index: identical candidates
    covers = sp.csr_array(np.array([[1, 0], [1, 0], [0, 1], [0, 1]], dtype=bool))
    tie = MaximalCovering.from_coverage(covers, [1.0, 1.0], 2).solve(
        "greedy", local_search=False
    )
    assert tie.selected.tolist() == [0, 2]


def test_auto_falls_back_to_greedy_when_cbc_is_missing(monkeypatch):
    covers, weights = random_instance(12, n_cand=20, n_seg=60, density=0.1)
    monkeypatch.setattr(solvers, "cbc_available", lambda: False)
    # without local search there is no heuristic that could prove optimality: CBC is needed
    model = MaximalCovering.from_coverage(covers, weights, 4).solve("auto", local_search=False)
    assert model.method == "greedy"
    assert "not available" in model.fallback_reason
    assert "fallback" in model.status
    with pytest.raises(SolverUnavailableError, match="not available"):
        MaximalCovering.from_coverage(covers, weights, 4).solve("exact", local_search=False)
    # with it, the answer is either proven by the LP bound or a flagged fallback
    for p in range(1, 8):
        model = MaximalCovering.from_coverage(covers, weights, p).solve("auto")
        assert (model.method == "exact" and model.gap == 0) or model.fallback_reason
    monkeypatch.setattr(solvers, "lp_solve", lambda model: None)  # no LP proof either
    lscp = SetCovering.from_coverage(covers, weights, 0.7).solve("auto")
    assert lscp.method == "greedy" and "not available" in lscp.fallback_reason


def test_auto_uses_exact_when_available():
    covers, weights = random_instance(13, n_cand=20, n_seg=60, density=0.1)
    model = MaximalCovering.from_coverage(covers, weights, 4).solve("auto")
    assert model.method == "exact" and model.fallback_reason is None
    assert model.status.startswith("optimal") and model.gap == 0
    assert "optimal" in model.summary()


# ---------------------------------------------------------------------------------------------
# set covering
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("target", [0.5, 0.8, 1.0])
@pytest.mark.parametrize("force_cbc", [False, True])
def test_set_covering_minimal_p_matches_brute_force(seed, target, force_cbc, monkeypatch):
    covers, weights = random_instance(seed)
    if force_cbc:  # without the LP, the heuristic cannot prove itself optimal: CBC decides
        monkeypatch.setattr(solvers, "lp_solve", lambda model: None)
    exact = SetCovering.from_coverage(covers, weights, target).solve("exact")
    assert exact.method == "exact"
    need = target * exact.coverable_weight
    assert exact.p == brute_lscp(covers, weights, need)
    assert exact.covered_weight >= need * (1 - 1e-9)
    assert exact.lower_bound == exact.p
    greedy = SetCovering.from_coverage(covers, weights, target).solve("greedy")
    assert greedy.p >= exact.p
    assert greedy.covered_weight >= need * (1 - 1e-9)
    assert greedy.lower_bound <= exact.p


def test_set_covering_unreachable_target_aims_at_achievable():
    covers, weights = random_instance(1)
    banned = [0, 1, 2]
    model = SetCovering.from_coverage(covers, weights, 1.0, banned=banned).solve("exact")
    assert model.achievable_fraction < 1.0
    assert any("achievable" in n for n in model.notes)
    assert model.coverage_fraction == pytest.approx(model.achievable_fraction)
    assert model.p == brute_lscp(covers, weights, model.achievable_weight, banned)
    assert not set(banned) & set(model.selected.tolist())


def test_set_covering_locked_and_total_basis():
    covers, weights = random_instance(2)
    model = SetCovering.from_coverage(covers, weights, 0.6, locked=[7]).solve("exact")
    assert 7 in model.selected
    total = SetCovering.from_coverage(covers, weights, 0.6, basis="total").solve("exact")
    assert total.basis_weight == pytest.approx(weights.sum())
    assert total.covered_weight >= 0.6 * weights.sum() * (1 - 1e-9) or any(
        "achievable" in n for n in total.notes
    )
    zero = SetCovering.from_coverage(covers, weights, 0.0).solve("exact")
    assert zero.p == 0


# ---------------------------------------------------------------------------------------------
# shared pool
# ---------------------------------------------------------------------------------------------


def brute_pool(curves, n, minimum=None):
    names = list(curves)
    minimum = minimum or {}
    best_val, best_cnt = -math.inf, math.inf
    for counts in itertools.product(*(range(len(curves[k])) for k in names)):
        pairs = list(zip(names, counts, strict=True))
        if sum(counts) > n or any(c < minimum.get(k, 0) for k, c in pairs):
            continue
        vals = [curves[k][c] for k, c in zip(names, counts, strict=True)]
        if not all(math.isfinite(v) for v in vals):
            continue
        total = sum(vals)
        if total > best_val + 1e-9 or (abs(total - best_val) <= 1e-9 and sum(counts) < best_cnt):
            best_val, best_cnt = total, sum(counts)
    return best_val, best_cnt


@pytest.mark.parametrize("seed", range(8))
def test_allocate_pool_matches_brute_force(seed):
    rng = np.random.default_rng(seed)
    curves = {}
    for name in ("Jordan Downs", "Nickerson Gardens", "Imperial Courts"):
        steps = rng.integers(0, 6, size=int(rng.integers(3, 7))).astype(float)
        steps[rng.random(steps.size) < 0.25] = 0.0  # officers who add nothing
        curves[name] = np.r_[0.0, np.cumsum(steps)].tolist()
    for n in range(0, 12):
        got = allocate_pool(curves, n)
        assert set(got) == set(curves) and sum(got.values()) <= n
        total = sum(curves[k][c] for k, c in got.items())
        best, fewest = brute_pool(curves, n)
        assert total == pytest.approx(best)
        assert sum(got.values()) == fewest  # no officer who adds nothing
    minimum = {"Imperial Courts": 2}
    got = allocate_pool(curves, 6, minimum=minimum)
    assert got["Imperial Courts"] >= 2
    best, fewest = brute_pool(curves, 6, minimum)
    assert sum(curves[k][c] for k, c in got.items()) == pytest.approx(best)
    assert sum(got.values()) == fewest


def test_allocate_pool_with_curves_from_coverage_and_nan_prefix():
    covers, weights = random_instance(30, n_cand=10, n_seg=30, density=0.2)
    curves = {
        "a": coverage_curve(covers, weights, 4),
        "b": coverage_curve(covers, weights * 2, 4, locked=[0]),  # NaN at 0 officers
        "c": coverage_curve(covers, weights[::-1].copy(), 4, method="greedy"),
    }
    got = allocate_pool(curves, 5)
    assert got["b"] >= 1
    best, _ = brute_pool({k: list(v) for k, v in curves.items()}, 5)
    assert sum(curves[k][c] for k, c in got.items()) == pytest.approx(best)
    assert list(got) == ["a", "b", "c"]
    # order of the mapping does not change the answer
    flipped = allocate_pool(dict(reversed(list(curves.items()))), 5)
    assert flipped == got


# ---------------------------------------------------------------------------------------------
# bad input
# ---------------------------------------------------------------------------------------------


def test_bad_inputs_raise_input_error_naming_the_problem():
    covers, weights = random_instance(0)
    cases = [
        (lambda: MaximalCovering.from_coverage(covers, weights, 1, locked=[1, 2]), "locked"),
        (lambda: MaximalCovering.from_coverage(covers, weights, 2, locked=[1], banned=[1]),
         "both locked and banned"),
        (lambda: MaximalCovering.from_coverage(covers, weights[:-1], 2), "shape mismatch"),
        (lambda: MaximalCovering.from_coverage(covers, -weights, 2), "non-negative"),
        (lambda: MaximalCovering.from_coverage(covers, weights, -1), "p must be ≥ 0"),
        (lambda: MaximalCovering.from_coverage(covers, weights, 2.5), "p must be an integer"),
        (lambda: MaximalCovering.from_coverage(covers, weights, 2, banned=[99]), "outside"),
        (lambda: MaximalCovering.from_coverage(np.ones(5), np.ones(5), 1), "2-D"),
        (lambda: MaximalCovering.from_coverage(
            covers, weights, 2, backup={"weights": weights[:3], "factor": 1.0}), "backup"),
        (lambda: MaximalCovering.from_coverage(
            covers, weights, 2, backup={"weights": weights, "factor": -1}), "factor"),
        (lambda: MaximalCovering.from_coverage(covers, np.r_[weights[:-1], np.nan], 2), "NaN"),
        (lambda: MaximalCovering.from_cost_matrix(np.ones((8, 15)), weights, -5, 2),
         "service_radius"),
        (lambda: MaximalCovering.from_coverage(covers, weights, 2).solve("best"), "method"),
        (lambda: MaximalCovering.from_coverage(covers, weights, 2).solve(time_limit=0),
         "time_limit"),
        (lambda: SetCovering.from_coverage(covers, weights, 1.5), "target_fraction"),
        (lambda: SetCovering.from_coverage(covers, weights, 0.5, locked=[0], banned=[0]),
         "both locked and banned"),
        (lambda: allocate_pool({"a": [0, 1]}, 2, minimum={"b": 1}), "unknown site"),
        (lambda: allocate_pool({"a": [0, 1], "b": [0, 2]}, 1, minimum={"a": 1, "b": 1}),
         "minimums add up"),
        (lambda: allocate_pool({"a": [0, 1]}, 3, minimum={"a": 2}), "exceeds its curve"),
        (lambda: allocate_pool({"a": []}, 3), "non-empty"),
        (lambda: allocate_pool({"a": [math.nan, math.nan, 1.0]}, 1), "no feasible split"),
    ]
    for make, message in cases:
        with pytest.raises(InputError, match=message):
            make()


def test_time_limited_cbc_result_is_checked_against_the_heuristic(monkeypatch):
    covers, weights = random_instance(14, n_cand=12, n_seg=40, density=0.15)

    def stopped_early(model, name, time_limit, msg, start):
        x = np.zeros(model.n_x, dtype=bool)
        if model.maximize:  # a poor incumbent: the last p candidates of the model
            x[model.n_x - int(model.b_eq[0]):] = True
        else:  # set covering: every candidate
            x[:] = True
        return solvers.CbcResult(x, False, "time limit reached: feasible, not proven optimal")

    monkeypatch.setattr(solvers, "solve_cbc", stopped_early)
    model = MaximalCovering.from_coverage(covers, weights, 3).solve("exact", time_limit=1)
    best = brute_mclp(covers, weights, 3)
    assert "time limit" in model.status
    assert model.covered_weight <= best + 1e-9
    assert model.upper_bound >= best * (1 - 1e-9)
    assert 0 <= model.gap < 1
    if model.method == "greedy":
        assert "heuristic kept" in model.status and model.notes
    monkeypatch.setattr(solvers, "lp_solve", lambda model: None)  # force the CBC path
    lscp = SetCovering.from_coverage(covers, weights, 0.7).solve("exact", time_limit=1)
    assert lscp.method == "greedy" and "heuristic kept" in lscp.status
    assert lscp.p < 12
    assert lscp.lower_bound <= lscp.p
    assert lscp.covered_weight >= 0.7 * lscp.coverable_weight * (1 - 1e-9)
