from rest_framework.routers import DefaultRouter

from optimizer.api import views

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.register("solves", views.SolveRunViewSet, basename="solve")
router.register("scenarios", views.ScenarioViewSet, basename="scenario")

urlpatterns = router.urls
