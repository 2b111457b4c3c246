"""Demand review pages: the planner grid, its JSON and edits, the baseline job, the step panel,
charts and the family drill-down. Thin: selectors read, services write."""
from __future__ import annotations

import json

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db.models import Sum
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.defaultfilters import pluralize
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import HttpResponseStopPolling

from catalog.models import Channel, ProductFamily
from cycles import selectors as cycle_selectors
from cycles.choices import StepKind
from cycles.models import Cycle, Step
from reviews.demand import carryover, grid, months, runs, selectors, services
from reviews.demand.allocation import allocate, q
from reviews.demand.permissions import edit_refusal, run_refusal
from reviews.models import AssumptionCategory, ConsensusCell, Shipment
from sop.access import page
from sop.errors import ApplicationError, ConflictError
from sop.htmx import is_partial, vary_on_htmx

VIEW = "reviews.view_demand"


def get_cycle(cycle_id: int) -> Cycle:
    return get_object_or_404(Cycle, pk=cycle_id)


def _channels() -> list[Channel]:
    return list(Channel.objects.order_by("priority", "code"))


def _groups() -> list[str]:
    names = ProductFamily.objects.filter(active=True).values_list("group", flat=True).distinct()
    return sorted({n or grid.UNGROUPED for n in names})


def assumption_options(cycle: Cycle) -> list[dict]:
    return [{"id": a.pk, "ref": a.ref, "category": a.category, "text": a.text, "owner": a.owner.get_username()}
            for a in cycle.assumptions.select_related("owner").order_by("-id")]


@page(VIEW)
def demand_home(request: HttpRequest) -> HttpResponse:
    cycle = cycle_selectors.current_cycle()
    if cycle is None:
        return render(request, "reviews/demand_none.html", {})
    return redirect("demand_grid", cycle_id=cycle.pk)


def _page_context(request, cycle: Cycle, tab: str) -> dict:
    return {"cycle": cycle, "tab": tab, "step": Step.objects.filter(cycle=cycle, kind=StepKind.DEMAND_REVIEW).first(),
            "cycles": Cycle.objects.exclude(status="cancelled").order_by("-start_month")[:24]}


@page(VIEW)
def demand_grid(request: HttpRequest, cycle_id: int) -> HttpResponse:
    cycle = get_cycle(cycle_id)
    channels = _channels()
    view = grid.view_from(request.GET, channels)
    refusal = edit_refusal(request.user, cycle)
    context = _page_context(request, cycle, "grid")
    context.update({
        "view": view,
        "channels": channels,
        "groups": _groups(),
        "can_edit": refusal is None,
        "edit_refusal": refusal,
        "can_run": run_refusal(request.user, cycle) is None,
        "summary": selectors.summary(cycle),
        "run": selectors.latest_run(cycle),
        "assumptions": assumption_options(cycle) if refusal is None else [],
        "categories": AssumptionCategory.choices,
        "carry": carryover.offer(cycle) if refusal is None else None,
        "families": ProductFamily.objects.filter(active=True).order_by("code") if refusal is None else [],
        "horizon": cycle.periods,
        "users": get_user_model().objects.filter(groups__name__in=["demand_planner", "sales"]).distinct()
        .order_by("username") if refusal is None else [],
        "config": {
            "gridUrl": reverse("demand_grid_data", args=[cycle.pk]),
            "editUrl": reverse("demand_edit", args=[cycle.pk]),
            "chartUrl": reverse("demand_chart", args=[cycle.pk]),
            "cellUrl": reverse("demand_cell", args=[cycle.pk]),
            "familyUrl": reverse("demand_family", args=[cycle.pk, "FAMILY"]),
            "canEdit": refusal is None,
        },
    })
    return render(request, "reviews/demand_grid.html", context)


@page(VIEW)
@require_GET
def demand_grid_data(request: HttpRequest, cycle_id: int) -> JsonResponse:
    cycle = get_cycle(cycle_id)
    view = grid.view_from(request.GET)
    editable = edit_refusal(request.user, cycle) is None
    return JsonResponse(grid.build(cycle, view, editable=editable))


