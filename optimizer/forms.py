"""The scenario form: name, description, an optional uploaded base problem, and a formset of
levers (one row per lever; the row's type says which fields count)."""
from __future__ import annotations

import json
from typing import Any

from django import forms
from django.forms import formset_factory

from optimizer.levers import LEVER_TYPES

MAX_UPLOAD_BYTES = 25 * 1024 * 1024


def _codes(text: str) -> list[str]:
    return [c.strip() for c in (text or "").replace(";", ",").split(",") if c.strip()]


def _pairs(text: str, field: str, *, nullable: bool = False) -> dict[str, float | None]:
    """'direct=0.95, distributor=0.8' -> {'direct': 0.95, 'distributor': 0.8}."""
    out: dict[str, float | None] = {}
    for part in _codes(text):
        if "=" not in part and ":" not in part:
            raise forms.ValidationError(f"{field}: write code=value pairs, e.g. direct=0.95")
        code, _, value = part.replace(":", "=").partition("=")
        code, value = code.strip(), value.strip()
        if nullable and value.lower() in ("", "none", "null"):
            out[code] = None
            continue
        try:
            out[code] = float(value)
        except ValueError as exc:
            raise forms.ValidationError(f"{field}: {value!r} is not a number") from exc
    return out


def _show_pairs(mapping: dict | None) -> str:
    return ", ".join(f"{k}={'none' if v is None else f'{v:g}'}" for k, v in (mapping or {}).items())


