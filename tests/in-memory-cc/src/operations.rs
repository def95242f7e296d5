//! The generated server traits, implemented on the in-memory state.

use std::cmp::Ordering;

use cf_capi::models::{
    AppCreate, AppEnvironmentVariablesUpdate, AppFeatureUpdate, AppUpdate, ProcessScale,
    ProcessUpdate, ToOneRelationshipRequest, V2AppCreate, V2AppUpdate,
};
use cf_capi::params::*;

use super::list::{self, PageRequest, Requirement, TimeFilter};
use super::*;

/// The v2 model validations of the values this controller keeps (400s, as v2 answers).
fn v2_valid(update: &V2AppUpdate) -> Result<(), m::V2Error> {
    let invalid = |code: i64, name: &str, description: &str| -> m::V2Error {
        typed(json!({"code": code, "description": description, "error_code": name}))
    };
    if matches!(update.memory, Tristate::Value(n) if n <= 0) {
        return Err(invalid(
            100006,
            "CF-AppMemoryInvalid",
            "You have specified an invalid amount of memory for your application.",
        ));
    }
    if matches!(update.instances, Tristate::Value(n) if n > INSTANCE_LIMIT) {
        return Err(invalid(
            100001,
            "CF-AppInvalid",
            "The app is invalid: instance limit exceeded",
        ));
    }
    if matches!(update.instances, Tristate::Value(n) if n < 0) {
        return Err(invalid(
            100001,
            "CF-AppInvalid",
            "The app is invalid: Number of instances less than 0",
        ));
    }
    if matches!(update.disk_quota, Tristate::Value(n) if n < 1) {
        return Err(invalid(
            100001,
            "CF-AppInvalid",
            "The app is invalid: disk_quota too small",
        ));
    }
    if matches!(update.log_rate_limit, Tristate::Value(n) if n < -1) {
        return Err(invalid(
            100001,
            "CF-AppInvalid",
            "The app is invalid: log_rate_limit must be -1 or greater",
        ));
    }
    Ok(())
}

/// A requested lifecycle as the server shows it: registry credentials become `"***"`,
/// and autodetected buildpacks an empty list.
fn lifecycle_json(lifecycle: &m::LifecycleRequest) -> Value {
    let mut shown = serde_json::to_value(lifecycle).unwrap_or_default();
    if shown["data"].get("credentials").is_some() {
        shown["data"]["credentials"] = json!("***");
    }
    if shown["type"] == "docker" {
        shown["data"] = json!({});
    } else if shown["data"].get("buildpacks").is_none_or(Value::is_null) {
        shown["data"]["buildpacks"] = json!([]);
    }
    shown
}

fn is_guid(text: &str) -> bool {
    let groups: Vec<&str> = text.split('-').collect();
    groups.iter().map(|g| g.len()).eq([8, 4, 4, 4, 12])
        && groups
            .iter()
            .all(|g| g.chars().all(|c| c.is_ascii_hexdigit()))
}

fn embeds(embed: &Option<Vec<m::ProcessEmbedItem>>) -> bool {
    embed
        .as_ref()
        .is_some_and(|e| e.contains(&m::ProcessEmbedItem::ProcessInstances))
}

/// The parameters a list link repeats: every one given but the page and its size,
/// decoded to the form the Cloud Controller re-renders (see `list::pagination`).
fn echo(pairs: Vec<(String, String)>) -> Vec<(String, String)> {
    pairs
        .into_iter()
        .map(|(name, value)| (decode(&name), decode(&value)))
        .filter(|(name, _)| name != "page" && name != "per_page")
        .collect()
}

/// The `created_ats`/`updated_ats` filters of a list query.
macro_rules! time_filters {
    ($query:expr) => {
        (
            TimeFilter {
                any_of: $query.created_ats.clone(),
                lt: $query.created_ats_lt.clone(),
                lte: $query.created_ats_lte.clone(),
                gt: $query.created_ats_gt.clone(),
                gte: $query.created_ats_gte.clone(),
            },
            TimeFilter {
                any_of: $query.updated_ats.clone(),
                lt: $query.updated_ats_lt.clone(),
                lte: $query.updated_ats_lte.clone(),
                gt: $query.updated_ats_gt.clone(),
                gte: $query.updated_ats_gte.clone(),
            },
        )
    };
}

fn selector(text: &Option<String>) -> Result<Option<Vec<Requirement>>, ErrorEnvelope> {
    text.as_deref()
        .map(list::label_selector)
        .transpose()
        .map_err(|detail| bad_query(&detail))
}

/// What a process list keeps (the default keeps everything).
#[derive(Default, PartialEq)]
struct ProcessFilter {
    guids: Option<Vec<String>>,
    types: Option<Vec<String>>,
    spaces: Option<Vec<String>>,
    orgs: Option<Vec<String>>,
    labels: Option<Vec<Requirement>>,
    created: TimeFilter,
    updated: TimeFilter,
}

impl ProcessFilter {
    fn keep(&self, p: &Process) -> bool {
        let within = |list: &Option<Vec<String>>, value: &str| {
            list.as_ref().is_none_or(|l| l.iter().any(|v| v == value))
        };
        within(&self.guids, &p.guid)
            && within(&self.types, &p.kind)
            && within(&self.spaces, p.space.guid)
            && within(&self.orgs, p.space.org)
            && self
                .labels
                .as_ref()
                .is_none_or(|r| r.iter().all(|r| r.holds(&p.metadata.labels)))
            && self.created.holds(&p.created)
            && self.updated.holds(&p.updated)
    }
}

