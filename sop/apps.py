from django.apps import AppConfig


class SopConfig(AppConfig):
    name = "sop"
    verbose_name = "S&OP platform"

    def ready(self) -> None:
        from django.urls import register_converter

        from sop.converters import IdConverter

        register_converter(IdConverter, "id")
