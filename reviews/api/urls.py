from django.urls import path

from reviews.api import views

urlpatterns = [
    path("imports/", views.ImportList.as_view(), name="api-import-list"),
    path("imports/<int:pk>/", views.ImportDetail.as_view(), name="api-import-detail"),
    path("imports/<slug:kind>/", views.ImportCreate.as_view(), name="api-import-create"),
    path("findings/", views.FindingList.as_view(), name="api-finding-list"),
    path("findings/<int:pk>/waive/", views.FindingWaive.as_view(), name="api-finding-waive"),
    path("quality-checks/", views.ChecksRun.as_view(), name="api-quality-checks"),
]