fn by_created<T: Record>(a: &T, b: &T) -> Ordering {
    a.created()
        .cmp(b.created())
        .then_with(|| a.guid().cmp(b.guid()))
}

fn by_updated<T: Record>(a: &T, b: &T) -> Ordering {
    a.updated()
        .cmp(b.updated())
        .then_with(|| a.guid().cmp(b.guid()))
}

fn by_name(a: &App, b: &App) -> Ordering {
    a.name.cmp(&b.name).then_with(|| a.guid.cmp(&b.guid))
}

fn by_state(a: &App, b: &App) -> Ordering {
    a.state().cmp(b.state()).then_with(|| a.guid.cmp(&b.guid))
}

/// The fields every listed record has.
trait Record {
    fn guid(&self) -> &str;
    fn created(&self) -> &str;
    fn updated(&self) -> &str;
}

impl Record for App {
    fn guid(&self) -> &str {
        &self.guid
    }
    fn created(&self) -> &str {
        &self.created
    }
    fn updated(&self) -> &str {
        &self.updated
    }
}

impl Record for Process {
    fn guid(&self) -> &str {
        &self.guid
    }
    fn created(&self) -> &str {
        &self.created
    }
    fn updated(&self) -> &str {
        &self.updated
    }
}

/// `order_by` (`-` descending, `+` or nothing ascending) as a comparison: the field,
/// then the guid in the same direction, as the Cloud Controller's paginator orders.
fn order<T: Record>(
    order: Option<&str>,
    other: impl Fn(&str) -> Option<list::Compare<T>>,
) -> Option<(list::Compare<T>, bool)> {
    let order = order?;
    let field = order.trim_start_matches(['-', '+']);
    let compare: list::Compare<T> = match field {
        "updated_at" => by_updated::<T>,
        "created_at" => by_created::<T>,
        other_field => other(other_field)?,
    };
    Some((compare, order.starts_with('-')))
}

fn process_order(text: Option<&str>) -> Option<(list::Compare<Process>, bool)> {
    order(text, |_| None)
}

fn app_order(text: Option<&str>) -> Option<(list::Compare<App>, bool)> {
    order(text, |field| match field {
        "name" => Some(by_name as list::Compare<App>),
        "state" => Some(by_state),
        _ => None,
    })
}

impl Controller {
    /// A page of processes: of one app (`app`), or of the apps in `app_guids`, or all.
    #[allow(clippy::too_many_arguments)]
    fn process_page(
        &self,
        path: &str,
        app: Option<&str>,
        app_guids: Option<&[String]>,
        filter: &ProcessFilter,
        order: Option<&str>,
        request: PageRequest,
        echoed: &[(String, String)],
        embed: bool,
    ) -> m::ProcessList {
        let keep = (*filter != ProcessFilter::default()).then_some(|p: &Process| filter.keep(p));
        let order = process_order(order);
        let page = {
            let state = self.read();
            let apps: Option<Vec<&str>> = app
                .map(|a| vec![a])
                .or_else(|| app_guids.map(|g| g.iter().map(String::as_str).collect()));
            match apps {
                Some(apps) => {
                    let mut ids: Vec<u64> = apps
                        .iter()
                        .flat_map(|a| state.by_app.get(*a).into_iter().flatten().copied())
                        .collect();
                    ids.sort_unstable();
                    ids.dedup();
                    let records: Vec<&Arc<Process>> = ids
                        .iter()
                        .filter_map(|id| state.processes.get(id))
                        .collect();
                    list::select(records.into_iter(), keep, order, request)
                }
                None => list::select(state.processes.values(), keep, order, request),
            }
        };
        let resources: Vec<m::Process> = page
            .items
            .iter()
            .map(|p| self.process_model(p, true, embed))
            .collect();
        m::ProcessList {
            pagination: typed(list::pagination(
                &self.base, path, echoed, request, page.total,
            )),
            resources,
        }
    }

    fn update(&self, guid: &str, body: &ProcessUpdate) -> Result<Value, ErrorEnvelope> {
        let process = {
            let mut state = self.write();
            let now = state.tick();
            state
                .change_process(guid, |process| {
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
                })
                .ok_or_else(|| not_found("Process"))?
        };
        Ok(self.process_json(&process, false, false))
    }

    fn scale(&self, guid: &str, body: &ProcessScale) -> Result<Value, ErrorEnvelope> {
        if matches!(body.instances, Tristate::Value(n) if n > INSTANCE_LIMIT) {
            return Err(unprocessable(
                "You have exceeded the instance limit for your space's quota.",
            ));
        }
        let process = {
            let mut state = self.write();
            let now = state.tick();
            state
                .change_process(guid, |process| {
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
                })
                .ok_or_else(|| not_found("Process"))?
        };
        Ok(self.process_json(&process, false, false))
    }