def _json_body(request: HttpRequest) -> dict:
    try:
        body = json.loads(request.body or b"{}")
    except ValueError:
        raise ApplicationError("The request body is not JSON.") from None
    if not isinstance(body, dict):
        raise ApplicationError("The request body must be a JSON object.")
    return body


@page(VIEW)
@require_POST
def demand_edit(request: HttpRequest, cycle_id: int) -> JsonResponse:
    """A grid edit: {view, cells: [{level, key, period, seen}], kind, value, assumption | new_assumption}.

    Answers the recomputed grid rows of the view (and, on a conflict, 409 with the current ones).
    """
    cycle = get_cycle(cycle_id)
    try:
        body = _json_body(request)
    except ApplicationError as exc:
        return JsonResponse({"message": exc.message, "extra": exc.extra}, status=400)
    view = grid.view_from(body.get("view") if isinstance(body.get("view"), dict) else {})
    try:
        cells = body.get("cells") or []
        if not isinstance(cells, list) or len(cells) > 5000:
            raise ApplicationError("cells must be a list of at most 5000 grid cells.")
        targets = []
        for c in cells:
            try:
                targets.append(grid.resolve_target(cycle, view, level=str(c.get("level")), key=c.get("key"),
                                                   period=months.month(c.get("period")), seen=c.get("seen")))
            except (ValueError, TypeError, IndexError, AttributeError):
                raise ApplicationError(f"Not a cell of the grid: {str(c)[:80]}.") from None
        new = body.get("new_assumption") if isinstance(body.get("new_assumption"), dict) else None
        new_line = bool(body.get("new_line"))
        if new_line:
            _check_new_line(cycle, view, targets)
        result = services.consensus_edit(
            actor=request.user, cycle=cycle, targets=targets, kind=str(body.get("kind") or ""),
            value=body.get("value"), assumption_id=body.get("assumption"), new_assumption=new,
            require_seen=not new_line, scope={"via": "new line" if new_line else "grid", "cells": len(targets)})
    except ApplicationError as exc:
        payload = {"message": exc.message, "extra": exc.extra}
        if isinstance(exc, ConflictError):
            cycle._demand_state = None
            payload["grid"] = grid.build(cycle, view, editable=edit_refusal(request.user, cycle) is None)
        return JsonResponse(payload, status=exc.status_code)
    cycle._demand_state = None
    data = grid.build(cycle, view, editable=True)
    changed = len(result.cells)
    return JsonResponse({
        "message": f"Saved: {changed} cell(s) changed with {result.assumption.ref}.",
        "revision": result.revision,
        "assumption": {"id": result.assumption.pk, "ref": result.assumption.ref, "text": result.assumption.text,
                       "category": result.assumption.category},
        "cells": [{**c} for c in result.cells[:200]],
        "grid": data,
    })


def _check_new_line(cycle: Cycle, view, targets) -> None:
    """A new demand line is one family in one channel that has no demand in the plan yet."""
    if view.channel is None or any(len(t.family_ids) != 1 for t in targets) or len({t.family_ids for t in targets}) != 1:
        raise ApplicationError("A new demand line is one family in one channel.")
    family_id = targets[0].family_ids[0]
    if (family_id, view.channel.pk) in services.series_pairs(cycle):
        raise ApplicationError("This family already has demand in this channel: change it in the grid.")


