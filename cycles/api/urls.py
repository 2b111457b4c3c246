from cycles.api import views
from sop.converters import Router

router = Router()
router.register("cycles", views.CycleViewSet, basename="cycle")
router.register("steps", views.StepViewSet, basename="step")
router.register("signoffs", views.SignOffViewSet, basename="signoff")
router.register("events", views.EventViewSet, basename="event")

urlpatterns = router.urls
