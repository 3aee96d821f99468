//! The forum's own open data: `/data` lists every dataset the site publishes, in each of its
//! formats (JSON through the API, CSV, iCalendar), under the site's data licence (members'
//! forum posts are theirs, not the forum's data, and are not offered under it); and
//! `/data/catalog.jsonld` describes the same in DCAT (W3C Data Catalog Vocabulary, JSON-LD),
//! so data portals can harvest it. Like the home page, it sits above the features: it names
//! what they publish and none of them knows it.

use poem::http::header;
use poem::web::Data;
use poem::{IntoResponse, Response, handler};
use serde::Serialize;
use serde_json::{Value, json};

use crate::config::Config;
use crate::error::AppResult;
use crate::state::AppState;
use crate::web::PageCtx;
use crate::web::router::{Router, get};

pub fn routes() -> Router {
    Router::new()
        .at("/", get(data_page))
        .at("/catalog.jsonld", get(catalog))
}

/// One format a dataset comes in.
#[derive(Debug, Clone, Serialize)]
pub struct Distribution {
    /// "CSV", "JSON (API)", "iCalendar", "Atom".
    pub format: &'static str,
    pub media_type: &'static str,
    pub path: &'static str,
}

/// A dataset the site publishes.
#[derive(Debug, Clone, Serialize)]
pub struct Dataset {
    /// Its name in the catalogue's addresses (`/data#events`).
    pub id: &'static str,
    pub title: &'static str,
    pub description: &'static str,
    /// The page people read it on.
    pub page: &'static str,
    /// How often it changes, in words.
    pub updated: &'static str,
    /// The same as a frequency of the EU's vocabulary (what DCAT harvesters read).
    pub frequency: &'static str,
    pub distributions: &'static [Distribution],
}

const CSV: &str = "text/csv";
const FREQUENCY: &str = "http://publications.europa.eu/resource/authority/frequency/";
const JSON: &str = "application/json";

/// Everything the site publishes as data.
pub const DATASETS: &[Dataset] = &[
    Dataset {
        id: "events",
        title: "Events",
        description: "The forum's public events: meetings, hack days, workshops and surgeries, \
                      with their dates (series expanded in the API and the calendar), places, \
                      tags, and whether each is cancelled or postponed.",
        page: "/events",
        updated: "As events are published and changed",
        frequency: "UPDATE_CONT",
        distributions: &[
            Distribution {
                format: "JSON (API)",
                media_type: JSON,
                path: "/api/v1/events",
            },
            Distribution {
                format: "CSV",
                media_type: CSV,
                path: "/events.csv",
            },
            Distribution {
                format: "iCalendar",
                media_type: "text/calendar",
                path: "/calendar.ics",
            },
        ],
    },
    Dataset {
        id: "actions",
        title: "Actions from meetings",
        description: "Every action the forum's meetings have raised: what, who owns it, when \
                      it is due, where it stands, and the meeting that raised it.",
        page: "/actions",
        updated: "At each meeting, and as owners record progress",
        frequency: "IRREG",
        distributions: &[
            Distribution {
                format: "JSON (API)",
                media_type: JSON,
                path: "/api/v1/actions?status=all",
            },
            Distribution {
                format: "CSV",
                media_type: CSV,
                path: "/actions.csv",
            },
        ],
    },
    Dataset {
        id: "attendance",
        title: "Meeting attendance",
        description: "How many attended and how many sent apologies at each meeting whose \
                      minutes are published (counts only, no names).",
        page: "/meetings",
        updated: "As minutes are published",
        frequency: "IRREG",
        distributions: &[
            Distribution {
                format: "JSON (API)",
                media_type: JSON,
                path: "/api/v1/meetings",
            },
            Distribution {
                format: "CSV",
                media_type: CSV,
                path: "/meetings/attendance.csv",
            },
        ],
    },
    Dataset {
        id: "data-requests",
        title: "Dataset requests",
        description: "Datasets members have asked public bodies to publish: what, who holds \
                      it, why it matters, members' votes, and where each stands with its \
                      publisher (requested, in discussion, published, declined with the reason).",
        page: "/data-requests",
        updated: "As members ask and vote, and as publishers answer",
        frequency: "UPDATE_CONT",
        distributions: &[
            Distribution {
                format: "JSON (API)",
                media_type: JSON,
                path: "/api/v1/data-requests?status=all",
            },
            Distribution {
                format: "CSV",
                media_type: CSV,
                path: "/data-requests.csv",
            },
        ],
    },
    Dataset {
        id: "data-requests-summary",
        title: "Dataset requests: this month's summary",
        description: "The most wanted datasets as the month ends, with the votes each gained, \
                      the requests made and every change of status in the month, to take to \
                      the data owners.",
        page: "/data-requests/summary",
        updated: "Monthly",
        frequency: "MONTHLY",
        distributions: &[Distribution {
            format: "CSV",
            media_type: CSV,
            path: "/data-requests/summary.csv",
        }],
    },
    Dataset {
        id: "organisations",
        title: "Organisations",
        description: "The register of the councils, transport bodies, charities, universities, \
                      companies and community groups involved in the forum, with their kinds, \
                      websites and stable ids.",
        page: "/organisations",
        updated: "As admins sort new names",
        frequency: "IRREG",
        distributions: &[
            Distribution {
                format: "JSON",
                media_type: JSON,
                path: "/organisations.json",
            },
            Distribution {
                format: "CSV",
                media_type: CSV,
                path: "/organisations.csv",
            },
        ],
    },
];

