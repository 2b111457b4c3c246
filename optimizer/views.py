"""Scenario and plan pages, the solve progress fragment and the step panels. Thin: read through
selectors, write through services."""
from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST
from django_htmx.http import HttpResponseClientRedirect, HttpResponseStopPolling

from cycles.models import Cycle, Step
from optimizer import levers as lever_lib
from optimizer import selectors, services
from optimizer.choices import RERUNNABLE, RunStatus
from optimizer.forms import FIELD_TYPES, LeverFormSet, ScenarioForm, SolveForm, lever_initial
from optimizer.models import Scenario, SolveRun
from sop.access import page
from sop.errors import ApplicationError
from sop.htmx import is_partial, vary_on_htmx

COST_LABELS = {
    "material": "Material", "subcontract": "Subcontract", "regular_labor": "Regular labour", "overtime": "Overtime",
    "hiring": "Hiring", "layoffs": "Layoffs", "holding": "Holding", "backlog": "Backlog", "lost_sales": "Lost sales",
    "procurement": "Procurement", "safety_stock_shortfall": "Safety-stock shortfall", "penalties": "Penalties",
}
LEVER_LABELS = {
    "channel_allocation": "Channel allocation", "price": "Price", "procurement": "Procurement",
    "capacity_and_build_ahead": "Capacity and build-ahead", "constraint_violations": "Constraint violations",
}


def _cycle_from(request: HttpRequest) -> Cycle | None:
    raw = request.GET.get("cycle") or request.POST.get("cycle")
    if raw:
        try:
            return Cycle.objects.get(pk=int(raw))
        except (Cycle.DoesNotExist, ValueError) as exc:
            raise Http404("No such cycle.") from exc
    return selectors.current_cycle()


# --- scenarios ---------------------------------------------------------------------------------

@page("optimizer.view_pages")
def scenario_list(request: HttpRequest) -> HttpResponse:
    cycle = _cycle_from(request)
    items = selectors.with_latest_runs(list(selectors.scenarios(cycle=cycle))) if cycle else []
    for s in items:
        s.described = [lever_lib.describe(lever) for lever in s.levers or []]
    context = {
        "cycle": cycle,
        "cycles": Cycle.objects.order_by("-start_month", "-id")[:24],
        "scenarios": items,
        "runs": list(selectors.run_list(cycle=cycle, limit=15)) if cycle else [],
        "can_edit": request.user.has_perm("optimizer.edit_scenarios"),
    }
    return render(request, "optimizer/scenario_list.html", context)


def _periods_for(cycle: Cycle, scenario: Scenario | None = None) -> list[str]:
    if scenario is not None and scenario.base_problem:
        return list(scenario.base_problem.get("periods") or [])
    return cycle.periods


def _codes_for(cycle: Cycle, scenario: Scenario | None) -> dict[str, list[str]]:
    """Codes the levers may name (datalists of the form): the uploaded base's, else the catalog's."""
    if scenario is not None and scenario.base_problem:
        doc = scenario.base_problem
        options = sorted({o["code"] for k in doc.get("components") or [] for o in k.get("supply_options") or []})
        return {key: [x["code"] for x in doc.get(key) or []] for key in ("families", "channels", "resources",
                                                                       "components")} | {"options": options}
    from catalog.models import Channel, Component, ProductFamily, Resource, SupplyOption

    return {
        "families": list(ProductFamily.objects.filter(active=True).order_by("code").values_list("code", flat=True)),
        "channels": list(Channel.objects.order_by("priority", "code").values_list("code", flat=True)),
        "resources": list(Resource.objects.order_by("code").values_list("code", flat=True)),
        "components": list(Component.objects.order_by("code").values_list("code", flat=True)),
        "options": sorted(set(SupplyOption.objects.values_list("code", flat=True))),
    }


def _map_lever_error(exc: ApplicationError, formset, row_of: list[int], form) -> None:
    """Puts a lever error (path levers[i].field) on the form row it came from."""
    path = (exc.extra or {}).get("path") or ""
    if path.startswith("levers[") and "]" in path:
        try:
            i = int(path[len("levers["):path.index("]")])
            row = formset.forms[row_of[i]]
        except (ValueError, IndexError):
            form.add_error(None, exc.message)
            return
        field = path[path.index("]") + 1:].lstrip(".").split(".")[0].split("[")[0]
        field = {"from": "from_period", "to": "to_period", "overtime": "overtime_cost_per_hour"}.get(field, field)
        row.add_error(field if field in row.fields else None, exc.message)
        return
    name = path.split(".")[0] if path else None
    if name == "base_problem":
        form.add_error("base_problem_file", exc.message)
    else:
        form.add_error(name if name in form.fields else None, exc.message)