    fn stats(&self, guid: &str) -> Result<Value, ErrorEnvelope> {
        let process = self
            .read()
            .process(guid)
            .cloned()
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
        let state = self.read();
        let process = state.process(guid).ok_or_else(|| not_found("Process"))?;
        if index < 0 || index >= process.instances {
            return Err(not_found("Instance"));
        }
        Ok(())
    }

    fn app_process(&self, app: &str, kind: &str) -> Option<Arc<Process>> {
        self.read().find_process(app, kind).cloned()
    }

    /// Starts an app: it needs a current droplet. (Restart is a stop and a start.)
    fn start(&self, guid: &str) -> Result<Value, ErrorEnvelope> {
        let app = {
            let mut state = self.write();
            let app = state.app(guid).ok_or_else(|| not_found("App"))?;
            if app.droplet.is_none() {
                return Err(unprocessable("Assign a droplet before starting this app."));
            }
            let now = state.tick();
            state.change_app(guid, |a| {
                if !a.started {
                    a.started = true;
                    a.updated = now;
                }
            })
        };
        app.map(|a| self.app_json(&a))
            .ok_or_else(|| not_found("App"))
    }

    fn get_app_record(&self, guid: &str) -> Result<Arc<App>, ErrorEnvelope> {
        self.read()
            .app(guid)
            .cloned()
            .ok_or_else(|| not_found("App"))
    }
}

macro_rules! process_filter {
    ($query:expr, $labels:expr) => {{
        let (created, updated) = time_filters!($query);
        ProcessFilter {
            guids: $query.guids.clone(),
            types: $query.types.clone(),
            spaces: None,
            orgs: None,
            labels: $labels,
            created,
            updated,
        }
    }};
}

impl Processes for Controller {
    async fn list_processes(
        &self,
        _: RequestContext,
        query: ListProcessesQuery,
    ) -> ListProcessesResponse {
        let labels = match selector(&query.label_selector) {
            Ok(labels) => labels,
            Err(body) => return ListProcessesResponse::BadRequest { body },
        };
        let mut filter = process_filter!(query, labels);
        filter.spaces = query.space_guids.clone();
        filter.orgs = query.organization_guids.clone();
        let body = self.process_page(
            "/v3/processes",
            None,
            query.app_guids.as_deref(),
            &filter,
            query.order_by.as_ref().map(|o| o.as_str()),
            PageRequest::new(query.page, query.per_page),
            &echo(query.pairs()),
            embeds(&query.embed),
        );
        ListProcessesResponse::Ok { body }
    }

    async fn get_process(
        &self,
        _: RequestContext,
        guid: String,
        query: GetProcessQuery,
    ) -> GetProcessResponse {
        let process = self.read().process(&guid).cloned();
        match process {
            Some(p) => GetProcessResponse::Ok {
                body: self.process_model(&p, false, embeds(&query.embed)),
            },
            None => GetProcessResponse::NotFound {
                body: not_found("Process"),
            },
        }
    }

    async fn update_process(
        &self,
        _: RequestContext,
        guid: String,
        body: ProcessUpdate,
    ) -> UpdateProcessResponse {
        match self.update(&guid, &body) {
            Ok(process) => UpdateProcessResponse::Ok {
                body: typed(process),
            },
            Err(error) => UpdateProcessResponse::NotFound { body: error },
        }
    }

    async fn scale_process(
        &self,
        _: RequestContext,
        guid: String,
        body: ProcessScale,
    ) -> ScaleProcessResponse {
        match self.scale(&guid, &body) {
            Ok(process) => ScaleProcessResponse::Accepted {
                body: typed(process),
            },
            Err(error) if error.errors[0].code == 10008 => {
                ScaleProcessResponse::UnprocessableEntity { body: error }
            }
            Err(error) => ScaleProcessResponse::NotFound { body: error },
        }
    }

    async fn get_process_stats(&self, _: RequestContext, guid: String) -> GetProcessStatsResponse {
        match self.stats(&guid) {
            Ok(stats) => GetProcessStatsResponse::Ok { body: typed(stats) },
            Err(error) => GetProcessStatsResponse::NotFound { body: error },
        }
    }

    async fn terminate_process_instance(
        &self,
        _: RequestContext,
        guid: String,
        index: i32,
    ) -> TerminateProcessInstanceResponse {
        match self.terminate(&guid, index) {
            Ok(()) => TerminateProcessInstanceResponse::NoContent {},
            Err(error) => TerminateProcessInstanceResponse::NotFound { body: error },
        }
    }

    async fn list_process_instances(
        &self,
        _: RequestContext,
        guid: String,
    ) -> ListProcessInstancesResponse {
        let process = self.read().process(&guid).cloned();
        match process {
            Some(p) => {
                let at = format!("/v3/processes/{guid}");
                let body = json!({"resources": Self::instances_json(&p), "links": {"self": self.link(&format!("{at}/process_instances")), "process": self.link(&at)}});
                ListProcessInstancesResponse::Ok { body: typed(body) }
            }
            None => ListProcessInstancesResponse::NotFound {
                body: not_found("Process"),
            },
        }
    }

