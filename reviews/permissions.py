"""Who may import what, see step 1's work and waive findings (rules predicates + plain functions).

Imports: the process owner and the ERP's integration account may import every kind; each
planner imports the kinds their function owns (docs/import-formats.md, "Who may import");
sales and executives import nothing.
"""
from __future__ import annotations

import rules

from sop.permissions import has_any_role, is_process_owner, uses_pages
from sop.roles import Role, user_roles

ALL = "*"
IMPORT_ROLES: dict[str, tuple[str, ...] | str] = {
    Role.PROCESS_OWNER: ALL,
    Role.INTEGRATION: ALL,
    Role.DEMAND_PLANNER: ("shipments", "bookings", "open_orders"),
    Role.SUPPLY_PLANNER: ("resources", "routings", "components", "supply_options", "option_prices", "bom",
                          "inventory", "capacity", "component_supply"),
    Role.FINANCE: ("financials", "budget", "family_prices"),
}


def importable_kinds(user) -> set[str]:
    from reviews.imports.kinds import KINDS

    if getattr(user, "is_superuser", False):
        return set(KINDS)
    out: set[str] = set()
    for role in user_roles(user):
        allowed = IMPORT_ROLES.get(role)
        if allowed == ALL:
            return set(KINDS)
        if allowed:
            out.update(allowed)
    return out


def can_import(user, kind: str) -> bool:
    return kind in importable_kinds(user)


@rules.predicate
def may_import_something(user) -> bool:
    return bool(importable_kinds(user))


rules.add_perm("reviews.view", has_any_role)
rules.add_perm("reviews.view_pages", uses_pages)
rules.add_perm("reviews.import_data", may_import_something)
rules.add_perm("reviews.upload_page", may_import_something & uses_pages)
rules.add_perm("reviews.waive_finding", is_process_owner)
rules.add_perm("reviews.run_checks", is_process_owner | may_import_something)
