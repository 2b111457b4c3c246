from django.apps import AppConfig


class SopConfig(AppConfig):
    name = "sop"
    verbose_name = "S&OP platform"
