"""A linear program held as numpy arrays, and its conversion to a mathopt proto.

Variables and rows are added in blocks (one call per block, never per
variable): :meth:`LinearProgram.var` returns an index array of the block's
shape, with ``-1`` where the mask leaves a variable out; :meth:`coef` adds
broadcast (row, column, value) triples and silently drops entries whose row or
column is ``-1`` or whose value is 0. The objective is maximized.
"""

from __future__ import annotations

from typing import Any

import numpy as np

INF = np.inf


class LinearProgram:
    """Array-built LP/MIP: ``max c.x + offset  s.t.  rlb <= A x <= rub,  lb <= x <= ub``."""

    def __init__(self) -> None:
        self.n = 0
        self.m = 0
        self._lb: list[np.ndarray] = []
        self._ub: list[np.ndarray] = []
        self._obj: list[np.ndarray] = []
        self._int: list[np.ndarray] = []
        self._rlb: list[np.ndarray] = []
        self._rub: list[np.ndarray] = []
        self._rows: list[np.ndarray] = []
        self._cols: list[np.ndarray] = []
        self._vals: list[np.ndarray] = []
        self.offset = 0.0
        self.var_blocks: dict[str, np.ndarray] = {}
        self.row_blocks: dict[str, np.ndarray] = {}
        self._frozen: dict[str, np.ndarray] | None = None

    # -- building -------------------------------------------------------
    def var(
        self,
        name: str,
        shape: tuple[int, ...],
        mask: Any = True,
        lb: Any = 0.0,
        ub: Any = INF,
        obj: Any = 0.0,
        integer: bool | np.ndarray = False,
    ) -> np.ndarray:
        """Add a block of variables; returns indices (``-1`` where masked out)."""
        mask = np.broadcast_to(np.asarray(mask, dtype=bool), shape)
        idx = np.full(shape, -1, dtype=np.int64)
        count = int(mask.sum())
        idx[mask] = np.arange(self.n, self.n + count)
        self.n += count
        self._lb.append(np.broadcast_to(np.asarray(lb, dtype=float), shape)[mask].copy())
        self._ub.append(np.broadcast_to(np.asarray(ub, dtype=float), shape)[mask].copy())
        self._obj.append(np.broadcast_to(np.asarray(obj, dtype=float), shape)[mask].copy())
        self._int.append(np.broadcast_to(np.asarray(integer, dtype=bool), shape)[mask].copy())
        self.var_blocks[name] = idx
        self._frozen = None
        return idx

    def rows(
        self, name: str, shape: tuple[int, ...], mask: Any = True, lb: Any = -INF, ub: Any = INF
    ) -> np.ndarray:
        """Add a block of rows ``lb <= a.x <= ub``; returns row indices (``-1`` where masked out)."""
        mask = np.broadcast_to(np.asarray(mask, dtype=bool), shape)
        idx = np.full(shape, -1, dtype=np.int64)
        count = int(mask.sum())
        idx[mask] = np.arange(self.m, self.m + count)
        self.m += count
        self._rlb.append(np.broadcast_to(np.asarray(lb, dtype=float), shape)[mask].copy())
        self._rub.append(np.broadcast_to(np.asarray(ub, dtype=float), shape)[mask].copy())
        self.row_blocks[name] = idx
        self._frozen = None
        return idx

    def coef(self, rows: Any, cols: Any, vals: Any = 1.0) -> None:
        """Add coefficients; arguments broadcast together."""
        r, c, v = np.broadcast_arrays(np.asarray(rows), np.asarray(cols), np.asarray(vals, dtype=float))
        keep = (r >= 0) & (c >= 0) & (v != 0)
        if keep.any():
            self._rows.append(r[keep].astype(np.int64))
            self._cols.append(c[keep].astype(np.int64))
            self._vals.append(v[keep])
            self._frozen = None

    # -- arrays ---------------------------------------------------------
    def arrays(self) -> dict[str, np.ndarray]:
        """Concatenated arrays; the matrix sorted row-major with duplicates summed."""
        if self._frozen is not None:
            return self._frozen

        def cat(parts: list[np.ndarray], dtype: Any) -> np.ndarray:
            return np.concatenate(parts).astype(dtype, copy=False) if parts else np.zeros(0, dtype=dtype)

        rows = cat(self._rows, np.int64)
        cols = cat(self._cols, np.int64)
        vals = cat(self._vals, float)
        key = rows * max(self.n, 1) + cols
        order = np.argsort(key, kind="stable")
        key, vals = key[order], vals[order]
        if len(key) > 1 and np.any(key[1:] == key[:-1]):
            uniq, start = np.unique(key, return_index=True)
            vals = np.add.reduceat(vals, start)
            key = uniq
            nz = vals != 0
            key, vals = key[nz], vals[nz]
        self._frozen = {
            "lb": cat(self._lb, float),
            "ub": cat(self._ub, float),
            "obj": cat(self._obj, float),
            "integer": cat(self._int, bool),
            "rlb": cat(self._rlb, float),
            "rub": cat(self._rub, float),
            "rows": key // max(self.n, 1),
            "cols": key % max(self.n, 1),
            "vals": vals,
        }
        # Keep the pieces small: later calls reuse the frozen arrays.
        self._rows, self._cols, self._vals = (
            [self._frozen["rows"]],
            [self._frozen["cols"]],
            [self._frozen["vals"]],
        )
        self._lb, self._ub, self._obj, self._int = (
            [self._frozen["lb"]],
            [self._frozen["ub"]],
            [self._frozen["obj"]],
            [self._frozen["integer"]],
        )
        self._rlb, self._rub = [self._frozen["rlb"]], [self._frozen["rub"]]
        return self._frozen

    @property
    def nnz(self) -> int:
        return int(len(self.arrays()["vals"]))

    def objective_value(self, x: np.ndarray) -> float:
        return float(self.arrays()["obj"] @ x + self.offset)

    def to_proto(
        self, lb: np.ndarray | None = None, ub: np.ndarray | None = None, relax: bool = False
    ) -> Any:
        """The mathopt ``ModelProto`` (optionally with overridden bounds / integrality relaxed)."""
        from ortools.math_opt import model_pb2

        a = self.arrays()
        proto = model_pb2.ModelProto()
        ids = np.arange(self.n, dtype=np.int64)
        var = proto.variables
        var.ids.extend(ids)
        var.lower_bounds.extend(a["lb"] if lb is None else lb)
        var.upper_bounds.extend(a["ub"] if ub is None else ub)
        var.integers.extend(np.zeros(self.n, dtype=bool) if relax else a["integer"])
        proto.objective.maximize = True
        proto.objective.offset = self.offset
        nz = np.flatnonzero(a["obj"])
        proto.objective.linear_coefficients.ids.extend(nz)
        proto.objective.linear_coefficients.values.extend(a["obj"][nz])
        cons = proto.linear_constraints
        cons.ids.extend(np.arange(self.m, dtype=np.int64))
        cons.lower_bounds.extend(a["rlb"])
        cons.upper_bounds.extend(a["rub"])
        mat = proto.linear_constraint_matrix
        mat.row_ids.extend(a["rows"])
        mat.column_ids.extend(a["cols"])
        mat.coefficients.extend(a["vals"])
        return proto

    def max_violation(self, x: np.ndarray) -> float:
        """Largest bound or row violation of a point (for checks and tests)."""
        a = self.arrays()
        act = np.zeros(self.m)
        np.add.at(act, a["rows"], a["vals"] * x[a["cols"]])
        viol = [
            np.max(a["lb"] - x, initial=0.0),
            np.max(x - a["ub"], initial=0.0),
            np.max(a["rlb"] - act, initial=0.0),
            np.max(act - a["rub"], initial=0.0),
        ]
        return float(max(viol))
