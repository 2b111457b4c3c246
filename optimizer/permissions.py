"""Who may do what with scenarios and solves: `rules` predicates for views, API and templates.

- view the scenario pages and plans: every page role (process owner, demand planner, sales,
  supply planner, finance, executive);
- read runs through the API: every S&OP role, integration included;
- create, edit and delete scenarios: supply planner, demand planner, finance, process owner;
- submit solves: the same four, and integration (an ERP or script posting a problem document
  or a scenario id through the API; it has no pages);
- cancel or re-run a run: the four planning roles, or whoever submitted it.
The services check the same predicates, so a refusal is the same whatever the door.
"""
from __future__ import annotations

import rules

from sop.permissions import (
    has_any_role,
    is_demand_planner,
    is_finance,
    is_integration,
    is_process_owner,
    is_supply_planner,
    uses_pages,
)

is_planner = is_supply_planner | is_demand_planner | is_finance | is_process_owner


@rules.predicate
def submitted_run(user, run) -> bool:
    return run is not None and run.created_by_id is not None and run.created_by_id == user.pk


rules.add_perm("optimizer.view_pages", uses_pages)
rules.add_perm("optimizer.view_runs", has_any_role)
rules.add_perm("optimizer.edit_scenarios", is_planner)
rules.add_perm("optimizer.run_solves", is_planner | is_integration)
rules.add_perm("optimizer.manage_run", is_planner | (is_integration & submitted_run))
