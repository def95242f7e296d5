//! An in-memory Cloud Controller, built on the generated server stub: apps and their
//! processes held in memory with the semantics of `../shared/docs/capi-reference.md` —
//! scale answers 202, `command: null` reverts to the detected command, a label set to
//! `null` is deleted, terminating an index out of range is 404 "Instance not found",
//! stats have one entry per instance, lists filter, order and page over the stored
//! records with `next`/`previous` links that repeat the query, and `PUT /v2/apps/{guid}`
//! updates the web process.
//!
//! It is what the end-to-end tests run against, and what users run (`in-memory-cc
//! --listen 127.0.0.1:9022`) to test Cloud Foundry tooling without a foundation.
//!
//! Reads share a read lock and writes take a write lock; no lock is held while an answer
//! is rendered to JSON: a handler copies the `Arc`s of the records it shows and lets go.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, OnceLock, PoisonError, RwLock, RwLockReadGuard, RwLockWriteGuard};
use std::time::Duration;

use cf_capi::models::{self as m, ErrorEnvelope, MetadataUpdate};
use cf_capi::server::{self, *};
use cf_capi::Tristate;
use serde_json::{json, Value};

pub mod breakage;
pub mod list;
mod operations;
pub mod versions;

/// How an in-memory Cloud Controller is set up.
#[derive(Debug, Clone)]
pub struct Config {
    /// The URL its links start with (`--external-url`, else the listen address).
    pub base: String,
    /// Accept only this bearer token (else any non-empty one).
    pub token: Option<String>,
    /// Generated apps loaded at start (each with a web, a worker and a clock process).
    pub seed: usize,
    /// The largest request body read, in bytes (413 above).
    pub body_limit: usize,
    /// How long a request body may stall between reads (408 after).
    pub read_timeout: Duration,
    /// The largest header section, in bytes (431 above).
    pub header_limit: usize,
}

impl Config {
    /// The defaults of the generated router's options, links on `base`.
    pub fn new(base: &str) -> Config {
        let options = Options::default();
        Config {
            base: base.trim_end_matches('/').to_string(),
            token: None,
            seed: 0,
            body_limit: options.body_limit,
            read_timeout: options.read_timeout,
            header_limit: options.header_limit,
        }
    }
}

/// The router of an in-memory Cloud Controller whose links start with `base`, accepting
/// only `token` when one is given (else any non-empty bearer token).
pub fn router(base: &str, token: Option<String>) -> axum::Router {
    let mut config = Config::new(base);
    config.token = token;
    router_with(&config)
}

/// Serves `app` on `listener` until the task is dropped, each connection with
/// `TCP_NODELAY` (an answer is sent when written, not held back for the client's
/// acknowledgement of the one before: pipelined requests get their answers at once).
pub async fn serve(listener: tokio::net::TcpListener, app: axum::Router) -> std::io::Result<()> {
    use axum::serve::ListenerExt;
    let listener = listener.tap_io(|tcp| {
        let _ = tcp.set_nodelay(true);
    });
    axum::serve(listener, app).await
}

/// The router of an in-memory Cloud Controller set up by `config`.
pub fn router_with(config: &Config) -> axum::Router {
    let mut options = Options {
        body_limit: config.body_limit,
        read_timeout: config.read_timeout,
        header_limit: config.header_limit,
        ..Options::default()
    };
    if let Some(token) = config.token.clone() {
        options.authenticate =
            Arc::new(move |headers| bearer_token(headers).filter(|c| c.token == token));
    }
    let controller = Controller::seeded(&config.base);
    controller.seed(config.seed);
    server::router(Arc::new(controller), options).layer(axum::middleware::from_fn(break_when_asked))
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
    state: RwLock<State>,
}

/// Records in creation order (the Cloud Controller's default `id` order), with guid
/// indexes.
#[derive(Default)]
struct State {
    apps: BTreeMap<u64, Arc<App>>,
    app_ids: HashMap<String, u64>,
    processes: BTreeMap<u64, Arc<Process>>,
    process_ids: HashMap<String, u64>,
    /// An app's processes, in creation order.
    by_app: HashMap<String, Vec<u64>>,
    jobs: HashMap<String, Job>,
    /// Seconds since 2026-01-01T00:00:00Z; every change is a new second.
    clock: u64,
    /// The last id handed out (record ids and guids).
    ids: u64,
}

