"""Schemathesis hooks for tests/property.sh.

A schema cannot say that an app name must be free in its space, that an app needs a
droplet before it starts, or that a scale must fit the space's quota: the contract
documents those refusals (the 422s and their CF error codes in the operations'
descriptions), and these hooks steer *schema-valid* requests around them, so that
positive_data_acceptance holds for everything else. Negative cases are sent as
generated. Each change keeps the request valid against the contract.
"""

import itertools
import os

import requests
import schemathesis
from schemathesis.checks import CHECKS
from schemathesis.generation.meta import CoveragePhaseData, CoverageScenario
from schemathesis.specs.openapi import checks as _builtin_checks  # registers the built-ins
from schemathesis.specs.openapi.adapter.security import declares_security

# The in-memory Cloud Controller's seed data: `web-app` is started and has a droplet.
SEED_APP = "web-app"
# The in-memory Cloud Controller's space quota on instances.
INSTANCE_QUOTA = 1000

_names = itertools.count()
_seed = {}


def _positive(case):
    meta = getattr(case, "meta", None)
    generation = getattr(meta, "generation", None)
    mode = getattr(generation, "mode", None)
    return mode is None or mode.is_positive


def _api(case, path):
    base = os.environ["CAPI_PROPERTY_BASE"]
    token = os.environ["CAPI_PROPERTY_TOKEN"]
    answer = requests.get(base + path, headers={"Authorization": f"bearer {token}"}, timeout=5)
    return answer.json() if answer.status_code == 200 else None


def _seed_app(case):
    if not _seed:
        page = _api(case, f"/v3/apps?names={SEED_APP}")
        app = page["resources"][0]
        _seed["guid"] = app["guid"]
        _seed["space"] = app["relationships"]["space"]["data"]["guid"]
        _seed["droplet"] = _api(case, f"/v3/apps/{app['guid']}/droplets/current")["guid"]
    return _seed


def _throwaway_app(case):
    """A new app in the seed space, for a DELETE that would otherwise remove the seed app."""
    base = os.environ["CAPI_PROPERTY_BASE"]
    token = os.environ["CAPI_PROPERTY_TOKEN"]
    body = {"name": _unique("throwaway"), "relationships": {"space": {"data": {"guid": _seed_app(case)["space"]}}}}
    answer = requests.post(base + "/v3/apps", json=body, headers={"Authorization": f"bearer {token}"}, timeout=5)
    return answer.json()["guid"]


