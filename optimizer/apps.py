from django.apps import AppConfig


class OptimizerConfig(AppConfig):
    name = "optimizer"
    verbose_name = "Optimizer: scenarios and solves"

    def ready(self) -> None:
        from cycles import hooks
        from cycles.choices import StepKind
        from optimizer import (
            permissions,  # noqa: F401  (registers the rules)
            selectors,
        )
        from sop import navigation

        navigation.register(navigation.NavItem("Scenarios", "scenario_list", perm="optimizer.view_pages", order=40))
        hooks.register_panel(StepKind.SUPPLY_REVIEW, hooks.Panel("Supply plan (solve)", "supply_review_panel"))
        hooks.register_panel(StepKind.PRE_SOP, hooks.Panel("Scenarios side by side", "pre_sop_panel"))
        hooks.register_todo_provider(selectors.solve_todos)
