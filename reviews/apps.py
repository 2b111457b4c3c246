from django.apps import AppConfig


class ReviewsConfig(AppConfig):
    name = "reviews"
    verbose_name = "Reviews (data gathering, demand)"

    def ready(self) -> None:
        from cycles import hooks
        from cycles.choices import StepKind
        from reviews import permissions  # noqa: F401 - registers the rules
        from reviews.demand import wiring
        from reviews.services import quality
        from reviews.views import todo_provider
        from sop import navigation

        hooks.register_sign_guard(StepKind.DATA_GATHERING, quality.sign_guard)
        hooks.register_panel(StepKind.DATA_GATHERING, hooks.Panel("Data gathering", "data_panel"))
        hooks.register_todo_provider(todo_provider)
        navigation.register(navigation.NavItem("Imports", "import_list", perm="reviews.view_pages", order=20))
        wiring.register()  # step 2, the demand review (reviews/demand/)
