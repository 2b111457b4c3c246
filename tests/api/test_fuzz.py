"""API fuzzing from the OpenAPI schema (schemathesis): whatever the body, never a 5xx.

Runs every operation of /api/v1/ as three roles with generated bodies, paths and query
strings, in-process through the WSGI app.
"""
import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from rest_framework.authtoken.models import Token
from schemathesis.checks import not_a_server_error

from sop.wsgi import application

schema = schemathesis.openapi.from_wsgi("/api/v1/schema/?format=json", application)


@pytest.fixture(params=["owner", "integration", "sales"])
def token(request, owner, integration, sales, cycle):
    """The process owner may do the most; integration is the API-only ERP account; sales is
    refused most writes: each takes other paths through the permission checks."""
    user = {"owner": owner, "integration": integration, "sales": sales}[request.param]
    return Token.objects.create(user=user).key


@pytest.fixture(autouse=True)
def keep_test_connection_open():
    """Called straight through WSGI, Django would close the test's connection after each
    request (Django's own test client unhooks this the same way)."""
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@schema.parametrize()
@settings(max_examples=12, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
@pytest.mark.django_db
def test_no_operation_answers_with_a_server_error(case, token):
    response = case.call(headers={"Authorization": f"Token {token}"})
    case.validate_response(response, checks=[not_a_server_error])
