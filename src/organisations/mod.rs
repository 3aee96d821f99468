//! The register of organisations: councils, transport bodies, charities, universities,
//! companies and community groups, each with a stable id. People's profiles, meeting
//! attendance and guests' answers point at an entry (`service::link` turns what someone typed
//! into one, adding names nobody used before for an admin to sort); admins add, edit and
//! merge duplicates; the register is published as open data (CSV and JSON). A base layer:
//! it knows nothing of the features that use it.

pub mod forms;
pub mod queries;
pub mod routes;
pub mod seed;
pub mod service;

use crate::web::router::{Router, get};

pub fn mount(router: Router) -> Router {
    router
        .at("/organisations", get(routes::list))
        .at("/organisations.csv", get(routes::register_csv))
        .at("/organisations.json", get(routes::register_json))
        .at(
            "/organisations/new",
            get(routes::new_form).post(routes::create),
        )
        .at("/organisations/:id<\\d{1,18}>", get(routes::show))
        .at(
            "/organisations/:id<\\d{1,18}>/edit",
            get(routes::edit_form).post(routes::edit),
        )
        .at(
            "/organisations/:id<\\d{1,18}>/merge",
            get(routes::merge_form).post(routes::merge),
        )
}
