//! An in-memory Cloud Controller, built on the generated server stub: apps and their
//! processes held in memory with the semantics of `../shared/docs/capi-reference.md` —
//! scale answers 202, `command: null` reverts to the detected command, a label set to
//! `null` is deleted, terminating an index out of range is 404 "Instance not found",
//! stats have one entry per instance, lists paginate with `next`/`previous` links and
//! redact `command`, and `PUT /v2/apps/{guid}` updates the web process.
//!
//! It is what the end-to-end tests run against, and what users run (`in-memory-cc
//! --listen 127.0.0.1:9022`) to test Cloud Foundry tooling without a foundation.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, MutexGuard};

use cf_capi::models::{
    self as m, AppCreate, AppEnvironmentVariablesUpdate, AppFeatureUpdate, AppUpdate,
    ErrorEnvelope, MetadataUpdate, ProcessScale, ProcessUpdate, ToOneRelationshipRequest,
    V2AppCreate, V2AppUpdate,
};
use cf_capi::params::*;
use cf_capi::server::{self, *};
use cf_capi::Tristate;
use serde_json::{json, Value};

/// The router of an in-memory Cloud Controller whose links start with `base`, accepting
/// only `token` when one is given (else any non-empty bearer token).
pub fn router(base: &str, token: Option<String>) -> axum::Router {
    let mut options = Options::default();
    if let Some(token) = token {
        options.authenticate =
            Arc::new(move |headers| bearer_token(headers).filter(|c| c.token == token));
    }
    server::router(Arc::new(Controller::seeded(base)), options)
        .layer(axum::middleware::from_fn(break_when_asked))
}

/// Test only: a request carrying this header gets a deliberately broken answer — a
/// JSON object's top-level `guid` (or, when it has none, `pagination`) becomes the
/// number 42, which the contract never allows — so a test can prove that a wrong
/// answer on the wire is caught (`tests/real-proxy-har.sh`). Nothing else changes.
pub const BREAK_CONTRACT_HEADER: &str = "x-in-memory-cc-break-contract";