def _integers(value):
    """`2.0` as `2`, everywhere in a JSON value: a Cloud Controller reads an integer field
    with Rails' numericality `only_integer`, which tests the number's text, so `2.0` is
    refused ("must be an integer") although JSON Schema 2020-12 (the 3.1 rendition's
    dialect) calls it an integer; the contract's 422 description says so. The value keeps
    its meaning and stays valid against the contract."""
    if isinstance(value, float) and value.is_integer() and abs(value) <= 2**53:
        return int(value)
    if isinstance(value, dict):
        return {key: _integers(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_integers(item) for item in value]
    return value


def _unique(name):
    suffix = f"-{next(_names)}"
    return (name or "app")[: 255 - len(suffix)] + suffix


@schemathesis.hook
def before_call(ctx, case, **kwargs):
    if not _positive(case):
        return
    operation = case.operation.definition.raw.get("operationId")
    if isinstance(case.body, (dict, list, float)):
        case.body = _integers(case.body)
    body = case.body if isinstance(case.body, dict) else None
    if operation == "create_app" and body is not None:
        # Names are unique per space (422 CF-UniquenessError), the space must exist.
        body["name"] = _unique(body.get("name"))
        body.setdefault("relationships", {})["space"] = {"data": {"guid": _seed_app(case)["space"]}}
    elif operation == "v2_create_app" and body is not None:
        body["name"] = _unique(body.get("name"))
        body["space_guid"] = _seed_app(case)["space"]
        _within_quota(body, "instances")
    elif operation == "v2_update_app" and body is not None:
        if isinstance(body.get("name"), str):
            body["name"] = _unique(body["name"])
        _within_quota(body, "instances")
    elif operation == "delete_app" and case.path_parameters.get("guid") == _seed_app(case)["guid"]:
        # The seed app is the one with a droplet, which start and restart need.
        case.path_parameters["guid"] = _throwaway_app(case)
    elif operation == "update_app" and body is not None:
        if body.get("name") is not None:
            body["name"] = _unique(body["name"])
        lifecycle = body.get("lifecycle")
        if isinstance(lifecycle, dict) and "type" in lifecycle:
            # "Lifecycle type cannot be changed" (422): keep the app's own type.
            app = _api(case, f"/v3/apps/{case.path_parameters['guid']}")
            if app is not None and app["lifecycle"]["type"] != lifecycle["type"]:
                del body["lifecycle"]
    elif operation in ("get_app_current_droplet", "get_app_current_droplet_relationship"):
        # A new app has no droplet until one is assigned (404 "Droplet not found", as the
        # operation documents); ask an app that has one, so that the 404 seen is never the
        # app's own (ensure_resource_availability reads it so after `POST /v3/apps`).
        guid = case.path_parameters["guid"]
        if _api(case, f"/v3/apps/{guid}/droplets/current") is None and _api(case, f"/v3/apps/{guid}"):
            case.path_parameters["guid"] = _seed_app(case)["guid"]
    elif operation in ("start_app", "restart_app"):
        # An app without a droplet cannot start (422): start the seed app, which has one.
        guid = case.path_parameters["guid"]
        if _api(case, f"/v3/apps/{guid}/droplets/current") is None and _api(case, f"/v3/apps/{guid}"):
            case.path_parameters["guid"] = _seed_app(case)["guid"]
    elif operation == "set_app_current_droplet" and body is not None:
        # The droplet must exist and belong to the app (422): assign the seed app's own.
        seed = _seed_app(case)
        case.path_parameters["guid"] = seed["guid"]
        body["data"] = {"guid": seed["droplet"]}
    elif operation in ("scale_process", "scale_app_process") and body is not None:
        # Scaling beyond the space's instance quota is refused (422).
        _within_quota(body, "instances")


def _within_quota(body, key):
    """Instances beyond the space's instance quota are refused (422 in v3, 400 in v2)."""
    if isinstance(body.get(key), int) and body[key] > INSTANCE_QUOTA:
        body[key] = INSTANCE_QUOTA


def _errors(response):
    """The Cloud Controller errors of an answer as (code, title) pairs, in either shape
    (v3 `{"errors": [{code, title}]}`, v2 `{code, error_code}`)."""
    try:
        body = response.json()
    except ValueError:
        return []
    if isinstance(body, dict) and isinstance(body.get("errors"), list):
        return [(e.get("code"), e.get("title")) for e in body["errors"] if isinstance(e, dict)]
    if isinstance(body, dict) and "error_code" in body:
        return [(body.get("code"), body.get("error_code"))]
    return []


# Schemathesis's own `unsupported_method` expects 405 (or a 404 only where a path
# parameter was generated, or 401/403 before routing). A Cloud Controller answers every
# method a path does not declare with 404 `CF-NotFound` (10000, "Unknown request"), with or
# without a token: Rails routing has no route for it and renders `errors#not_found`
# (cloud_controller_ng `config/routes.rb` `match '404'`; `ApplicationController::
# ANONYMOUSLY_AVAILABLE` has `not_found`; capi-reference.md §2.10), and the v2 router
# answers the same code. The check keeps its name and its cases (`--checks all` runs it)
# with the Cloud Controller's answer as the expected one; schemathesis 4.32 has no setting
# for the expected status, and its `@check` refuses a second check of the same name, so
# the built-in is taken out of the registry first.
assert _builtin_checks.unsupported_method is CHECKS.get_one("unsupported_method")
CHECKS.unregister("unsupported_method")


@schemathesis.check
def unsupported_method(ctx, response, case):
    """A method a path does not declare is answered as a Cloud Controller answers it: 404
    `CF-NotFound` (10000), with or without a token, on every path (with or without path
    parameters). OPTIONS is left out as the built-in leaves it out."""
    data = getattr(getattr(case.meta, "phase", None), "data", None)
    if not isinstance(data, CoveragePhaseData) or data.scenario != CoverageScenario.UNSPECIFIED_HTTP_METHOD:
        return None
    if response.request.method == "OPTIONS":
        return None
    if response.status_code != 404 or _errors(response) != [(10000, "CF-NotFound")]:
        raise AssertionError(
            f"{response.request.method} {case.path} is not declared: a Cloud Controller answers "
            f"404 CF-NotFound 10000, this answered {response.status_code} {_errors(response)}"
        )
    with open(os.environ["CAPI_PROPERTY_UNDECLARED_LOG"], "a", encoding="utf-8") as log:
        log.write(f"{response.request.method} {case.path}\n")
    return None


@schemathesis.check
def wrong_token_is_invalid_auth_token(ctx, response, case):
    """With CAPI_PROPERTY_EXPECT_INVALID_TOKEN=1 (the auth run, which sends a token the
    server does not accept): every operation that declares security answers 401
    `CF-InvalidAuthToken` (1000) to a request carrying that token, and 401
    `CF-NotAuthenticated` (10002) to one without `Authorization`, as a Cloud Controller's
    `validate_token!` does (`application_controller.rb`)."""
    if os.environ.get("CAPI_PROPERTY_EXPECT_INVALID_TOKEN") != "1" or not declares_security(case.operation):
        return None
    data = getattr(getattr(case.meta, "phase", None), "data", None)
    if isinstance(data, CoveragePhaseData) and data.scenario == CoverageScenario.UNSPECIFIED_HTTP_METHOD:
        return None  # no route: 404 before authentication (the check above)
    sent = response.request.headers.get("Authorization")
    expected = (1000, "CF-InvalidAuthToken") if sent else (10002, "CF-NotAuthenticated")
    if response.status_code != 401 or _errors(response) != [expected]:
        raise AssertionError(
            f"{case.method} {case.path} with {'a wrong token' if sent else 'no token'}: expected 401 "
            f"{expected[1]} {expected[0]}, got {response.status_code} {_errors(response)}"
        )
    # One line per refusal seen, so that tests/property.sh can tell the check ran.
    with open(os.environ["CAPI_PROPERTY_AUTH_LOG"], "a", encoding="utf-8") as log:
        log.write(f"{expected[0]} {case.method} {case.path}\n")
    return None
