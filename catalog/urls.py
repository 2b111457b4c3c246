from django.urls import path

from catalog import views

urlpatterns = [
    path("catalog/", views.catalog_index, name="catalog_index"),
    path("catalog/<slug:slug>/", views.catalog_list, name="catalog_list"),
    path("catalog/<slug:slug>/<str:code>/", views.catalog_detail, name="catalog_detail"),
]
