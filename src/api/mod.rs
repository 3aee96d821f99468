//! The JSON API's common ground: each feature writes its operations (`events::api`,
//! `data_requests::api`) over its own queries and policy, and [`mount`] gathers them into one
//! `poem-openapi` service at `/api/v1`, with its OpenAPI document at `/api/openapi.json` and
//! a readable page of it at `/api`. Around every operation: RFC 9457 problems for every
//! error (`problem`), cursor pagination with `Link` headers (`paging`), unknown query
//! parameters refused, weak ETags with 304 (`layer`), and CORS for reads from any origin.

pub mod auth;
pub mod layer;
pub mod paging;
pub mod problem;

use std::sync::Arc;

use poem::http::{Method, header};
use poem::middleware::Cors;
use poem::web::Data;
use poem::{EndpointExt, IntoResponse, Response, handler};
use poem_openapi::{LicenseObject, OpenApi, OpenApiService};
use serde::Serialize;

use crate::config::Licence;
use crate::error::AppResult;
use crate::state::AppState;
use crate::web::PageCtx;
use crate::web::router::{Router, get};

/// Where the operations live.
pub const PREFIX: &str = "/api/v1";

/// The API answers to tokens in the `Authorization` header, never to the session cookie, so
/// a cross-site form cannot act through it: its writes need no CSRF token.
pub const CSRF_EXEMPT: &str = "/api/v1/";

/// The OpenAPI document, as served and as the API page reads it.
#[derive(Clone)]
pub struct Document {
    pub json: Arc<String>,
    pub value: Arc<serde_json::Value>,
}

/// The service for `apis`, described for this release, with the licence of the data.
pub fn service<T: OpenApi>(apis: T, licence: &Licence) -> OpenApiService<T, ()> {
    OpenApiService::new(apis, "Convene API", env!("CARGO_PKG_VERSION"))
        .license(LicenseObject::new(licence.name.clone()).url(licence.url.as_str()))
        .description(
            "The forum's own data, as JSON: public events and their dates; meetings with their \
             agendas, attendance counts, minutes and actions, and the actions tracker; the \
             files shared at meetings and events; the forum's categories and threads; and \
             dataset requests with their votes and history. Reads need no account. Answering events \
             and voting act for a member: they need a personal API token with the write \
             scope (made on the profile's API tokens page), sent as `Authorization: Bearer \
             <token>`; the same rules apply as on the site. Lists are paged \
             with a cursor (`next_cursor`, and a `Link` header with `rel=\"next\"`); every \
             read answers with an `ETag` and `304 Not Modified` to `If-None-Match`; every \
             error is an RFC 9457 problem document (`application/problem+json`) whose \
             `detail` names the parameter or the reason. Any origin may read (CORS). The \
             data is published under the licence named here.",
        )
        .server(PREFIX)
}

/// Mounts the API made of `apis`: the operations, the document and its page.
pub fn mount<T: OpenApi + 'static>(router: Router, apis: T, state: &AppState) -> Router {
    let service = service(apis, &state.config.data_licence);
    let mut value: serde_json::Value = serde_json::from_str(&service.spec()).unwrap_or_default();
    closed_bodies(&mut value);
    standard_formats(&mut value);
    let json = serde_json::to_string_pretty(&value).unwrap_or_default();
    let table = layer::table(&value, PREFIX);
    let operations = layer::operations(&value, PREFIX);
    let document = Document {
        json: Arc::new(json),
        value: Arc::new(value),
    };
    let cors = Cors::new()
        .allow_methods([Method::GET, Method::HEAD])
        .expose_headers([header::LINK, header::ETAG])
        .max_age(86_400);
    // The problem documents are written inside the CORS layer, so that errors reach a
    // script on another origin as problems with their headers (poem's Cors turns an error
    // into a plain response of its own otherwise).
    let endpoint = service
        .with(layer::ApiLayer::new(operations))
        .with(crate::web::errors::ErrorPages::new(state.clone()).json_under(PREFIX))
        .with(cors);
    router
        .nest_endpoint(PREFIX, endpoint, table)
        .at(
            "/api/openapi.json",
            get(openapi_json.data(document.clone())),
        )
        .at("/api", get(api_page.data(document)))
}

/// Every request body refuses fields it does not know (`#[oai(deny_unknown_fields)]` on each):
/// a misspelt field must not be ignored silently. poem-openapi does not say so in the
/// document, so this adds `additionalProperties: false` to each body's schema.
fn closed_bodies(doc: &mut serde_json::Value) {
    let mut names = Vec::new();
    for item in doc
        .get("paths")
        .and_then(|p| p.as_object())
        .into_iter()
        .flat_map(|p| p.values())
    {
        for op in item.as_object().into_iter().flat_map(|o| o.values()) {
            for media in op
                .pointer("/requestBody/content")
                .and_then(|c| c.as_object())
                .into_iter()
                .flat_map(|c| c.values())
            {
                if let Some(name) = media
                    .pointer("/schema/$ref")
                    .and_then(|r| r.as_str())
                    .and_then(|r| r.strip_prefix("#/components/schemas/"))
                {
                    names.push(name.to_string());
                }
            }
        }
    }
    for name in names {
        if let Some(schema) = doc
            .pointer_mut(&format!("/components/schemas/{name}"))
            .and_then(|s| s.as_object_mut())
        {
            schema.insert(
                "additionalProperties".into(),
                serde_json::Value::Bool(false),
            );
            // An optional field may be sent as null, which means the same as leaving it out
            // (as the server reads it): the document says so.
            let required: Vec<String> = schema
                .get("required")
                .and_then(|r| r.as_array())
                .into_iter()
                .flatten()
                .filter_map(|v| v.as_str().map(str::to_string))
                .collect();
            for (field, property) in schema
                .get_mut("properties")
                .and_then(|p| p.as_object_mut())
                .into_iter()
                .flatten()
            {
                if required.contains(field) {
                    continue;
                }
                if let Some(reference) = property.get("$ref").cloned() {
                    let mut wrapped = serde_json::Map::new();
                    wrapped.insert("allOf".into(), serde_json::json!([{ "$ref": reference }]));
                    wrapped.insert("nullable".into(), serde_json::Value::Bool(true));
                    if let Some(description) = property.get("description").cloned() {
                        wrapped.insert("description".into(), description);
                    }
                    *property = serde_json::Value::Object(wrapped);
                } else if let Some(p) = property.as_object_mut() {
                    p.insert("nullable".into(), serde_json::Value::Bool(true));
                }
            }
        }
    }
}

