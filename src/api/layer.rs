//! What every API operation gets around it: a query parameter the operation does not take is
//! a 400 naming it (a misspelt filter must not silently return everything), and a successful
//! read answers with a weak `ETag` of its body and `304 Not Modified` to a caller that holds
//! it. The ETag is weak because the same JSON may travel compressed or not; `If-None-Match`
//! compares weakly. Reads without a token are the same for everyone: they are kept for a
//! second in the instance's read cache (cleared by any change), as public pages are.

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use poem::http::{HeaderValue, Method, StatusCode, header};
use poem::{Endpoint, IntoResponse, Middleware, Request, Response};
use sha2::{Digest, Sha256};

use crate::api::problem::ApiError;
use crate::error::AppError;
use crate::state::AppState;
use crate::web::errors::ErrorHeaders;

/// One operation's path template split at `/` (`{name}` segments match anything), its
/// method and the query parameters it takes.
#[derive(Debug, Clone)]
pub struct Operation {
    pub method: Method,
    pub segments: Vec<String>,
    pub query: BTreeSet<String>,
    /// What each parameter (path or query) takes, in words: the end of a 400's detail.
    pub takes: HashMap<String, String>,
    /// The JSON type each field of its request body takes ("string", "boolean", ...).
    pub body_fields: HashMap<String, String>,
}

impl Operation {
    fn matches(&self, method: &Method, path: &str) -> bool {
        let method = if method == Method::HEAD {
            &Method::GET
        } else {
            method
        };
        if *method != self.method {
            return false;
        }
        let parts: Vec<&str> = path.trim_end_matches('/').split('/').collect();
        parts.len() == self.segments.len()
            && parts
                .iter()
                .zip(&self.segments)
                .all(|(part, seg)| seg.starts_with('{') || part == seg)
    }
}

/// Reads the operations out of the OpenAPI document: `prefix` (where the API is mounted) is
/// put before each path.
pub fn operations(spec: &serde_json::Value, prefix: &str) -> Vec<Operation> {
    let mut out = Vec::new();
    let Some(paths) = spec.get("paths").and_then(|p| p.as_object()) else {
        return out;
    };
    for (path, item) in paths {
        let Some(item) = item.as_object() else {
            continue;
        };
        for (method, op) in item {
            let Ok(method) = method.to_ascii_uppercase().parse::<Method>() else {
                continue;
            };
            let params = op
                .get("parameters")
                .and_then(|p| p.as_array())
                .into_iter()
                .flatten();
            let query = params
                .clone()
                .filter(|p| p.get("in").and_then(|i| i.as_str()) == Some("query"))
                .filter_map(|p| p.get("name").and_then(|n| n.as_str()).map(String::from))
                .collect();
            let takes = params
                .filter_map(|p| {
                    let name = p.get("name")?.as_str()?.to_string();
                    let schema = resolve(spec, p.get("schema")?);
                    Some((name, takes(schema)))
                })
                .collect();
            let body_fields = op
                .pointer("/requestBody/content")
                .and_then(|c| c.as_object())
                .and_then(|c| {
                    c.iter()
                        .find(|(media, _)| media.starts_with("application/json"))
                        .map(|(_, m)| m)
                })
                .and_then(|m| m.get("schema"))
                .map(|schema| resolve(spec, schema))
                .and_then(|schema| schema.get("properties")?.as_object())
                .into_iter()
                .flatten()
                .filter_map(|(name, property)| {
                    let property = resolve(spec, property);
                    let kind = property.get("type")?.as_str()?;
                    // A list says what its items are: "array string".
                    let items = property
                        .pointer("/items/type")
                        .and_then(|t| t.as_str())
                        .map(|t| format!(" {t}"))
                        .unwrap_or_default();
                    Some((name.clone(), format!("{kind}{items}")))
                })
                .collect();
            let full = format!("{prefix}{path}");
            out.push(Operation {
                body_fields,
                method,
                segments: full
                    .trim_end_matches('/')
                    .split('/')
                    .map(String::from)
                    .collect(),
                query,
                takes,
            });
        }
    }
    out
}

