"""Cycle pages and their htmx fragments. Thin: read through selectors, write through services."""
from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, reverse
from django.views.decorators.http import require_POST

from cycles import hooks, selectors, services, workflow
from cycles.choices import StepKind
from cycles.filtersets import EventFilter
from cycles.forms import CalendarForm, CommentForm, CycleOpenForm
from cycles.models import Cycle
from cycles.permissions import signable_roles_for
from sop.access import page
from sop.errors import ApplicationError
from sop.htmx import is_partial, vary_on_htmx


@page()
def dashboard(request: HttpRequest) -> HttpResponse:
    cycle = selectors.current_cycle()
    steps = selectors.cycle_steps(cycle) if cycle else []
    context = {
        "cycle": cycle,
        "timeline": selectors.timeline(cycle, steps) if cycle else [],
        "tasks": selectors.my_tasks(request.user),
        "events": selectors.events(limit=15),
    }
    return render(request, "cycles/dashboard.html", context)


@page()
def cycle_list(request: HttpRequest) -> HttpResponse:
    cycles = list(selectors.cycle_list())
    return render(request, "cycles/cycle_list.html", {"cycles": cycles})


@page("cycles.open_cycle")
def cycle_open(request: HttpRequest) -> HttpResponse:
    form = CycleOpenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            cycle = services.cycle_open(
                actor=request.user,
                label=form.cleaned_data["label"],
                executive_meeting_date=form.cleaned_data.get("executive_meeting_date"),
                due_dates=form.due_dates(),
                horizon_months=form.cleaned_data["horizon_months"],
            )
        except ApplicationError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, f"Cycle {cycle.label} is open; data gathering has started.")
            return redirect("cycle_detail", cycle_id=cycle.pk)
    return render(request, "cycles/cycle_open.html", {"form": form}, status=400 if form.errors else 200)


def _cycle(cycle_id: int) -> Cycle:
    return get_object_or_404(Cycle.objects.select_related("opened_by"), pk=cycle_id)


@page()
def cycle_detail(request: HttpRequest, cycle_id: int) -> HttpResponse:
    cycle = _cycle(cycle_id)
    steps = selectors.cycle_steps(cycle)
    context = {
        "cycle": cycle,
        "timeline": selectors.timeline(cycle, steps),
        "events": selectors.events(cycle=cycle, limit=50),
        "calendar_form": CalendarForm(cycle=cycle, steps=steps),
    }
    return render(request, "cycles/cycle_detail.html", context)


@page("cycles.change_calendar")
@require_POST
def cycle_calendar(request: HttpRequest, cycle_id: int) -> HttpResponse:
    cycle = _cycle(cycle_id)
    form = CalendarForm(request.POST, cycle=cycle)
    if form.is_valid():
        try:
            services.cycle_update_calendar(
                actor=request.user,
                cycle=cycle,
                due_dates=form.due_dates(),
                executive_meeting_date=form.cleaned_data["executive_meeting_date"],
            )
            messages.success(request, "Calendar saved.")
        except ApplicationError as exc:
            messages.error(request, exc.message)
    else:
        messages.error(request, "The calendar has invalid dates: " + "; ".join(
            f"{form[f].label if f in form.fields else f}: {' '.join(e)}" for f, e in form.errors.items()
        ))
    return redirect("cycle_detail", cycle_id=cycle.pk)


@page("cycles.cancel_cycle")
@require_POST
def cycle_cancel(request: HttpRequest, cycle_id: int) -> HttpResponse:
    cycle = _cycle(cycle_id)
    try:
        services.cycle_cancel(actor=request.user, cycle=cycle, comment=request.POST.get("comment", ""))
        messages.success(request, f"Cycle {cycle.label} cancelled.")
    except ApplicationError as exc:
        messages.error(request, exc.message)
    return redirect("cycle_detail", cycle_id=cycle.pk)


def _step(cycle_id: int, kind: str):
    if kind not in workflow.STEP_ORDER:
        raise Http404("No such step.")
    try:
        return selectors.step_detail(cycle_id, kind)
    except Exception as exc:  # Step.DoesNotExist
        raise Http404("No such step.") from exc


def _panels(step) -> list[dict]:
    out = []
    for panel in hooks.panels(step.kind):
        kwargs = {"step_id": step.pk} if panel.kwarg == "step_id" else {"cycle_id": step.cycle_id}
        try:
            url = reverse(panel.url_name, kwargs=kwargs)
        except NoReverseMatch:
            continue
        out.append({"title": panel.title, "url": url})
    return out


