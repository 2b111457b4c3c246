from django.urls import path

from reviews.demand import views, views_excel, views_reports

urlpatterns = [
    path("", views.demand_home, name="demand_home"),
    path("steps/<id:step_id>/panel/", views.demand_panel, name="demand_panel"),
    path("<id:cycle_id>/", views.demand_grid, name="demand_grid"),
    path("<id:cycle_id>/grid.json", views.demand_grid_data, name="demand_grid_data"),
    path("<id:cycle_id>/edit/", views.demand_edit, name="demand_edit"),
    path("<id:cycle_id>/cell/", views.demand_cell, name="demand_cell"),
    path("<id:cycle_id>/overrides/<id:override_id>/remove/", views.demand_override_remove,
         name="demand_override_remove"),
    path("<id:cycle_id>/carry-over/", views.demand_carry_over, name="demand_carry_over"),
    path("<id:cycle_id>/run/", views.demand_run_start, name="demand_run_start"),
    path("<id:cycle_id>/run/status/", views.demand_run_status, name="demand_run_status"),
    path("<id:cycle_id>/chart.json", views.demand_chart, name="demand_chart"),
    path("<id:cycle_id>/family/<str:code>/", views.demand_family, name="demand_family"),
    path("<id:cycle_id>/assumptions/", views_reports.demand_assumptions, name="demand_assumptions"),
    path("<id:cycle_id>/assumptions/<id:assumption_id>/review/", views_reports.demand_assumption_review,
         name="demand_assumption_review"),
    path("<id:cycle_id>/changes/", views_reports.demand_changes, name="demand_changes"),
    path("<id:cycle_id>/accuracy/", views_reports.demand_accuracy, name="demand_accuracy"),
    path("<id:cycle_id>/export.xlsx", views_excel.demand_export, name="demand_export"),
    path("<id:cycle_id>/upload/", views_excel.demand_upload, name="demand_upload"),
    path("<id:cycle_id>/uploads/<id:upload_id>/", views_excel.demand_upload_detail, name="demand_upload_detail"),
    path("<id:cycle_id>/uploads/<id:upload_id>/<slug:decision>/", views_excel.demand_upload_decide,
         name="demand_upload_decide"),
]
