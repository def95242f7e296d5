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


def _unique(name):
    suffix = f"-{next(_names)}"
    return (name or "app")[: 255 - len(suffix)] + suffix


@schemathesis.hook
def before_call(ctx, case, **kwargs):
    if not _positive(case):
        return
    operation = case.operation.definition.raw.get("operationId")
    body = case.body if isinstance(case.body, dict) else None
    if operation == "create_app" and body is not None:
        # Names are unique per space (422 CF-UniquenessError), the space must exist.
        body["name"] = _unique(body.get("name"))
        body.setdefault("relationships", {})["space"] = {"data": {"guid": _seed_app(case)["space"]}}
    elif operation == "v2_create_app" and body is not None:
        body["name"] = _unique(body.get("name"))
        body["space_guid"] = _seed_app(case)["space"]
    elif operation == "update_app" and body is not None:
        if body.get("name") is not None:
            body["name"] = _unique(body["name"])
        lifecycle = body.get("lifecycle")
        if isinstance(lifecycle, dict) and "type" in lifecycle:
            # "Lifecycle type cannot be changed" (422): keep the app's own type.
            app = _api(case, f"/v3/apps/{case.path_parameters['guid']}")
            if app is not None and app["lifecycle"]["type"] != lifecycle["type"]:
                del body["lifecycle"]
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
        if isinstance(body.get("instances"), int) and body["instances"] > INSTANCE_QUOTA:
            body["instances"] = INSTANCE_QUOTA