async fn break_when_asked(
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    let asked = request.headers().contains_key(BREAK_CONTRACT_HEADER);
    let response = next.run(request).await;
    if !asked {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let bytes = axum::body::to_bytes(body, usize::MAX)
        .await
        .unwrap_or_default();
    let mut value: Value = match serde_json::from_slice(&bytes) {
        Ok(value) => value,
        Err(_) => return axum::response::Response::from_parts(parts, bytes.into()),
    };
    if let Some(object) = value.as_object_mut() {
        let key = if object.contains_key("guid") {
            "guid"
        } else {
            "pagination"
        };
        object.insert(key.into(), json!(42));
    }
    parts.headers.remove(axum::http::header::CONTENT_LENGTH);
    let broken = serde_json::to_vec(&value).unwrap_or_default();
    axum::response::Response::from_parts(parts, broken.into())
}

/// Apps and processes in memory.
pub struct Controller {
    base: String,
    state: Mutex<State>,
}

#[derive(Default)]
struct State {
    apps: BTreeMap<String, App>,
    processes: BTreeMap<String, Process>,
    /// Jobs by guid: the operation and when it ran. Work runs at once, so every job is
    /// `COMPLETE` when it can first be read.
    jobs: BTreeMap<String, Job>,
    clock: u64,
}

#[derive(Clone)]
struct Job {
    operation: String,
    at: String,
}

#[derive(Clone)]
struct App {
    guid: String,
    name: String,
    started: bool,
    space: String,
    lifecycle: Value,
    env: BTreeMap<String, Value>,
    metadata: Metadata,
    features: BTreeMap<String, bool>,
    droplet: Option<String>,
    created: String,
    updated: String,
}

#[derive(Clone, Default)]
struct Metadata {
    labels: BTreeMap<String, String>,
    annotations: BTreeMap<String, String>,
}

/// A liveness or readiness health check of a process.
#[derive(Clone)]
struct Probe {
    kind: String,
    timeout: Option<i32>,
    invocation_timeout: Option<i32>,
    interval: Option<i32>,
    endpoint: Option<String>,
}

impl Probe {
    /// A type other than `http` clears the endpoint, as the Cloud Controller does.
    fn set_kind(&mut self, kind: &str) {
        self.kind = kind.to_string();
        if kind != "http" {
            self.endpoint = None;
        }
    }
}

#[derive(Clone)]
struct Process {
    guid: String,
    app: String,
    kind: String,
    command: Option<String>,
    detected_command: String,
    user: Option<String>,
    instances: i32,
    memory: i64,
    disk: i64,
    log_rate: i64,
    health: Probe,
    readiness: Probe,
    metadata: Metadata,
    created: String,
    updated: String,
    version: String,
}

/// The v3 API version this controller reports in its root document.
const API_VERSION: &str = "3.228.0";

/// The v2 API version this controller reports in its root document.
const V2_API_VERSION: &str = "2.293.0";

/// The most instances the space quota allows a process.
const INSTANCE_LIMIT: i32 = 1000;

/// The one space this controller knows.
const SPACE: &str = "2f35885d-0c9d-4423-83ad-fd05066f8576";

const FEATURES: [(&str, &str); 4] = [
    ("ssh", "Enable SSHing into the app."),
    ("revisions", "Enable versioning of an application"),
    (
        "service-binding-k8s",
        "Enable k8s service bindings for the app",
    ),
    (
        "file-based-vcap-services",
        "Enable file-based VCAP service bindings for the app",
    ),
];

/// Reads typed data from JSON the controller rendered itself.
fn typed<T: serde::de::DeserializeOwned>(value: Value) -> T {
    serde_json::from_value(value).unwrap_or_else(|e| {
        panic!("the in-memory controller rendered a body its own types refuse: {e}")
    })
}

fn error(status_code: i64, title: &str, detail: &str) -> ErrorEnvelope {
    typed(json!({"errors": [{"code": status_code, "title": title, "detail": detail}]}))
}

fn not_found(what: &str) -> ErrorEnvelope {
    error(10010, "CF-ResourceNotFound", &format!("{what} not found"))
}

fn unprocessable(detail: &str) -> ErrorEnvelope {
    error(10008, "CF-UnprocessableEntity", detail)
}

fn v2_not_found(guid: &str) -> m::V2Error {
    typed(
        json!({"code": 100004, "description": format!("The app could not be found: {guid}"), "error_code": "CF-AppNotFound"}),
    )
}

fn merge(metadata: &mut Metadata, update: &Option<MetadataUpdate>) {
    let Some(update) = update else { return };
    for (target, changes) in [
        (&mut metadata.labels, &update.labels),
        (&mut metadata.annotations, &update.annotations),
    ] {
        for (key, value) in changes.iter().flatten() {
            match value {
                Some(value) => target.insert(key.clone(), value.clone()),
                None => target.remove(key),
            };
        }
    }
}

fn tristate<T: Clone>(target: &mut Option<T>, change: &Tristate<T>) {
    match change {
        Tristate::Absent => {}
        Tristate::Null => *target = None,
        Tristate::Value(value) => *target = Some(value.clone()),
    }
}

impl Controller {
    /// A controller with two seeded apps: `web-app` (started, with a web and a worker
    /// process) and `stopped-app`.
    pub fn seeded(base: &str) -> Controller {
        let controller = Controller {
            base: base.trim_end_matches('/').to_string(),
            state: Mutex::new(State::default()),
        };
        {
            let mut state = controller.lock();
            let space = SPACE.to_string();
            let web = state.create_app("web-app", &space, None);
            state.apps.get_mut(&web).into_iter().for_each(|a| {
                a.started = true;
                a.droplet = Some("585bc3c1-3743-497d-88b0-403ad6b56d16".into());
                a.env.insert("RAILS_ENV".into(), json!("production"));
            });
            state.create_process(&web, "worker", 2);
            let stopped = state.create_app("stopped-app", &space, None);
            let _ = stopped;
        }
        controller
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn link(&self, path: &str) -> Value {
        json!({"href": format!("{}{path}", self.base)})
    }

    fn app_json(&self, app: &App) -> Value {
        let at = format!("/v3/apps/{}", app.guid);
        let post =
            |path: &str| json!({"href": format!("{}{at}{path}", self.base), "method": "POST"});
        json!({
            "guid": app.guid, "name": app.name, "state": if app.started { "STARTED" } else { "STOPPED" },
            "created_at": app.created, "updated_at": app.updated, "lifecycle": app.lifecycle,
            "relationships": {"space": {"data": {"guid": app.space}}, "current_droplet": {"data": {"guid": app.droplet}}},
            "metadata": {"labels": app.metadata.labels, "annotations": app.metadata.annotations},
            "links": {
                "self": self.link(&at), "environment_variables": self.link(&format!("{at}/environment_variables")),
                "space": self.link(&format!("/v3/spaces/{}", app.space)), "processes": self.link(&format!("{at}/processes")),
                "packages": self.link(&format!("{at}/packages")), "current_droplet": self.link(&format!("{at}/droplets/current")),
                "droplets": self.link(&format!("{at}/droplets")), "tasks": self.link(&format!("{at}/tasks")),
                "start": post("/actions/start"), "stop": post("/actions/stop"),
                "clear_buildpack_cache": post("/actions/clear_buildpack_cache"),
                "revisions": self.link(&format!("{at}/revisions")), "deployed_revisions": self.link(&format!("{at}/revisions/deployed")),
                "features": self.link(&format!("{at}/features")),
            }
        })
    }

    fn check_json(check: &Probe, liveness: bool) -> Value {
        let mut data =
            json!({"invocation_timeout": check.invocation_timeout, "interval": check.interval});
        if liveness {
            data["timeout"] = json!(check.timeout);
        }
        if check.kind == "http" {
            data["endpoint"] = json!(check.endpoint);
        }
        json!({"type": check.kind, "data": data})
    }

    fn process_json(&self, state: &State, process: &Process, in_list: bool, embed: bool) -> Value {
        let at = format!("/v3/processes/{}", process.guid);
        let space = state
            .apps
            .get(&process.app)
            .map(|a| a.space.clone())
            .unwrap_or_default();
        let command = if in_list {
            "[PRIVATE DATA HIDDEN IN LISTS]".to_string()
        } else {
            process
                .command
                .clone()
                .unwrap_or_else(|| process.detected_command.clone())
        };
        let mut body = json!({
            "guid": process.guid, "created_at": process.created, "updated_at": process.updated, "version": process.version,
            "type": process.kind, "command": command, "user": process.user.clone().unwrap_or_else(|| "vcap".into()),
            "instances": process.instances, "memory_in_mb": process.memory, "disk_in_mb": process.disk,
            "log_rate_limit_in_bytes_per_second": process.log_rate,
            "health_check": Self::check_json(&process.health, true),
            "readiness_health_check": Self::check_json(&process.readiness, false),
            "relationships": {"app": {"data": {"guid": process.app}}, "revision": null},
            "metadata": {"labels": process.metadata.labels, "annotations": process.metadata.annotations},
            "links": {
                "self": self.link(&at), "scale": {"href": format!("{}{at}/actions/scale", self.base), "method": "POST"},
                "app": self.link(&format!("/v3/apps/{}", process.app)), "space": self.link(&format!("/v3/spaces/{space}")),
                "stats": self.link(&format!("{at}/stats")), "process_instances": self.link(&format!("{at}/process_instances")),
            }
        });
        if embed {
            body["process_instances"] = Self::instances_json(process);
        }
        body
    }

    fn instances_json(process: &Process) -> Value {
        (0..process.instances)
            .map(|index| json!({"index": index, "state": "RUNNING", "since": 60 + index}))
            .collect()
    }

    /// A page of `items` with Cloud Controller pagination links under `path`.
    fn page(
        &self,
        path: &str,
        items: Vec<Value>,
        page: Option<i32>,
        per_page: Option<i32>,
    ) -> Value {
        let per_page = per_page.unwrap_or(50).clamp(1, 5000) as usize;
        let total = items.len();
        let pages = total.div_ceil(per_page).max(1);
        let page = (page.unwrap_or(1).max(1) as usize).min(pages.max(1));
        let href =
            |n: usize| json!({"href": format!("{}{path}?page={n}&per_page={per_page}", self.base)});
        let resources: Vec<Value> = items
            .into_iter()
            .skip((page - 1) * per_page)
            .take(per_page)
            .collect();
        json!({
            "pagination": {
                "total_results": total, "total_pages": pages, "first": href(1), "last": href(pages),
                "next": if page < pages { href(page + 1) } else { Value::Null },
                "previous": if page > 1 { href(page - 1) } else { Value::Null },
            },
            "resources": resources,
        })
    }

    fn find_process(state: &State, app: &str, kind: &str) -> Option<String> {
        state
            .processes
            .values()
            .find(|p| p.app == app && p.kind == kind)
            .map(|p| p.guid.clone())
    }

    #[allow(clippy::too_many_arguments)]
    fn list(
        &self,
        state: &State,
        path: &str,
        app: Option<&str>,
        guids: &Option<Vec<String>>,
        types: &Option<Vec<String>>,
        page: Option<i32>,
        per_page: Option<i32>,
        embed: bool,
    ) -> Value {
        let items = state
            .processes
            .values()
            .filter(|p| app.is_none_or(|a| p.app == a))
            .filter(|p| guids.as_ref().is_none_or(|g| g.contains(&p.guid)))
            .filter(|p| types.as_ref().is_none_or(|t| t.contains(&p.kind)))
            .map(|p| self.process_json(state, p, true, embed))
            .collect();
        self.page(path, items, page, per_page)
    }

    fn update(&self, guid: &str, body: &ProcessUpdate) -> Result<Value, ErrorEnvelope> {
        let mut state = self.lock();
        let now = state.tick();
        let process = state
            .processes
            .get_mut(guid)
            .ok_or_else(|| not_found("Process"))?;
        tristate(&mut process.command, &body.command);
        tristate(&mut process.user, &body.user);
        if let Some(update) = &body.health_check {
            if let Some(kind) = &update.r#type {
                process.health.set_kind(kind.as_str());
            }
            if let Some(data) = &update.data {
                tristate(&mut process.health.timeout, &data.timeout);
                tristate(
                    &mut process.health.invocation_timeout,
                    &data.invocation_timeout,
                );
                tristate(&mut process.health.interval, &data.interval);
                tristate(&mut process.health.endpoint, &data.endpoint);
            }
        }
        if let Some(update) = &body.readiness_health_check {
            if let Some(kind) = &update.r#type {
                process.readiness.set_kind(kind.as_str());
            }
            if let Some(data) = &update.data {
                tristate(
                    &mut process.readiness.invocation_timeout,
                    &data.invocation_timeout,
                );
                tristate(&mut process.readiness.interval, &data.interval);
                tristate(&mut process.readiness.endpoint, &data.endpoint);
            }
        }
        merge(&mut process.metadata, &body.metadata);
        process.updated = now;
        let process = process.clone();
        Ok(self.process_json(&state, &process, false, false))
    }

    fn scale(&self, guid: &str, body: &ProcessScale) -> Result<Value, ErrorEnvelope> {
        if matches!(body.instances, Tristate::Value(n) if n > INSTANCE_LIMIT) {
            return Err(unprocessable(
                "You have exceeded the instance limit for your space's quota.",
            ));
        }
        let mut state = self.lock();
        let now = state.tick();
        let process = state
            .processes
            .get_mut(guid)
            .ok_or_else(|| not_found("Process"))?;
        if let Tristate::Value(n) = body.instances {
            process.instances = n;
        }
        if let Tristate::Value(n) = body.memory_in_mb {
            process.memory = n.into();
        }
        if let Tristate::Value(n) = body.disk_in_mb {
            process.disk = n.into();
        }
        if let Tristate::Value(n) = body.log_rate_limit_in_bytes_per_second {
            process.log_rate = n;
        }
        process.updated = now;
        let process = process.clone();
        Ok(self.process_json(&state, &process, false, false))
    }

    fn stats(&self, guid: &str) -> Result<Value, ErrorEnvelope> {
        let state = self.lock();
        let process = state
            .processes
            .get(guid)
            .ok_or_else(|| not_found("Process"))?;
        let resources: Vec<Value> = (0..process.instances)
            .map(|index| {
                json!({
                    "type": process.kind, "index": index, "instance_guid": format!("e49f448e-54d2-4c33-61a3-{index:04x}"),
                    "state": "RUNNING", "routable": true, "host": "10.244.16.10", "instance_internal_ip": "10.255.93.167",
                    "uptime": 9042, "mem_quota": process.memory.saturating_mul(1 << 20), "disk_quota": process.disk.saturating_mul(1 << 20),
                    "log_rate_limit": process.log_rate, "fds_quota": 16384, "isolation_segment": null, "details": null,
                    "instance_ports": [{"external": 60000 + index % 5000, "internal": 8080, "external_tls_proxy_port": null, "internal_tls_proxy_port": null}],
                    "usage": {"time": "2026-01-01T00:00:00+00:00", "cpu": 0.01, "cpu_entitlement": null, "mem": 19177472, "disk": 69705728, "log_rate": 0}
                })
            })
            .collect();
        Ok(json!({"resources": resources}))
    }

    fn terminate(&self, guid: &str, index: i32) -> Result<(), ErrorEnvelope> {
        let state = self.lock();
        let process = state
            .processes
            .get(guid)
            .ok_or_else(|| not_found("Process"))?;
        if index < 0 || index >= process.instances {
            return Err(not_found("Instance"));
        }
        Ok(())
    }

    fn with_app<T>(
        &self,
        guid: &str,
        f: impl FnOnce(&mut State, &str) -> Result<T, ErrorEnvelope>,
    ) -> Result<T, ErrorEnvelope> {
        let mut state = self.lock();
        if !state.apps.contains_key(guid) {
            return Err(not_found("App"));
        }
        f(&mut state, guid)
    }

    fn v2_json(&self, state: &State, app: &App) -> Value {
        let web = Self::find_process(state, &app.guid, "web")
            .and_then(|g| state.processes.get(&g).cloned());
        let (instances, memory, disk, log_rate, command, health, timeout, endpoint) = match &web {
            Some(p) => (
                p.instances,
                p.memory,
                p.disk,
                p.log_rate,
                p.command.clone(),
                p.health.kind.clone(),
                p.health.timeout,
                p.health.endpoint.clone(),
            ),
            None => (0, 1024, 1024, -1, None, "port".to_string(), None, None),
        };
        let at = format!("/v2/apps/{}", app.guid);
        json!({
            "metadata": {"guid": app.guid, "url": at, "created_at": app.created, "updated_at": app.updated},
            "entity": {
                "name": app.name, "production": false, "space_guid": app.space, "stack_guid": "5603073e-38d3-4309-8bd1-460efa4a8c15",
                "buildpack": null, "detected_buildpack": null, "detected_buildpack_guid": null, "environment_json": app.env,
                "memory": memory, "instances": instances, "disk_quota": disk, "log_rate_limit": log_rate,
                "state": if app.started { "STARTED" } else { "STOPPED" }, "version": web.as_ref().map(|p| p.version.clone()),
                "command": command, "console": false, "debug": null, "staging_task_id": null, "package_state": "STAGED",
                "health_check_type": health, "health_check_timeout": timeout, "health_check_http_endpoint": endpoint,
                "staging_failed_reason": null, "staging_failed_description": null, "diego": true, "docker_image": null,
                "docker_credentials": {"username": null, "password": null}, "package_updated_at": null,
                "detected_start_command": web.as_ref().map(|p| p.detected_command.clone()).unwrap_or_default(),
                "enable_ssh": app.features.get("ssh").copied().unwrap_or(true), "ports": [8080],
                "space_url": format!("/v2/spaces/{}", app.space), "stack_url": "/v2/stacks/5603073e-38d3-4309-8bd1-460efa4a8c15",
                "routes_url": format!("{at}/routes"), "events_url": format!("{at}/events"),
                "service_bindings_url": format!("{at}/service_bindings"), "route_mappings_url": format!("{at}/route_mappings"),
            }
        })
    }

    /// Applies a v2 update (nulls were dropped by the types: `Tristate::Null` is ignored
    /// like an absent key) to the app and its web process.
    fn v2_apply(state: &mut State, guid: &str, name: Option<&String>, update: &V2AppUpdate) {
        let now = state.tick();
        if let Some(app) = state.apps.get_mut(guid) {
            if let Some(name) = name {
                app.name = name.clone();
            }
            if let Tristate::Value(v) = &update.state {
                app.started = v.as_str() == "STARTED";
            }
            if let Tristate::Value(env) = &update.environment_json {
                app.env = env.clone().into_iter().collect();
            }
            app.updated = now.clone();
        }
        if let Some(web) =
            Self::find_process(state, guid, "web").and_then(|g| state.processes.get_mut(&g))
        {
            if let Tristate::Value(n) = update.instances {
                web.instances = n;
            }
            if let Tristate::Value(n) = update.memory {
                web.memory = n;
            }
            if let Tristate::Value(n) = update.disk_quota {
                web.disk = n;
            }
            if let Tristate::Value(n) = update.log_rate_limit {
                web.log_rate = n;
            }
            if let Tristate::Value(command) = &update.command {
                web.command = (!command.is_empty()).then(|| command.clone());
            }
            if let Tristate::Value(kind) = &update.health_check_type {
                web.health.kind = if kind.as_str() == "none" {
                    "process".into()
                } else {
                    kind.as_str().to_string()
                };
            }
            if let Tristate::Value(n) = update.health_check_timeout {
                web.health.timeout = Some(n);
            }
            if let Tristate::Value(endpoint) = &update.health_check_http_endpoint {
                web.health.endpoint = Some(endpoint.clone());
            }
            web.updated = now;
        }
    }
}

