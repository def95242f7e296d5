//! The generated server traits, implemented on the in-memory state.

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

impl Controller {
    /// Starts an app: it needs a current droplet. (Restart is a stop and a start.)
    fn start(&self, guid: &str) -> Result<Value, ErrorEnvelope> {
        self.with_app(guid, |state, guid| {
            let app = state.apps.get_mut(guid).ok_or_else(|| not_found("App"))?;
            if app.droplet.is_none() {
                return Err(unprocessable("Assign a droplet before starting this app."));
            }
            app.started = true;
            Ok(self.app_json(app))
        })
    }
}

fn embeds(embed: &Option<Vec<m::ProcessEmbedItem>>) -> bool {
    embed
        .as_ref()
        .is_some_and(|e| e.contains(&m::ProcessEmbedItem::ProcessInstances))
}

impl Processes for Controller {
    async fn list_processes(
        &self,
        _: RequestContext,
        query: ListProcessesQuery,
    ) -> ListProcessesResponse {
        let state = self.lock();
        let app_guids = query.app_guids.clone();
        let mut body = self.list(
            &state,
            "/v3/processes",
            None,
            &query.guids,
            &query.types,
            query.page,
            query.per_page,
            embeds(&query.embed),
        );
        if let (Some(apps), Some(resources)) = (
            app_guids,
            body.get_mut("resources").and_then(Value::as_array_mut),
        ) {
            resources.retain(|p| {
                apps.iter()
                    .any(|a| p.pointer("/relationships/app/data/guid") == Some(&json!(a)))
            });
        }
        ListProcessesResponse::Ok { body: typed(body) }
    }

