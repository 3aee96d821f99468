//! The forum's own open data: `/data` lists every dataset the site publishes, in each of its
//! formats (JSON through the API, CSV, iCalendar, Atom), under the site's data licence; and
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
    pub distributions: &'static [Distribution],
}

const CSV: &str = "text/csv";
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
        distributions: &[Distribution {
            format: "CSV",
            media_type: CSV,
            path: "/actions.csv",
        }],
    },
    Dataset {
        id: "attendance",
        title: "Meeting attendance",
        description: "How many attended and how many sent apologies at each meeting whose \
                      minutes are published (counts only, no names).",
        page: "/meetings",
        updated: "As minutes are published",
        distributions: &[Distribution {
            format: "CSV",
            media_type: CSV,
            path: "/meetings/attendance.csv",
        }],
    },
    Dataset {
        id: "data-requests",
        title: "Dataset requests",
        description: "Datasets members have asked public bodies to publish: what, who holds \
                      it, why it matters, members' votes, and where each stands with its \
                      publisher (requested, in discussion, published, declined with the reason).",
        page: "/data-requests",
        updated: "As members ask and vote, and as publishers answer",
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
    Dataset {
        id: "forum-threads",
        title: "New forum threads",
        description: "The forum's newest threads, for feed readers.",
        page: "/forum",
        updated: "As members post",
        distributions: &[Distribution {
            format: "Atom",
            media_type: "application/atom+xml",
            path: "/forum/feed.atom",
        }],
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
        Some("Every dataset this forum publishes, in JSON, CSV, iCalendar and Atom, under an open licence."),
        &view,
    )
}

/// The DCAT catalogue of [`DATASETS`], as JSON-LD.
pub fn catalog_of(config: &Config) -> Value {
    let base = config.base_url.as_str().trim_end_matches('/');
    let url = |path: &str| json!({ "@id": format!("{base}{path}") });
    let licence = json!({ "@id": config.data_licence.url.as_str() });
    let publisher = json!({
        "@type": "foaf:Organization",
        "foaf:name": config.site_name,
        "foaf:homepage": url("/"),
    });
    let datasets: Vec<Value> = DATASETS
        .iter()
        .map(|d| {
            json!({
                "@id": format!("{base}/data#{}", d.id),
                "@type": "dcat:Dataset",
                "dct:identifier": d.id,
                "dct:title": d.title,
                "dct:description": d.description,
                "dcat:landingPage": url(d.page),
                "dct:accrualPeriodicity": d.updated,
                "dct:license": licence,
                "dct:publisher": publisher,
                "dcat:distribution": d.distributions.iter().map(|x| json!({
                    "@type": "dcat:Distribution",
                    "dct:title": format!("{} as {}", d.title, x.format),
                    "dct:format": x.format,
                    "dcat:mediaType": { "@id": format!("https://www.iana.org/assignments/media-types/{}", x.media_type) },
                    "dcat:downloadURL": url(x.path),
                    "dcat:accessURL": url(x.path),
                    "dct:license": licence,
                })).collect::<Vec<_>>(),
            })
        })
        .collect();
    let served: Vec<Value> = DATASETS
        .iter()
        .filter(|d| d.distributions.iter().any(|x| x.path.starts_with("/api/")))
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
        "dct:publisher": publisher,
        "dct:license": licence,
        "dcat:dataset": datasets,
        "dcat:service": [{
            "@id": format!("{base}/api"),
            "@type": "dcat:DataService",
            "dct:title": "Convene API",
            "dcat:endpointURL": url(crate::api::PREFIX),
            "dcat:endpointDescription": url("/api/openapi.json"),
            "dct:license": licence,
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