/// A `$ref` to a component schema, read; any other schema as it is.
fn resolve<'a>(
    spec: &'a serde_json::Value,
    schema: &'a serde_json::Value,
) -> &'a serde_json::Value {
    // poem-openapi writes an enum with a default as `allOf: [{$ref}, {default}]`.
    let first = schema.pointer("/allOf/0").unwrap_or(schema);
    first
        .get("$ref")
        .and_then(|r| r.as_str())
        .and_then(|r| r.strip_prefix("#/components/schemas/"))
        .and_then(|name| spec.pointer(&format!("/components/schemas/{name}")))
        .unwrap_or(schema)
}

/// The pattern of text parameters: anything but control characters.
pub const TEXT: &str = r"^[^\x00-\x1F\x7F]*$";

/// What a schema accepts, in words.
fn takes(schema: &serde_json::Value) -> String {
    // Written as 100 or as 100.0.
    let number = |key: &str| {
        schema
            .get(key)
            .and_then(serde_json::Value::as_f64)
            .map(|n| n as i64)
    };
    if let Some(values) = schema.get("enum").and_then(|e| e.as_array()) {
        let values: Vec<&str> = values.iter().filter_map(|v| v.as_str()).collect();
        return format!("one of {}", values.join(", "));
    }
    match (
        schema.get("type").and_then(|t| t.as_str()),
        schema.get("format").and_then(|f| f.as_str()),
    ) {
        (Some("string"), Some("date-time")) => {
            "a date and time as RFC 3339 writes it, such as 2026-12-01T18:00:00Z".into()
        }
        (Some("integer"), _) => match (number("minimum"), number("maximum")) {
            (Some(min), Some(max)) => format!("a whole number from {min} to {max}"),
            (Some(min), None) => format!("a whole number of at least {min}"),
            _ => "a whole number".into(),
        },
        // Text with no control characters: the limit is what a person can act on.
        (Some("string"), _) if schema.get("pattern").and_then(|p| p.as_str()) == Some(TEXT) => {
            match number("maxLength") {
                Some(max) => {
                    format!("text of at most {max} characters, without control characters")
                }
                None => "text without control characters".into(),
            }
        }
        (Some("string"), _) if schema.get("pattern").is_some() => format!(
            "text matching the pattern {}",
            schema
                .get("pattern")
                .and_then(|p| p.as_str())
                .unwrap_or_default()
        ),
        (Some("string"), _) => match number("maxLength") {
            Some(max) => format!("text of at most {max} characters"),
            None => "text".into(),
        },
        _ => "a value of the type the API description gives".into(),
    }
}

/// The parameter poem-openapi could not read, from its words: `failed to parse parameter
/// \`limit\`: ...`, or `failed to parse path \`param0\`: ...` for the first path parameter.
fn unreadable_parameter<'a>(message: &'a str, op: Option<&'a Operation>) -> Option<&'a str> {
    if let Some(rest) = message.strip_prefix("failed to parse parameter `") {
        return rest.split('`').next();
    }
    let index: usize = message
        .strip_prefix("failed to parse path `param")?
        .split('`')
        .next()?
        .parse()
        .ok()?;
    op?.segments
        .iter()
        .filter_map(|s| s.strip_prefix('{')?.strip_suffix('}'))
        .nth(index)
}

pub struct ApiLayer {
    operations: Arc<Vec<Operation>>,
}

impl ApiLayer {
    pub fn new(operations: Vec<Operation>) -> Self {
        Self {
            operations: Arc::new(operations),
        }
    }
}

impl<E: Endpoint> Middleware<E> for ApiLayer {
    type Output = ApiLayerEndpoint<E>;

    fn transform(&self, inner: E) -> Self::Output {
        ApiLayerEndpoint {
            inner,
            operations: self.operations.clone(),
        }
    }
}

pub struct ApiLayerEndpoint<E> {
    inner: E,
    operations: Arc<Vec<Operation>>,
}

