from django.apps import AppConfig


class CatalogConfig(AppConfig):
    name = "catalog"
    verbose_name = "Master data"

    def ready(self) -> None:
        from sop import navigation

        navigation.register(navigation.NavItem("Catalog", "catalog_index", order=30))