#[derive(Clone)]
struct App {
    guid: String,
    name: String,
    started: bool,
    space: &'static Space,
    lifecycle: Value,
    env: BTreeMap<String, Value>,
    metadata: Metadata,
    features: BTreeMap<String, bool>,
    droplet: Option<String>,
    created: String,
    updated: String,
    /// Its answer, rendered on first use (lists render a page of them per request).
    rendered: Rendered<m::App>,
}

/// A record's rendering, made on first use and kept while the record is unchanged: a
/// copy (copy on write) starts empty, and `State::change_*` empties it after a change.
struct Rendered<T>(OnceLock<T>);

impl<T> Default for Rendered<T> {
    fn default() -> Self {
        Rendered(OnceLock::new())
    }
}

impl<T> Clone for Rendered<T> {
    fn clone(&self) -> Self {
        Rendered::default()
    }
}

impl<T: Clone> Rendered<T> {
    fn get(&self, render: impl FnOnce() -> T) -> T {
        self.0.get_or_init(render).clone()
    }
}

impl App {
    fn state(&self) -> &'static str {
        if self.started {
            "STARTED"
        } else {
            "STOPPED"
        }
    }

    /// The stack of a buildpack app (`stacks` filters only those).
    fn buildpack_stack(&self) -> Option<Option<&str>> {
        (self.lifecycle["type"] == "buildpack").then(|| self.lifecycle["data"]["stack"].as_str())
    }
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
    space: &'static Space,
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
    /// Its answer in a list (command hidden) and alone, nothing embedded, each rendered
    /// on first use.
    listed: Rendered<m::Process>,
    shown: Rendered<m::Process>,
}

/// An asynchronous job; the in-memory controller finishes every job at once.
#[derive(Clone)]
struct Job {
    guid: String,
    operation: &'static str,
    /// The app it worked on, when that app still exists.
    app: Option<String>,
    created: String,
}

/// A space (and its organisation) the controller knows.
#[derive(Debug)]
struct Space {
    guid: &'static str,
    name: &'static str,
    org: &'static str,
    org_name: &'static str,
    created: &'static str,
}

/// The spaces apps may be created in: `space` in `org`, and `other-space` in `other-org`.
static SPACES: [Space; 2] = [
    Space {
        guid: "2f35885d-0c9d-4423-83ad-fd05066f8576",
        name: "space",
        org: "0d1a7bd5-8f1c-4b5e-9a6d-3f2e1c0b9a87",
        org_name: "org",
        created: "2025-12-31T00:00:00Z",
    },
    Space {
        guid: "7c1e2d3f-4a5b-4c6d-8e9f-0a1b2c3d4e5f",
        name: "other-space",
        org: "5e6f7a8b-9c0d-4e1f-a2b3-c4d5e6f7a8b9",
        org_name: "other-org",
        created: "2025-12-31T00:00:01Z",
    },
];

fn space(guid: &str) -> Option<&'static Space> {
    SPACES.iter().find(|s| s.guid == guid)
}

/// The v3 API version this controller reports in its root document.
const API_VERSION: &str = "3.228.0";

/// The v2 API version this controller reports in its root document.
const V2_API_VERSION: &str = "2.293.0";

/// The most instances the space quota allows a process.
const INSTANCE_LIMIT: i32 = 1000;

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

fn bad_query(detail: &str) -> ErrorEnvelope {
    error(
        10005,
        "CF-BadQueryParameter",
        &format!("The query parameter is invalid: {detail}"),
    )
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

/// `YYYY-MM-DDThh:mm:ssZ` for a number of seconds after 2026-01-01T00:00:00Z.
fn timestamp(seconds: u64) -> String {
    // Days to a civil date (Howard Hinnant's algorithm), from 1970-01-01.
    let days = 20_454 + (seconds / 86_400) as i64;
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    let second = seconds % 86_400;
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        second / 3600,
        second / 60 % 60,
        second % 60
    )
}

impl Controller {
    /// A controller with two seeded apps in `space`: `web-app` (started, with a web and
    /// a worker process) and `stopped-app`.
    pub fn seeded(base: &str) -> Controller {
        let controller = Controller {
            base: base.trim_end_matches('/').to_string(),
            state: RwLock::new(State::default()),
        };
        {
            let mut state = controller.write();
            let web = state.create_app("web-app", &SPACES[0], None);
            state.change_app(&web, |a| {
                a.started = true;
                a.droplet = Some("585bc3c1-3743-497d-88b0-403ad6b56d16".into());
                a.env.insert("RAILS_ENV".into(), json!("production"));
            });
            state.create_process(&web, "worker", 2);
            state.create_app("stopped-app", &SPACES[0], None);
        }
        controller
    }