def _signoff_context(request: HttpRequest, step, *, error: str = "", notice: str = "") -> dict:
    return {
        "step": step,
        "cycle": step.cycle,
        "signatures": [s for s in step.signoffs.all() if s.voided_at is None],
        "required": [
            {"role": r, "signed": next((s for s in step.signoffs.all() if s.role == r and s.voided_at is None), None)}
            for r in workflow.REQUIRED_ROLES[step.kind]
        ],
        "signable_roles": signable_roles_for(request.user, step),
        "error": error,
        "notice": notice,
        "today_state": step.timeline_state(),
    }


@page()
def step_detail(request: HttpRequest, cycle_id: int, kind: str) -> HttpResponse:
    step = _step(cycle_id, kind)
    context = _signoff_context(request, step)
    context.update(
        {
            "timeline": selectors.timeline(step.cycle),
            "panels": _panels(step),
            "events": selectors.events(step=step, limit=50),
            "kind_label": StepKind(kind).label,
        }
    )
    return render(request, "cycles/step_detail.html", context)


@page()
@require_POST
def step_action(request: HttpRequest, cycle_id: int, kind: str, action: str) -> HttpResponse:
    """Sign, send back or reopen. htmx gets the sign-off fragment back; a plain form post is
    redirected to the step page with the outcome as a message."""
    step = _step(cycle_id, kind)
    form = CommentForm(request.POST)
    form.is_valid()
    comment = form.cleaned_data.get("comment", "")
    role = form.cleaned_data.get("role") or None
    error = notice = ""
    status = 200
    try:
        if action == "sign":
            step = services.step_sign(actor=request.user, step=step, role=role, comment=comment)
            notice = "Signed." if step.status != "signed_off" else f"{step.get_kind_display()} is signed off."
        elif action == "send-back":
            step = services.step_send_back(actor=request.user, step=step, comment=comment)
            notice = "Sent back for rework."
        elif action == "reopen":
            step = services.step_reopen(actor=request.user, step=step, comment=comment)
            notice = f"{step.get_kind_display()} is open again; later sign-offs were voided."
        else:
            raise Http404("Unknown action.")
    except ApplicationError as exc:
        error = exc.message
        status = exc.status_code if exc.status_code in (400, 403, 409) else 400
    if not is_partial(request):
        if error:
            messages.error(request, error)
        else:
            messages.success(request, notice)
        return redirect("step_detail", cycle_id=cycle_id, kind=kind)
    step = _step(cycle_id, kind)
    response = render(
        request, "cycles/partials/_signoff.html", _signoff_context(request, step, error=error, notice=notice)
    )
    if not error:
        response["HX-Trigger"] = "step-changed"
    else:
        # htmx does not swap 4xx bodies by default; the page's config swaps 4xx (see base.html).
        response.status_code = status
    return vary_on_htmx(response)


@page()
def step_history(request: HttpRequest, cycle_id: int, kind: str) -> HttpResponse:
    step = _step(cycle_id, kind)
    response = render(
        request, "cycles/partials/_events.html", {"events": selectors.events(step=step, limit=50), "compact": True}
    )
    return vary_on_htmx(response)


@page()
def step_timeline(request: HttpRequest, cycle_id: int) -> HttpResponse:
    cycle = _cycle(cycle_id)
    response = render(request, "cycles/partials/_timeline.html", {"cycle": cycle, "timeline": selectors.timeline(cycle)})
    return vary_on_htmx(response)


@page()
def history(request: HttpRequest) -> HttpResponse:
    filterset = EventFilter(request.GET or None, queryset=selectors.events())
    if filterset.is_bound and not filterset.is_valid():
        events_qs = selectors.events().none()
    else:
        events_qs = filterset.qs
    paginator = Paginator(events_qs, 50)
    page_obj = paginator.get_page(request.GET.get("page"))
    cycles = Cycle.objects.order_by("-start_month")
    template = "cycles/partials/_events_table.html" if is_partial(request) else "cycles/history.html"
    response = render(
        request,
        template,
        {"filter": filterset, "page_obj": page_obj, "events": page_obj.object_list, "cycles": cycles},
    )
    return vary_on_htmx(response)


def forbidden(request: HttpRequest, exception=None) -> HttpResponse:
    message = str(exception) if isinstance(exception, PermissionDenied) and str(exception) else ""
    return render(request, "403.html", {"message": message}, status=403)