impl<E> ApiLayerEndpoint<E> {
    /// The methods some operation answers at `path` (HEAD with GET).
    fn allowed(&self, path: &str) -> String {
        let mut methods: Vec<&str> = self
            .operations
            .iter()
            .filter(|op| op.matches(&op.method, path))
            .flat_map(|op| {
                if op.method == Method::GET {
                    vec!["GET", "HEAD"]
                } else {
                    vec![op.method.as_str()]
                }
            })
            .collect();
        methods.sort_unstable();
        methods.dedup();
        methods.join(", ")
    }
}

/// The first field of a JSON body whose value is not of the type the document gives (null
/// stands for a field left out), and what it takes; a list of texts is checked item by item.
/// poem-openapi reads a number or `true` sent for text as that text; the API refuses it
/// instead, as its document says.
fn mistyped_field(op: &Operation, body: &[u8]) -> Option<(String, &'static str)> {
    let serde_json::Value::Object(fields) = serde_json::from_slice(body).ok()? else {
        return None;
    };
    fields.iter().find_map(|(name, value)| {
        let (fits, takes) = match op.body_fields.get(name)?.as_str() {
            "string" => (value.is_string(), "text"),
            "boolean" => (value.is_boolean(), "true or false"),
            "integer" => (value.is_i64() || value.is_u64(), "a whole number"),
            "number" => (value.is_number(), "a number"),
            "array" => (value.is_array(), "a list"),
            "array string" => (
                value
                    .as_array()
                    .is_some_and(|items| items.iter().all(serde_json::Value::is_string)),
                "a list of texts",
            ),
            "object" => (value.is_object(), "an object"),
            _ => return None,
        };
        (!fits && !value.is_null()).then(|| (name.clone(), takes))
    })
}

/// The first query parameter that `op` does not take, if any.
fn unknown_parameter(op: &Operation, query: &str) -> Option<String> {
    url::form_urlencoded::parse(query.as_bytes())
        .map(|(name, _)| name.into_owned())
        .find(|name| !op.query.contains(name))
}

/// A successful read as every caller gets it: kept for a second in the instance's read cache
/// for callers without a token, since it is the same for all of them.
struct Read {
    headers: poem::http::HeaderMap,
    body: bytes::Bytes,
    etag: String,
}

/// Why a read is not one to keep: an error, or an answer other than 200.
enum NotKept {
    Error(poem::Error),
    Answer(Response),
}

impl<E: Endpoint> ApiLayerEndpoint<E> {
    /// Calls the operation, turning framework errors into ones that say what was wrong.
    async fn operation(
        &self,
        req: Request,
        op: Option<&Operation>,
        path: &str,
    ) -> poem::Result<Response> {
        match self.inner.call(req).await {
            Ok(resp) => Ok(resp.into_response()),
            Err(err) => Err(self.explained(err, op, path)),
        }
    }

    fn explained(&self, mut err: poem::Error, op: Option<&Operation>, path: &str) -> poem::Error {
        if err.status() == StatusCode::BAD_REQUEST {
            let message = err.to_string();
            let what = unreadable_parameter(&message, op)
                .and_then(|name| Some((name, op?.takes.get(name)?)));
            return match what {
                Some((name, takes)) => ApiError::bad(name, format!("must be {takes}")).into(),
                None => err,
            };
        }
        if err.status() == StatusCode::METHOD_NOT_ALLOWED {
            // RFC 9110: a 405 says which methods the resource answers.
            err.set_data(ErrorHeaders(vec![(header::ALLOW, self.allowed(path))]));
            return err;
        }
        if matches!(
            err.downcast_ref::<AppError>(),
            Some(AppError::InsufficientScope(_))
        ) {
            err.set_data(ErrorHeaders(vec![(
                header::WWW_AUTHENTICATE,
                "Bearer realm=\"Convene\", error=\"insufficient_scope\", scope=\"write\"".into(),
            )]));
            return err;
        }
        if err.status() == StatusCode::UNAUTHORIZED {
            // RFC 6750: how to authenticate, and why the token offered did not.
            let challenge = match err.downcast_ref::<AppError>() {
                Some(AppError::InvalidToken(why)) => format!(
                    "Bearer realm=\"Convene\", error=\"invalid_token\", error_description=\"{}\"",
                    why.replace(['"', '\\'], "'")
                ),
                _ => {
                    err = AppError::InvalidToken(
                        "This needs a personal API token: make one on your profile's API \
                         tokens page and send it as `Authorization: Bearer <token>`."
                            .into(),
                    )
                    .into();
                    "Bearer realm=\"Convene\"".to_string()
                }
            };
            err.set_data(ErrorHeaders(vec![(header::WWW_AUTHENTICATE, challenge)]));
        }
        err
    }

