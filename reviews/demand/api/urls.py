from reviews.demand.api import views
from sop.converters import Router

router = Router()
router.register("demand/runs", views.RunViewSet, basename="demand-run")
router.register("demand/baselines", views.BaselineViewSet, basename="demand-baseline")
router.register("demand/overrides", views.OverrideViewSet, basename="demand-override")
router.register("demand/assumptions", views.AssumptionViewSet, basename="demand-assumption")
router.register("demand/cycles", views.CycleDemandViewSet, basename="demand-cycle")

urlpatterns = router.urls