@page(VIEW)
def demand_cell(request: HttpRequest, cycle_id: int) -> HttpResponse:
    """The overrides behind a grid cell (a fragment): who changed it, by how much, and why."""
    cycle = get_cycle(cycle_id)
    view = grid.view_from(request.GET)
    try:
        target = grid.resolve_target(cycle, view, level=request.GET.get("level", ""), key=request.GET.get("key"),
                                     period=months.month(request.GET.get("period", "")), seen=None)
    except (ValueError, TypeError, IndexError):
        raise Http404("No such cell.") from None
    overrides = selectors.cell_overrides(cycle, family_ids=target.family_ids, channel_ids=target.channel_ids,
                                         period=target.period)
    cells = ConsensusCell.objects.filter(cycle=cycle, family_id__in=target.family_ids, period=target.period)
    if target.channel_ids is not None:
        cells = cells.filter(channel_id__in=target.channel_ids)
    totals = cells.aggregate(b=Sum("baseline"), q=Sum("quantity"))
    response = render(request, "reviews/partials/_demand_cell.html", {
        "cycle": cycle, "target": target, "overrides": overrides, "baseline": totals["b"], "quantity": totals["q"],
        "can_edit": edit_refusal(request.user, cycle) is None,
    })
    return vary_on_htmx(response)


@page(VIEW)
@require_POST
def demand_override_remove(request: HttpRequest, cycle_id: int, override_id: int) -> HttpResponse:
    cycle = get_cycle(cycle_id)
    override = services.get_override(override_id)
    if override.cycle_id != cycle.pk:
        raise Http404("No such override in this cycle.")
    try:
        services.override_delete(actor=request.user, override=override, reason=request.POST.get("reason", ""))
    except ApplicationError as exc:
        return vary_on_htmx(render(request, "reviews/partials/_demand_message.html",
                                   {"error": exc.message}, status=exc.status_code))
    response = render(request, "reviews/partials/_demand_message.html",
                      {"notice": f"Override {override_id} removed; the consensus was recomputed."})
    response["HX-Trigger"] = "demand-changed"
    return vary_on_htmx(response)


@page(VIEW)
@require_POST
def demand_carry_over(request: HttpRequest, cycle_id: int) -> HttpResponse:
    """Copies the prior cycle's overrides of this horizon (with copies of their assumptions)."""
    cycle = get_cycle(cycle_id)
    try:
        done = carryover.carry_over(actor=request.user, cycle=cycle)
    except ApplicationError as exc:
        if exc.status_code == 403:
            raise PermissionDenied(exc.message) from exc
        messages.error(request, exc.message)
    else:
        n, a, c = len(done.overrides), len(done.assumptions), len(done.cells)
        messages.success(request, f"Carried {n} override{pluralize(n)} over from {done.prior.label} with {a} "
                                  f"assumption{pluralize(a)}; {c} cell{pluralize(c)} of the consensus changed.")
    return redirect("demand_grid", cycle_id=cycle.pk)


# --- the baseline job ----------------------------------------------------------------------------


def _run_context(request, cycle: Cycle, **extra) -> dict:
    run = selectors.latest_run(cycle)
    return {"cycle": cycle, "run": run, "plan": selectors.plan(cycle),
            "can_run": run_refusal(request.user, cycle) is None, **extra}


@page(VIEW)
@require_POST
def demand_run_start(request: HttpRequest, cycle_id: int) -> HttpResponse:
    cycle = get_cycle(cycle_id)
    error = ""
    try:
        runs.forecast_run_start(actor=request.user, cycle=cycle)
    except ApplicationError as exc:
        error = exc.message
        if exc.status_code == 403:
            raise PermissionDenied(exc.message) from exc
    if not is_partial(request):
        if error:
            messages.error(request, error)
        return redirect("demand_grid", cycle_id=cycle.pk)
    cycle._demand_state = None
    return vary_on_htmx(render(request, "reviews/partials/_demand_run.html", _run_context(request, cycle, error=error),
                               status=409 if error else 200))


@page(VIEW)
def demand_run_status(request: HttpRequest, cycle_id: int) -> HttpResponse:
    """The run's progress (polled every 2 s while it runs; 286 stops the polling when it ends)."""
    cycle = get_cycle(cycle_id)
    context = _run_context(request, cycle)
    run = context["run"]
    response = render(request, "reviews/partials/_demand_run.html", context)
    if is_partial(request) and (run is None or not run.is_active):
        stop = HttpResponseStopPolling(response.content)
        stop["HX-Trigger"] = "baseline-finished"
        return vary_on_htmx(stop)
    return vary_on_htmx(response)


