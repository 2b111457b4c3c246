from rest_framework.routers import DefaultRouter

from reviews.demand.api import views

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.register("demand/runs", views.RunViewSet, basename="demand-run")
router.register("demand/baselines", views.BaselineViewSet, basename="demand-baseline")
router.register("demand/overrides", views.OverrideViewSet, basename="demand-override")
router.register("demand/assumptions", views.AssumptionViewSet, basename="demand-assumption")
router.register("demand/cycles", views.CycleDemandViewSet, basename="demand-cycle")

urlpatterns = router.urls
