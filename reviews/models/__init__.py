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
from reviews.models.demand import (  # noqa: F401  (step 2: the demand review)
    Assumption,
    AssumptionCategory,
    AssumptionOutcome,
    ConsensusCell,
    DemandPlan,
    DemandUpload,
    Override,
    OverrideKind,
    UploadStatus,
)
from reviews.models.forecast import (  # noqa: F401
    BaselineForecast,
    ForecastChunk,
    ForecastRun,
    RunStatus,
    SafetyStockSuggestion,
    SeriesDiagnostic,
)
from reviews.models.imports import ImportBatch, ImportSource, ImportStatus  # noqa: F401
from reviews.models.quality import Finding, FindingStatus, Severity  # noqa: F401