# --- the step page's panel -----------------------------------------------------------------------


@page(VIEW)
def demand_panel(request: HttpRequest, step_id: int) -> HttpResponse:
    step = get_object_or_404(Step.objects.select_related("cycle"), pk=step_id, kind=StepKind.DEMAND_REVIEW)
    cycle = step.cycle
    context = {"cycle": cycle, "step": step, "summary": selectors.summary(cycle),
               "can_edit": edit_refusal(request.user, cycle) is None}
    return vary_on_htmx(render(request, "reviews/partials/_demand_panel.html", context))


# --- charts and drill-down -----------------------------------------------------------------------


@page(VIEW)
@require_GET
def demand_chart(request: HttpRequest, cycle_id: int) -> JsonResponse:
    cycle = get_cycle(cycle_id)
    family = ProductFamily.objects.filter(code=request.GET.get("family")).first() if request.GET.get("family") else None
    channel = Channel.objects.filter(code=request.GET.get("channel")).first() if request.GET.get("channel") else None
    return JsonResponse(grid.chart(cycle, family=family, channel=channel))


def sku_split(cycle: Cycle, family: ProductFamily, *, lookback: int = 12) -> dict:
    """The family's consensus split over its SKUs by their shipments of the last `lookback`
    months (largest remainder: the SKUs add back to the family exactly each month)."""
    start = months.month(cycle.start_month)
    since = months.add(start, -lookback)
    mix = {s: qty for s, qty in Shipment.objects.filter(family=family, sku__isnull=False, period__gte=since,
                                                       period__lt=start).values_list("sku__code").annotate(
        q=Sum("quantity")).order_by()}
    history = {}
    for s, p, qty in Shipment.objects.filter(family=family, sku__isnull=False, period__gte=since,
                                             period__lt=start).values_list("sku__code", "period").annotate(
            q=Sum("quantity")).order_by():
        history.setdefault(s, {})[months.label(months.month(p))] = qty
    periods = months.cycle_months(cycle)
    totals = {p: qty for p, qty in ConsensusCell.objects.filter(cycle=cycle, family=family).values_list(
        "period").annotate(q=Sum("quantity")).order_by()}
    skus = sorted(mix)
    split = {s: {} for s in skus}
    if skus:
        for p in periods:
            shares = allocate(q(totals.get(p, 0)), [mix[s] for s in skus])
            for s, share in zip(skus, shares, strict=True):
                split[s][months.label(p)] = share
    past = [months.label(months.add(start, -i)) for i in range(min(lookback, 6), 0, -1)]
    return {"skus": skus, "periods": [months.label(p) for p in periods], "past": past, "split": split,
            "history": history, "family_total": {months.label(p): q(totals.get(p, 0)) for p in periods},
            "mix": {s: mix[s] for s in skus}}


@page(VIEW)
def demand_family(request: HttpRequest, cycle_id: int, code: str) -> HttpResponse:
    cycle = get_cycle(cycle_id)
    family = get_object_or_404(ProductFamily, code=code)
    from reviews.models import SeriesDiagnostic

    plan = selectors.plan(cycle)
    diagnostics = list(SeriesDiagnostic.objects.filter(run_id=plan.baseline_run_id, family=family)
                       .select_related("channel").order_by("channel__code")) if plan and plan.baseline_run_id else []
    context = _page_context(request, cycle, "grid")
    context.update({"family": family, "sku": sku_split(cycle, family), "diagnostics": diagnostics,
                    "overrides": selectors.overrides(cycle).filter(family=family),
                    "safety": selectors.suggested_safety_stock(cycle).get(family.code),
                    "chart_url": reverse("demand_chart", args=[cycle.pk]) + f"?family={family.code}"})
    return render(request, "reviews/demand_family.html", context)
