"""Acceptance suite: the real `cloudfoundry-client` library (PyPI) against the in-memory
Cloud Controller.

The client is constructed with nothing but the base URL and a fixed token, and every
call goes through the library's own API. Each step asserts results (which apps, which
processes, in which order, with which values), not only statuses. Every HTTP exchange
the library makes is recorded into a HAR file, which `capi-contract validate --strict`
checks afterwards.

Usage: real_client.py BASE_URL TOKEN HAR_OUT
"""

import base64
import datetime
import json
import sys
import time
import traceback

import requests
from cloudfoundry_client.client import CloudFoundryClient
from cloudfoundry_client.errors import InvalidStatusCode

# The fixture spaces and organisations of the in-memory Cloud Controller (its README).
SPACE = "2f35885d-0c9d-4423-83ad-fd05066f8576"
OTHER_SPACE = "7c1e2d3f-4a5b-4c6d-8e9f-0a1b2c3d4e5f"
ORG = "0d1a7bd5-8f1c-4b5e-9a6d-3f2e1c0b9a87"
OTHER_ORG = "5e6f7a8b-9c0d-4e1f-a2b3-c4d5e6f7a8b9"


class Recorder:
    """Records every exchange sent through `requests` (the library's session and its
    bare `requests.get` for the root document) as HAR 1.2 entries."""

    def __init__(self):
        self.entries = []
        self._send = requests.Session.send
        recorder = self

        def send(session, request, **kwargs):
            started = time.time()
            response = recorder._send(session, request, **kwargs)
            recorder.record(request, response, time.time() - started)
            return response

        requests.Session.send = send

    def record(self, request, response, seconds):
        def headers(items):
            return [{"name": k, "value": v} for k, v in items]

        entry_request = {
            "method": request.method,
            "url": request.url,
            "httpVersion": "HTTP/1.1",
            "headers": headers(request.headers.items()),
            "queryString": [],
            "cookies": [],
            "headersSize": -1,
            "bodySize": len(request.body or b""),
        }
        if request.body:
            body = request.body if isinstance(request.body, bytes) else request.body.encode()
            entry_request["postData"] = {
                "mimeType": request.headers.get("Content-Type", ""),
                "text": body.decode("utf-8"),
            }
        content = {
            "size": len(response.content),
            "mimeType": response.headers.get("Content-Type", ""),
        }
        if response.content:
            content["text"] = base64.b64encode(response.content).decode()
            content["encoding"] = "base64"
        self.entries.append({
            "startedDateTime": datetime.datetime.now(datetime.timezone.utc).isoformat(),
            "time": seconds * 1000,
            "request": entry_request,
            "response": {
                "status": response.status_code,
                "statusText": response.reason or "",
                "httpVersion": "HTTP/1.1",
                "headers": headers(response.headers.items()),
                "cookies": [],
                "content": content,
                "redirectURL": "",
                "headersSize": -1,
                "bodySize": len(response.content),
            },
            "cache": {},
            "timings": {"send": 0, "wait": seconds * 1000, "receive": 0},
        })

    def write(self, path):
        har = {"log": {"version": "1.2", "creator": {"name": "real_client.py", "version": "1"},
                       "entries": self.entries}}
        with open(path, "w") as out:
            json.dump(har, out, indent=1)


class Suite:
    def __init__(self):
        self.passed = 0
        self.failed = 0

    def step(self, name):
        def run(function):
            try:
                function()
            except Exception:  # noqa: BLE001 - every failure is reported and counted
                self.failed += 1
                print(f"FAIL {name}")
                traceback.print_exc(file=sys.stdout)
            else:
                self.passed += 1
                print(f"ok   {name}")
            return function
        return run


def expect(actual, expected, what):
    if actual != expected:
        raise AssertionError(f"{what}: expected {expected!r}, got {actual!r}")


def names(entities):
    return [e["name"] for e in entities]


def status_of(call):
    """Runs `call`, which must fail; returns (status, body)."""
    try:
        call()
    except InvalidStatusCode as error:
        return error.status_code.value, error.body
    raise AssertionError("the call succeeded; an error status was expected")


