//! Lowering operations: parameters, request bodies and responses.

use serde_json::Value;

use super::*;

impl<'a> Lowerer<'a> {
    pub(super) fn operations(&mut self) -> Vec<Operation> {
        let mut operations = Vec::new();
        let mut names = Scope::default();
        let raw = self.raw;
        let paths: Vec<(String, &'a Value)> = self
            .spec
            .keys_in_order("/paths")
            .into_iter()
            .filter_map(|path| {
                raw.pointer(&pointer::push("/paths", &path))
                    .map(|item| (path, item))
            })
            .collect();
        for (path, item) in paths {
            let item_at = pointer::push("/paths", &path);
            for method in METHODS {
                let Some(operation) = item.get(method) else {
                    continue;
                };
                let at = pointer::push(&item_at, method);
                let id = operation
                    .get("operationId")
                    .and_then(Value::as_str)
                    .map(str::to_string);
                let fallback = format!("{method}_{path}");
                let name = names.claim(&naming::field_name(
                    id.as_deref().unwrap_or(&fallback),
                    "operation",
                ));
                let context = naming::type_name(naming::bare(&name), "Operation");
                let parameters = self.parameters(item, &item_at, operation, &at, &context);
                let request_body = self.request_body(&at, &context);
                let request_body_required =
                    pointer::resolve(self.raw, &pointer::push(&at, "requestBody"))
                        .is_some_and(|(_, body)| body.get("required") == Some(&Value::Bool(true)));
                let responses = self.responses(operation, &at, &context);
                operations.push(Operation {
                    name,
                    id,
                    method: method.to_ascii_uppercase(),
                    path: path.clone(),
                    doc: operation
                        .get("summary")
                        .or_else(|| operation.get("description"))
                        .and_then(Value::as_str)
                        .map(|s| super::super::doc_text::rustdoc(s.trim())),
                    tag: operation
                        .pointer("/tags/0")
                        .and_then(Value::as_str)
                        .map(str::to_string),
                    parameters,
                    request_body,
                    request_body_required,
                    responses,
                    secured: operation
                        .get("security")
                        .or_else(|| self.raw.get("security"))
                        .and_then(Value::as_array)
                        .is_some_and(|s| !s.is_empty()),
                });
            }
        }
        operations
    }

    pub(super) fn parameters(
        &mut self,
        item: &'a Value,
        item_at: &str,
        operation: &'a Value,
        at: &str,
        context: &str,
    ) -> Vec<Parameter> {
        let raw = self.raw;
        let mut found: Vec<(&'a Value, String)> = Vec::new();
        for (node, node_at) in [(item, item_at), (operation, at)] {
            for (i, parameter) in node
                .get("parameters")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .enumerate()
            {
                let parameter_at = format!("{node_at}/parameters/{i}");
                let (parameter_at, parameter) = match pointer::resolve(raw, &parameter_at) {
                    Some((p, v)) if parameter.get("$ref").is_some() => (p, v),
                    _ => (parameter_at, parameter),
                };
                let key = |p: &Value| (p.get("name").cloned(), p.get("in").cloned());
                found.retain(|(existing, _)| key(existing) != key(parameter));
                found.push((parameter, parameter_at));
            }
        }
        let mut scope = Scope::with_reserved(&["body", "query", "path", "request"]);
        let mut parameters = Vec::new();
        for (parameter, parameter_at) in found {
            let wire = parameter
                .get("name")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string();
            let location = match parameter.get("in").and_then(Value::as_str) {
                Some("path") => ParameterLocation::Path,
                Some("header") => ParameterLocation::Header,
                Some("cookie") => ParameterLocation::Cookie,
                _ => ParameterLocation::Query,
            };
            let ty = match parameter.get("schema") {
                Some(schema) => {
                    // A shared parameter's inline types are named after the component.
                    let owner = match parameter_at.strip_prefix("/components/parameters/") {
                        Some(component) => {
                            naming::type_name(&pointer::unescape(component), "Param")
                        }
                        None => format!("{context}{}", naming::type_name(&wire, "Param")),
                    };
                    self.type_of(schema, &pointer::push(&parameter_at, "schema"), &owner)
                }
                None => TypeRef::String,
            };
            let style_form = parameter
                .get("style")
                .and_then(Value::as_str)
                .is_none_or(|s| s == "form");
            let constraints = parameter
                .get("schema")
                .map(|schema| self.constraints_of(schema, 0))
                .unwrap_or_default();
            parameters.push(Parameter {
                constraints,
                name: scope.claim(&naming::field_name(&wire, "param")),
                required: parameter.get("required") == Some(&Value::Bool(true))
                    || location == ParameterLocation::Path,
                comma_delimited: style_form
                    && parameter.get("explode") == Some(&Value::Bool(false)),
                doc: doc_of(parameter),
                wire_name: wire,
                location,
                ty,
            });
        }
        parameters
    }

    pub(super) fn request_body(&mut self, at: &str, context: &str) -> Option<TypeRef> {
        let (body_at, _) = pointer::resolve(self.raw, &pointer::push(at, "requestBody"))?;
        let schema_at = crate::spec::json_body_schema(self.raw, &body_at)?;
        let raw = self.raw;
        let schema = raw.pointer(&schema_at)?;
        Some(self.type_of(schema, &schema_at, &format!("{context}Request")))
    }

    pub(super) fn responses(
        &mut self,
        operation: &Value,
        at: &str,
        context: &str,
    ) -> Vec<Response> {
        let mut responses = Vec::new();
        let statuses: Vec<String> = operation
            .get("responses")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
            // Extensions, and keys that are no status (which the spec check reports), have
            // no variant.
            .filter(|(k, _)| crate::versions::is_status(k))
            .map(|(k, _)| k.clone())
            .collect();
        for status in statuses {
            let response_at = pointer::push(&pointer::push(at, "responses"), &status);
            let Some((resolved_at, response)) = pointer::resolve(self.raw, &response_at) else {
                continue;
            };
            // A description beside a `$ref` overrides the referenced one (OpenAPI 3.1).
            let doc = self
                .raw
                .pointer(&response_at)
                .and_then(doc_of)
                .or_else(|| doc_of(response));
            let body = match crate::spec::json_body_schema(self.raw, &resolved_at) {
                Some(schema_at) => {
                    let schema = self.raw.pointer(&schema_at).unwrap_or(&Value::Null);
                    let suffix = if status == "200" {
                        String::new()
                    } else {
                        naming::type_name(&status, "Status")
                    };
                    Some(self.type_of(schema, &schema_at, &format!("{context}Response{suffix}")))
                }
                None => None,
            };
            let location = response
                .get("headers")
                .and_then(Value::as_object)
                .is_some_and(|h| h.keys().any(|k| k.eq_ignore_ascii_case("location")));
            responses.push(Response {
                status,
                body,
                doc,
                location,
            });
        }
        responses
    }
}
