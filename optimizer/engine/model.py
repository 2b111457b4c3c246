"""The single-pass model of `problem-format.md`, built from arrays.

Variable blocks (``-1`` where a variable is not created):

===========  ==========  =====================================================
block        shape       meaning
===========  ==========  =====================================================
P, SC, I     [F,T]       production, subcontract, ending inventory
SSH          [F,T]       safety-stock shortfall (cost, or penalty if hard)
S            [F,C,T]     shipments of fixed-price demand (late part where O exists)
B, X         [F,C,T]     backlog, lost (backlog channels only; see below)
O            [F,C,T]     on-time part of the shipments where shipments can exceed demand
LAM, SK      [O]         price-option weights (only where kept, see below), shipments per option
OT           [R,T]       overtime hours
W, H, L      [R,T]       workers, hires, layoffs
Q, Y         [S,T]       orders per supply option, order binaries
CI           [K,T]       component inventory
*_SLK        various     elastic slacks priced at the infeasibility penalty
===========  ==========  =====================================================

Two exact reformulations keep the model small:

* On a channel without backlog, ``B = 0`` turns the order balance into
  ``S + X = D``: ``X`` is eliminated (``S <= D``, lost ``= D - S``, its cost
  folded into the objective with a constant).
* There on-time shipments equal shipments (``S <= D``), so ``O`` is only
  created where shipments may exceed ``D`` (backlog channels of a fill-rate
  floor, or an initial backlog in period 0). Where it exists, shipments are
  split ``O + S`` with ``O <= D`` (the on-time part) instead of the contract's
  ``O <= S, O <= D`` next to a total ``S``: the same set, one row fewer per key.

Regular labour is priced as ``regular_cost_per_hour * (hours used - OT)``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .lp import INF, LinearProgram
from .normalize import Data


@dataclass
class Model:
    """The LP/MIP and the index arrays of its blocks."""

    lp: LinearProgram
    v: dict[str, np.ndarray]
    r: dict[str, np.ndarray]
    d: Data
    big_m: np.ndarray | None = None  # [S,T] the M of Q <= M y (where a binary exists)

    @property
    def has_integers(self) -> bool:
        return bool(self.lp.arrays()["integer"].any())


def open_masks(d: Data) -> tuple[np.ndarray, np.ndarray]:
    """(cumulative open orders [F,C,T], open orders this period [F,C,T])."""
    first = np.zeros_like(d.demand)
    first[:, :, 0] = d.init_backlog
    return np.cumsum(d.demand + first, axis=2), d.demand + first


def option_demand_bound(d: Data) -> np.ndarray:
    """Largest demand a price-option line can reach, per line [L]."""
    out = np.zeros(len(d.pl_f))
    np.maximum.at(out, d.po_line, d.po_qty)
    return out


def useful_production_bound(d: Data) -> np.ndarray:
    """Per family, production no optimal plan needs to exceed over the horizon [F]."""
    total = d.demand.sum(axis=(1, 2)) + d.init_backlog.sum(axis=1)
    np.add.at(total, d.pl_f, option_demand_bound(d))
    return total + np.maximum(d.min_end_inv, d.ss.max(axis=1, initial=0.0))


def order_big_m(d: Data) -> np.ndarray:
    """The ``M`` of ``Q <= M y`` per option and period [S,T]: the option's capacity, or,
    where it has none, ``max(moq, R_k)`` with ``R_k`` the component's use by the largest
    useful production (no optimal plan orders more)."""
    need = useful_production_bound(d) @ d.bom  # total requirement per component [K]
    big_m = np.broadcast_to(np.maximum(need[d.so_comp], d.so_moq)[:, None], d.so_cap.shape)
    return np.where(np.isfinite(d.so_cap), np.minimum(d.so_cap, np.maximum(big_m, 0.0)), big_m)


def build(d: Data) -> Model:
    """Build the model for ``d`` (one numpy operation per block)."""
    n_f, n_t, n_r, n_c, n_k = d.shape
    n_s = len(d.so_codes)
    pen = d.penalty
    lp = LinearProgram()
    t_first = np.arange(n_t) == 0

    cum_open, open_now = open_masks(d)
    bl = d.has_backlog[None, :, None]
    lost_ok = d.lost_allowed[None, :, None]

    # ---- variables ---------------------------------------------------
    labour_per_unit = d.routing @ d.rcph  # regular labour cost per unit produced [F]
    P = lp.var("P", (n_f, n_t), ub=d.max_prod, obj=-(d.material + labour_per_unit)[:, None])
    SC = lp.var("SC", (n_f, n_t), mask=d.has_sc[:, None], ub=d.sc_cap, obj=-d.sc_cost[:, None])
    I = lp.var("I", (n_f, n_t), obj=-d.holding[:, None])  # noqa: E741
    ss_obj = np.where(d.ss_soft, d.ss_cost, pen)[:, None]
    SSH = lp.var("SSH", (n_f, n_t), mask=d.ss > 0, ub=d.ss, obj=-ss_obj)

    fill = d.min_fill[None, :, None] > 0
    n_o = len(d.po_line)
    has_opt = np.zeros(d.demand.shape, dtype=bool)
    if n_o:
        has_opt[d.pl_f, d.pl_c, d.pl_t] = True
    b0_now = t_first[None, None, :] & (d.init_backlog[:, :, None] > 0)
    # O is the on-time part of the shipments (<= D) where shipments may exceed
    # demand; S is then the late part. Where a price-option line shares such a
    # key (no backlog, initial backlog, fill floor) O follows the contract
    # literally instead: O <= S + sum SK and O <= D + sum q LAM (two rows).
    o_split = fill & (d.demand > 0) & ~has_opt & (bl | b0_now)
    o_contract = fill & ~bl & b0_now & has_opt
    o_mask = o_split | o_contract
    s_mask = np.where(bl, cum_open > 0, open_now > 0)
    # On a channel without backlog the late part S can only serve the initial backlog.
    s_ub = np.where(bl, cum_open, np.where(o_split, open_now - d.demand, open_now))
    # No-backlog channel: lost = open - S costs lost_cost, folded into S's price.
    s_obj = d.price + np.where(bl, 0.0, d.lost_cost[None, :, None])
    S = lp.var("S", (n_f, n_c, n_t), mask=s_mask, ub=s_ub, obj=s_obj)
    lp.offset -= float(np.sum(np.where(bl, 0.0, d.lost_cost[None, :, None] * open_now)))
    B = lp.var(
        "B", (n_f, n_c, n_t), mask=bl & (cum_open > 0), ub=cum_open, obj=-d.backlog_cost[None, :, None]
    )
    X = lp.var(
        "X", (n_f, n_c, n_t), mask=bl & lost_ok & (cum_open > 0), ub=cum_open, obj=-d.lost_cost[None, :, None]
    )
    O = lp.var(  # noqa: E741
        "O",
        (n_f, n_c, n_t),
        mask=o_mask,
        ub=np.where(o_split, d.demand, INF),  # noqa: E741
        obj=np.where(o_split, s_obj, 0.0),
    )
    o_ship = np.where(o_split, O, -1)  # O as part of the shipments

    po_c = d.pl_c[d.po_line] if n_o else np.zeros(0, dtype=np.int64)
    # Price options. Lines at an "o_contract" key keep the contract's weights
    # LAM. Elsewhere LAM is eliminated exactly: any shipments with
    # sum_k SK_k / q_k <= 1 are reachable, and since a larger demand never helps
    # there (it only adds lost-sale cost and fill-rate requirement) the best
    # weights put the rest on the smallest option: demand = sum SK + q_min (1 -
    # sum SK / q), lost = q_min (1 - sum SK / q). One row per line instead of
    # one per option, and no LAM column.
    lam_line = o_contract[d.pl_f, d.pl_c, d.pl_t] if n_o else np.zeros(0, dtype=bool)
    lam_opt = lam_line[d.po_line] if n_o else np.zeros(0, dtype=bool)
    q_min = np.full(len(d.pl_f), np.inf)
    np.minimum.at(q_min, d.po_line, d.po_qty)
    q_min_o = q_min[d.po_line] if n_o else np.zeros(0)
    share = np.where(d.po_qty > 0, q_min_o / np.where(d.po_qty > 0, d.po_qty, 1.0), 0.0)  # q_min / q_k
    LAM = lp.var("LAM", (n_o,), mask=lam_opt, ub=1.0, obj=-d.lost_cost[po_c] * d.po_qty)
    SK = lp.var("SK", (n_o,), ub=d.po_qty, obj=d.po_price + d.lost_cost[po_c] * np.where(lam_opt, 1.0, share))
    if n_o:
        lp.offset -= float(np.sum(np.where(lam_line, 0.0, d.lost_cost[d.pl_c] * q_min)))

    OT = lp.var("OT", (n_r, n_t), mask=d.has_ot[:, None], ub=d.ot_max, obj=-(d.ot_cost - d.rcph)[:, None])
    wf = d.has_wf[:, None]
    integer = (d.has_wf & d.wf_int)[:, None]
    W = lp.var("W", (n_r, n_t), mask=wf, obj=-d.cpw[:, None], integer=integer)
    H = lp.var("H", (n_r, n_t), mask=wf, obj=-d.hire_cost[:, None], integer=integer)
    L = lp.var("L", (n_r, n_t), mask=wf, obj=-d.layoff_cost[:, None], integer=integer)
    WMIN_SLK = lp.var("WMIN_SLK", (n_r, n_t), mask=wf & (d.wf_min > 0), obj=-pen)
    WMAX_SLK = lp.var("WMAX_SLK", (n_r, n_t), mask=wf & np.isfinite(d.wf_max), obj=-pen)

    periods = np.arange(n_t)
    q_mask = periods[None, :] + d.so_lead[:, None] <= n_t - 1
    binary = d.so_binary[:, None] & q_mask
    Q = lp.var("Q", (n_s, n_t), mask=q_mask, ub=np.where(binary, INF, d.so_cap), obj=-d.so_price)
    Y = lp.var("Y", (n_s, n_t), mask=binary, ub=1.0, obj=-d.so_order_cost[:, None], integer=True)
    CI = lp.var("CI", (n_k, n_t), obj=-d.c_hold[:, None])

    end_inv = d.min_end_inv > 0
    ENDINV_SLK = lp.var("ENDINV_SLK", (n_f,), mask=end_inv, ub=d.min_end_inv, obj=-pen)
    endbl_mask = d.has_backlog[None, :] & (cum_open[:, :, -1] > d.max_end_backlog[None, :])
    ENDBL_SLK = lp.var("ENDBL_SLK", (n_f, n_c), mask=endbl_mask, obj=-pen)
    FILL_SLK = lp.var("FILL_SLK", (n_c,), mask=d.min_fill > 0, obj=-pen)
    wc = np.isfinite(d.wc_limit)
    WC_SLK = lp.var("WC_SLK", (n_t,), mask=wc, obj=-pen)

    # ---- finished goods: I[t] - I[t-1] - P - SC + sum_c S + sum SK = I0 (t=0)
    fgb = lp.rows(
        "FGB",
        (n_f, n_t),
        lb=np.where(t_first, d.init_inv[:, None], 0.0),
        ub=np.where(t_first, d.init_inv[:, None], 0.0),
    )
    lp.coef(fgb, I, 1.0)
    lp.coef(fgb[:, 1:], I[:, :-1], -1.0)
    lp.coef(fgb, P, -1.0)
    lp.coef(fgb, SC, -1.0)
    lp.coef(fgb[:, None, :], S, 1.0)
    lp.coef(fgb[:, None, :], o_ship, 1.0)
    if n_o:
        lp.coef(fgb[d.pl_f[d.po_line], d.pl_t[d.po_line]], SK, 1.0)

    # ---- orders on backlog channels: B[t] - B[t-1] + S + X = D (+ B0 at t=0)
    ob_rhs = open_now
    ob = lp.rows("OB", (n_f, n_c, n_t), mask=bl & (cum_open > 0), lb=ob_rhs, ub=ob_rhs)
    lp.coef(ob, B, 1.0)
    lp.coef(ob[:, :, 1:], B[:, :, :-1], -1.0)
    lp.coef(ob, S, 1.0)
    lp.coef(ob, o_ship, 1.0)
    lp.coef(ob, X, 1.0)
    lp.rows("ENDBL", (n_f, n_c), mask=endbl_mask, ub=np.where(endbl_mask, d.max_end_backlog[None, :], 0.0))
    endbl = lp.row_blocks["ENDBL"]
    lp.coef(endbl, B[:, :, -1], 1.0)
    lp.coef(endbl, ENDBL_SLK, -1.0)

    # ---- price options: sum_k LAM = 1 per line and SK <= q LAM (contract form),
    # or sum_k SK / q_k <= 1 (eliminated weights)
    if n_o:
        lam_sum = lp.rows("LAMSUM", (len(d.pl_f),), mask=lam_line, lb=1.0, ub=1.0)
        lp.coef(lam_sum[d.po_line], LAM, 1.0)
        sk_row = lp.rows("SKCAP", (n_o,), mask=lam_opt, ub=0.0)
        lp.coef(sk_row, SK, 1.0)
        lp.coef(sk_row, LAM, -d.po_qty)
        sk_sum = lp.rows("SKSUM", (len(d.pl_f),), mask=~lam_line, ub=1.0)
        lp.coef(
            sk_sum[d.po_line], SK, np.where(d.po_qty > 0, 1.0 / np.where(d.po_qty > 0, d.po_qty, 1.0), 0.0)
        )

    # ---- fill rate: sum on-time + slack - mfr * sum(q LAM) >= mfr * sum D
    fixed_need = d.demand.sum(axis=(0, 2))
    if n_o:
        np.add.at(
            fixed_need, d.pl_c, np.where(lam_line, 0.0, q_min)
        )  # q_min part of eliminated-weight demand
    fill_rows = lp.rows("FILL", (n_c,), mask=d.min_fill > 0, lb=d.min_fill * fixed_need)
    c_of = np.broadcast_to(np.arange(n_c)[None, :, None], S.shape)
    # On time: O where it exists; S itself where S <= D holds (no backlog, no initial backlog).
    s_le_d = ~bl & ~(t_first[None, None, :] & (d.init_backlog[:, :, None] > 0))
    lp.coef(fill_rows[c_of], np.where(o_mask, O, np.where(s_le_d, S, -1)), 1.0)
    if n_o:
        key = (d.pl_f[d.po_line], d.pl_c[d.po_line], d.pl_t[d.po_line])
        # on time SK, minus the requirement's variable part: mfr * SK (1 - q_min / q) where LAM is eliminated
        sk_fill = np.where(lam_opt, 1.0, 1.0 - d.min_fill[po_c] * (1.0 - share))
        lp.coef(np.where(o_contract[key], -1, fill_rows[po_c]), SK, sk_fill)
        lp.coef(fill_rows[po_c], LAM, -d.min_fill[po_c] * d.po_qty)
    lp.coef(fill_rows, FILL_SLK, 1.0)
    if o_contract.any():
        oc1 = lp.rows("ONTIME_S", (n_f, n_c, n_t), mask=o_contract, ub=0.0)
        lp.coef(oc1, O, 1.0)
        lp.coef(oc1, S, -1.0)
        lp.coef(oc1[key], SK, -1.0)
        oc2 = lp.rows("ONTIME_D", (n_f, n_c, n_t), mask=o_contract, ub=d.demand)
        lp.coef(oc2, O, 1.0)
        lp.coef(oc2[key], LAM, -d.po_qty)

    # ---- capacity: sum_f h P - OT - hpw W <= cap  (dual = value of an hour)
    cap = lp.rows("CAP", (n_r, n_t), ub=d.cap)
    fr = np.nonzero(d.routing)
    lp.coef(cap[fr[1]], P[fr[0]], d.routing[fr][:, None])
    lp.coef(cap, OT, -1.0)
    lp.coef(cap, W, -d.hpw[:, None])
    # Regular hours used (hours - OT) cannot be negative.
    reg_mask = (d.has_ot & (d.rcph > 0))[:, None] & np.ones((1, n_t), dtype=bool)
    reg = lp.rows("REGNN", (n_r, n_t), mask=reg_mask, lb=0.0)
    lp.coef(reg[fr[1]], P[fr[0]], d.routing[fr][:, None])
    lp.coef(reg, OT, -1.0)
    otw_mask = (d.has_ot & d.has_wf & np.isfinite(d.ot_per_worker))[:, None] & np.ones((1, n_t), dtype=bool)
    otw = lp.rows("OTW", (n_r, n_t), mask=otw_mask, ub=0.0)
    lp.coef(otw, OT, 1.0)
    lp.coef(otw, W, -np.where(np.isfinite(d.ot_per_worker), d.ot_per_worker, 0.0)[:, None])

    # ---- workforce: W[t] - W[t-1] - H + L = W0 (t=0); bounds with slack
    w_rhs = np.where(t_first, d.wf_init[:, None], 0.0)
    wfb = lp.rows("WFB", (n_r, n_t), mask=wf, lb=w_rhs, ub=w_rhs)
    lp.coef(wfb, W, 1.0)
    lp.coef(wfb[:, 1:], W[:, :-1], -1.0)
    lp.coef(wfb, H, -1.0)
    lp.coef(wfb, L, 1.0)
    wmin = lp.rows("WMIN", (n_r, n_t), mask=wf & (d.wf_min > 0), lb=d.wf_min)
    lp.coef(wmin, W, 1.0)
    lp.coef(wmin, WMIN_SLK, 1.0)
    wmax = lp.rows(
        "WMAX", (n_r, n_t), mask=wf & np.isfinite(d.wf_max), ub=np.where(np.isfinite(d.wf_max), d.wf_max, 0)
    )
    lp.coef(wmax, W, 1.0)
    lp.coef(wmax, WMAX_SLK, -1.0)

    # ---- components: CI[t] - CI[t-1] - arrivals + sum_f qpu P = CI0 (t=0) + receipts
    c_rhs = d.receipts + np.where(t_first, d.ci0[:, None], 0.0)
    cb = lp.rows("CB", (n_k, n_t), lb=c_rhs, ub=c_rhs)
    lp.coef(cb, CI, 1.0)
    lp.coef(cb[:, 1:], CI[:, :-1], -1.0)
    if n_s:
        arrive = np.minimum(periods[None, :] + d.so_lead[:, None], n_t - 1)
        lp.coef(cb[d.so_comp[:, None], arrive], Q, -1.0)  # Q is -1 where arrival > T-1
    fk = np.nonzero(d.bom)
    lp.coef(cb[fk[1]], P[fk[0]], d.bom[fk][:, None])

    # ---- order binaries: Q <= M y, Q >= moq y
    big_m = order_big_m(d)
    if binary.any():
        yub = lp.rows("YUB", (n_s, n_t), mask=binary, ub=0.0)
        lp.coef(yub, Q, 1.0)
        lp.coef(yub, Y, -big_m)
        ylb_mask = binary & (d.so_moq > 0)[:, None]
        ylb = lp.rows("YLB", (n_s, n_t), mask=ylb_mask, lb=0.0)
        lp.coef(ylb, Q, 1.0)
        lp.coef(ylb, Y, -d.so_moq[:, None])

    # ---- safety stock: I + SSH >= ss
    ssr = lp.rows("SS", (n_f, n_t), mask=d.ss > 0, lb=d.ss)
    lp.coef(ssr, I, 1.0)
    lp.coef(ssr, SSH, 1.0)

    # ---- working capital: sum uv I + sum value CI - slack <= limit
    wcr = lp.rows("WC", (n_t,), mask=wc, ub=np.where(wc, d.wc_limit, 0.0))
    lp.coef(wcr[None, :], I, d.unit_value[:, None])
    lp.coef(wcr[None, :], CI, d.comp_value[:, None])
    lp.coef(wcr, WC_SLK, -1.0)

    # ---- ending inventory: I[T-1] + slack >= min_ending_inventory
    ei = lp.rows("ENDINV", (n_f,), mask=end_inv, lb=d.min_end_inv)
    lp.coef(ei, I[:, -1], 1.0)
    lp.coef(ei, ENDINV_SLK, 1.0)

    blocks = dict(lp.var_blocks)
    blocks["O_SHIP"] = o_ship  # the O that are shipments (decisions = S + O_SHIP)
    return Model(lp=lp, v=blocks, r=dict(lp.row_blocks), d=d, big_m=big_m)
