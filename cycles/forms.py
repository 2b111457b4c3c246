from __future__ import annotations

import datetime as dt

from django import forms
from django.utils import timezone

from cycles import workflow
from cycles.choices import StepKind


def _next_month_label(today: dt.date) -> str:
    year, month = (today.year + 1, 1) if today.month == 12 else (today.year, today.month + 1)
    return f"{year:04d}-{month:02d}"


class DateInput(forms.DateInput):
    input_type = "date"


class CalendarFieldsMixin:
    def add_due_fields(self):
        for kind in workflow.STEP_ORDER:
            self.fields[f"due_{kind}"] = forms.DateField(
                label=f"{StepKind(kind).label} due", required=False, widget=DateInput()
            )
        for field in self.fields.values():
            field.widget.attrs.setdefault("class", "form-control form-control-sm")

    def main_fields(self):
        return [self[name] for name in self.fields if not name.startswith("due_")]

    def due_dates(self) -> dict[str, dt.date]:
        return {k: self.cleaned_data.get(f"due_{k}") for k in workflow.STEP_ORDER if self.cleaned_data.get(f"due_{k}")}

    def due_fields(self):
        return [self[f"due_{k}"] for k in workflow.STEP_ORDER]


class CycleOpenForm(CalendarFieldsMixin, forms.Form):
    label = forms.CharField(max_length=7, help_text="The cycle's month, YYYY-MM.")
    executive_meeting_date = forms.DateField(required=False, widget=DateInput())
    horizon_months = forms.IntegerField(
        min_value=workflow.MIN_HORIZON, max_value=workflow.MAX_HORIZON, initial=workflow.DEFAULT_HORIZON
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.add_due_fields()
        if not self.is_bound:
            label = _next_month_label(timezone.localdate())
            dues, meeting = workflow.default_calendar(label)
            self.initial.update({"label": label, "executive_meeting_date": meeting})
            self.initial.update({f"due_{k}": v for k, v in dues.items()})

    def clean_label(self):
        label = self.cleaned_data["label"].strip()
        try:
            workflow.parse_label(label)
        except workflow.WorkflowError as exc:
            raise forms.ValidationError(str(exc)) from exc
        return label


class CalendarForm(CalendarFieldsMixin, forms.Form):
    executive_meeting_date = forms.DateField(widget=DateInput())

    def __init__(self, *args, cycle=None, steps=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.add_due_fields()
        if cycle is not None and not self.is_bound:
            self.initial["executive_meeting_date"] = cycle.executive_meeting_date
            for step in steps or cycle.steps.all():
                self.initial[f"due_{step.kind}"] = step.due_date


class CommentForm(forms.Form):
    comment = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))
    role = forms.CharField(required=False)
