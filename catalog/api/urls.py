from django.urls import path

from catalog.api import views

urlpatterns = [path("<slug:slug>/", views.CatalogList.as_view(), name="api-catalog-list")]
