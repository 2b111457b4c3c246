"""Model permissions of master data and step 1 for the role groups (the admin reads them).

Imports, waivers and checks are decided by reviews/permissions.py, not by these.
"""
from django.db import migrations

from sop.grants import grant_model_permissions

ROLES = ["process_owner", "demand_planner", "sales", "supply_planner", "finance", "executive", "integration"]
CATALOG = ["productfamily", "familyprice", "sku", "channel", "resource", "routing", "component", "supplyoption",
           "supplyoptionprice", "bomline", "budgetline"]
REVIEWS = ["importbatch", "finding", "shipment", "booking", "financialactual", "inventoryactual", "openorder",
           "capacityactual", "componentsupply"]


def grant(apps, schema_editor):
    grant_model_permissions(apps, "catalog", {role: [f"view_{m}" for m in CATALOG] for role in ROLES})
    grant_model_permissions(apps, "reviews", {role: [f"view_{m}" for m in REVIEWS] for role in ROLES})


class Migration(migrations.Migration):
    dependencies = [("reviews", "0001_initial"), ("catalog", "0001_initial"), ("sop", "0001_roles")]
    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
