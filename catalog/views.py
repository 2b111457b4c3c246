"""Catalog pages: a filtered, searchable list per model with CSV/XLSX export of exactly the
filtered rows, and a detail page per coded row. Read-only: master data changes by import."""
from __future__ import annotations

from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from catalog import exports, selectors
from catalog.tables import TABLES, Table
from sop.access import page
from sop.htmx import is_partial, vary_on_htmx

PAGE_SIZE = 50


def styled(form):
    """Bootstrap classes on a filter form's widgets (the list pages and the import list share it)."""
    for field in form.fields.values():
        css = "form-select form-select-sm" if getattr(field.widget, "input_type", "") == "select" else "form-control form-control-sm"
        field.widget.attrs.setdefault("class", css)
    return form


def _table(slug: str) -> Table:
    try:
        return TABLES[slug]
    except KeyError:
        raise Http404("No such list.") from None


@page()
def catalog_index(request: HttpRequest) -> HttpResponse:
    counts = [{"table": t, "count": t.model.objects.count()} for t in TABLES.values()]
    return render(request, "catalog/index.html", {"counts": counts})


@page()
def catalog_list(request: HttpRequest, slug: str) -> HttpResponse:
    table = _table(slug)
    filterset = table.filterset(request.GET or None, queryset=selectors.table_queryset(table.model, table.select))
    qs = filterset.qs if (not filterset.is_bound or filterset.is_valid()) else table.model.objects.none()
    header = [name for name, _ in table.columns]
    export = request.GET.get("export")
    if export in ("csv", "xlsx"):
        rows = ([get(obj) for _, get in table.columns] for obj in qs.iterator(chunk_size=2000))
        if export == "csv":
            return exports.csv_response(table.kind, header, rows)
        return exports.xlsx_response(table.kind, header, rows)
    page_obj = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [{"obj": obj, "cells": [get(obj) for _, get in table.columns]} for obj in page_obj.object_list]
    query = request.GET.copy()
    query.pop("page", None)
    query.pop("export", None)
    styled(filterset.form)
    context = {"table": table, "header": header, "rows": rows, "page_obj": page_obj, "filter": filterset,
               "query": query.urlencode(), "tables": TABLES.values()}
    template = "catalog/partials/_table.html" if is_partial(request) else "catalog/list.html"
    return vary_on_htmx(render(request, template, context))


RELATED = {
    "skus": ("SKUs", "skus", lambda o: o.skus.order_by("code")),
    "routings": ("Routings", "routings", lambda o: o.routings.select_related("family", "resource")),
    "bom": ("Bill of materials", "bom", lambda o: o.bom.select_related("family", "component")),
    "prices": ("Price changes", None, lambda o: o.prices.all()),
    "budget": ("Budget", "budget", lambda o: o.budget.select_related("family")),
    "supply_options": ("Supply options", "supply-options", lambda o: o.supply_options.select_related("component")),
}


@page()
def catalog_detail(request: HttpRequest, slug: str, code: str) -> HttpResponse:
    table = _table(slug)
    if not table.link_column:
        raise Http404("These rows have no page of their own.")
    if table.model.__name__ == "SupplyOption":
        component, _, option = code.partition("~")
        obj = get_object_or_404(table.model.objects.select_related("component"), component__code=component, code=option)
    else:
        obj = get_object_or_404(selectors.table_queryset(table.model, table.select), code=code)
    fields = [(f.verbose_name, getattr(obj, f.name), f.help_text) for f in obj._meta.fields if f.name not in ("id",)]
    related = []
    for name in table.related:
        title, target_slug, getter = RELATED[name]
        target = TABLES.get(target_slug) if target_slug else None
        items = list(getter(obj)[:200])
        related.append({"title": title, "table": target, "items": items,
                        "rows": [[get(i) for _, get in target.columns] for i in items] if target else
                        [[i.effective_from.strftime("%Y-%m"), i.price] for i in items],
                        "header": [n for n, _ in target.columns] if target else ["effective_from", "price"]})
    return render(request, "catalog/detail.html", {"table": table, "obj": obj, "fields": fields, "related": related})