    async fn list_app_processes(
        &self,
        _: RequestContext,
        guid: String,
        query: ListAppProcessesQuery,
    ) -> ListAppProcessesResponse {
        if self.read().app(&guid).is_none() {
            return ListAppProcessesResponse::NotFound {
                body: not_found("App"),
            };
        }
        let labels = match selector(&query.label_selector) {
            Ok(labels) => labels,
            Err(body) => return ListAppProcessesResponse::BadRequest { body },
        };
        let filter = process_filter!(query, labels);
        let body = self.process_page(
            &format!("/v3/apps/{guid}/processes"),
            Some(&guid),
            None,
            &filter,
            query.order_by.as_ref().map(|o| o.as_str()),
            PageRequest::new(query.page, query.per_page),
            &echo(query.pairs()),
            embeds(&query.embed),
        );
        ListAppProcessesResponse::Ok { body }
    }

    async fn get_app_process(
        &self,
        _: RequestContext,
        guid: String,
        r#type: String,
        query: GetAppProcessQuery,
    ) -> GetAppProcessResponse {
        match self.app_process(&guid, &r#type) {
            Some(p) => GetAppProcessResponse::Ok {
                body: self.process_model(&p, false, embeds(&query.embed)),
            },
            None => GetAppProcessResponse::NotFound {
                body: not_found("Process"),
            },
        }
    }

