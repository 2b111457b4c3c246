from django.urls import path

from cycles import views

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("cycles/", views.cycle_list, name="cycle_list"),
    path("cycles/new/", views.cycle_open, name="cycle_open"),
    path("cycles/<id:cycle_id>/", views.cycle_detail, name="cycle_detail"),
    path("cycles/<id:cycle_id>/calendar/", views.cycle_calendar, name="cycle_calendar"),
    path("cycles/<id:cycle_id>/cancel/", views.cycle_cancel, name="cycle_cancel"),
    path("cycles/<id:cycle_id>/timeline/", views.step_timeline, name="cycle_timeline"),
    path("cycles/<id:cycle_id>/<slug:kind>/", views.step_detail, name="step_detail"),
    path("cycles/<id:cycle_id>/<slug:kind>/history/", views.step_history, name="step_history"),
    path("cycles/<id:cycle_id>/<slug:kind>/<slug:action>/", views.step_action, name="step_action"),
    path("history/", views.history, name="history"),
]
