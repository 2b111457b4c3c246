"""Rolling-origin backtest and per-series model choice.

Origins sit in the last ``horizon`` months of the history: with 36 months, a
12-month backtest horizon and 3 windows the models are fitted on months 1-24,
1-28 and 1-32 and scored on the 12, 8 and 4 months that follow each origin
(24 errors, weighted toward the near months a planner acts on). Every
training window keeps at least ``min_train`` months; a short series gets a
shorter backtest horizon, and a series too short for any origin gets none
(the engine then uses a fallback model).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from . import candidates as cands


@dataclass(frozen=True)
class BacktestPlan:
    origins: tuple[int, ...]  # training lengths
    horizon: int  # months scored after each origin (cut at the end of history)


def plan_origins(n: int, *, horizon: int, windows: int, min_train: int) -> BacktestPlan | None:
    """Training lengths for a rolling-origin backtest of a series of length n."""
    h = min(horizon, n - min_train)
    if h < 1 or windows < 1:
        return None
    step = max(1, math.ceil(h / windows))
    origins = sorted({n - h + step * j for j in range(windows) if n - h + step * j < n})
    return BacktestPlan(tuple(origins), h)


@dataclass
class CandidateScore:
    """Backtest outcome of one candidate on one series (scaled units)."""

    name: str
    actual: list[np.ndarray] = field(default_factory=list)
    forecast: list[np.ndarray] = field(default_factory=list)
    failed: str | None = None
    members: tuple[str, ...] = ()  # for the combination: the candidates it averages

    def pairs(self) -> tuple[np.ndarray, np.ndarray]:
        if not self.actual:
            return np.empty(0), np.empty(0)
        return np.concatenate(self.actual), np.concatenate(self.forecast)

    def score(self, metric: str) -> float:
        if self.failed is not None:
            return math.inf
        a, f = self.pairs()
        if not a.size:
            return math.inf
        e = f - a
        return float(np.sqrt(np.mean(e * e))) if metric == "rmse" else float(np.mean(np.abs(e)))


def is_sane(forecast: np.ndarray, train: np.ndarray, explode_factor: float) -> bool:
    """Reject runaway forecasts (e.g. a multiplicative trend on a short history)."""
    if not np.all(np.isfinite(forecast)):
        return False
    top = float(np.max(np.abs(train))) if train.size else 0.0
    return float(np.max(np.abs(forecast))) <= explode_factor * max(top, 1e-9)


def backtest(y: np.ndarray, names: tuple[str, ...], plan: BacktestPlan, *, season_length: int,
             seasonal: bool, combo: tuple[str, ...], explode_factor: float) -> dict[str, CandidateScore]:
    """Fit every candidate at every origin; returns the scores by name.

    A candidate that fails, or forecasts a runaway path, at any origin is
    marked failed (it is not trusted on this series). The combination is the
    equal-weight mean of those of its members that survived (two at least).
    """
    scores = {name: CandidateScore(name) for name in names}
    for origin in plan.origins:
        train = y[:origin]
        test = y[origin:origin + plan.horizon]
        h = test.size
        for name in names:
            sc = scores[name]
            if sc.failed is not None:
                continue
            try:
                mean, _, _ = cands.fit_predict(name, train, h, season_length, None, seasonal)
            except Exception as exc:  # any model failure disqualifies the candidate
                sc.failed = f"{type(exc).__name__}: {exc}"[:200]
                continue
            if not is_sane(mean, train, explode_factor):
                sc.failed = "runaway forecast"
                continue
            sc.actual.append(test)
            sc.forecast.append(mean)
    alive = tuple(m for m in combo if m in scores and scores[m].failed is None and scores[m].forecast)
    if len(alive) >= 2:
        first = scores[alive[0]]
        scores[cands.COMBO] = CandidateScore(
            cands.COMBO, list(first.actual),
            [np.mean([scores[m].forecast[i] for m in alive], axis=0) for i in range(len(first.actual))],
            members=alive)
    return scores


def choose(scores: dict[str, CandidateScore], metric: str) -> list[str]:
    """Candidate names ranked best first (ties keep the candidate order)."""
    ranked = sorted(scores, key=lambda name: scores[name].score(metric))
    return [name for name in ranked if math.isfinite(scores[name].score(metric))]
