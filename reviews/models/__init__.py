"""reviews models, one module per step area (step 1: imports, actuals, quality; step 2 adds its own)."""
from reviews.models.actuals import (  # noqa: F401
    Booking,
    CapacityActual,
    ComponentSupply,
    FinancialActual,
    InventoryActual,
    OpenOrder,
    Shipment,
)
from reviews.models.imports import ImportBatch, ImportSource, ImportStatus  # noqa: F401
from reviews.models.quality import Finding, FindingStatus, Severity  # noqa: F401
