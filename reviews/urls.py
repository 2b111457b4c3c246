from django.urls import path

from reviews import views

urlpatterns = [
    path("data/steps/<int:step_id>/panel/", views.data_panel, name="data_panel"),
    path("data/steps/<int:step_id>/upload/", views.upload, name="data_upload"),
    path("data/imports/", views.import_list, name="import_list"),
    path("data/imports/<int:batch_id>/", views.import_detail, name="import_detail"),
    path("data/imports/<int:batch_id>/apply/", views.apply, name="import_apply"),
    path("data/imports/<int:batch_id>/progress/", views.progress, name="import_progress"),
    path("data/cycles/<int:cycle_id>/findings/", views.findings, name="findings"),
    path("data/cycles/<int:cycle_id>/checks/", views.run_checks, name="run_checks"),
    path("data/findings/<int:finding_id>/waive/", views.waive, name="finding_waive"),
]
