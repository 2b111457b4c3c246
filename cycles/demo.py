"""Opens the demo cycle (next month) if no cycle is open."""
from __future__ import annotations

from django.contrib.auth import get_user_model
from django.utils import timezone

from cycles import services
from cycles.choices import CycleStatus
from cycles.models import Cycle


def demo_label() -> str:
    today = timezone.localdate()
    year, month = (today.year + 1, 1) if today.month == 12 else (today.year, today.month + 1)
    return f"{year:04d}-{month:02d}"


def seed(*, stdout) -> None:
    if Cycle.objects.filter(status=CycleStatus.OPEN).exists():
        return
    owner = get_user_model().objects.get(username="owner")
    cycle = services.cycle_open(actor=owner, label=demo_label())
    stdout.write(f"Opened the demo cycle {cycle.label}.")