#[derive(Serialize)]
struct DataPage {
    datasets: &'static [Dataset],
    licence: String,
    licence_url: String,
}

/// `GET /data`.
#[handler]
async fn data_page(ctx: PageCtx) -> AppResult<impl IntoResponse> {
    let licence = ctx.state.config.data_licence.clone();
    let view = DataPage {
        datasets: DATASETS,
        licence: licence.name,
        licence_url: licence.url.to_string(),
    };
    ctx.render(
        "data/index",
        "Open data",
        Some("Every dataset this forum publishes, in JSON, CSV and iCalendar, under an open licence."),
        &view,
    )
}

/// The DCAT catalogue of [`DATASETS`], as JSON-LD. Files (CSV, iCalendar) are distributions
/// to download; the API's lists are paged, so their distributions are only accessed, through
/// the API as a `dcat:DataService`.
pub fn catalog_of(config: &Config) -> Value {
    let base = config.base_url.as_str().trim_end_matches('/');
    let url = |path: &str| json!({ "@id": format!("{base}{path}") });
    let licence = json!({ "@id": config.data_licence.url.as_str() });
    let publisher_id = format!("{base}/#publisher");
    let publisher = json!({ "@id": publisher_id });
    let service_id = format!("{base}/api");
    let datasets: Vec<Value> = DATASETS
        .iter()
        .map(|d| {
            let distributions: Vec<Value> = d
                .distributions
                .iter()
                .map(|x| {
                    let mut dist = json!({
                        "@type": "dcat:Distribution",
                        "dct:title": format!("{} as {}", d.title, x.format),
                        "dcat:mediaType": { "@id": format!("https://www.iana.org/assignments/media-types/{}", x.media_type) },
                        "dcat:accessURL": url(x.path),
                        "dct:license": licence,
                    });
                    if x.path.starts_with(crate::api::PREFIX) {
                        dist["dcat:accessService"] = json!({ "@id": service_id });
                    } else {
                        dist["dcat:downloadURL"] = url(x.path);
                    }
                    dist
                })
                .collect();
            json!({
                "@id": format!("{base}/data#{}", d.id),
                "@type": "dcat:Dataset",
                "dct:identifier": d.id,
                "dct:title": d.title,
                "dct:description": d.description,
                "dcat:landingPage": url(d.page),
                "dct:accrualPeriodicity": { "@id": format!("{FREQUENCY}{}", d.frequency) },
                "dct:license": licence,
                "dct:publisher": publisher,
                "dcat:distribution": distributions,
            })
        })
        .collect();
    let served: Vec<Value> = DATASETS
        .iter()
        .filter(|d| {
            d.distributions
                .iter()
                .any(|x| x.path.starts_with(crate::api::PREFIX))
        })
        .map(|d| json!({ "@id": format!("{base}/data#{}", d.id) }))
        .collect();
    json!({
        "@context": {
            "dcat": "http://www.w3.org/ns/dcat#",
            "dct": "http://purl.org/dc/terms/",
            "foaf": "http://xmlns.com/foaf/0.1/",
        },
        "@id": format!("{base}/data/catalog.jsonld"),
        "@type": "dcat:Catalog",
        "dct:title": format!("{}: open data", config.site_name),
        "dct:description": "Every dataset this forum publishes about itself.",
        "foaf:homepage": url("/data"),
        "dct:publisher": {
            "@id": publisher_id,
            "@type": "foaf:Organization",
            "foaf:name": config.site_name,
            "foaf:homepage": url("/"),
        },
        "dct:license": {
            "@id": config.data_licence.url.as_str(),
            "@type": "dct:LicenseDocument",
            "dct:title": config.data_licence.name,
        },
        "dcat:dataset": datasets,
        "dcat:service": [{
            "@id": service_id,
            "@type": "dcat:DataService",
            "dct:title": format!("{} API", config.site_name),
            "dcat:endpointURL": url(crate::api::PREFIX),
            "dcat:endpointDescription": url("/api/openapi.json"),
            "dct:license": licence,
            "dct:publisher": publisher,
            "dcat:servesDataset": served,
        }],
    })
}

/// `GET /data/catalog.jsonld`.
#[handler]
async fn catalog(state: Data<&AppState>) -> Response {
    let body = serde_json::to_vec_pretty(&catalog_of(&state.config)).unwrap_or_default();
    Response::builder()
        .content_type("application/ld+json")
        .header(header::ACCESS_CONTROL_ALLOW_ORIGIN, "*")
        .header(header::CACHE_CONTROL, "public, max-age=3600")
        .body(body)
}