def _scenario_form(request: HttpRequest, *, cycle: Cycle, scenario: Scenario | None) -> HttpResponse:
    periods = _periods_for(cycle, scenario)
    if request.method == "POST":
        form = ScenarioForm(request.POST, request.FILES)
        formset = LeverFormSet(request.POST, prefix="levers", form_kwargs={"periods": periods})
        if form.is_valid() and formset.is_valid():
            levers, row_of = [], []
            for i, row in enumerate(formset.forms):
                lever = row.lever() if row.cleaned_data else None
                if lever is not None:
                    levers.append(lever)
                    row_of.append(i)
            if not any(row.errors for row in formset.forms):
                base: Any = services._UNSET if scenario else None
                if form.cleaned_data.get("clear_base_problem"):
                    base = None
                if form.cleaned_data.get("base_problem_file"):
                    base = form.cleaned_data["base_problem_file"]
                try:
                    if scenario is None:
                        scenario = services.scenario_create(
                            actor=request.user, cycle=cycle, name=form.cleaned_data["name"],
                            description=form.cleaned_data["description"], levers=levers, base_problem=base)
                        messages.success(request, f"Scenario {scenario.name!r} created.")
                    else:
                        services.scenario_update(
                            actor=request.user, scenario=scenario, version=form.cleaned_data.get("version") or 0,
                            name=form.cleaned_data["name"], description=form.cleaned_data["description"],
                            levers=levers, base_problem=base)
                        messages.success(request, f"Scenario {scenario.name!r} saved.")
                    return redirect("scenario_detail", scenario_id=scenario.pk)
                except ApplicationError as exc:
                    _map_lever_error(exc, formset, row_of, form)
    else:
        initial = {"name": scenario.name, "description": scenario.description, "version": scenario.version} \
            if scenario else {"name": request.GET.get("name", "")}
        form = ScenarioForm(initial=initial)
        formset = LeverFormSet(prefix="levers", form_kwargs={"periods": periods},
                               initial=[lever_initial(x) for x in (scenario.levers if scenario else [])])
    status = 400 if request.method == "POST" else 200
    return render(request, "optimizer/scenario_form.html", {
        "form": form, "formset": formset, "cycle": cycle, "scenario": scenario, "field_types": FIELD_TYPES,
        "lever_types": lever_lib.LEVER_TYPES, "codes": _codes_for(cycle, scenario),
    }, status=status)


@page("optimizer.edit_scenarios")
def scenario_new(request: HttpRequest) -> HttpResponse:
    cycle = _cycle_from(request)
    if cycle is None:
        messages.error(request, "Open a cycle first: scenarios belong to a cycle.")
        return redirect("scenario_list")
    return _scenario_form(request, cycle=cycle, scenario=None)


def _scenario(scenario_id: int) -> Scenario:
    return get_object_or_404(Scenario.objects.select_related("cycle", "created_by"), pk=scenario_id)


@page("optimizer.edit_scenarios")
def scenario_edit(request: HttpRequest, scenario_id: int) -> HttpResponse:
    scenario = _scenario(scenario_id)
    return _scenario_form(request, cycle=scenario.cycle, scenario=scenario)


@page("optimizer.view_pages")
def scenario_detail(request: HttpRequest, scenario_id: int) -> HttpResponse:
    scenario = _scenario(scenario_id)
    return render(request, "optimizer/scenario_detail.html", {
        "scenario": scenario, "cycle": scenario.cycle,
        "described": [lever_lib.describe(lever) for lever in scenario.levers or []],
        "runs": list(selectors.run_list(scenario=scenario, limit=30)),
        "solve_form": SolveForm(),
        "can_edit": request.user.has_perm("optimizer.edit_scenarios"),
        "can_solve": request.user.has_perm("optimizer.run_solves"),
    })


@page("optimizer.edit_scenarios")
@require_POST
def scenario_delete(request: HttpRequest, scenario_id: int) -> HttpResponse:
    scenario = _scenario(scenario_id)
    cycle_id = scenario.cycle_id
    try:
        services.scenario_delete(actor=request.user, scenario=scenario)
        messages.success(request, f"Scenario {scenario.name!r} deleted.")
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return redirect("scenario_detail", scenario_id=scenario_id)
    return redirect(f"{reverse('scenario_list')}?cycle={cycle_id}")