/// Formats as OpenAPI names them: a calendar date is `date` (poem-openapi says `naive-date`).
fn standard_formats(value: &mut serde_json::Value) {
    match value {
        serde_json::Value::Object(map) => {
            if map.get("format").and_then(|f| f.as_str()) == Some("naive-date") {
                map.insert("format".into(), "date".into());
            }
            map.values_mut().for_each(standard_formats);
        }
        serde_json::Value::Array(items) => items.iter_mut().for_each(standard_formats),
        _ => {}
    }
}

/// `GET /api/openapi.json`: the OpenAPI 3 document.
#[handler]
fn openapi_json(doc: Data<&Document>) -> Response {
    Response::builder()
        .content_type("application/json")
        .header(header::ACCESS_CONTROL_ALLOW_ORIGIN, "*")
        .header(header::CACHE_CONTROL, "no-cache")
        .body(doc.json.as_str().to_owned())
}

#[derive(Serialize)]
struct ParamView {
    name: String,
    place: String,
    kind: String,
    description: String,
    required: bool,
}

#[derive(Serialize)]
struct OperationView {
    id: String,
    method: String,
    path: String,
    summary: String,
    description: String,
    params: Vec<ParamView>,
    responses: Vec<(String, String)>,
}

#[derive(Serialize)]
struct ApiPage {
    description: String,
    version: String,
    licence: String,
    licence_url: String,
    operations: Vec<OperationView>,
    document: &'static str,
}

fn text(v: &serde_json::Value, key: &str) -> String {
    v.get(key)
        .and_then(|s| s.as_str())
        .unwrap_or_default()
        .to_string()
}

/// What a parameter takes, in a few words: `string (date-time)`, `integer, 1 to 100`.
fn kind_of(schema: &serde_json::Value) -> String {
    let mut kind = text(schema, "type");
    let format = text(schema, "format");
    if !format.is_empty() && format != "int32" && format != "int64" && format != "uint32" {
        kind = format!("{kind} ({format})");
    }
    if let (Some(min), Some(max)) = (number(schema, "minimum"), number(schema, "maximum")) {
        kind = format!("{kind}, {min} to {max}");
    } else if let Some(min) = number(schema, "minimum") {
        kind = format!("{kind}, at least {min}");
    }
    if let Some(default) = schema.get("default") {
        kind = format!("{kind}, default {default}");
    }
    kind
}

/// A bound as people write it: 100, not 100.0.
fn number(schema: &serde_json::Value, key: &str) -> Option<String> {
    let n = schema.get(key)?.as_f64()?;
    Some(if n.fract() == 0.0 {
        format!("{}", n as i64)
    } else {
        n.to_string()
    })
}

/// A description (CommonMark, as OpenAPI allows) as safe HTML.
fn described(v: &serde_json::Value, key: &str) -> String {
    crate::web::markdown::to_html(&text(v, key))
}

fn operations_of(doc: &serde_json::Value) -> Vec<OperationView> {
    let mut out = Vec::new();
    for (path, item) in doc
        .get("paths")
        .and_then(|p| p.as_object())
        .into_iter()
        .flatten()
    {
        for (method, op) in item.as_object().into_iter().flatten() {
            let params = op
                .get("parameters")
                .and_then(|p| p.as_array())
                .into_iter()
                .flatten()
                .map(|p| ParamView {
                    name: text(p, "name"),
                    place: text(p, "in"),
                    kind: p.get("schema").map(kind_of).unwrap_or_default(),
                    description: described(p, "description"),
                    required: p.get("required").and_then(|r| r.as_bool()).unwrap_or(false),
                })
                .collect();
            let responses = op
                .get("responses")
                .and_then(|r| r.as_object())
                .into_iter()
                .flatten()
                .map(|(status, r)| (status.clone(), text(r, "description")))
                .collect();
            out.push(OperationView {
                id: text(op, "operationId"),
                method: method.to_ascii_uppercase(),
                path: format!("{PREFIX}{path}"),
                summary: text(op, "summary"),
                description: described(op, "description"),
                params,
                responses,
            });
        }
    }
    out
}

/// `GET /api`: the document as a page, from our own template (no script, no other site).
#[handler]
async fn api_page(ctx: PageCtx, doc: Data<&Document>) -> AppResult<impl IntoResponse> {
    let info = doc.value.get("info").cloned().unwrap_or_default();
    let view = ApiPage {
        description: described(&info, "description"),
        version: text(&info, "version"),
        licence: info
            .pointer("/license/name")
            .and_then(|v| v.as_str())
            .unwrap_or_default()
            .to_string(),
        licence_url: info
            .pointer("/license/url")
            .and_then(|v| v.as_str())
            .unwrap_or_default()
            .to_string(),
        operations: operations_of(&doc.value),
        document: "/api/openapi.json",
    };
    ctx.render(
        "api/index",
        "API",
        Some("The forum's data as JSON: every operation, its parameters and answers."),
        &view,
    )
}
