"""Excel round trip pages: export, upload, preview, accept or reject."""
from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from reviews.demand import excel, uploads
from reviews.demand.permissions import edit_refusal
from reviews.demand.views import VIEW, _page_context, get_cycle
from reviews.models import DemandUpload
from sop.access import page
from sop.errors import ApplicationError


@page(VIEW)
def demand_export(request: HttpRequest, cycle_id: int) -> HttpResponse:
    cycle = get_cycle(cycle_id)
    data = excel.export_workbook(cycle, actor=request.user)
    response = HttpResponse(data, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = f'attachment; filename="consensus-{cycle.label}.xlsx"'
    return response


@page(VIEW)
@require_POST
def demand_upload(request: HttpRequest, cycle_id: int) -> HttpResponse:
    cycle = get_cycle(cycle_id)
    file = request.FILES.get("file")
    if file is None:
        messages.error(request, "Choose the edited .xlsx file to upload.")
        return redirect("demand_grid", cycle_id=cycle.pk)
    if file.size > excel.MAX_UPLOAD_BYTES:
        messages.error(request, f"The file is larger than {excel.MAX_UPLOAD_BYTES // (1024 * 1024)} MiB.")
        return redirect("demand_grid", cycle_id=cycle.pk)
    try:
        upload = uploads.upload_preview(actor=request.user, cycle=cycle, filename=file.name, data=file.read())
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return redirect("demand_grid", cycle_id=cycle.pk)
    return redirect("demand_upload_detail", cycle_id=cycle.pk, upload_id=upload.pk)


@page(VIEW)
def demand_upload_detail(request: HttpRequest, cycle_id: int, upload_id: int) -> HttpResponse:
    cycle = get_cycle(cycle_id)
    upload = get_object_or_404(DemandUpload.objects.select_related("uploaded_by", "decided_by"), pk=upload_id,
                               cycle=cycle)
    context = _page_context(request, cycle, "grid")
    context.update({"upload": upload, "can_edit": edit_refusal(request.user, cycle) is None})
    return render(request, "reviews/demand_upload.html", context)


@page(VIEW)
@require_POST
def demand_upload_decide(request: HttpRequest, cycle_id: int, upload_id: int, decision: str) -> HttpResponse:
    cycle = get_cycle(cycle_id)
    upload = get_object_or_404(DemandUpload, pk=upload_id, cycle=cycle)
    try:
        if decision == "accept":
            uploads.upload_accept(actor=request.user, upload=upload)
            messages.success(request, f"Applied {len(upload.changes)} change(s) from {upload.filename}.")
        elif decision == "reject":
            uploads.upload_reject(actor=request.user, upload=upload)
            messages.info(request, f"Rejected {upload.filename}: nothing was changed.")
        else:
            messages.error(request, "Unknown decision.")
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return redirect("demand_upload_detail", cycle_id=cycle.pk, upload_id=upload.pk)
    return redirect("demand_grid", cycle_id=cycle.pk)
