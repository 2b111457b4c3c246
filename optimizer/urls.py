from django.urls import path

from optimizer import views

urlpatterns = [
    path("scenarios/", views.scenario_list, name="scenario_list"),
    path("scenarios/new/", views.scenario_new, name="scenario_new"),
    path("scenarios/compare/", views.compare, name="scenario_compare"),
    path("scenarios/<int:scenario_id>/", views.scenario_detail, name="scenario_detail"),
    path("scenarios/<int:scenario_id>/edit/", views.scenario_edit, name="scenario_edit"),
    path("scenarios/<int:scenario_id>/delete/", views.scenario_delete, name="scenario_delete"),
    path("scenarios/<int:scenario_id>/solve/", views.scenario_solve, name="scenario_solve"),
    path("solves/<int:run_id>/", views.run_detail, name="run_detail"),
    path("solves/<int:run_id>/status/", views.run_status, name="run_status"),
    path("solves/<int:run_id>/family/", views.run_family, name="run_family"),
    path("solves/<int:run_id>/cancel/", views.run_cancel, name="run_cancel"),
    path("solves/<int:run_id>/rerun/", views.run_rerun, name="run_rerun"),
    path("panels/supply-review/<int:step_id>/", views.supply_review_panel, name="supply_review_panel"),
    path("panels/pre-sop/<int:step_id>/", views.pre_sop_panel, name="pre_sop_panel"),
]