    /// Loads `count` generated apps, `seed-00001`…, alternately in the two spaces, each
    /// with a web, a worker and a clock process and a `group` label (`g0`…`g9`).
    pub fn seed(&self, count: usize) {
        let mut state = self.write();
        for n in 1..=count {
            let guid = state.create_app(&format!("seed-{n:05}"), &SPACES[n % 2], None);
            state.change_app(&guid, |a| {
                a.metadata
                    .labels
                    .insert("group".into(), format!("g{}", n % 10));
            });
            state.create_process(&guid, "worker", 1);
            state.create_process(&guid, "clock", 1);
        }
    }

    fn read(&self) -> RwLockReadGuard<'_, State> {
        self.state.read().unwrap_or_else(PoisonError::into_inner)
    }

    fn write(&self) -> RwLockWriteGuard<'_, State> {
        self.state.write().unwrap_or_else(PoisonError::into_inner)
    }

    fn link(&self, path: &str) -> Value {
        json!({"href": format!("{}{path}", self.base)})
    }

    /// An app's answer as its model, rendered once per change of the app.
    fn app_model(&self, app: &App) -> m::App {
        app.rendered.get(|| typed(self.app_json(app)))
    }

    /// A process's answer as its model: in a list or alone, with `process_instances`
    /// embedded or not; without them rendered once per change of the process.
    fn process_model(&self, process: &Process, in_list: bool, embed: bool) -> m::Process {
        let render = || typed(self.process_json(process, in_list, embed));
        match (embed, in_list) {
            (true, _) => render(),
            (false, true) => process.listed.get(render),
            (false, false) => process.shown.get(render),
        }
    }

    fn app_json(&self, app: &App) -> Value {
        let at = format!("/v3/apps/{}", app.guid);
        let post =
            |path: &str| json!({"href": format!("{}{at}{path}", self.base), "method": "POST"});
        json!({
            "guid": app.guid, "name": app.name, "state": app.state(),
            "created_at": app.created, "updated_at": app.updated, "lifecycle": app.lifecycle,
            "relationships": {"space": {"data": {"guid": app.space.guid}}, "current_droplet": {"data": {"guid": app.droplet}}},
            "metadata": {"labels": app.metadata.labels, "annotations": app.metadata.annotations},
            "links": {
                "self": self.link(&at), "environment_variables": self.link(&format!("{at}/environment_variables")),
                "space": self.link(&format!("/v3/spaces/{}", app.space.guid)), "processes": self.link(&format!("{at}/processes")),
                "packages": self.link(&format!("{at}/packages")), "current_droplet": self.link(&format!("{at}/droplets/current")),
                "droplets": self.link(&format!("{at}/droplets")), "tasks": self.link(&format!("{at}/tasks")),
                "start": post("/actions/start"), "stop": post("/actions/stop"),
                "clear_buildpack_cache": post("/actions/clear_buildpack_cache"),
                "revisions": self.link(&format!("{at}/revisions")), "deployed_revisions": self.link(&format!("{at}/revisions/deployed")),
                "features": self.link(&format!("{at}/features")),
            }
        })
    }

    /// The `included` object for `include` (`space`, `space.organization`, `org`) over
    /// the spaces of `apps`, ordered by creation as the Cloud Controller's decorators do.
    fn included(&self, include: &[m::AppIncludeItem], apps: &[Arc<App>]) -> Option<Value> {
        let names: Vec<&str> = include.iter().map(|i| i.as_str()).collect();
        let spaces_wanted = names
            .iter()
            .any(|n| matches!(*n, "space" | "space.organization"));
        let orgs_wanted = names
            .iter()
            .any(|n| matches!(*n, "org" | "space.organization"));
        if !spaces_wanted && !orgs_wanted {
            return None;
        }
        let used: Vec<&Space> = SPACES
            .iter()
            .filter(|s| apps.iter().any(|a| std::ptr::eq(a.space, *s)))
            .collect();
        let mut included = json!({});
        if spaces_wanted {
            included["spaces"] = used.iter().map(|s| self.space_json(s)).collect();
        }
        if orgs_wanted {
            included["organizations"] = used.iter().map(|s| self.org_json(s)).collect();
        }
        Some(included)
    }

    fn space_json(&self, space: &Space) -> Value {
        let at = format!("/v3/spaces/{}", space.guid);
        json!({
            "guid": space.guid, "created_at": space.created, "updated_at": space.created, "name": space.name,
            "suspended": false,
            "relationships": {"organization": {"data": {"guid": space.org}}, "quota": {"data": null}},
            "metadata": {"labels": {}, "annotations": {}},
            "links": {
                "self": self.link(&at), "organization": self.link(&format!("/v3/organizations/{}", space.org)),
                "features": self.link(&format!("{at}/features")),
                "apply_manifest": {"href": format!("{}{at}/actions/apply_manifest", self.base), "method": "POST"},
            }
        })
    }

    fn org_json(&self, space: &Space) -> Value {
        let at = format!("/v3/organizations/{}", space.org);
        json!({
            "guid": space.org, "created_at": space.created, "updated_at": space.created, "name": space.org_name,
            "suspended": false, "relationships": {"quota": {"data": {"guid": "b7887f5c-34bb-40c5-9778-577572e4fb2d"}}},
            "metadata": {"labels": {}, "annotations": {}},
            "links": {
                "self": self.link(&at), "domains": self.link(&format!("{at}/domains")),
                "default_domain": self.link(&format!("{at}/domains/default")),
                "quota": self.link("/v3/organization_quotas/b7887f5c-34bb-40c5-9778-577572e4fb2d"),
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

    fn process_json(&self, process: &Process, in_list: bool, embed: bool) -> Value {
        let at = format!("/v3/processes/{}", process.guid);
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
                "app": self.link(&format!("/v3/apps/{}", process.app)), "space": self.link(&format!("/v3/spaces/{}", process.space.guid)),
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

    fn job_json(&self, job: &Job) -> Value {
        let mut links = json!({"self": self.link(&format!("/v3/jobs/{}", job.guid))});
        if let Some(app) = &job.app {
            links["app"] = self.link(&format!("/v3/apps/{app}"));
        }
        json!({
            "guid": job.guid, "created_at": job.created, "updated_at": job.created,
            "operation": job.operation, "state": "COMPLETE", "errors": [], "warnings": [], "links": links,
        })
    }

    fn v2_json(app: &App, web: Option<&Process>) -> Value {
        let (instances, memory, disk, log_rate, command, health, timeout, endpoint) = match web {
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
                "name": app.name, "production": false, "space_guid": app.space.guid, "stack_guid": "5603073e-38d3-4309-8bd1-460efa4a8c15",
                "buildpack": null, "detected_buildpack": null, "detected_buildpack_guid": null, "environment_json": app.env,
                "memory": memory, "instances": instances, "disk_quota": disk, "log_rate_limit": log_rate,
                "state": app.state(), "version": web.map(|p| p.version.clone()),
                "command": command, "console": false, "debug": null, "staging_task_id": null, "package_state": "STAGED",
                "health_check_type": health, "health_check_timeout": timeout, "health_check_http_endpoint": endpoint,
                "staging_failed_reason": null, "staging_failed_description": null, "diego": true, "docker_image": null,
                "docker_credentials": {"username": null, "password": null}, "package_updated_at": null,
                "detected_start_command": web.map(|p| p.detected_command.clone()).unwrap_or_default(),
                "enable_ssh": app.features.get("ssh").copied().unwrap_or(true), "ports": [8080],
                "space_url": format!("/v2/spaces/{}", app.space.guid), "stack_url": "/v2/stacks/5603073e-38d3-4309-8bd1-460efa4a8c15",
                "routes_url": format!("{at}/routes"), "events_url": format!("{at}/events"),
                "service_bindings_url": format!("{at}/service_bindings"), "route_mappings_url": format!("{at}/route_mappings"),
            }
        })
    }
}

impl State {
    /// A new second on the controller's clock, as a v3 timestamp.
    fn tick(&mut self) -> String {
        self.clock += 1;
        timestamp(self.clock)
    }

    fn next_id(&mut self) -> u64 {
        self.ids += 1;
        self.ids
    }

    fn guid(&mut self) -> String {
        let id = self.next_id();
        format!("{:08x}-5a1e-4c0c-8d2e-{id:012x}", 0x1cb006ee_u32)
    }

    fn app(&self, guid: &str) -> Option<&Arc<App>> {
        self.app_ids.get(guid).and_then(|id| self.apps.get(id))
    }

    fn process(&self, guid: &str) -> Option<&Arc<Process>> {
        self.process_ids
            .get(guid)
            .and_then(|id| self.processes.get(id))
    }

    /// The app's processes, in creation order.
    fn processes_of<'a>(&'a self, app: &str) -> impl Iterator<Item = &'a Arc<Process>> + 'a {
        self.by_app
            .get(app)
            .into_iter()
            .flatten()
            .filter_map(|id| self.processes.get(id))
    }

    fn find_process(&self, app: &str, kind: &str) -> Option<&Arc<Process>> {
        self.processes_of(app).find(|p| p.kind == kind)
    }

    /// Changes an app in place (copy on write: readers holding the old `Arc` keep it).
    fn change_app(&mut self, guid: &str, f: impl FnOnce(&mut App)) -> Option<Arc<App>> {
        let id = *self.app_ids.get(guid)?;
        let app = self.apps.get_mut(&id)?;
        let changed = Arc::make_mut(app);
        f(changed);
        changed.rendered = Rendered::default();
        Some(Arc::clone(app))
    }

    fn change_process(&mut self, guid: &str, f: impl FnOnce(&mut Process)) -> Option<Arc<Process>> {
        let id = *self.process_ids.get(guid)?;
        let process = self.processes.get_mut(&id)?;
        let changed = Arc::make_mut(process);
        f(changed);
        changed.listed = Rendered::default();
        changed.shown = Rendered::default();
        Some(Arc::clone(process))
    }

    fn create_app(
        &mut self,
        name: &str,
        space: &'static Space,
        lifecycle: Option<Value>,
    ) -> String {
        let id = self.next_id();
        let guid = self.guid();
        let now = self.tick();
        let app = App {
            guid: guid.clone(),
            name: name.to_string(),
            started: false,
            space,
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
            rendered: Rendered::default(),
        };
        self.app_ids.insert(guid.clone(), id);
        self.apps.insert(id, Arc::new(app));
        self.create_process(&guid, "web", 1);
        guid
    }

    fn delete_app(&mut self, guid: &str) -> bool {
        let Some(id) = self.app_ids.remove(guid) else {
            return false;
        };
        self.apps.remove(&id);
        for process in self.by_app.remove(guid).unwrap_or_default() {
            if let Some(p) = self.processes.remove(&process) {
                self.process_ids.remove(&p.guid);
            }
        }
        for job in self.jobs.values_mut() {
            if job.app.as_deref() == Some(guid) {
                job.app = None;
            }
        }
        true
    }

    fn create_job(&mut self, operation: &'static str, app: Option<&str>) -> String {
        let guid = self.guid();
        let created = self.tick();
        let job = Job {
            guid: guid.clone(),
            operation,
            app: app.map(str::to_string),
            created,
        };
        self.jobs.insert(guid.clone(), job);
        guid
    }

    fn create_process(&mut self, app: &str, kind: &str, instances: i32) -> String {
        let id = self.next_id();
        let guid = self.guid();
        let version = self.guid();
        let now = self.tick();
        let space = self.app(app).map_or(&SPACES[0], |a| a.space);
        let check = |kind: &str| Probe {
            kind: kind.into(),
            timeout: None,
            invocation_timeout: None,
            interval: None,
            endpoint: None,
        };
        let process = Process {
            guid: guid.clone(),
            app: app.to_string(),
            space,
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
            listed: Rendered::default(),
            shown: Rendered::default(),
        };
        self.process_ids.insert(guid.clone(), id);
        self.processes.insert(id, Arc::new(process));
        self.by_app.entry(app.to_string()).or_default().push(id);
        guid
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn timestamps_count_seconds_from_2026() {
        for (seconds, expected) in [
            (0, "2026-01-01T00:00:00Z"),
            (86_399, "2026-01-01T23:59:59Z"),
            (86_400 * 59, "2026-03-01T00:00:00Z"),
            (86_400 * 365 + 61, "2027-01-01T00:01:01Z"),
        ] {
            assert_eq!(super::timestamp(seconds), expected);
        }
    }
}