impl State {
    /// A new second on the controller's clock, as a v3 timestamp.
    fn tick(&mut self) -> String {
        self.clock += 1;
        let (minutes, seconds) = (self.clock / 60 % 60, self.clock % 60);
        format!(
            "2026-01-01T{:02}:{minutes:02}:{seconds:02}Z",
            self.clock / 3600 % 24
        )
    }

    /// Records a finished job for `operation` and returns its guid.
    fn job(&mut self, operation: &str) -> String {
        let guid = self.guid();
        let at = self.tick();
        self.jobs.insert(
            guid.clone(),
            Job {
                operation: operation.to_string(),
                at,
            },
        );
        guid
    }

    fn guid(&mut self) -> String {
        self.clock += 1;
        format!("{:08x}-5a1e-4c0c-8d2e-{:012x}", 0x1cb006ee_u32, self.clock)
    }

    fn create_app(&mut self, name: &str, space: &str, lifecycle: Option<Value>) -> String {
        let guid = self.guid();
        let now = self.tick();
        let app = App {
            guid: guid.clone(),
            name: name.to_string(),
            started: false,
            space: space.to_string(),
            lifecycle: lifecycle.unwrap_or_else(
                || json!({"type": "buildpack", "data": {"buildpacks": [], "stack": "cflinuxfs4"}}),
            ),
            env: BTreeMap::new(),
            metadata: Metadata::default(),
            features: FEATURES
                .iter()
                .map(|(n, _)| (n.to_string(), *n == "ssh"))
                .collect(),
            droplet: None,
            created: now.clone(),
            updated: now,
        };
        self.apps.insert(guid.clone(), app);
        self.create_process(&guid, "web", 1);
        guid
    }

    fn create_process(&mut self, app: &str, kind: &str, instances: i32) -> String {
        let guid = self.guid();
        let version = self.guid();
        let now = self.tick();
        let check = |kind: &str| Probe {
            kind: kind.into(),
            timeout: None,
            invocation_timeout: None,
            interval: None,
            endpoint: None,
        };
        self.processes.insert(
            guid.clone(),
            Process {
                guid: guid.clone(),
                app: app.to_string(),
                kind: kind.to_string(),
                command: None,
                detected_command: if kind == "web" {
                    "bundle exec rackup config.ru -p $PORT".into()
                } else {
                    String::new()
                },
                user: None,
                instances,
                memory: 256,
                disk: 1024,
                log_rate: -1,
                health: check(if kind == "web" { "port" } else { "process" }),
                readiness: check("process"),
                metadata: Metadata::default(),
                created: now.clone(),
                updated: now,
                version,
            },
        );
        guid
    }
}

pub mod breakage;
mod operations;
pub mod versions;
