//! Building the route table while remembering what it holds. Every feature mounts its pages
//! with a [`Router`]: it builds poem's `Route` as usual and also keeps a list of every method
//! and path, which the route × persona test walks, so that a new route cannot appear without
//! someone deciding who may use it.

use poem::endpoint::BoxEndpoint;
use poem::{Endpoint, EndpointExt, IntoEndpoint, Response, Route, RouteMethod};

/// One method on one path, as mounted (`:name` for path parameters).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct RouteSpec {
    pub method: &'static str,
    pub path: String,
}

/// The methods one path answers, and their handlers.
#[derive(Default)]
pub struct Methods {
    route: RouteMethod,
    names: Vec<&'static str>,
}

impl Methods {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn get<E>(mut self, ep: E) -> Self
    where
        E: IntoEndpoint,
        E::Endpoint: 'static,
    {
        self.route = self.route.get(ep);
        self.names.push("GET");
        self
    }

    /// `HEAD` answered by its own handler (otherwise poem answers it with the `GET` handler,
    /// which cannot tell the two apart: a file download must not count a HEAD).
    pub fn head<E>(mut self, ep: E) -> Self
    where
        E: IntoEndpoint,
        E::Endpoint: 'static,
    {
        self.route = self.route.head(ep);
        self.names.push("HEAD");
        self
    }

    pub fn post<E>(mut self, ep: E) -> Self
    where
        E: IntoEndpoint,
        E::Endpoint: 'static,
    {
        self.route = self.route.post(ep);
        self.names.push("POST");
        self
    }
}

/// `GET` on a path.
pub fn get<E>(ep: E) -> Methods
where
    E: IntoEndpoint,
    E::Endpoint: 'static,
{
    Methods::new().get(ep)
}

/// `POST` on a path.
pub fn post<E>(ep: E) -> Methods
where
    E: IntoEndpoint,
    E::Endpoint: 'static,
{
    Methods::new().post(ep)
}

pub struct Router {
    route: Route,
    table: Vec<RouteSpec>,
}

impl Default for Router {
    fn default() -> Self {
        Self::new()
    }
}

impl Router {
    pub fn new() -> Self {
        Router {
            route: Route::new(),
            table: Vec::new(),
        }
    }

    pub fn at(mut self, path: &str, methods: Methods) -> Self {
        self.table
            .extend(methods.names.iter().map(|method| RouteSpec {
                method,
                path: path.to_string(),
            }));
        self.route = self.route.at(path, methods.route);
        self
    }

    /// Mounts another feature's routes under `prefix`.
    pub fn nest(self, prefix: &str, inner: Router) -> Self {
        self.nest_with(prefix, inner, |route| route.boxed())
    }

    /// Mounts routes under `prefix` with something wrapped around them (a middleware).
    pub fn nest_with<E>(
        mut self,
        prefix: &str,
        inner: Router,
        wrap: impl FnOnce(Route) -> E,
    ) -> Self
    where
        E: Endpoint + 'static,
    {
        let prefix = prefix.trim_end_matches('/');
        self.table
            .extend(inner.table.into_iter().map(|spec| RouteSpec {
                method: spec.method,
                path: if spec.path == "/" && !prefix.is_empty() {
                    prefix.to_string()
                } else {
                    format!("{prefix}{}", spec.path)
                },
            }));
        let wrapped: BoxEndpoint<'static, Response> = wrap(inner.route).map_to_response().boxed();
        self.route = self.route.nest(prefix, wrapped);
        self
    }

    /// Mounts an endpoint that routes for itself (the API service) under `prefix`, with the
    /// (method, path) pairs it serves, which the caller reads from its own description.
    pub fn nest_endpoint<E>(
        mut self,
        prefix: &str,
        endpoint: E,
        served: Vec<(&'static str, String)>,
    ) -> Self
    where
        E: Endpoint + 'static,
    {
        self.table.extend(
            served
                .into_iter()
                .map(|(method, path)| RouteSpec { method, path }),
        );
        let boxed: BoxEndpoint<'static, Response> = endpoint.map_to_response().boxed();
        self.route = self.route.nest(prefix.trim_end_matches('/'), boxed);
        self
    }

    /// What this router serves.
    pub fn table(&self) -> &[RouteSpec] {
        &self.table
    }

    pub fn into_parts(self) -> (Route, Vec<RouteSpec>) {
        (self.route, self.table)
    }
}
