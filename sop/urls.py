from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView

from sop import views

api_v1 = [
    path("", include("cycles.api.urls")),
    path("", include("optimizer.api.urls")),
    path("", include("reviews.api.urls")),
    path("catalog/", include("catalog.api.urls")),
    path("", include("reviews.demand.api.urls")),
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path("redoc/", SpectacularRedocView.as_view(url_name="api-schema"), name="api-redoc"),
]

urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path("login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("admin/", admin.site.urls),
    path("api/v1/", include(api_v1)),
    path("", include("optimizer.urls")),
    path("", include("catalog.urls")),
    path("", include("reviews.urls")),
    path("demand/", include("reviews.demand.urls")),
    path("", include("cycles.urls")),
]

handler403 = "cycles.views.forbidden"