    async fn get_process(
        &self,
        _: RequestContext,
        guid: String,
        query: GetProcessQuery,
    ) -> GetProcessResponse {
        let state = self.lock();
        match state.processes.get(&guid) {
            Some(p) => GetProcessResponse::Ok {
                body: typed(self.process_json(&state, p, false, embeds(&query.embed))),
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
        let state = self.lock();
        match state.processes.get(&guid) {
            Some(p) => {
                let at = format!("/v3/processes/{guid}");
                let body = json!({"resources": Self::instances_json(p), "links": {"self": self.link(&format!("{at}/process_instances")), "process": self.link(&at)}});
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
        let state = self.lock();
        if !state.apps.contains_key(&guid) {
            return ListAppProcessesResponse::NotFound {
                body: not_found("App"),
            };
        }
        let path = format!("/v3/apps/{guid}/processes");
        let body = self.list(
            &state,
            &path,
            Some(&guid),
            &query.guids,
            &query.types,
            query.page,
            query.per_page,
            embeds(&query.embed),
        );
        ListAppProcessesResponse::Ok { body: typed(body) }
    }

    async fn get_app_process(
        &self,
        _: RequestContext,
        guid: String,
        r#type: String,
        query: GetAppProcessQuery,
    ) -> GetAppProcessResponse {
        let state = self.lock();
        match Self::find_process(&state, &guid, &r#type).and_then(|g| state.processes.get(&g)) {
            Some(p) => GetAppProcessResponse::Ok {
                body: typed(self.process_json(&state, p, false, embeds(&query.embed))),
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
        let process = Self::find_process(&self.lock(), &guid, &r#type);
        match process.map(|p| self.update(&p, &body)) {
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
        let process = Self::find_process(&self.lock(), &guid, &r#type);
        match process.map(|p| self.scale(&p, &body)) {
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
        let process = Self::find_process(&self.lock(), &guid, &r#type);
        match process.map(|p| self.stats(&p)) {
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
        let process = Self::find_process(&self.lock(), &guid, &r#type);
        match process.map(|p| self.terminate(&p, index)) {
            Some(Ok(())) => TerminateAppProcessInstanceResponse::NoContent {},
            Some(Err(error)) => TerminateAppProcessInstanceResponse::NotFound { body: error },
            None => TerminateAppProcessInstanceResponse::NotFound {
                body: not_found("Process"),
            },
        }
    }
}

impl Apps for Controller {
    async fn list_apps(&self, _: RequestContext, query: ListAppsQuery) -> ListAppsResponse {
        let state = self.lock();
        let mut apps: Vec<&App> = state
            .apps
            .values()
            .filter(|a| query.guids.as_ref().is_none_or(|g| g.contains(&a.guid)))
            .filter(|a| {
                query
                    .names
                    .as_ref()
                    .is_none_or(|n| n.iter().any(|n| n.eq_ignore_ascii_case(&a.name)))
            })
            .filter(|a| {
                query
                    .space_guids
                    .as_ref()
                    .is_none_or(|s| s.contains(&a.space))
            })
            .collect();
        let order = query.order_by.as_ref().map_or("created_at", |o| o.as_str());
        let field = order.trim_start_matches(['-', '+']);
        apps.sort_by(|a, b| match field {
            "name" => a.name.cmp(&b.name),
            "state" => a.started.cmp(&b.started),
            "updated_at" => a.updated.cmp(&b.updated),
            _ => a.created.cmp(&b.created),
        });
        if order.starts_with('-') {
            apps.reverse();
        }
        let items = apps.into_iter().map(|a| self.app_json(a)).collect();
        ListAppsResponse::Ok {
            body: typed(self.page("/v3/apps", items, query.page, query.per_page)),
        }
    }

    async fn create_app(&self, _: RequestContext, body: AppCreate) -> CreateAppResponse {
        let mut state = self.lock();
        let space = body.relationships.space.data.guid.clone();
        if space != SPACE {
            let detail = "Invalid space. Ensure that the space exists and you have access to it.";
            return CreateAppResponse::UnprocessableEntity {
                body: unprocessable(detail),
            };
        }
        if state
            .apps
            .values()
            .any(|a| a.space == space && a.name == body.name)
        {
            let detail = format!("App with the name '{}' already exists.", body.name);
            return CreateAppResponse::UnprocessableEntity {
                body: error(10016, "CF-UniquenessError", &detail),
            };
        }
        let lifecycle = body.lifecycle.as_ref().map(lifecycle_json);
        let guid = state.create_app(&body.name, &space, lifecycle);
        if let Some(app) = state.apps.get_mut(&guid) {
            app.env = body
                .environment_variables
                .clone()
                .unwrap_or_default()
                .into_iter()
                .collect();
            merge(&mut app.metadata, &body.metadata);
        }
        CreateAppResponse::Created {
            body: typed(self.app_json(&state.apps[&guid])),
        }
    }

    async fn get_app(&self, _: RequestContext, guid: String, _: GetAppQuery) -> GetAppResponse {
        match self.lock().apps.get(&guid) {
            Some(app) => GetAppResponse::Ok {
                body: typed(self.app_json(app)),
            },
            None => GetAppResponse::NotFound {
                body: not_found("App"),
            },
        }
    }

    async fn delete_app(&self, _: RequestContext, guid: String) -> DeleteAppResponse {
        let mut state = self.lock();
        if state.apps.remove(&guid).is_none() {
            return DeleteAppResponse::NotFound {
                body: not_found("App"),
            };
        }
        state.processes.retain(|_, p| p.app != guid);
        let job = state.job("app.delete");
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
        let result = self.with_app(&guid, |state, guid| {
            let now = state.tick();
            let app = state.apps.get_mut(guid).ok_or_else(|| not_found("App"))?;
            if let Some(lifecycle) = &body.lifecycle {
                if app.lifecycle["type"] != json!(lifecycle.r#type.as_str()) {
                    return Err(unprocessable("Lifecycle type cannot be changed"));
                }
                app.lifecycle = lifecycle_json(lifecycle);
            }
            if let Some(name) = &body.name {
                app.name = name.clone();
            }
            merge(&mut app.metadata, &body.metadata);
            app.updated = now;
            Ok(self.app_json(app))
        });
        match result {
            Ok(app) => UpdateAppResponse::Ok { body: typed(app) },
            Err(e) if e.errors[0].code == 10008 => {
                UpdateAppResponse::UnprocessableEntity { body: e }
            }
            Err(e) => UpdateAppResponse::NotFound { body: e },
        }
    }

    async fn start_app(&self, _: RequestContext, guid: String) -> StartAppResponse {
        let result = self.start(&guid);
        match result {
            Ok(app) => StartAppResponse::Ok { body: typed(app) },
            Err(e) if e.errors[0].code == 10008 => {
                StartAppResponse::UnprocessableEntity { body: e }
            }
            Err(e) => StartAppResponse::NotFound { body: e },
        }
    }

    async fn stop_app(&self, _: RequestContext, guid: String) -> StopAppResponse {
        let result = self.with_app(&guid, |state, guid| {
            let app = state.apps.get_mut(guid).ok_or_else(|| not_found("App"))?;
            app.started = false;
            Ok(self.app_json(app))
        });
        match result {
            Ok(app) => StopAppResponse::Ok { body: typed(app) },
            Err(e) => StopAppResponse::NotFound { body: e },
        }
    }

    async fn restart_app(&self, _: RequestContext, guid: String) -> RestartAppResponse {
        let result = self.start(&guid);
        match result {
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
        match self.with_app(&guid, |state, _| Ok(state.job("app.clear_buildpack_cache"))) {
            Ok(job) => ClearAppBuildpackCacheResponse::Accepted {
                location: format!("{}/v3/jobs/{job}", self.base),
            },
            Err(e) => ClearAppBuildpackCacheResponse::NotFound { body: e },
        }
    }

    async fn get_app_env(&self, _: RequestContext, guid: String) -> GetAppEnvResponse {
        let state = self.lock();
        let Some(app) = state.apps.get(&guid) else {
            return GetAppEnvResponse::NotFound {
                body: not_found("App"),
            };
        };
        let body = json!({
            "environment_variables": app.env, "staging_env_json": {}, "running_env_json": {},
            "system_env_json": {"VCAP_SERVICES": {}},
            "application_env_json": {"VCAP_APPLICATION": {"application_name": app.name, "application_id": app.guid, "space_id": app.space}},
        });
        GetAppEnvResponse::Ok { body: typed(body) }
    }

    async fn get_app_environment_variables(
        &self,
        _: RequestContext,
        guid: String,
    ) -> GetAppEnvironmentVariablesResponse {
        let state = self.lock();
        match state.apps.get(&guid) {
            Some(app) => GetAppEnvironmentVariablesResponse::Ok {
                body: typed(self.env_json(app)),
            },
            None => GetAppEnvironmentVariablesResponse::NotFound {
                body: not_found("App"),
            },
        }
    }

    async fn update_app_environment_variables(
        &self,
        _: RequestContext,
        guid: String,
        body: AppEnvironmentVariablesUpdate,
    ) -> UpdateAppEnvironmentVariablesResponse {
        let mut state = self.lock();
        let Some(app) = state.apps.get_mut(&guid) else {
            return UpdateAppEnvironmentVariablesResponse::NotFound {
                body: not_found("App"),
            };
        };
        for (name, value) in &body.var {
            match value {
                Some(value) => app.env.insert(name.clone(), json!(value)),
                None => app.env.remove(name),
            };
        }
        let app = app.clone();
        UpdateAppEnvironmentVariablesResponse::Ok {
            body: typed(self.env_json(&app)),
        }
    }

    async fn get_app_permissions(
        &self,
        _: RequestContext,
        guid: String,
    ) -> GetAppPermissionsResponse {
        match self.lock().apps.contains_key(&guid) {
            true => GetAppPermissionsResponse::Ok {
                body: typed(json!({"read_basic_data": true, "read_sensitive_data": true})),
            },
            false => GetAppPermissionsResponse::NotFound {
                body: not_found("App"),
            },
        }
    }

    async fn get_app_ssh_enabled(
        &self,
        _: RequestContext,
        guid: String,
    ) -> GetAppSshEnabledResponse {
        match self.lock().apps.get(&guid) {
            Some(app) => {
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
            None => GetAppSshEnabledResponse::NotFound {
                body: not_found("App"),
            },
        }
    }

    async fn list_app_features(&self, _: RequestContext, guid: String) -> ListAppFeaturesResponse {
        let state = self.lock();
        let Some(app) = state.apps.get(&guid) else {
            return ListAppFeaturesResponse::NotFound {
                body: not_found("App"),
            };
        };
        let items = FEATURES
            .iter()
            .map(|(name, _)| Self::feature_json(app, name))
            .collect();
        let mut body = self.page(&format!("/v3/apps/{guid}/features"), items, None, Some(50));
        body["pagination"]["first"] = json!({"href": format!("/v3/apps/{guid}/features")});
        body["pagination"]["last"] = body["pagination"]["first"].clone();
        ListAppFeaturesResponse::Ok { body: typed(body) }
    }

    async fn get_app_feature(
        &self,
        _: RequestContext,
        guid: String,
        name: String,
    ) -> GetAppFeatureResponse {
        let state = self.lock();
        match state.apps.get(&guid) {
            Some(app) if app.features.contains_key(&name) => GetAppFeatureResponse::Ok {
                body: typed(Self::feature_json(app, &name)),
            },
            Some(_) => GetAppFeatureResponse::NotFound {
                body: not_found("Feature"),
            },
            None => GetAppFeatureResponse::NotFound {
                body: not_found("App"),
            },
        }
    }

    async fn update_app_feature(
        &self,
        _: RequestContext,
        guid: String,
        name: String,
        body: AppFeatureUpdate,
    ) -> UpdateAppFeatureResponse {
        let mut state = self.lock();
        match state.apps.get_mut(&guid) {
            Some(app) if app.features.contains_key(&name) => {
                app.features.insert(name.clone(), body.enabled);
                UpdateAppFeatureResponse::Ok {
                    body: typed(Self::feature_json(app, &name)),
                }
            }
            Some(_) => UpdateAppFeatureResponse::NotFound {
                body: not_found("Feature"),
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
        let state = self.lock();
        match state.apps.get(&guid).map(|a| a.droplet.clone()) {
            Some(Some(droplet)) => GetAppCurrentDropletRelationshipResponse::Ok {
                body: typed(self.droplet_relationship(&guid, &droplet)),
            },
            Some(None) => GetAppCurrentDropletRelationshipResponse::NotFound {
                body: not_found("Droplet"),
            },
            None => GetAppCurrentDropletRelationshipResponse::NotFound {
                body: not_found("App"),
            },
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
        let mut state = self.lock();
        let Some(app) = state.apps.get_mut(&guid) else {
            return SetAppCurrentDropletResponse::NotFound {
                body: not_found("App"),
            };
        };
        app.droplet = Some(body.data.guid.clone());
        SetAppCurrentDropletResponse::Ok {
            body: typed(self.droplet_relationship(&guid, &body.data.guid)),
        }
    }

    async fn get_app_current_droplet(
        &self,
        _: RequestContext,
        guid: String,
    ) -> GetAppCurrentDropletResponse {
        let state = self.lock();
        let Some(app) = state.apps.get(&guid) else {
            return GetAppCurrentDropletResponse::NotFound {
                body: not_found("App"),
            };
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
}

impl V2Apps for Controller {
    async fn v2_create_app(
        &self,
        _: RequestContext,
        _: V2CreateAppQuery,
        body: V2AppCreate,
    ) -> V2CreateAppResponse {
        let mut state = self.lock();
        let (Some(name), Some(space)) = (body.name.clone(), body.space_guid.clone()) else {
            let error = json!({"code": 100001, "description": "The app is invalid: name and space_guid are required", "error_code": "CF-AppInvalid"});
            return V2CreateAppResponse::BadRequest { body: typed(error) };
        };
        let update: V2AppUpdate = typed(serde_json::to_value(&body).unwrap_or_default());
        if space != SPACE {
            let error = json!({"code": 1002, "description": "The request is invalid: space_guid", "error_code": "CF-InvalidRelation"});
            return V2CreateAppResponse::BadRequest { body: typed(error) };
        }
        if let Err(error) = v2_valid(&update) {
            return V2CreateAppResponse::BadRequest { body: error };
        }
        let guid = state.create_app(&name, &space, None);
        Self::v2_apply(&mut state, &guid, None, &update);
        let body = self.v2_json(&state, &state.apps[&guid]);
        V2CreateAppResponse::Created { body: typed(body) }
    }

    async fn v2_get_app(
        &self,
        _: RequestContext,
        guid: String,
        _: V2GetAppQuery,
    ) -> V2GetAppResponse {
        let state = self.lock();
        match state.apps.get(&guid) {
            Some(app) => V2GetAppResponse::Ok {
                body: typed(self.v2_json(&state, app)),
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
        let mut state = self.lock();
        if !state.apps.contains_key(&guid) {
            return V2UpdateAppResponse::NotFound {
                body: v2_not_found(&guid),
            };
        }
        if let Err(error) = v2_valid(&body) {
            return V2UpdateAppResponse::BadRequest { body: error };
        }
        let name = body.name.value().cloned();
        Self::v2_apply(&mut state, &guid, name.as_ref(), &body);
        let body = self.v2_json(&state, &state.apps[&guid]);
        V2UpdateAppResponse::Created { body: typed(body) }
    }
}

impl Root for Controller {
    async fn get_root(&self, _: RequestContext) -> GetRootResponse {
        let link = |path: &str| json!({"href": format!("{}{path}", self.base)});
        GetRootResponse::Ok {
            body: typed(json!({"links": {
                "self": link(""),
                "cloud_controller_v2": {"href": format!("{}/v2", self.base), "meta": {"version": V2_API_VERSION}},
                "cloud_controller_v3": {"href": format!("{}/v3", self.base), "meta": {"version": API_VERSION}},
                "network_policy_v0": link("/networking/v0/external"),
                "network_policy_v1": link("/networking/v1/external"),
                "login": link("/login"),
                "uaa": link("/uaa"),
                "credhub": null,
                "routing": null,
                "logging": null,
                "log_cache": null,
                "log_stream": null,
                "app_ssh": {"href": null, "meta": {"host_key_fingerprint": null, "oauth_client": null}},
            }})),
        }
    }

    async fn get_v3_root(&self, _: RequestContext) -> GetV3RootResponse {
        let mut links = serde_json::Map::new();
        links.insert("self".into(), self.link("/v3"));
        for collection in ["apps", "processes"] {
            links.insert(collection.into(), self.link(&format!("/v3/{collection}")));
        }
        GetV3RootResponse::Ok {
            body: typed(json!({ "links": links })),
        }
    }
}

impl Jobs for Controller {
    async fn get_job(&self, _: RequestContext, guid: String) -> GetJobResponse {
        let Some(job) = self.lock().jobs.get(&guid).cloned() else {
            return GetJobResponse::NotFound {
                body: not_found("Job"),
            };
        };
        GetJobResponse::Ok {
            body: typed(json!({
                "guid": guid,
                "created_at": job.at,
                "updated_at": job.at,
                "operation": job.operation,
                "state": "COMPLETE",
                "errors": [],
                "warnings": [],
                "links": {"self": self.link(&format!("/v3/jobs/{guid}"))},
            })),
        }
    }
}