class ScenarioForm(forms.Form):
    name = forms.CharField(max_length=120)
    description = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))
    base_problem_file = forms.FileField(
        required=False, label="Base problem document (JSON, optional)",
        help_text="Replaces the problem built from the catalog and the cycle's data.",
    )
    clear_base_problem = forms.BooleanField(required=False, label="Remove the uploaded base problem")
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def clean_base_problem_file(self) -> Any:
        upload = self.cleaned_data.get("base_problem_file")
        if not upload:
            return None
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(f"The file is {upload.size:,} bytes; at most {MAX_UPLOAD_BYTES:,}.")
        try:
            doc = json.loads(upload.read().decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise forms.ValidationError(f"Not a JSON document: {exc}") from exc
        if not isinstance(doc, dict):
            raise forms.ValidationError("A problem document is a JSON object.")
        return doc


PERIOD_BLANK = [("", "—")]


class LeverForm(forms.Form):
    type = forms.ChoiceField(choices=[("", "(no lever)"), *LEVER_TYPES.items()], required=False,
                             widget=forms.Select(attrs={"class": "form-select form-select-sm"}))
    label = forms.CharField(required=False, max_length=200)
    percent = forms.FloatField(required=False, label="Change %")
    hours = forms.FloatField(required=False, label="Hours per month (+/-)")
    families = forms.CharField(required=False, help_text="Codes, comma separated; empty: all")
    channels = forms.CharField(required=False, help_text="Codes, comma separated; empty: all")
    from_period = forms.ChoiceField(required=False, label="From")
    to_period = forms.ChoiceField(required=False, label="To")
    resource = forms.CharField(required=False)
    component = forms.CharField(required=False)
    option = forms.CharField(required=False, label="Supply option")
    code = forms.CharField(required=False, label="New resource code")
    capacity = forms.FloatField(required=False, min_value=0, label="Capacity (h/month)")
    regular_cost_per_hour = forms.FloatField(required=False, min_value=0, label="Cost per hour")
    overtime_cost_per_hour = forms.FloatField(required=False, min_value=0, label="Overtime cost per hour")
    overtime_max_hours = forms.FloatField(required=False, min_value=0, label="Overtime hours per month")
    routings = forms.CharField(required=False, help_text="family=hours per unit, e.g. FPGA-A=1.5, FPGA-B=2")
    takes_over_from = forms.CharField(required=False, help_text="Resource whose routings of these families it replaces")
    working_capital_limit = forms.FloatField(required=False, min_value=0)
    remove_working_capital_limit = forms.BooleanField(required=False)
    infeasibility_penalty = forms.FloatField(required=False, min_value=0)
    min_fill_rate = forms.CharField(required=False, label="Fill-rate floors", help_text="channel=0..1, e.g. direct=0.95")
    safety_stock = forms.CharField(required=False, help_text="family=units, e.g. FPGA-A=200")
    safety_stock_shortfall_cost = forms.CharField(required=False, help_text="family=cost (none: hard floor)")

    def __init__(self, *args, periods: list[str] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        choices = PERIOD_BLANK + [(p, p) for p in periods or []]
        self.fields["from_period"].choices = choices
        self.fields["to_period"].choices = choices

    def lever(self) -> dict[str, Any] | None:
        """The lever as JSON (None for an empty row); the shape is checked by the service."""
        d = self.cleaned_data
        kind = d.get("type")
        if not kind or d.get("DELETE"):
            return None
        lever: dict[str, Any] = {"type": kind}
        if d.get("label"):
            lever["label"] = d["label"]
        if kind in ("demand_change", "price_change", "capacity_change", "supplier_failure", "new_resource"):
            if d.get("from_period"):
                lever["from"] = d["from_period"]
            if d.get("to_period"):
                lever["to"] = d["to_period"]
        if kind in ("demand_change", "price_change"):
            lever.update(percent=d.get("percent"), families=_codes(d.get("families")),
                         channels=_codes(d.get("channels")))
        elif kind == "capacity_change":
            lever.update(resource=d.get("resource"), percent=d.get("percent"), hours=d.get("hours"))
        elif kind == "supplier_failure":
            lever.update(component=d.get("component"), option=d.get("option"))
        elif kind == "new_resource":
            try:
                routes = _pairs(d.get("routings"), "routings")
            except forms.ValidationError as exc:
                self.add_error("routings", exc)
                return None
            lever.update(code=d.get("code"), capacity=d.get("capacity"),
                         regular_cost_per_hour=d.get("regular_cost_per_hour") or 0,
                         routings=[{"family": f, "hours_per_unit": h} for f, h in routes.items()],
                         takes_over_from=d.get("takes_over_from") or None)
            if d.get("overtime_cost_per_hour") is not None:
                lever["overtime"] = {"cost_per_hour": d["overtime_cost_per_hour"],
                                     "max_hours": d.get("overtime_max_hours")}
        elif kind == "policy_change":
            if d.get("remove_working_capital_limit"):
                lever["working_capital_limit"] = None
            elif d.get("working_capital_limit") is not None:
                lever["working_capital_limit"] = d["working_capital_limit"]
            if d.get("infeasibility_penalty") is not None:
                lever["infeasibility_penalty"] = d["infeasibility_penalty"]
            for key, nullable in (("min_fill_rate", False), ("safety_stock", False),
                                  ("safety_stock_shortfall_cost", True)):
                if d.get(key):
                    try:
                        lever[key] = _pairs(d[key], key, nullable=nullable)
                    except forms.ValidationError as exc:
                        self.add_error(key, exc)
                        return None
        return lever


def lever_initial(lever: dict[str, Any]) -> dict[str, Any]:
    """A lever as the initial data of its form row."""
    out: dict[str, Any] = {"type": lever.get("type"), "label": lever.get("label", ""),
                           "from_period": lever.get("from") or "", "to_period": lever.get("to") or ""}
    for key in ("percent", "hours", "resource", "component", "option", "code", "capacity",
                "regular_cost_per_hour", "takes_over_from", "infeasibility_penalty"):
        if lever.get(key) is not None:
            out[key] = lever[key]
    for key in ("families", "channels"):
        out[key] = ", ".join(lever.get(key) or [])
    if lever.get("overtime"):
        out["overtime_cost_per_hour"] = lever["overtime"].get("cost_per_hour")
        out["overtime_max_hours"] = lever["overtime"].get("max_hours")
    if lever.get("routings"):
        out["routings"] = ", ".join(f"{r['family']}={r['hours_per_unit']:g}" for r in lever["routings"])
    if "working_capital_limit" in lever:
        if lever["working_capital_limit"] is None:
            out["remove_working_capital_limit"] = True
        else:
            out["working_capital_limit"] = lever["working_capital_limit"]
    for key in ("min_fill_rate", "safety_stock", "safety_stock_shortfall_cost"):
        if lever.get(key):
            out[key] = _show_pairs(lever[key])
    return out


LeverFormSet = formset_factory(LeverForm, extra=1, can_delete=True, max_num=50, absolute_max=50)


#: Which lever types use which form fields (the page shows only these; without JS all show).
FIELD_TYPES: dict[str, tuple[str, ...]] = {
    "percent": ("demand_change", "price_change", "capacity_change"),
    "hours": ("capacity_change",),
    "families": ("demand_change", "price_change"),
    "channels": ("demand_change", "price_change"),
    "from_period": ("demand_change", "price_change", "capacity_change", "supplier_failure", "new_resource"),
    "to_period": ("demand_change", "price_change", "capacity_change", "supplier_failure", "new_resource"),
    "resource": ("capacity_change",),
    "component": ("supplier_failure",),
    "option": ("supplier_failure",),
    "code": ("new_resource",),
    "capacity": ("new_resource",),
    "regular_cost_per_hour": ("new_resource",),
    "overtime_cost_per_hour": ("new_resource",),
    "overtime_max_hours": ("new_resource",),
    "routings": ("new_resource",),
    "takes_over_from": ("new_resource",),
    "working_capital_limit": ("policy_change",),
    "remove_working_capital_limit": ("policy_change",),
    "infeasibility_penalty": ("policy_change",),
    "min_fill_rate": ("policy_change",),
    "safety_stock": ("policy_change",),
    "safety_stock_shortfall_cost": ("policy_change",),
}


class SolveForm(forms.Form):
    time_limit = forms.FloatField(required=False, min_value=1, label="Time limit (s)")
    gap_percent = forms.FloatField(required=False, min_value=0, max_value=100, label="MIP gap %")
    baseline = forms.BooleanField(required=False, initial=True, label="Compare with the sequential baseline")