@page("optimizer.run_solves")
@require_POST
def scenario_solve(request: HttpRequest, scenario_id: int) -> HttpResponse:
    scenario = _scenario(scenario_id)
    form = SolveForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Could not solve: " + "; ".join(f"{form.fields[f].label}: {' '.join(e)}"
                                                                for f, e in form.errors.items()))
        return redirect("scenario_detail", scenario_id=scenario.pk)
    gap = form.cleaned_data.get("gap_percent")
    try:
        # A bare "Solve" button posts no options: the sequential baseline is on by default.
        baseline = form.cleaned_data.get("baseline", False) if "options" in request.POST else True
        run = services.solve_submit(actor=request.user, scenario=scenario,
                                    time_limit=form.cleaned_data.get("time_limit"), baseline=baseline,
                                    gap=None if gap is None else gap / 100)
    except ApplicationError as exc:
        messages.error(request, f"Could not solve {scenario.name!r}: {exc.message}")
        return redirect("scenario_detail", scenario_id=scenario.pk)
    if is_partial(request):
        return HttpResponseClientRedirect(reverse("run_detail", args=[run.pk]))
    return redirect("run_detail", run_id=run.pk)


@page("optimizer.view_pages")
def compare(request: HttpRequest) -> HttpResponse:
    ids = []
    for raw in request.GET.getlist("runs"):
        ids.extend(int(x) for x in raw.split(",") if x.strip().isdigit())
    cycle = None
    if not ids:
        cycle = _cycle_from(request)
        items = selectors.with_latest_runs(list(selectors.scenarios(cycle=cycle))) if cycle else []
        ids = [s.latest_success.pk for s in items if s.latest_success]
    runs = selectors.runs_by_ids(ids[:20])
    return render(request, "optimizer/compare.html", {"table": _compare_table(runs), "cycle": cycle})


def _compare_table(runs: list[SolveRun]) -> dict[str, Any]:
    table = selectors.compare(runs)
    table["cost_labels"] = COST_LABELS
    return table


# --- runs --------------------------------------------------------------------------------------

def _run(run_id: int) -> SolveRun:
    try:
        return selectors.run_light(run_id)
    except SolveRun.DoesNotExist as exc:
        raise Http404("No such solve.") from exc


def _comparison_rows(run: SolveRun) -> dict[str, Any] | None:
    kpis = run.kpis or {}
    base = kpis.get("baseline")
    if not base or not run.comparison or "value" not in run.comparison:
        return None
    rows = [{"label": "Revenue", "single": kpis["revenue"], "sequential": base["revenue"],
             "delta": kpis["revenue"] - base["revenue"]}]
    for key, label in COST_LABELS.items():
        a, b = kpis["costs"].get(key, 0.0), base["costs"].get(key, 0.0)
        if abs(a) > 1e-9 or abs(b) > 1e-9:
            rows.append({"label": label, "single": a, "sequential": b, "delta": b - a, "cost": True})
    levers = [{"label": LEVER_LABELS.get(k, k), "value": v, "what": (run.comparison.get("levers") or {}).get(k, "")}
              for k, v in (run.comparison.get("by_lever") or {}).items()]
    return {"rows": rows, "profit": {"single": kpis["profit"], "sequential": base["profit"],
                                     "delta": kpis["profit"] - base["profit"]},
            "fill": {"single": kpis.get("fill_rate"), "sequential": base.get("fill_rate")},
            "levers": levers, "value": run.comparison["value"]}


def _charts(run: SolveRun, totals, channels, matrix, comparison) -> dict[str, Any]:
    periods = [row["period"] for row in totals]
    cells, util_max = [], 1.0
    names = list(matrix["resources"])
    for y, name in enumerate(names):
        for row in matrix["resources"][name]:
            u = row.utilization
            cells.append([row.period_index, y, None if u is None else round(u * 100, 1)])
            if u is not None:
                util_max = max(util_max, u)
    return {
        "periods": periods,
        "totals": {key: [round(row[key] or 0.0, 3) for row in totals]
                   for key in ("production", "subcontract", "shipments", "demand", "inventory", "backlog", "lost")},
        "channels": {ch: [round(r["shipments"] or 0.0, 3) for r in rows] for ch, rows in channels.items()},
        "heat": {"resources": names, "periods": matrix["periods"], "cells": cells, "max": round(util_max * 100, 1)},
        "levers": [[lv["label"], round(lv["value"], 2)] for lv in (comparison or {}).get("levers", [])],
    }


def plan_context(run: SolveRun) -> dict[str, Any]:
    totals = selectors.period_totals(run)
    channels = selectors.channel_periods(run)
    matrix = selectors.resource_matrix(run)
    comparison = _comparison_rows(run)
    kpis = run.kpis or {}
    return {
        "kpis": kpis,
        "currency": kpis.get("currency", ""),
        "totals": totals,
        "families": selectors.family_summary(run),
        "matrix": matrix,
        "resource_kpis": (kpis.get("utilization") or {}).get("by_resource") or {},
        "components": selectors.component_summary(run),
        "comparison": comparison,
        "charts": _charts(run, totals, channels, matrix, comparison),
        "explanations": kpis.get("explanations") or [],
        "violations": kpis.get("violation_items") or [],
    }


