from django.db import models


class StepKind(models.TextChoices):
    DATA_GATHERING = "data_gathering", "Data gathering"
    DEMAND_REVIEW = "demand_review", "Demand review"
    SUPPLY_REVIEW = "supply_review", "Supply review"
    PRE_SOP = "pre_sop", "Pre-S&OP"
    EXECUTIVE = "executive", "Executive S&OP"
    FOLLOW_UP = "follow_up", "Follow-up"


class StepStatus(models.TextChoices):
    PENDING = "pending", "Not yet open"
    OPEN = "open", "Open"
    SENT_BACK = "sent_back", "Sent back"
    SIGNED_OFF = "signed_off", "Signed off"


class CycleStatus(models.TextChoices):
    OPEN = "open", "Open"
    CLOSED = "closed", "Closed"
    CANCELLED = "cancelled", "Cancelled"
