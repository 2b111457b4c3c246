"""Every page a user can reach, as every role, on the seeded demo company: no server error.

Starts at the dashboard and follows every same-site link (href and hx-get) breadth first, as
each persona; then submits every form it met empty and with junk. Pages answer 200, a redirect,
403 or 404 (or a 4xx naming the problem), never a 5xx.
"""
from __future__ import annotations

import re
from collections import deque
from html.parser import HTMLParser

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from optimizer.execution import run_execute
from optimizer.models import SolveRun

ROLES = ["owner", "demand", "sales", "supply", "finance", "exec", "erp"]
SKIP = re.compile(r"^/(static|admin|logout|api/v1/(schema|docs|redoc))|export|\.xlsx|\.csv|format=(csv|xlsx)")
LIMIT = 260  # pages per role: enough to reach every kind of page, bounded in time


class _Page(HTMLParser):
    def __init__(self):
        super().__init__()
        self.links: list[str] = []
        self.forms: list[dict] = []
        self._form: dict | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        for key in ("href", "hx-get"):
            if a.get(key):
                self.links.append(a[key])
        if tag == "form":
            self._form = {"action": a.get("action") or a.get("hx-post") or "", "method": (a.get("method") or ("post" if a.get("hx-post") else "get")).lower(), "fields": {}}
            self.forms.append(self._form)
        elif tag in ("input", "textarea", "select") and self._form is not None and a.get("name"):
            if a.get("type") not in ("file", "submit", "button"):
                self._form["fields"][a["name"]] = a.get("value") or ""
        elif tag == "button" and self._form is not None and a.get("hx-post"):
            self.forms.append({"action": a["hx-post"], "method": "post", "fields": dict(self._form["fields"])})

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None


def _local(url: str, base: str) -> str | None:
    if not url or url.startswith(("#", "mailto:", "javascript:")) or "://" in url:
        return None
    if not url.startswith("/"):
        url = base.rsplit("/", 1)[0] + "/" + url
    url = url.split("#")[0]
    return None if SKIP.search(url) else url


@pytest.fixture
def demo(db):
    call_command("seed_demo", stdout=open("/dev/null", "w"))
    run = SolveRun.objects.order_by("pk").first()
    run_execute(run_id=run.pk)  # one finished plan, so the plan views are crawled too
    run.refresh_from_db()
    assert run.status == "succeeded", run.error
    return run


def _crawl(client) -> tuple[set[str], dict, list[str]]:
    seen: set[str] = set()
    queue = deque(["/"])
    forms: dict[tuple[str, str], dict] = {}
    errors = []
    while queue and len(seen) < LIMIT:
        url = queue.popleft()
        if url in seen:
            continue
        seen.add(url)
        response = client.get(url)
        if response.status_code >= 500:
            errors.append(f"GET {url}: {response.status_code}")
            continue
        if response.status_code != 200 or "html" not in response.get("Content-Type", ""):
            continue
        page = _Page()
        page.feed(response.content.decode(errors="replace"))
        for link in page.links:
            local = _local(link, url)
            if local and local not in seen:
                queue.append(local)
        for form in page.forms:
            action = _local(form["action"], url) if form["action"] else url
            if action and form["method"] == "post":
                forms.setdefault((action, tuple(sorted(form["fields"]))), form)
    return seen, forms, errors


@pytest.mark.parametrize("role", [r for r in ROLES if r != "erp"])
def test_every_reachable_page_and_form_answers_without_a_server_error(client, demo, role):
    client.force_login(get_user_model().objects.get(username=role))
    seen, forms, errors = _crawl(client)
    for (action, _), form in forms.items():
        if re.search(r"/(sign|send-back|reopen|cancel|logout)/?$", action):
            continue  # workflow moves are covered by their own tests; don't close the demo cycle here
        for data in ({}, {k: "'; DROP TABLE x;--\u202e" for k in form["fields"]}, {k: "9" * 40 for k in form["fields"]}):
            response = client.post(action, data)
            if response.status_code >= 500:
                errors.append(f"POST {action} {sorted(data)}: {response.status_code}")
    assert not errors, "\n".join(errors)
    assert len(seen) > 15


def test_the_api_only_account_is_refused_every_page_the_owner_reaches(client, demo):
    client.force_login(get_user_model().objects.get(username="owner"))
    pages, _, _ = _crawl(client)
    client.force_login(get_user_model().objects.get(username="erp"))
    answers = {url: client.get(url).status_code for url in pages if not url.startswith("/api/")}
    wrong = {url: code for url, code in answers.items() if code not in (403, 404)}
    assert len(answers) > 15 and not wrong, wrong
