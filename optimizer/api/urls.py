from optimizer.api import views
from sop.converters import Router

router = Router()
router.register("solves", views.SolveRunViewSet, basename="solve")
router.register("scenarios", views.ScenarioViewSet, basename="scenario")

urlpatterns = router.urls
