"""Demand review reports: the assumption register (and its review), what changed since the
last cycle, accuracy and forecast value added."""
from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from catalog.models import Channel
from reviews.demand import accuracy, changes, selectors, services
from reviews.demand.filtersets import AssumptionFilter
from reviews.demand.permissions import EDITOR_ROLES
from reviews.demand.views import VIEW, _page_context, get_cycle
from reviews.models import Assumption, AssumptionOutcome
from sop.access import page
from sop.errors import ApplicationError
from sop.htmx import is_partial, vary_on_htmx
from sop.roles import user_roles


@page(VIEW)
def demand_assumptions(request: HttpRequest, cycle_id: int) -> HttpResponse:
    """The register: this cycle's assumptions (scope=this) or earlier cycles' (scope=earlier),
    these beside the accuracy of the months they touched, to be marked held / did not hold."""
    cycle = get_cycle(cycle_id)
    scope = "earlier" if request.GET.get("scope") == "earlier" else "this"
    base = selectors.assumptions()
    base = base.filter(cycle=cycle) if scope == "this" else base.filter(cycle__start_month__lt=cycle.start_month)
    params = request.GET.copy()
    params.pop("cycle", None)
    filterset = AssumptionFilter(params or None, queryset=base)
    for name, f in filterset.form.fields.items():
        f.widget.attrs["class"] = "form-select form-select-sm" if name in ("category", "outcome") else \
            "form-control form-control-sm"
    qs = filterset.qs if (not filterset.is_bound or filterset.is_valid()) else base.none()
    page_obj = Paginator(qs, 50).get_page(request.GET.get("page"))
    rows = list(page_obj.object_list)
    effects = selectors.assumption_effects(a.pk for a in rows)
    scores = accuracy.assumption_accuracy(rows) if scope == "earlier" else {}
    for a in rows:
        a.effect = effects.get(a.pk, {})
        a.score = scores.get(a.pk)
    context = _page_context(request, cycle, "assumptions")
    context.update({"filter": filterset, "page_obj": page_obj, "rows": rows, "scope": scope,
                    "can_review": bool(EDITOR_ROLES & user_roles(request.user)),
                    "outcomes": AssumptionOutcome.choices})
    template = "reviews/partials/_demand_assumptions_table.html" if is_partial(request) else \
        "reviews/demand_assumptions.html"
    return vary_on_htmx(render(request, template, context))


@page(VIEW)
@require_POST
def demand_assumption_review(request: HttpRequest, cycle_id: int, assumption_id: int) -> HttpResponse:
    cycle = get_cycle(cycle_id)
    assumption = get_object_or_404(Assumption.objects.select_related("cycle", "owner"), pk=assumption_id)
    error, status = "", 200
    try:
        assumption = services.assumption_review(actor=request.user, assumption=assumption,
                                                outcome=request.POST.get("outcome", ""),
                                                note=request.POST.get("note", ""), in_cycle=cycle)
    except ApplicationError as exc:
        error, status = exc.message, exc.status_code
        if not is_partial(request):
            messages.error(request, exc.message)
    if not is_partial(request):
        if not error:
            messages.success(request, f"{assumption.ref} marked {assumption.get_outcome_display().lower()}.")
        return redirect(f"/demand/{cycle.pk}/assumptions/?scope=earlier")
    assumption = selectors.assumptions().get(pk=assumption.pk)
    assumption.effect = selectors.assumption_effects([assumption.pk]).get(assumption.pk, {})
    assumption.score = accuracy.assumption_accuracy([assumption]).get(assumption.pk)
    response = render(request, "reviews/partials/_demand_assumption_row.html", {
        "a": assumption, "cycle": cycle, "scope": "earlier", "can_review": True, "error": error,
        "outcomes": AssumptionOutcome.choices}, status=status)
    return vary_on_htmx(response)


@page(VIEW)
def demand_changes(request: HttpRequest, cycle_id: int) -> HttpResponse:
    cycle = get_cycle(cycle_id)
    channel = Channel.objects.filter(code=request.GET.get("channel")).first() if request.GET.get("channel") else None
    group = request.GET.get("group") or None
    context = _page_context(request, cycle, "changes")
    context.update({"report": changes.what_changed(cycle, channel=channel, group=group), "channel": channel,
                    "group": group, "channels": Channel.objects.order_by("priority", "code")})
    return render(request, "reviews/demand_changes.html", context)


@page(VIEW)
def demand_accuracy(request: HttpRequest, cycle_id: int) -> HttpResponse:
    cycle = get_cycle(cycle_id)
    context = _page_context(request, cycle, "accuracy")
    context["report"] = accuracy.accuracy_summary(cycle)
    template = "reviews/partials/_demand_accuracy.html" if is_partial(request) else "reviews/demand_accuracy.html"
    return vary_on_htmx(render(request, template, context))
