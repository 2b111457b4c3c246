"""Step 1 pages: the data-gathering panel on the step page (upload, validate first, apply,
batches with progress, findings with waivers), the import list and detail, the findings view.
Thin: reads through selectors, writes through services."""
from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST
from django_htmx.http import HttpResponseStopPolling

from cycles.choices import StepKind
from cycles.models import Cycle, Step
from reviews import selectors
from reviews.filtersets import ImportBatchFilter
from reviews.imports import files, kinds
from reviews.models import Finding, ImportBatch, ImportSource, ImportStatus
from reviews.permissions import importable_kinds
from reviews.services import imports, quality
from sop.access import page
from sop.errors import ApplicationError
from sop.htmx import is_partial, vary_on_htmx
from sop.roles import Role, user_roles


def _step(step_id: int) -> Step:
    return get_object_or_404(Step.objects.select_related("cycle"), pk=step_id, kind=StepKind.DATA_GATHERING)


def _panel_context(request: HttpRequest, step: Step, **extra) -> dict:
    cycle = step.cycle
    allowed = importable_kinds(request.user)
    return {
        "step": step,
        "cycle": cycle,
        "kinds": [k for k in kinds.KINDS.values() if k.name in allowed],
        "summary": selectors.actuals_summary(cycle),
        "counts": selectors.finding_counts(cycle),
        "findings": list(selectors.findings(cycle)[:50]),
        "batches": list(selectors.batches(cycle=cycle)[:8]),
        "can_waive": request.user.has_perm("reviews.waive_finding"),
        "can_check": request.user.has_perm("reviews.run_checks"),
        **extra,
    }


@page("reviews.view_pages")
def data_panel(request: HttpRequest, step_id: int) -> HttpResponse:
    step = _step(step_id)
    return vary_on_htmx(render(request, "reviews/partials/_data_panel.html", _panel_context(request, step)))


def _save_upload(upload) -> Path:
    folder = Path(settings.MEDIA_ROOT) / "imports"
    folder.mkdir(parents=True, exist_ok=True)
    import uuid

    suffix = ".xlsx" if upload.name.lower().endswith((".xlsx", ".xlsm")) else ".csv"
    path = folder / f"{uuid.uuid4().hex}{suffix}"
    with open(path, "wb") as out:
        for chunk in upload.chunks():
            out.write(chunk)
    return path


@page("reviews.upload_page")
@require_POST
def upload(request: HttpRequest, step_id: int) -> HttpResponse:
    """Validate first: a dry run shows what the file would do; the preview offers Apply."""
    step = _step(step_id)
    kind = request.POST.get("kind", "")
    upload_file = request.FILES.get("file")
    error = ""
    preview = None
    if upload_file is None:
        error = "Choose a CSV or Excel file to upload."
    elif upload_file.size > files.max_bytes():
        error = f"The file is larger than the limit of {files.max_bytes() // (1024 * 1024)} MiB."
    else:
        path = _save_upload(upload_file)
        cycle = step.cycle if kinds.KINDS.get(kind) and kinds.KINDS[kind].cycle != "none" else None
        try:
            preview = imports.import_data(
                actor=request.user, kind=kind, source=files.Source(name=upload_file.name, path=path), cycle=cycle,
                dry_run=True, origin=ImportSource.UPLOAD, run_async=None,  # a big file is checked by a worker
            )
            if not preview.stored_path:
                ImportBatch.objects.filter(pk=preview.pk).update(stored_path=str(path))
                preview.stored_path = str(path)
            else:
                path.unlink(missing_ok=True)
        except ApplicationError as exc:
            error = exc.message
    context = _panel_context(request, step, preview=preview, upload_error=error)
    status = 200 if not error else 400
    if not is_partial(request):
        if error:
            messages.error(request, error)
        elif preview is not None:
            messages.info(request, preview.message)
        return redirect(reverse("step_detail", args=[step.cycle_id, step.kind]) + (f"?preview={preview.pk}" if preview else ""))
    return vary_on_htmx(render(request, "reviews/partials/_data_panel.html", context, status=status))


@page("reviews.upload_page")
@require_POST
def apply(request: HttpRequest, batch_id: int) -> HttpResponse:
    """Applies the file a validated preview batch checked (queued for a worker when big)."""
    preview = get_object_or_404(ImportBatch.objects.select_related("cycle"), pk=batch_id, status=ImportStatus.VALIDATED)
    step = Step.objects.select_related("cycle").filter(cycle=preview.cycle, kind=StepKind.DATA_GATHERING).first() if preview.cycle_id else None
    if step is None:
        step = _step(int(request.POST.get("step", 0)))
    error = ""
    batch = None
    path = Path(preview.stored_path) if preview.stored_path else None
    newer = preview.superseded_by
    status = 400
    if newer is not None and newer.file_hash and newer.file_hash == preview.file_hash:
        error = f"This file was already applied as import #{newer.pk}; nothing was imported again."
        status = 409
    elif newer is not None:
        error = (f"{kinds.KINDS[preview.kind].label} changed after this preview: import #{newer.pk} ({newer.filename or newer.source}) "
                 f"was applied at {timezone.localtime(newer.finished_at):%Y-%m-%d %H:%M}. Validate the file again to see "
                 "what it would do now; nothing was imported.")
        status = 409
    elif path is None or not path.exists():
        error = "The previewed file is no longer available; upload it again."
    else:
        try:
            batch = imports.import_data(
                actor=request.user, kind=preview.kind, source=files.Source(name=preview.filename, path=path),
                cycle=preview.cycle, dry_run=False, origin=ImportSource.UPLOAD, run_async=None,
            )
        except ApplicationError as exc:
            error = exc.message
    if not is_partial(request):
        if error:
            messages.error(request, error)
        elif batch is not None:
            messages.success(request, batch.message or "Import queued.")
        return redirect("step_detail", cycle_id=step.cycle_id, kind=step.kind)
    response = render(request, "reviews/partials/_data_panel.html", _panel_context(request, step, applied=batch, upload_error=error),
                      status=status if error else 200)
    if batch is not None and batch.status == ImportStatus.APPLIED:
        response["HX-Trigger"] = "step-changed"
    return vary_on_htmx(response)