    /// A read, its body whole and its ETag computed.
    async fn read(
        &self,
        req: Request,
        op: Option<&Operation>,
        path: &str,
    ) -> Result<Read, NotKept> {
        let mut resp = self
            .operation(req, op, path)
            .await
            .map_err(NotKept::Error)?;
        if resp.status() != StatusCode::OK {
            return Err(NotKept::Answer(resp));
        }
        let body = resp
            .take_body()
            .into_bytes()
            .await
            .map_err(|e| NotKept::Error(e.into()))?;
        let etag = format!(
            "W/\"{}\"",
            URL_SAFE_NO_PAD.encode(&Sha256::digest(&body)[..16])
        );
        Ok(Read {
            headers: resp.headers().clone(),
            body,
            etag,
        })
    }
}

impl<E: Endpoint> Endpoint for ApiLayerEndpoint<E> {
    type Output = Response;

    async fn call(&self, mut req: Request) -> poem::Result<Response> {
        let path = req.original_uri().path().to_string();
        let op = self
            .operations
            .iter()
            .find(|op| op.matches(req.method(), &path));
        if let Some(op) = op
            && let Some(name) = unknown_parameter(op, req.original_uri().query().unwrap_or(""))
        {
            let known: Vec<&str> = op.query.iter().map(String::as_str).collect();
            let message = if known.is_empty() {
                "this operation takes no query parameters".to_string()
            } else {
                format!(
                    "not a parameter of this operation (it takes {})",
                    known.join(", ")
                )
            };
            return Err(ApiError::bad(&name, message).into());
        }
        if !matches!(*req.method(), Method::GET | Method::HEAD) {
            if let Some(op) = op.filter(|op| !op.body_fields.is_empty()) {
                let body = req.take_body().into_bytes().await?;
                if let Some((name, takes)) = mistyped_field(op, &body) {
                    return Err(ApiError::bad(&name, format!("must be {takes}")).into());
                }
                req.set_body(body);
            }
            return self.operation(req, op, &path).await;
        }
        // A HEAD is answered as its GET would be, without the body: the ETag must be the
        // GET's, not that of an empty body.
        let head = *req.method() == Method::HEAD;
        if head {
            req.set_method(Method::GET);
        }
        let conditions = req.headers().clone();
        let shared = !req.headers().contains_key(header::AUTHORIZATION);
        let state = req.data::<AppState>().cloned();
        let read = match state.filter(|_| shared) {
            Some(state) => {
                let key = format!("api {}", req.original_uri());
                state
                    .reads
                    .get_or_load(key, self.read(req, op, &path))
                    .await
            }
            None => self.read(req, op, &path).await.map(Arc::new),
        };
        let read = match read {
            Ok(read) => read,
            Err(NotKept::Error(err)) => return Err(err),
            Err(NotKept::Answer(resp)) => return Ok(resp),
        };
        let mut resp = Response::builder().status(StatusCode::OK).finish();
        *resp.headers_mut() = read.headers.clone();
        let headers = resp.headers_mut();
        if let Ok(value) = HeaderValue::from_str(&read.etag) {
            headers.insert(header::ETAG, value);
        }
        // Stored, but asked again each time: the ETag makes asking cheap.
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
        if crate::web::conditional::already_has(&conditions, &[read.etag.as_str()], None).is_some()
        {
            resp.set_status(StatusCode::NOT_MODIFIED);
            resp.headers_mut().remove(header::CONTENT_TYPE);
            resp.headers_mut().remove(header::CONTENT_LENGTH);
            return Ok(resp);
        }
        if head {
            resp.headers_mut()
                .insert(header::CONTENT_LENGTH, HeaderValue::from(read.body.len()));
            return Ok(resp);
        }
        resp.set_body(read.body.clone());
        Ok(resp)
    }
}