def _status_context(request: HttpRequest, run: SolveRun) -> dict[str, Any]:
    context: dict[str, Any] = {
        "run": run,
        "can_manage": request.user.has_perm("optimizer.manage_run", run),
        "rerunnable": run.status in RERUNNABLE,
        "progress_pct": round((run.progress or 0) * 100),
    }
    if run.status == RunStatus.SUCCEEDED:
        context.update(plan_context(run))
    return context


@page("optimizer.view_pages")
def run_detail(request: HttpRequest, run_id: int) -> HttpResponse:
    run = _run(run_id)
    context = _status_context(request, run)
    context["runs_of_scenario"] = list(selectors.run_list(scenario=run.scenario, limit=10)) if run.scenario else []
    return render(request, "optimizer/run_detail.html", context)


@page("optimizer.view_pages")
def run_status(request: HttpRequest, run_id: int) -> HttpResponse:
    """The progress fragment the run page polls; once the run is finished it answers 286 (stop
    polling) with the plan view (or the reason it failed) in place of the progress bar."""
    run = _run(run_id)
    response = render(request, "optimizer/partials/_run_status.html", _status_context(request, run))
    if run.is_finished:
        stop = HttpResponseStopPolling(response.content)
        stop["Content-Type"] = response["Content-Type"]
        response = stop
    return vary_on_htmx(response)


@page("optimizer.view_pages")
def run_family(request: HttpRequest, run_id: int) -> HttpResponse:
    run = _run(run_id)
    family = request.GET.get("family", "")
    rows = selectors.family_periods(run, family) if family else []
    if family and not rows:
        raise Http404("No such family in this plan.")
    template = "optimizer/partials/_family_periods.html" if is_partial(request) else "optimizer/run_family.html"
    response = render(request, template, {"run": run, "family": family, "rows": rows})
    return vary_on_htmx(response)


@page("optimizer.view_pages")
@require_POST
def run_cancel(request: HttpRequest, run_id: int) -> HttpResponse:
    run = _run(run_id)
    try:
        run = services.solve_cancel(actor=request.user, run=run)
        notice, error = "Cancel requested." if run.status == RunStatus.RUNNING else "Cancelled.", ""
    except ApplicationError as exc:
        if exc.status_code == 403:
            raise PermissionDenied(exc.message) from exc
        notice, error = "", exc.message
    if not is_partial(request):
        (messages.error if error else messages.success)(request, error or notice)
        return redirect("run_detail", run_id=run_id)
    return run_status(request, run_id)


@page("optimizer.view_pages")
@require_POST
def run_rerun(request: HttpRequest, run_id: int) -> HttpResponse:
    run = _run(run_id)
    try:
        new = services.solve_rerun(actor=request.user, run=run)
    except ApplicationError as exc:
        if exc.status_code == 403:
            raise PermissionDenied(exc.message) from exc
        messages.error(request, exc.message)
        return redirect("run_detail", run_id=run_id)
    messages.success(request, f"Solve #{run.pk} is re-run as #{new.pk}.")
    if is_partial(request):
        return HttpResponseClientRedirect(reverse("run_detail", args=[new.pk]))
    return redirect("run_detail", run_id=new.pk)


# --- step panels -------------------------------------------------------------------------------

def _step(step_id: int) -> Step:
    return get_object_or_404(Step.objects.select_related("cycle"), pk=step_id)


@page("optimizer.view_pages")
def supply_review_panel(request: HttpRequest, step_id: int) -> HttpResponse:
    step = _step(step_id)
    latest = selectors.latest_run(cycle=step.cycle)
    success = latest if latest and latest.status == RunStatus.SUCCEEDED else \
        selectors.latest_run(cycle=step.cycle, succeeded=True)
    items = list(selectors.scenarios(cycle=step.cycle))
    response = render(request, "optimizer/partials/_supply_review_panel.html", {
        "step": step, "cycle": step.cycle, "latest": latest, "success": success, "scenarios": items,
        "can_solve": request.user.has_perm("optimizer.run_solves"),
        "can_edit": request.user.has_perm("optimizer.edit_scenarios"),
    })
    return vary_on_htmx(response)


@page("optimizer.view_pages")
def pre_sop_panel(request: HttpRequest, step_id: int) -> HttpResponse:
    step = _step(step_id)
    items = selectors.with_latest_runs(list(selectors.scenarios(cycle=step.cycle)))
    runs = [s.latest_success for s in items if s.latest_success]
    response = render(request, "optimizer/partials/_pre_sop_panel.html", {
        "step": step, "cycle": step.cycle, "table": _compare_table(runs), "scenarios": items,
    })
    return vary_on_htmx(response)