    async fn update_app_process(
        &self,
        _: RequestContext,
        guid: String,
        r#type: String,
        body: ProcessUpdate,
    ) -> UpdateAppProcessResponse {
        match self
            .app_process(&guid, &r#type)
            .map(|p| self.update(&p.guid, &body))
        {
            Some(Ok(process)) => UpdateAppProcessResponse::Ok {
                body: typed(process),
            },
            _ => UpdateAppProcessResponse::NotFound {
                body: not_found("Process"),
            },
        }
    }

    async fn scale_app_process(
        &self,
        _: RequestContext,
        guid: String,
        r#type: String,
        body: ProcessScale,
    ) -> ScaleAppProcessResponse {
        match self
            .app_process(&guid, &r#type)
            .map(|p| self.scale(&p.guid, &body))
        {
            Some(Ok(process)) => ScaleAppProcessResponse::Accepted {
                body: typed(process),
            },
            Some(Err(error)) if error.errors[0].code == 10008 => {
                ScaleAppProcessResponse::UnprocessableEntity { body: error }
            }
            _ => ScaleAppProcessResponse::NotFound {
                body: not_found("Process"),
            },
        }
    }

    async fn get_app_process_stats(
        &self,
        _: RequestContext,
        guid: String,
        r#type: String,
    ) -> GetAppProcessStatsResponse {
        match self
            .app_process(&guid, &r#type)
            .map(|p| self.stats(&p.guid))
        {
            Some(Ok(stats)) => GetAppProcessStatsResponse::Ok { body: typed(stats) },
            _ => GetAppProcessStatsResponse::NotFound {
                body: not_found("Process"),
            },
        }
    }

    async fn terminate_app_process_instance(
        &self,
        _: RequestContext,
        guid: String,
        r#type: String,
        index: i32,
    ) -> TerminateAppProcessInstanceResponse {
        match self
            .app_process(&guid, &r#type)
            .map(|p| self.terminate(&p.guid, index))
        {
            Some(Ok(())) => TerminateAppProcessInstanceResponse::NoContent {},
            Some(Err(error)) => TerminateAppProcessInstanceResponse::NotFound { body: error },
            None => TerminateAppProcessInstanceResponse::NotFound {
                body: not_found("Process"),
            },
        }
    }
}

/// What an app list keeps (the default keeps everything).
#[derive(Default, PartialEq)]
struct AppFilter {
    guids: Option<Vec<String>>,
    names: Option<Vec<String>>,
    spaces: Option<Vec<String>>,
    orgs: Option<Vec<String>>,
    stacks: Option<Vec<String>>,
    lifecycle: Option<String>,
    labels: Option<Vec<Requirement>>,
    created: TimeFilter,
    updated: TimeFilter,
}

impl AppFilter {
    fn keep(&self, a: &App) -> bool {
        let within = |list: &Option<Vec<String>>, value: &str| {
            list.as_ref().is_none_or(|l| l.iter().any(|v| v == value))
        };
        within(&self.guids, &a.guid)
            && self
                .names
                .as_ref()
                .is_none_or(|n| n.iter().any(|n| n.eq_ignore_ascii_case(&a.name)))
            && within(&self.spaces, a.space.guid)
            && within(&self.orgs, a.space.org)
            && self.stacks.as_ref().is_none_or(|stacks| {
                // Only buildpack apps have a stack; "" selects those without one.
                a.buildpack_stack()
                    .is_some_and(|stack| stacks.iter().any(|s| s == stack.unwrap_or_default()))
            })
            && self
                .lifecycle
                .as_ref()
                .is_none_or(|l| a.lifecycle["type"] == l.as_str())
            && self
                .labels
                .as_ref()
                .is_none_or(|r| r.iter().all(|r| r.holds(&a.metadata.labels)))
            && self.created.holds(&a.created)
            && self.updated.holds(&a.updated)
    }
}

impl Apps for Controller {
    async fn list_apps(&self, _: RequestContext, query: ListAppsQuery) -> ListAppsResponse {
        let labels = match selector(&query.label_selector) {
            Ok(labels) => labels,
            Err(body) => return ListAppsResponse::BadRequest { body },
        };
        let (created, updated) = time_filters!(query);
        let filter = AppFilter {
            guids: query.guids.clone(),
            names: query.names.clone(),
            spaces: query.space_guids.clone(),
            orgs: query.organization_guids.clone(),
            stacks: query.stacks.clone(),
            lifecycle: query
                .lifecycle_type
                .as_ref()
                .map(|l| l.as_str().to_string()),
            labels,
            created,
            updated,
        };
        let request = PageRequest::new(query.page, query.per_page);
        let keep = (filter != AppFilter::default()).then_some(|a: &App| filter.keep(a));
        let order = app_order(query.order_by.as_ref().map(|o| o.as_str()));
        let page = list::select(self.read().apps.values(), keep, order, request);
        let resources: Vec<m::App> = page.items.iter().map(|a| self.app_model(a)).collect();
        let pagination = list::pagination(
            &self.base,
            "/v3/apps",
            &echo(query.pairs()),
            request,
            page.total,
        );
        let included = self
            .included(query.include.as_deref().unwrap_or_default(), &page.items)
            .map(typed);
        ListAppsResponse::Ok {
            body: m::AppList {
                pagination: typed(pagination),
                resources,
                included,
            },
        }
    }

    async fn create_app(&self, _: RequestContext, body: AppCreate) -> CreateAppResponse {
        let Some(space) = space(&body.relationships.space.data.guid) else {
            let detail = "Invalid space. Ensure that the space exists and you have access to it.";
            return CreateAppResponse::UnprocessableEntity {
                body: unprocessable(detail),
            };
        };
        let app = {
            let mut state = self.write();
            if state
                .apps
                .values()
                .any(|a| std::ptr::eq(a.space, space) && a.name == body.name)
            {
                let detail = format!("App with the name '{}' already exists.", body.name);
                return CreateAppResponse::UnprocessableEntity {
                    body: error(10016, "CF-UniquenessError", &detail),
                };
            }
            let lifecycle = body.lifecycle.as_ref().map(lifecycle_json);
            let guid = state.create_app(&body.name, space, lifecycle);
            state.change_app(&guid, |app| {
                app.env = body
                    .environment_variables
                    .clone()
                    .unwrap_or_default()
                    .into_iter()
                    .collect();
                merge(&mut app.metadata, &body.metadata);
            })
        };
        match app {
            Some(app) => CreateAppResponse::Created {
                body: typed(self.app_json(&app)),
            },
            None => CreateAppResponse::UnprocessableEntity {
                body: unprocessable("The app could not be created."),
            },
        }
    }

    async fn get_app(&self, _: RequestContext, guid: String, query: GetAppQuery) -> GetAppResponse {
        match self.get_app_record(&guid) {
            Ok(app) => {
                let mut body = self.app_json(&app);
                let apps = [app];
                if let Some(included) =
                    self.included(query.include.as_deref().unwrap_or_default(), &apps)
                {
                    body["included"] = included;
                }
                GetAppResponse::Ok { body: typed(body) }
            }
            Err(body) => GetAppResponse::NotFound { body },
        }
    }

    async fn delete_app(&self, _: RequestContext, guid: String) -> DeleteAppResponse {
        let job = {
            let mut state = self.write();
            if !state.delete_app(&guid) {
                return DeleteAppResponse::NotFound {
                    body: not_found("App"),
                };
            }
            state.create_job("app.delete", None)
        };
        DeleteAppResponse::Accepted {
            location: format!("{}/v3/jobs/{job}", self.base),
        }
    }

    async fn update_app(
        &self,
        _: RequestContext,
        guid: String,
        body: AppUpdate,
    ) -> UpdateAppResponse {
        let result = {
            let mut state = self.write();
            match state.app(&guid) {
                None => Err(not_found("App")),
                Some(app)
                    if body
                        .lifecycle
                        .as_ref()
                        .is_some_and(|l| app.lifecycle["type"] != json!(l.r#type.as_str())) =>
                {
                    Err(unprocessable("Lifecycle type cannot be changed"))
                }
                Some(_) => {
                    let now = state.tick();
                    state
                        .change_app(&guid, |app| {
                            if let Some(lifecycle) = &body.lifecycle {
                                app.lifecycle = lifecycle_json(lifecycle);
                            }
                            if let Some(name) = &body.name {
                                app.name = name.clone();
                            }
                            merge(&mut app.metadata, &body.metadata);
                            app.updated = now;
                        })
                        .ok_or_else(|| not_found("App"))
                }
            }
        };
        match result {
            Ok(app) => UpdateAppResponse::Ok {
                body: typed(self.app_json(&app)),
            },
            Err(e) if e.errors[0].code == 10008 => {
                UpdateAppResponse::UnprocessableEntity { body: e }
            }
            Err(e) => UpdateAppResponse::NotFound { body: e },
        }
    }

    async fn start_app(&self, _: RequestContext, guid: String) -> StartAppResponse {
        match self.start(&guid) {
            Ok(app) => StartAppResponse::Ok { body: typed(app) },
            Err(e) if e.errors[0].code == 10008 => {
                StartAppResponse::UnprocessableEntity { body: e }
            }
            Err(e) => StartAppResponse::NotFound { body: e },
        }
    }

    async fn stop_app(&self, _: RequestContext, guid: String) -> StopAppResponse {
        let app = {
            let mut state = self.write();
            let now = state.tick();
            state.change_app(&guid, |a| {
                if a.started {
                    a.started = false;
                    a.updated = now;
                }
            })
        };
        match app {
            Some(app) => StopAppResponse::Ok {
                body: typed(self.app_json(&app)),
            },
            None => StopAppResponse::NotFound {
                body: not_found("App"),
            },
        }
    }

    async fn restart_app(&self, _: RequestContext, guid: String) -> RestartAppResponse {
        match self.start(&guid) {
            Ok(app) => RestartAppResponse::Ok { body: typed(app) },
            Err(e) if e.errors[0].code == 10008 => {
                RestartAppResponse::UnprocessableEntity { body: e }
            }
            Err(e) => RestartAppResponse::NotFound { body: e },
        }
    }

    async fn clear_app_buildpack_cache(
        &self,
        _: RequestContext,
        guid: String,
    ) -> ClearAppBuildpackCacheResponse {
        let job = {
            let mut state = self.write();
            if state.app(&guid).is_none() {
                return ClearAppBuildpackCacheResponse::NotFound {
                    body: not_found("App"),
                };
            }
            state.create_job("app.clear_buildpack_cache", Some(&guid))
        };
        ClearAppBuildpackCacheResponse::Accepted {
            location: format!("{}/v3/jobs/{job}", self.base),
        }
    }

    async fn get_app_env(&self, _: RequestContext, guid: String) -> GetAppEnvResponse {
        let app = match self.get_app_record(&guid) {
            Ok(app) => app,
            Err(body) => return GetAppEnvResponse::NotFound { body },
        };
        let body = json!({
            "environment_variables": app.env, "staging_env_json": {}, "running_env_json": {},
            "system_env_json": {"VCAP_SERVICES": {}},
            "application_env_json": {"VCAP_APPLICATION": {"application_name": app.name, "application_id": app.guid, "space_id": app.space.guid, "space_name": app.space.name, "organization_id": app.space.org, "organization_name": app.space.org_name}},
        });
        GetAppEnvResponse::Ok { body: typed(body) }
    }

    async fn get_app_environment_variables(
        &self,
        _: RequestContext,
        guid: String,
    ) -> GetAppEnvironmentVariablesResponse {
        match self.get_app_record(&guid) {
            Ok(app) => GetAppEnvironmentVariablesResponse::Ok {
                body: typed(self.env_json(&app)),
            },
            Err(body) => GetAppEnvironmentVariablesResponse::NotFound { body },
        }
    }

    async fn update_app_environment_variables(
        &self,
        _: RequestContext,
        guid: String,
        body: AppEnvironmentVariablesUpdate,
    ) -> UpdateAppEnvironmentVariablesResponse {
        let app = {
            let mut state = self.write();
            let now = state.tick();
            state.change_app(&guid, |app| {
                for (name, value) in &body.var {
                    match value {
                        Some(value) => app.env.insert(name.clone(), json!(value)),
                        None => app.env.remove(name),
                    };
                }
                app.updated = now;
            })
        };
        match app {
            Some(app) => UpdateAppEnvironmentVariablesResponse::Ok {
                body: typed(self.env_json(&app)),
            },
            None => UpdateAppEnvironmentVariablesResponse::NotFound {
                body: not_found("App"),
            },
        }
    }

    async fn get_app_permissions(
        &self,
        _: RequestContext,
        guid: String,
    ) -> GetAppPermissionsResponse {
        match self.get_app_record(&guid) {
            Ok(_) => GetAppPermissionsResponse::Ok {
                body: typed(json!({"read_basic_data": true, "read_sensitive_data": true})),
            },
            Err(body) => GetAppPermissionsResponse::NotFound { body },
        }
    }

    async fn get_app_ssh_enabled(
        &self,
        _: RequestContext,
        guid: String,
    ) -> GetAppSshEnabledResponse {
        match self.get_app_record(&guid) {
            Ok(app) => {
                let enabled = app.features.get("ssh").copied().unwrap_or(false);
                let reason = if enabled {
                    ""
                } else {
                    "ssh is disabled for app"
                };
                GetAppSshEnabledResponse::Ok {
                    body: typed(json!({"enabled": enabled, "reason": reason})),
                }
            }
            Err(body) => GetAppSshEnabledResponse::NotFound { body },
        }
    }

    async fn list_app_features(&self, _: RequestContext, guid: String) -> ListAppFeaturesResponse {
        let app = match self.get_app_record(&guid) {
            Ok(app) => app,
            Err(body) => return ListAppFeaturesResponse::NotFound { body },
        };
        let resources: Vec<Value> = FEATURES
            .iter()
            .map(|(name, _)| Self::feature_json(&app, name))
            .collect();
        let first = json!({"href": format!("/v3/apps/{guid}/features")});
        let body = json!({
            "resources": resources,
            "pagination": {"total_results": FEATURES.len(), "total_pages": 1, "first": first, "last": first, "next": null, "previous": null},
        });
        ListAppFeaturesResponse::Ok { body: typed(body) }
    }

    async fn get_app_feature(
        &self,
        _: RequestContext,
        guid: String,
        name: String,
    ) -> GetAppFeatureResponse {
        match self.get_app_record(&guid) {
            Ok(app) if app.features.contains_key(&name) => GetAppFeatureResponse::Ok {
                body: typed(Self::feature_json(&app, &name)),
            },
            Ok(_) => GetAppFeatureResponse::NotFound {
                body: not_found("Feature"),
            },
            Err(body) => GetAppFeatureResponse::NotFound { body },
        }
    }

    async fn update_app_feature(
        &self,
        _: RequestContext,
        guid: String,
        name: String,
        body: AppFeatureUpdate,
    ) -> UpdateAppFeatureResponse {
        let app = {
            let mut state = self.write();
            match state.app(&guid) {
                Some(app) if app.features.contains_key(&name) => state.change_app(&guid, |app| {
                    app.features.insert(name.clone(), body.enabled);
                }),
                Some(_) => {
                    return UpdateAppFeatureResponse::NotFound {
                        body: not_found("Feature"),
                    }
                }
                None => None,
            }
        };
        match app {
            Some(app) => UpdateAppFeatureResponse::Ok {
                body: typed(Self::feature_json(&app, &name)),
            },
            None => UpdateAppFeatureResponse::NotFound {
                body: not_found("App"),
            },
        }
    }

    async fn get_app_current_droplet_relationship(
        &self,
        _: RequestContext,
        guid: String,
    ) -> GetAppCurrentDropletRelationshipResponse {
        match self.get_app_record(&guid).map(|a| a.droplet.clone()) {
            Ok(Some(droplet)) => GetAppCurrentDropletRelationshipResponse::Ok {
                body: typed(self.droplet_relationship(&guid, &droplet)),
            },
            Ok(None) => GetAppCurrentDropletRelationshipResponse::NotFound {
                body: not_found("Droplet"),
            },
            Err(body) => GetAppCurrentDropletRelationshipResponse::NotFound { body },
        }
    }

    async fn set_app_current_droplet(
        &self,
        _: RequestContext,
        guid: String,
        body: ToOneRelationshipRequest,
    ) -> SetAppCurrentDropletResponse {
        if !is_guid(&body.data.guid) {
            let detail = "Unable to assign current droplet. Ensure the droplet exists and belongs to this app.";
            return SetAppCurrentDropletResponse::UnprocessableEntity {
                body: unprocessable(detail),
            };
        }
        let changed = self
            .write()
            .change_app(&guid, |app| app.droplet = Some(body.data.guid.clone()));
        match changed {
            Some(_) => SetAppCurrentDropletResponse::Ok {
                body: typed(self.droplet_relationship(&guid, &body.data.guid)),
            },
            None => SetAppCurrentDropletResponse::NotFound {
                body: not_found("App"),
            },
        }
    }

    async fn get_app_current_droplet(
        &self,
        _: RequestContext,
        guid: String,
    ) -> GetAppCurrentDropletResponse {
        let app = match self.get_app_record(&guid) {
            Ok(app) => app,
            Err(body) => return GetAppCurrentDropletResponse::NotFound { body },
        };
        let Some(droplet) = &app.droplet else {
            return GetAppCurrentDropletResponse::NotFound {
                body: not_found("Droplet"),
            };
        };
        let body = json!({
            "guid": droplet, "state": "STAGED", "error": null, "lifecycle": {"type": app.lifecycle["type"], "data": {}},
            "execution_metadata": "", "process_types": {"web": "bundle exec rackup config.ru -p $PORT"},
            "checksum": {"type": "sha256", "value": "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
            "buildpacks": [], "stack": "cflinuxfs4", "image": null, "created_at": app.created, "updated_at": app.updated,
            "relationships": {"app": {"data": {"guid": app.guid}}},
            "links": {"self": self.link(&format!("/v3/droplets/{droplet}")), "app": self.link(&format!("/v3/apps/{guid}"))},
            "metadata": {"labels": {}, "annotations": {}},
        });
        GetAppCurrentDropletResponse::Ok { body: typed(body) }
    }
}

impl Controller {
    fn env_json(&self, app: &App) -> Value {
        let at = format!("/v3/apps/{}", app.guid);
        json!({"var": app.env, "links": {"self": self.link(&format!("{at}/environment_variables")), "app": self.link(&at)}})
    }

    fn feature_json(app: &App, name: &str) -> Value {
        let description = FEATURES
            .iter()
            .find(|(n, _)| *n == name)
            .map_or("", |(_, d)| d);
        json!({"name": name, "description": description, "enabled": app.features.get(name).copied().unwrap_or(false)})
    }

    fn droplet_relationship(&self, app: &str, droplet: &str) -> Value {
        let at = format!("/v3/apps/{app}");
        json!({"data": {"guid": droplet}, "links": {
            "self": self.link(&format!("{at}/relationships/current_droplet")),
            "related": self.link(&format!("{at}/droplets/current")),
        }})
    }

    /// Applies a v2 update (nulls were dropped by the types: `Tristate::Null` is ignored
    /// like an absent key) to the app and its web process; answers the app and its web
    /// process as they are now.
    fn v2_apply(
        state: &mut State,
        guid: &str,
        name: Option<&String>,
        update: &V2AppUpdate,
    ) -> Option<(Arc<App>, Option<Arc<Process>>)> {
        let now = state.tick();
        let app = state.change_app(guid, |app| {
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
        })?;
        let web = state.find_process(guid, "web").map(|p| p.guid.clone());
        let web = web.and_then(|web| {
            state.change_process(&web, |web| {
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
                // v2 keeps the deprecated `none`; any type but `http` drops the endpoint.
                if let Tristate::Value(kind) = &update.health_check_type {
                    web.health.set_kind(kind.as_str());
                }
                if let Tristate::Value(n) = update.health_check_timeout {
                    web.health.timeout = Some(n);
                }
                if let Tristate::Value(endpoint) = &update.health_check_http_endpoint {
                    web.health.endpoint = Some(endpoint.clone());
                }
                web.updated = now;
            })
        });
        Some((app, web))
    }
}

impl V2Apps for Controller {
    async fn v2_create_app(
        &self,
        _: RequestContext,
        _: V2CreateAppQuery,
        body: V2AppCreate,
    ) -> V2CreateAppResponse {
        let (Some(name), Some(space_guid)) = (body.name.clone(), body.space_guid.clone()) else {
            let error = json!({"code": 100001, "description": "The app is invalid: name and space_guid are required", "error_code": "CF-AppInvalid"});
            return V2CreateAppResponse::BadRequest { body: typed(error) };
        };
        let update: V2AppUpdate = typed(serde_json::to_value(&body).unwrap_or_default());
        let Some(space) = space(&space_guid) else {
            let error = json!({"code": 1002, "description": "The request is invalid: space_guid", "error_code": "CF-InvalidRelation"});
            return V2CreateAppResponse::BadRequest { body: typed(error) };
        };
        if let Err(error) = v2_valid(&update) {
            return V2CreateAppResponse::BadRequest { body: error };
        }
        let shown = {
            let mut state = self.write();
            let guid = state.create_app(&name, space, None);
            Self::v2_apply(&mut state, &guid, None, &update)
        };
        match shown {
            Some((app, web)) => V2CreateAppResponse::Created {
                body: typed(Self::v2_json(&app, web.as_deref())),
            },
            None => {
                let error = json!({"code": 100001, "description": "The app is invalid", "error_code": "CF-AppInvalid"});
                V2CreateAppResponse::BadRequest { body: typed(error) }
            }
        }
    }

    async fn v2_get_app(
        &self,
        _: RequestContext,
        guid: String,
        _: V2GetAppQuery,
    ) -> V2GetAppResponse {
        let shown = {
            let state = self.read();
            state
                .app(&guid)
                .cloned()
                .map(|app| (app, state.find_process(&guid, "web").cloned()))
        };
        match shown {
            Some((app, web)) => V2GetAppResponse::Ok {
                body: typed(Self::v2_json(&app, web.as_deref())),
            },
            None => V2GetAppResponse::NotFound {
                body: v2_not_found(&guid),
            },
        }
    }

    async fn v2_update_app(
        &self,
        _: RequestContext,
        guid: String,
        _: V2UpdateAppQuery,
        body: V2AppUpdate,
    ) -> V2UpdateAppResponse {
        if self.read().app(&guid).is_none() {
            return V2UpdateAppResponse::NotFound {
                body: v2_not_found(&guid),
            };
        }
        if let Err(error) = v2_valid(&body) {
            return V2UpdateAppResponse::BadRequest { body: error };
        }
        let name = body.name.value().cloned();
        let shown = Self::v2_apply(&mut self.write(), &guid, name.as_ref(), &body);
        match shown {
            Some((app, web)) => V2UpdateAppResponse::Created {
                body: typed(Self::v2_json(&app, web.as_deref())),
            },
            None => V2UpdateAppResponse::NotFound {
                body: v2_not_found(&guid),
            },
        }
    }
}

impl Root for Controller {
    async fn get_root(&self, _: RequestContext) -> GetRootResponse {
        let v = |path: &str, version: &str| json!({"href": format!("{}{path}", self.base), "meta": {"version": version}});
        // No UAA, login server, logging or SSH proxy runs beside the in-memory controller:
        // their links are null, as on a foundation without them.
        let body = json!({"links": {
            "self": {"href": self.base},
            "cloud_controller_v2": v("/v2", V2_API_VERSION),
            "cloud_controller_v3": v("/v3", API_VERSION),
            "login": null, "uaa": null, "credhub": null, "routing": null,
            "logging": null, "log_cache": null, "log_stream": null,
            "app_ssh": {"href": null, "meta": {"host_key_fingerprint": null, "oauth_client": null}},
        }});
        GetRootResponse::Ok { body: typed(body) }
    }

    async fn get_v3_root(&self, _: RequestContext) -> GetV3RootResponse {
        // The collections this controller serves (a Cloud Controller lists every one).
        let body = json!({"links": {
            "self": self.link("/v3"), "apps": self.link("/v3/apps"), "processes": self.link("/v3/processes"),
        }});
        GetV3RootResponse::Ok { body: typed(body) }
    }
}

impl Jobs for Controller {
    async fn get_job(&self, _: RequestContext, guid: String) -> GetJobResponse {
        let job = self.read().jobs.get(&guid).cloned();
        match job {
            Some(job) => GetJobResponse::Ok {
                body: typed(self.job_json(&job)),
            },
            None => GetJobResponse::NotFound {
                body: not_found("Job"),
            },
        }
    }
}
