"""The top navigation: each app registers its entries (AppConfig.ready), shown to those allowed."""
from __future__ import annotations

from dataclasses import dataclass

from django.urls import NoReverseMatch, reverse


@dataclass(frozen=True)
class NavItem:
    title: str
    url_name: str
    perm: str = "sop.use_pages"
    order: int = 50


_items: list[NavItem] = []


def register(item: NavItem) -> None:
    if item not in _items:
        _items.append(item)


def items_for(request) -> list[dict]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return []
    out = []
    for item in sorted(_items, key=lambda i: (i.order, i.title)):
        if not user.has_perm(item.perm):
            continue
        try:
            url = reverse(item.url_name)
        except NoReverseMatch:
            continue
        out.append({"title": item.title, "url": url, "active": request.path.startswith(url)})
    return out
