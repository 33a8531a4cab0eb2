"""Schemathesis over the generated OpenAPI: no input, valid or not, makes the API answer 5xx,
and every answer matches the documented schema. Run anonymously and as a hub operator."""

from __future__ import annotations

import uuid

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.test import Client
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error

from ewtp.wsgi import application

schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application)
# Derandomized: CI explores the same cases every run (a new find shows up as a code change, not as flakiness).
FUZZ = settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)


def _call(case, **kw):
    case.headers = {**(case.headers or {}), "Idempotency-Key": uuid.uuid4().hex}
    # Called as a raw WSGI app, Django would close the connection after the request and so break the
    # test's transaction on PostgreSQL; Django's own test client disconnects the same handlers.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        response = case.call(**kw)
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)
    case.validate_response(response, checks=[not_a_server_error])


@pytest.fixture
def operator_session(make_user):
    c = Client()
    c.force_login(make_user("hub_operator"))
    c.get("/accounts/signup/")  # sets the CSRF cookie
    return {"sessionid": c.cookies["sessionid"].value, "csrftoken": c.cookies["csrftoken"].value}


@schema.parametrize()
@FUZZ
def test_anonymous_calls_never_fail_on_the_server(case, refdata):
    _call(case)


@schema.parametrize()
@FUZZ
def test_operator_calls_never_fail_on_the_server(case, refdata, operator_session):
    case.headers = {**(case.headers or {}), "X-CSRFToken": operator_session["csrftoken"]}
    _call(case, cookies=operator_session)
