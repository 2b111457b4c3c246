from sop import navigation
from sop.roles import Role, role_label, user_roles


def roles(request):
    user = getattr(request, "user", None)
    held = user_roles(user) if user is not None else frozenset()
    return {
        "user_roles": held,
        "user_role_labels": [role_label(r) for r in Role.values if r in held],
        "Role": Role,
        "nav_items": navigation.items_for(request),
    }