/// The OpenAPI path template `/events/{slug}` as a route path `/events/:slug`.
pub fn route_path(template: &str) -> String {
    template.replace('{', ":").replace('}', "")
}

/// Every (method, route path) in the document, for the route table.
pub fn table(spec: &serde_json::Value, prefix: &str) -> Vec<(&'static str, String)> {
    let mut out = Vec::new();
    let names: HashMap<&str, &'static str> = [
        ("get", "GET"),
        ("post", "POST"),
        ("put", "PUT"),
        ("delete", "DELETE"),
        ("patch", "PATCH"),
    ]
    .into_iter()
    .collect();
    if let Some(paths) = spec.get("paths").and_then(|p| p.as_object()) {
        for (path, item) in paths {
            for method in item.as_object().into_iter().flat_map(|m| m.keys()) {
                if let Some(name) = names.get(method.as_str()) {
                    out.push((*name, format!("{prefix}{}", route_path(path))));
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec() -> serde_json::Value {
        serde_json::json!({"paths": {
            "/events": {"get": {"parameters": [
                {"name": "tag", "in": "query"}, {"name": "limit", "in": "query"}]}},
            "/events/{slug}": {"get": {"parameters": [{"name": "slug", "in": "path"}]}}
        }})
    }

    #[test]
    fn operations_know_their_query_parameters() {
        let ops = operations(&spec(), "/api/v1");
        let list = ops
            .iter()
            .find(|o| o.matches(&Method::GET, "/api/v1/events"))
            .unwrap();
        assert_eq!(unknown_parameter(list, "tag=a&limit=2"), None);
        assert_eq!(
            unknown_parameter(list, "tag=a&tags=b"),
            Some("tags".to_string())
        );
        let one = ops
            .iter()
            .find(|o| o.matches(&Method::HEAD, "/api/v1/events/hack-day"))
            .unwrap();
        assert_eq!(unknown_parameter(one, "x=1"), Some("x".to_string()));
        assert!(
            !ops.iter()
                .any(|o| o.matches(&Method::POST, "/api/v1/events"))
        );
    }

    #[test]
    fn a_parameter_that_cannot_be_read_is_named_with_what_it_takes() {
        let spec = serde_json::json!({
            "paths": {"/x": {"get": {"parameters": [
                {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1.0, "maximum": 100}},
                {"name": "from", "in": "query", "schema": {"type": "string", "format": "date-time"}},
                {"name": "status", "in": "query", "schema": {"allOf": [{"$ref": "#/components/schemas/Which"}, {"default": "open"}]}}]}}},
            "components": {"schemas": {"Which": {"type": "string", "enum": ["open", "all"]}}}
        });
        let op = &operations(&spec, "")[0];
        assert_eq!(op.takes["limit"], "a whole number from 1 to 100");
        assert!(op.takes["from"].contains("RFC 3339"));
        assert_eq!(op.takes["status"], "one of open, all");
        assert_eq!(
            unreadable_parameter(
                "failed to parse parameter `limit`: verification failed",
                None
            ),
            Some("limit")
        );
        assert_eq!(unreadable_parameter("something else", Some(op)), None);
        let spec = serde_json::json!({"paths": {"/r/{id}": {"get": {"parameters": [
            {"name": "id", "in": "path", "schema": {"type": "integer", "minimum": 1.0}}]}}}});
        let op = &operations(&spec, "")[0];
        assert_eq!(
            unreadable_parameter("failed to parse path `param0`: invalid digit", Some(op)),
            Some("id")
        );
        assert_eq!(op.takes["id"], "a whole number of at least 1");
    }

    #[test]
    fn the_route_table_lists_every_operation() {
        let mut t = table(&spec(), "/api/v1");
        t.sort();
        assert_eq!(
            t,
            vec![
                ("GET", "/api/v1/events".to_string()),
                ("GET", "/api/v1/events/:slug".to_string())
            ]
        );
    }
}