def main():
    base, token, har_path = sys.argv[1], sys.argv[2], sys.argv[3]
    recorder = Recorder()
    suite = Suite()
    step = suite.step
    client = CloudFoundryClient(base)
    client._access_token = token  # a fixed token: no UAA, no refresh
    v3 = client.v3
    created = {}

    @step("the constructor read the root document")
    def _():
        expect(client.info.api_v3_url, f"{base}/v3", "cloud_controller_v3")
        expect(client.info.api_v2_url, f"{base}/v2", "cloud_controller_v2")
        expect(client.info.authorization_endpoint.startswith("http"), True, "login link")

    @step("GET /v3 lists the v3 resources")
    def _():
        root = v3.apps._get(f"{base}/v3")
        expect(root["links"]["apps"]["href"], f"{base}/v3/apps", "links.apps")
        expect(root["links"]["processes"]["href"], f"{base}/v3/processes", "links.processes")

    @step("the seeded apps are listed in creation order")
    def _():
        expect(names(v3.apps.list()), ["web-app", "stopped-app"], "apps")

    def create(name, space, lifecycle=None, labels=None, env=None):
        data = {"name": name, "relationships": {"space": {"data": {"guid": space}}}}
        if lifecycle is not None:
            data["lifecycle"] = lifecycle
        if labels is not None:
            data["metadata"] = {"labels": labels}
        if env is not None:
            data["environment_variables"] = env
        app = v3.apps._create(data)
        created[name] = app
        return app

    @step("create apps in two spaces with labels and lifecycles")
    def _():
        create("alpha", SPACE, labels={"env": "prod", "tier": "web"}, env={"COLOUR": "red"})
        create("beta", SPACE, {"type": "docker", "data": {}}, labels={"env": "dev", "tier": "api"})
        create("gamma", OTHER_SPACE, {"type": "buildpack", "data": {"stack": "cflinuxfs3", "buildpacks": []}},
               labels={"env": "prod"})
        create("delta", OTHER_SPACE, {"type": "cnb", "data": {"buildpacks": ["docker://paketo"], "stack": "cflinuxfs4"}},
               labels={"example.com/owner": "me", "tier": "worker"})
        create("a,b", SPACE)
        expect(created["alpha"]["state"], "STOPPED", "a new app is stopped")
        expect(created["beta"]["lifecycle"]["type"], "docker", "docker lifecycle")
        expect(created["gamma"]["relationships"]["space"]["data"]["guid"], OTHER_SPACE, "space")

    all_apps = ["web-app", "stopped-app", "alpha", "beta", "gamma", "delta", "a,b"]

    @step("an existing name in the same space is a uniqueness error")
    def _():
        status, body = status_of(lambda: v3.apps._create(
            {"name": "alpha", "relationships": {"space": {"data": {"guid": SPACE}}}}))
        expect((status, body["errors"][0]["title"]), (422, "CF-UniquenessError"), "duplicate")

    @step("list with per_page=1 follows next over every page")
    def _():
        pages = v3.apps.list(per_page=1)
        expect(pages.total_results, len(all_apps), "total_results")
        expect(names(pages), all_apps, "apps, page by page")

    @step("order_by=name, per_page=2, page by page")
    def _():
        expect(names(v3.apps.list(order_by="name", per_page=2)), sorted(all_apps), "by name")

    @step("order_by=-created_at, per_page=3")
    def _():
        expect(names(v3.apps.list(order_by="-created_at", per_page=3)), list(reversed(all_apps)), "newest first")

    @step("order_by=state: STARTED before STOPPED, then by guid")
    def _():
        listed = list(v3.apps.list(order_by="state", per_page=1))
        expect(listed[0]["name"], "web-app", "the one started app first")
        expect([a["state"] for a in listed], ["STARTED"] + ["STOPPED"] * (len(all_apps) - 1), "states")
        stopped = [a["guid"] for a in listed[1:]]
        expect(stopped, sorted(stopped), "ties broken by guid")

    @step("names filter, comma-delimited as the library encodes it (%2C)")
    def _():
        expect(names(v3.apps.list(names=["gamma", "alpha"])), ["alpha", "gamma"], "two names")
        expect(names(v3.apps.list(names=["ALPHA"])), ["alpha"], "names are case-insensitive")

    @step("a comma inside a name travels as %252C")
    def _():
        # The library quotes once: '%2C' becomes '%252C' on the wire, the Cloud
        # Controller's form of a comma inside a value.
        expect(names(v3.apps.list(names="a%2Cb")), ["a,b"], "the app named a,b")
        expect(names(v3.apps.list(names=["alpha", "a%2Cb"])), ["alpha", "a,b"], "alpha and a,b")
        expect(names(v3.apps.list(names=["a", "b"])), [], "a and b are not a,b")

    @step("space_guids and organization_guids filters")
    def _():
        expect(names(v3.apps.list(space_guids=[OTHER_SPACE])), ["gamma", "delta"], "other space")
        expect(names(v3.apps.list(organization_guids=[ORG])), ["web-app", "stopped-app", "alpha", "beta", "a,b"],
               "first org")
        expect(names(v3.apps.list(organization_guids=[OTHER_ORG], space_guids=[SPACE])), [], "no app in both")

    @step("guids filter")
    def _():
        guids = [created["delta"]["guid"], created["alpha"]["guid"]]
        expect(names(v3.apps.list(guids=guids)), ["alpha", "delta"], "by guid")

    @step("stacks and lifecycle_type filters")
    def _():
        expect(names(v3.apps.list(stacks=["cflinuxfs3"])), ["gamma"], "stack cflinuxfs3")
        expect(names(v3.apps.list(stacks=["cflinuxfs4"])), ["web-app", "stopped-app", "alpha", "a,b"],
               "buildpack apps on cflinuxfs4 (the cnb app is not a buildpack app)")
        expect(names(v3.apps.list(lifecycle_type="docker")), ["beta"], "docker")
        expect(names(v3.apps.list(lifecycle_type="cnb")), ["delta"], "cnb")
        expect(names(v3.apps.list(lifecycle_type="buildpack", per_page=1)),
               ["web-app", "stopped-app", "alpha", "gamma", "a,b"], "buildpack, page by page")

    @step("label_selector: equality, set, existence and their negations")
    def _():
        expect(names(v3.apps.list(label_selector="env=prod")), ["alpha", "gamma"], "env=prod")
        expect(names(v3.apps.list(label_selector="env==prod,tier")), ["alpha"], "env==prod and tier")
        expect(names(v3.apps.list(label_selector="tier in (web,worker)")), ["alpha", "delta"], "tier in")
        expect(names(v3.apps.list(label_selector="tier notin (web,worker),env")), ["beta", "gamma"], "tier notin")
        expect(names(v3.apps.list(label_selector="env!=prod")), ["web-app", "stopped-app", "beta", "delta", "a,b"],
               "env!=prod (apps without env too)")
        expect(names(v3.apps.list(label_selector="!env")), ["web-app", "stopped-app", "delta", "a,b"], "!env")
        expect(names(v3.apps.list(label_selector="example.com/owner=me")), ["delta"], "prefixed key")

    @step("label_selector with paging keeps the selector on every page")
    def _():
        expect(names(v3.apps.list(label_selector="tier", order_by="-name", per_page=1)),
               ["delta", "beta", "alpha"], "tier, by name descending")

    @step("an invalid label_selector is a 400 CF-BadQueryParameter")
    def _():
        status, body = status_of(lambda: list(v3.apps.list(label_selector="=nope")))
        expect((status, body["errors"][0]["title"]), (400, "CF-BadQueryParameter"), "bad selector")

    @step("timestamp filters: created_ats, created_ats[gt], updated_ats[lte]")
    def _():
        beta_created = created["beta"]["created_at"]
        expect(names(v3.apps.list(**{"created_ats[gt]": beta_created})), ["gamma", "delta", "a,b"], "after beta")
        expect(names(v3.apps.list(**{"created_ats[lte]": beta_created, "order_by": "-created_at"})),
               ["beta", "alpha", "stopped-app", "web-app"], "up to beta")
        expect(names(v3.apps.list(created_ats=[beta_created, created["delta"]["created_at"]])), ["beta", "delta"],
               "exact timestamps")
        expect(names(v3.apps.list(**{"created_ats[gt]": beta_created, "created_ats[lt]": created["a,b"]["created_at"]})),
               ["gamma", "delta"], "between")

    @step("a page past the last is empty, with the true total")
    def _():
        page = v3.apps._get(f"{base}/v3/apps", per_page=2, page=9)
        expect(page["resources"], [], "resources")
        expect(page["pagination"]["total_results"], len(all_apps), "total_results")
        expect(page["pagination"]["next"], None, "next")

    @step("pagination links repeat the filters, order_by and per_page")
    def _():
        page = v3.apps._get(f"{base}/v3/apps", per_page=1, order_by="name", label_selector="tier")
        next_href = page["pagination"]["next"]["href"]
        for part in ("per_page=1", "order_by=name", "label_selector=tier", "page=2"):
            expect(part in next_href, True, f"{part} in {next_href}")
        expect(page["pagination"]["total_pages"], 3, "total_pages")

    @step("include=space,space.organization adds included resources")
    def _():
        apps = list(v3.apps.list(names=["gamma"], include="space,space.organization"))
        expect(len(apps), 1, "one app")
        space = apps[0].space()
        expect((space["guid"], space["name"]), (OTHER_SPACE, "other-space"), "included space")
        expect(space.organization()["guid"], OTHER_ORG, "included organization, through the space")
        one = v3.apps.get(created["alpha"]["guid"], include="space")
        expect(one.space()["guid"], SPACE, "include on get")

    @step("get and update an app")
    def _():
        guid = created["alpha"]["guid"]
        expect(v3.apps.get(guid)["name"], "alpha", "get")
        updated = v3.apps._update(guid, {"name": "alpha2", "metadata": {"labels": {"tier": None}}})
        expect(updated["name"], "alpha2", "renamed")
        expect(updated["metadata"]["labels"], {"env": "prod"}, "a null label is deleted")
        expect(updated["updated_at"] >= updated["created_at"], True, "updated_at moves")
        expect(names(v3.apps.list(order_by="-updated_at", per_page=1))[0], "alpha2", "most recently updated first")
        v3.apps._update(guid, {"name": "alpha"})

    @step("environment, env, permissions, ssh_enabled, features")
    def _():
        guid = created["alpha"]["guid"]
        app = v3.apps.get(guid)
        env = v3.apps.get_env(guid)
        expect(env["environment_variables"], {"COLOUR": "red"}, "env")
        expect(env["application_env_json"]["VCAP_APPLICATION"]["application_name"], "alpha", "VCAP_APPLICATION")
        expect(app.environment_variables()["var"], {"COLOUR": "red"}, "environment_variables link")
        merged = v3.apps._patch(f"{base}/v3/apps/{guid}/environment_variables", {"var": {"SIZE": "L", "COLOUR": None}})
        expect(merged["var"], {"SIZE": "L"}, "patch merges, null deletes")
        permissions = v3.apps.get(guid, "permissions")
        expect((permissions["read_basic_data"], permissions["read_sensitive_data"]), (True, True), "permissions")
        expect(v3.apps.get(guid, "ssh_enabled")["enabled"], True, "ssh enabled by default")
        features = {f["name"]: f["enabled"] for f in app.features()}
        expect(features, {"ssh": True, "revisions": False, "service-binding-k8s": False,
                          "file-based-vcap-services": False}, "features")
        v3.apps._patch(f"{base}/v3/apps/{guid}/features/ssh", {"enabled": False})
        ssh = v3.apps.get(guid, "ssh_enabled")
        expect((ssh["enabled"], ssh["reason"]), (False, "ssh is disabled for app"), "ssh disabled")
        expect(v3.apps.get(guid, "features", "ssh")["enabled"], False, "feature ssh")

    @step("droplets: set, read the relationship and the current droplet")
    def _():
        guid = created["alpha"]["guid"]
        droplet = "9d8e007c-ce52-4ea7-8a57-f2825d2c6b39"
        status, body = status_of(lambda: v3.apps.get(guid, "droplets", "current"))
        expect((status, body["errors"][0]["detail"]), (404, "Droplet not found"), "no droplet yet")
        relationship = v3.apps._patch(f"{base}/v3/apps/{guid}/relationships/current_droplet",
                                      {"data": {"guid": droplet}})
        expect(relationship["data"]["guid"], droplet, "relationship set")
        app = v3.apps.get(guid)
        expect(app.current_droplet()["guid"], droplet, "current_droplet link")
        expect(v3.apps.get(guid, "relationships", "current_droplet")["data"]["guid"], droplet, "relationship")

    @step("start, stop, restart")
    def _():
        guid = created["alpha"]["guid"]
        app = v3.apps.get(guid)
        expect(app.start()["state"], "STARTED", "start link")
        expect(app.stop()["state"], "STOPPED", "stop link")
        expect(v3.apps.restart(guid)["state"], "STARTED", "restart")
        status, body = status_of(lambda: created["beta"].start())
        expect((status, body["errors"][0]["detail"]), (422, "Assign a droplet before starting this app."),
               "no droplet")
        expect(names(v3.apps.list(order_by="state", per_page=50))[:2], ["web-app", "alpha"], "started first")

    @step("processes: list filters and paging")
    def _():
        processes = list(v3.processes.list(types=["web"], per_page=1))
        app_of = {a["guid"]: a["name"] for a in v3.apps.list()}
        expect([app_of[p["relationships"]["app"]["data"]["guid"]] for p in processes], all_apps,
               "web processes, page by page, in creation order")
        expect({p["type"] for p in processes}, {"web"}, "only web")
        expect({p["command"] for p in processes}, {"[PRIVATE DATA HIDDEN IN LISTS]"}, "command redacted in lists")
        workers = list(v3.processes.list(types="worker"))
        expect([app_of[p["relationships"]["app"]["data"]["guid"]] for p in workers], ["web-app"], "one worker")
        in_other = list(v3.processes.list(space_guids=[OTHER_SPACE], per_page=1))
        expect([app_of[p["relationships"]["app"]["data"]["guid"]] for p in in_other], ["gamma", "delta"],
               "space_guids")
        in_org = list(v3.processes.list(organization_guids=[OTHER_ORG]))
        expect(len(in_org), 2, "organization_guids")
        web_app = [g for g, n in app_of.items() if n == "web-app"][0]
        by_app = list(v3.processes.list(app_guids=[created["delta"]["guid"], web_app], per_page=1))
        expect(sorted(p["type"] for p in by_app), ["web", "web", "worker"], "app_guids before paging")
        first = v3.processes._get(f"{base}/v3/processes", app_guids=web_app, per_page=1)
        expect((first["pagination"]["total_results"], len(first["resources"])), (2, 1), "app_guids total")

    @step("processes: order_by, label_selector, timestamps")
    def _():
        web_app = [a for a in v3.apps.list(names=["web-app"])][0]
        processes = list(v3.processes.list(app_guids=[web_app["guid"]]))
        worker = [p for p in processes if p["type"] == "worker"][0]
        v3.processes._update(worker["guid"], {"metadata": {"labels": {"role": "background"}}})
        expect([p["type"] for p in v3.processes.list(app_guids=[web_app["guid"]], order_by="-updated_at")],
               ["worker", "web"], "most recently updated first")
        expect([p["guid"] for p in v3.processes.list(label_selector="role=background")], [worker["guid"]],
               "label_selector")
        expect([p["guid"] for p in v3.processes.list(label_selector="!role", app_guids=[web_app["guid"]])],
               [p["guid"] for p in processes if p["type"] == "web"], "!role")
        later = list(v3.processes.list(**{"updated_ats[gte]": v3.processes.get(worker["guid"])["updated_at"]}))
        expect([p["guid"] for p in later], [worker["guid"]], "updated_ats[gte]")
        in_app = list(web_app.processes())
        expect([p["type"] for p in in_app], ["web", "worker"], "the app's processes link")

    @step("processes: get, embed, update, scale, stats, instances")
    def _():
        web = list(v3.processes.list(app_guids=[created["alpha"]["guid"]]))[0]
        process = v3.processes.get(web["guid"])
        expect(process["command"], "bundle exec rackup config.ru -p $PORT", "the detected command")
        updated = v3.processes._update(web["guid"], {"command": "./run", "health_check": {"type": "http",
                                                     "data": {"endpoint": "/health"}}})
        expect((updated["command"], updated["health_check"]["data"]["endpoint"]), ("./run", "/health"), "updated")
        port = v3.processes._update(web["guid"], {"health_check": {"type": "port"}})
        expect("endpoint" in port["health_check"]["data"], False, "a non-http type clears the endpoint")
        noop = process.scale()  # the link posts no body: a 202 no-op
        expect(noop["instances"], 1, "scale with no body changes nothing")
        scaled = v3.processes._post(f"{base}/v3/processes/{web['guid']}/actions/scale",
                                    data={"instances": 3, "memory_in_mb": 512})
        expect((scaled["instances"], scaled["memory_in_mb"]), (3, 512), "scaled")
        stats = list(v3.processes.get(web["guid"]).stats())
        expect([s["index"] for s in stats], [0, 1, 2], "one stats entry per instance")
        instances = list(process.process_instances())
        expect([i["index"] for i in instances], [0, 1, 2], "process instances")
        embedded = v3.processes.get(web["guid"], embed="process_instances")
        expect(len(embedded["process_instances"]), 3, "embed=process_instances")
        listed = v3.processes._get(f"{base}/v3/processes", guids=web["guid"], embed="process_instances")
        expect(len(listed["resources"][0]["process_instances"]), 3, "embed in lists")

    @step("a wrong token is 401 CF-InvalidAuthToken (what token refresh looks for)")
    def _():
        other = CloudFoundryClient(base)
        other._access_token = "not-the-token"
        try:
            list(other.v3.apps.list())
        except InvalidStatusCode as error:
            expect(error.status_code.value, 401, "status")
            expect(error.body["errors"][0]["code"], 1000, "code")
            expect(error.body["errors"][0]["title"], "CF-InvalidAuthToken", "title")
        else:
            raise AssertionError("a wrong token was accepted")
        response = other._session.get(f"{base}/v3/apps")
        expect(CloudFoundryClient._is_token_expired(response), True, "the library sees an expired token")

    @step("v2: create, get, update, start, stop (the v2 app calls in the contract)")
    def _():
        app = client.v2.apps.create(name="v2-app", space_guid=SPACE, instances=2, memory=128)
        guid = app["metadata"]["guid"]
        expect((app["entity"]["instances"], app["entity"]["memory"]), (2, 128), "created")
        got = client.v2.apps.get(guid)
        expect(got["entity"]["name"], "v2-app", "get")
        none = client.v2.apps.update(guid, health_check_type="none")
        expect(none["entity"]["health_check_type"], "none", "v2 keeps none")
        http = client.v2.apps.update(guid, health_check_type="http", health_check_http_endpoint="/ready")
        expect(http["entity"]["health_check_http_endpoint"], "/ready", "http endpoint")
        port = client.v2.apps.update(guid, health_check_type="port")
        expect(port["entity"]["health_check_http_endpoint"], None, "a type change clears the endpoint")
        v3.apps._patch(f"{base}/v3/apps/{guid}/relationships/current_droplet",
                       {"data": {"guid": "585bc3c1-3743-497d-88b0-403ad6b56d16"}})
        expect(client.v2.apps.start(guid, asynchronous=True)["entity"]["state"], "STARTED", "start")
        expect(v3.apps.get(guid)["state"], "STARTED", "v3 sees the v2 start")
        expect(client.v2.apps.stop(guid, asynchronous=True)["entity"]["state"], "STOPPED", "stop")
        web = list(v3.processes.list(app_guids=[guid]))[0]
        expect(v3.processes.get(web["guid"])["health_check"]["type"], "port", "v3 sees the web process")

    @step("clear_buildpack_cache answers a job the library can read")
    def _():
        app = v3.apps.get(created["gamma"]["guid"])
        accepted = app.clear_buildpack_cache()
        job = accepted.job()
        expect(job["state"], "COMPLETE", "job state")
        expect(job["operation"], "app.clear_buildpack_cache", "job operation")

    @step("delete and wait for the job")
    def _():
        guid = created["delta"]["guid"]
        expect(v3.apps.remove(guid, asynchronous=False), None, "remove waits for the job")
        status, body = status_of(lambda: v3.apps.get(guid))
        expect((status, body["errors"][0]["detail"]), (404, "App not found"), "deleted")
        expect(list(v3.processes.list(app_guids=[guid])), [], "its processes are gone")
        job_guid = v3.apps.remove(created["beta"]["guid"])
        job = v3.jobs.wait_for_job_completion(job_guid)
        expect((job["state"], job["operation"]), ("COMPLETE", "app.delete"), "job")
        expect(names(v3.apps.list(names=["beta", "delta", "gamma"])), ["gamma"], "deleted apps are gone")

    recorder.write(har_path)
    print(f"{len(recorder.entries)} exchanges recorded in {har_path}")
    print(f"{suite.passed} passed, {suite.failed} failed")
    return 1 if suite.failed else 0


if __name__ == "__main__":
    sys.exit(main())
