from rest_framework.routers import DefaultRouter

from cycles.api import views

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.register("cycles", views.CycleViewSet, basename="cycle")
router.register("steps", views.StepViewSet, basename="step")
router.register("signoffs", views.SignOffViewSet, basename="signoff")
router.register("events", views.EventViewSet, basename="event")

urlpatterns = router.urls
