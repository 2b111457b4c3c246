"""Platform-wide predicates (the `rules` library), shared by views, API and templates."""
import rules

from sop.roles import PAGE_ROLES, Role, user_roles


@rules.predicate
def uses_pages(user) -> bool:
    """Any S&OP role except the API-only integration account (superusers too)."""
    return bool(user_roles(user) & PAGE_ROLES) or bool(getattr(user, "is_superuser", False))


@rules.predicate
def has_any_role(user) -> bool:
    return bool(user_roles(user)) or bool(getattr(user, "is_superuser", False))


def role(name: str):
    """A predicate true for members of the named role's group."""

    @rules.predicate(name=f"is_{name}")
    def _has(user) -> bool:
        return name in user_roles(user)

    return _has


is_process_owner = role(Role.PROCESS_OWNER)
is_demand_planner = role(Role.DEMAND_PLANNER)
is_sales = role(Role.SALES)
is_supply_planner = role(Role.SUPPLY_PLANNER)
is_finance = role(Role.FINANCE)
is_executive = role(Role.EXECUTIVE)
is_integration = role(Role.INTEGRATION)

rules.add_perm("sop.use_pages", uses_pages)
rules.add_perm("sop.use_api", has_any_role)