@page("reviews.view_pages")
def progress(request: HttpRequest, batch_id: int) -> HttpResponse:
    """The progress bar of a queued or running batch; polling stops (286) when it ends."""
    batch = get_object_or_404(ImportBatch, pk=batch_id)
    response = render(request, "reviews/partials/_progress.html", {"batch": batch})
    if batch.is_finished:
        stop = HttpResponseStopPolling(response.content)
        stop["HX-Trigger"] = "step-changed"
        return vary_on_htmx(stop)
    return vary_on_htmx(response)


@page("reviews.view_pages")
def import_list(request: HttpRequest) -> HttpResponse:
    filterset = ImportBatchFilter(request.GET or None, queryset=selectors.batches())
    qs = filterset.qs if (not filterset.is_bound or filterset.is_valid()) else selectors.batches().none()
    page_obj = Paginator(qs, 50).get_page(request.GET.get("page"))
    from catalog.views import styled

    styled(filterset.form)
    return render(request, "reviews/import_list.html", {"filter": filterset, "page_obj": page_obj, "kinds": kinds.KINDS.values()})


@page("reviews.view_pages")
def import_detail(request: HttpRequest, batch_id: int) -> HttpResponse:
    batch = get_object_or_404(selectors.batches(), pk=batch_id)
    return render(request, "reviews/import_detail.html", {"batch": batch, "spec": kinds.KINDS.get(batch.kind)})


@page("reviews.view_pages")
def findings(request: HttpRequest, cycle_id: int) -> HttpResponse:
    cycle = get_object_or_404(Cycle, pk=cycle_id)
    show_all = request.GET.get("all") == "1"
    return render(request, "reviews/findings.html", {
        "cycle": cycle, "findings": list(selectors.findings(cycle, include_resolved=show_all)),
        "counts": selectors.finding_counts(cycle), "show_all": show_all,
        "can_waive": request.user.has_perm("reviews.waive_finding"), "can_check": request.user.has_perm("reviews.run_checks"),
        "step": Step.objects.filter(cycle=cycle, kind=StepKind.DATA_GATHERING).first(),
    })


def _back(request: HttpRequest, cycle: Cycle) -> HttpResponse:
    target = request.POST.get("next") or reverse("findings", args=[cycle.pk])
    if not target.startswith("/"):
        target = reverse("findings", args=[cycle.pk])
    return redirect(target)


@page("reviews.waive_finding")
@require_POST
def waive(request: HttpRequest, finding_id: int) -> HttpResponse:
    finding = get_object_or_404(Finding.objects.select_related("cycle"), pk=finding_id)
    try:
        quality.finding_waive(actor=request.user, finding=finding, comment=request.POST.get("comment", ""))
        messages.success(request, "Finding waived; the reason is in the history.")
    except ApplicationError as exc:
        messages.error(request, exc.message)
    if is_partial(request):
        step = Step.objects.select_related("cycle").get(cycle=finding.cycle, kind=StepKind.DATA_GATHERING)
        response = render(request, "reviews/partials/_data_panel.html", _panel_context(request, step))
        response["HX-Trigger"] = "step-changed"
        return vary_on_htmx(response)
    return _back(request, finding.cycle)


@page("reviews.run_checks")
@require_POST
def run_checks(request: HttpRequest, cycle_id: int) -> HttpResponse:
    cycle = get_object_or_404(Cycle, pk=cycle_id)
    try:
        summary = quality.checks_run(cycle=cycle, actor=request.user, reason="on demand")
        messages.success(request, f"Checks ran: {summary['blocking']} blocking and {summary['warnings']} warnings open.")
    except ApplicationError as exc:
        messages.error(request, exc.message)
    if is_partial(request):
        step = Step.objects.select_related("cycle").get(cycle=cycle, kind=StepKind.DATA_GATHERING)
        response = render(request, "reviews/partials/_data_panel.html", _panel_context(request, step))
        response["HX-Trigger"] = "step-changed"
        return vary_on_htmx(response)
    return _back(request, cycle)


def todo_provider(user) -> list[dict]:
    """The process owner's task: blocking findings of open cycles to fix or waive."""
    if Role.PROCESS_OWNER not in user_roles(user):
        return []
    from cycles.choices import CycleStatus
    from reviews.models import FindingStatus, Severity

    out = []
    rows = (
        Finding.objects.filter(cycle__status=CycleStatus.OPEN, severity=Severity.BLOCKING, status=FindingStatus.OPEN)
        .values("cycle_id", "cycle__label").order_by("cycle__label")
    )
    counts: dict[tuple, int] = {}
    for r in rows:
        key = (r["cycle_id"], r["cycle__label"])
        counts[key] = counts.get(key, 0) + 1
    for (cycle_id, label), n in counts.items():
        out.append({"title": f"Fix or waive {n} blocking data-quality finding{'s' if n != 1 else ''} of cycle {label}",
                    "detail": "data gathering cannot be signed off until then", "url": reverse("findings", args=[cycle_id]),
                    "due": None, "late": False})
    return out
