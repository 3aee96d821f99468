//! The monthly summary of dataset requests, ready to take to the data owners: the most
//! wanted requests as the month ended (made by then, open then, by the votes cast by then
//! that still stand) with the votes each gained in the month, the requests made in it, and
//! every change of status recorded in it with what the publisher said. As a page
//! (`/data-requests/summary?month=YYYY-MM`, this month by default) and as CSV.

use std::collections::HashMap;

use chrono::{DateTime, Datelike, Months, NaiveDate, Utc};
use chrono_tz::Tz;
use entity::dataset_request::{self, RequestStatus};
use poem::http::header;
use poem::web::{Data, Query};
use poem::{IntoResponse, Response, handler};
use serde::{Deserialize, Serialize};

use crate::data_requests::queries;
use crate::data_requests::routes::href;
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::web::PageCtx;
use crate::web::markdown;

/// The most wanted requests a summary lists.
const MOST_WANTED: usize = 10;

/// A calendar month in the site's zone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Month(NaiveDate);

impl Month {
    /// `2026-11`; anything else is refused with what to write.
    pub fn parse(text: &str) -> Result<Month, AppError> {
        let bad = || {
            AppError::BadRequest(format!(
                "\u{201c}{}\u{201d} is not a month: write it as year and month, such as 2026-11.",
                text.chars().take(40).collect::<String>()
            ))
        };
        if text.len() != 7 {
            return Err(bad());
        }
        let first =
            NaiveDate::parse_from_str(&format!("{text}-01"), "%Y-%m-%d").map_err(|_| bad())?;
        if !(2000..=2100).contains(&first.year()) {
            return Err(bad());
        }
        Ok(Month(first))
    }

    pub fn of(at: DateTime<Utc>, tz: Tz) -> Month {
        let day = at.with_timezone(&tz).date_naive();
        Month(day.with_day(1).unwrap_or(day))
    }

    pub fn key(self) -> String {
        self.0.format("%Y-%m").to_string()
    }

    pub fn label(self) -> String {
        self.0.format("%B %Y").to_string()
    }

    pub fn next(self) -> Month {
        Month(self.0.checked_add_months(Months::new(1)).unwrap_or(self.0))
    }

    pub fn previous(self) -> Month {
        Month(self.0.checked_sub_months(Months::new(1)).unwrap_or(self.0))
    }

    /// Its first moment and the next month's, in UTC.
    pub fn window(self, tz: Tz) -> (DateTime<Utc>, DateTime<Utc>) {
        (
            crate::web::format::start_of_day(self.0, tz),
            crate::web::format::start_of_day(self.next().0, tz),
        )
    }
}

#[derive(Deserialize)]
pub struct SummaryQuery {
    month: Option<String>,
}

#[derive(Serialize, Clone)]
struct Wanted {
    href: String,
    title: String,
    holder: String,
    status_label: &'static str,
    votes: u64,
    votes_this_month: u64,
}

#[derive(Serialize, Clone)]
struct Made {
    href: String,
    title: String,
    holder: String,
    day: String,
}

#[derive(Serialize, Clone)]
struct Changed {
    href: String,
    title: String,
    holder: String,
    day: String,
    status_label: &'static str,
    note: Option<String>,
    note_html: Option<String>,
    link: Option<String>,
}

#[derive(Serialize)]
struct SummaryPage {
    month: String,
    month_label: String,
    previous_href: Option<String>,
    next_href: Option<String>,
    csv_href: String,
    wanted: Vec<Wanted>,
    made: Vec<Made>,
    changed: Vec<Changed>,
    votes_this_month: u64,
}

struct Summary {
    wanted: Vec<Wanted>,
    made: Vec<Made>,
    changed: Vec<Changed>,
    votes_this_month: u64,
}

async fn summary_of(state: &AppState, month: Month) -> AppResult<Summary> {
    let tz = state.config.time_zone;
    let (from, to) = month.window(tz);
    // The most wanted as the month ended (or as things stand, for this month): requests made
    // by then, open then, by the votes cast by then that still stand.
    let standing = queries::as_of(&state.db, to).await?;
    let cast = queries::votes_between(&state.db, DateTime::<Utc>::UNIX_EPOCH, to).await?;
    let gained = queries::votes_between(&state.db, from, to).await?;
    let mut open: Vec<(&dataset_request::Model, RequestStatus, u64)> = standing
        .iter()
        .filter(|(_, status)| status.is_open())
        .map(|(r, status)| (r, *status, cast.get(&r.id).copied().unwrap_or(0)))
        .collect();
    // Most votes first; newest first among equals (they come newest first).
    open.sort_by_key(|r| std::cmp::Reverse(r.2));
    open.truncate(MOST_WANTED);
    let made = queries::made_between(&state.db, from, to).await?;
    let changes = queries::changes_between(&state.db, from, to).await?;
    let requests: HashMap<i64, dataset_request::Model> =
        queries::by_ids(&state.db, changes.iter().map(|c| c.request_id)).await?;
    Ok(Summary {
        wanted: open
            .iter()
            .map(|(r, status, votes)| Wanted {
                href: href(r),
                title: r.title.clone(),
                holder: r.holder.clone(),
                status_label: status.label(),
                votes: *votes,
                votes_this_month: gained.get(&r.id).copied().unwrap_or(0),
            })
            .collect(),
        votes_this_month: gained.values().sum(),
        made: made
            .iter()
            .map(|r| Made {
                href: href(r),
                title: r.title.clone(),
                holder: r.holder.clone(),
                day: crate::web::format::day(r.created_at, tz),
            })
            .collect(),
        changed: changes
            .iter()
            .filter_map(|c| {
                let r = requests.get(&c.request_id)?;
                Some(Changed {
                    href: href(r),
                    title: r.title.clone(),
                    holder: r.holder.clone(),
                    day: crate::web::format::day(c.at, tz),
                    status_label: c.status.label(),
                    note: c.note.clone(),
                    note_html: c.note.as_deref().map(markdown::to_user_html),
                    link: c.link.clone(),
                })
            })
            .collect(),
    })
}

fn month_of(state: &AppState, q: &SummaryQuery) -> AppResult<Month> {
    match q.month.as_deref().map(str::trim).filter(|m| !m.is_empty()) {
        Some(text) => Month::parse(text),
        None => Ok(Month::of(state.clock.now(), state.config.time_zone)),
    }
}

#[handler]
pub async fn summary(ctx: PageCtx, Query(q): Query<SummaryQuery>) -> AppResult<Response> {
    let state = ctx.state.clone();
    let month = month_of(&state, &q)?;
    let this_month = Month::of(state.clock.now(), state.config.time_zone);
    let found = summary_of(&state, month).await?;
    let link = |m: Month| format!("/data-requests/summary?month={}", m.key());
    let view = SummaryPage {
        month: month.key(),
        month_label: month.label(),
        previous_href: (month.previous().0.year() >= 2000).then(|| link(month.previous())),
        next_href: (month.next().0 <= this_month.0).then(|| link(month.next())),
        csv_href: format!("/data-requests/summary.csv?month={}", month.key()),
        wanted: found.wanted,
        made: found.made,
        changed: found.changed,
        votes_this_month: found.votes_this_month,
    };
    let title = format!("Dataset requests: {}", month.label());
    Ok(ctx
        .render(
            "data-requests/summary",
            &title,
            Some(
                "The most wanted datasets, and what changed in the month, ready for their owners.",
            ),
            &view,
        )?
        .into_response())
}

#[handler]
pub async fn summary_csv(
    state: Data<&AppState>,
    Query(q): Query<SummaryQuery>,
) -> AppResult<Response> {
    let month = month_of(&state, &q)?;
    let found = summary_of(&state, month).await?;
    let body = csv_of(&found, month, state.config.base_url.as_str())
        .map_err(|e| AppError::Internal(format!("writing the monthly summary as CSV: {e}")))?;
    Ok(Response::builder()
        .header(
            header::CONTENT_TYPE,
            "text/csv; charset=utf-8; header=present",
        )
        .header(
            header::CONTENT_DISPOSITION,
            crate::web::headers::content_disposition(
                "attachment",
                &format!("data-requests-{}.csv", month.key()),
            ),
        )
        .header(header::CACHE_CONTROL, "public, max-age=300")
        .header("Access-Control-Allow-Origin", "*")
        .body(body))
}

/// One row per line of the summary: `section` says which (most_wanted, requested, change).
fn csv_of(found: &Summary, month: Month, base_url: &str) -> Result<Vec<u8>, csv::Error> {
    let base = base_url.trim_end_matches('/');
    let mut out = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(Vec::new());
    out.write_record([
        "month",
        "section",
        "title",
        "holder",
        "status",
        "votes",
        "votes_this_month",
        "date",
        "note",
        "link",
        "url",
    ])?;
    let mut write = |cells: [String; 11]| {
        out.write_record(cells.iter().map(|c| crate::web::text::formula_safe(c)))
    };
    for w in &found.wanted {
        write([
            month.key(),
            "most_wanted".into(),
            w.title.clone(),
            w.holder.clone(),
            w.status_label.into(),
            w.votes.to_string(),
            w.votes_this_month.to_string(),
            String::new(),
            String::new(),
            String::new(),
            format!("{base}{}", w.href),
        ])?;
    }
    for m in &found.made {
        write([
            month.key(),
            "requested".into(),
            m.title.clone(),
            m.holder.clone(),
            String::new(),
            String::new(),
            String::new(),
            m.day.clone(),
            String::new(),
            String::new(),
            format!("{base}{}", m.href),
        ])?;
    }
    for c in &found.changed {
        write([
            month.key(),
            "change".into(),
            c.title.clone(),
            c.holder.clone(),
            c.status_label.into(),
            String::new(),
            String::new(),
            c.day.clone(),
            c.note.clone().unwrap_or_default(),
            c.link.clone().unwrap_or_default(),
            format!("{base}{}", c.href),
        ])?;
    }
    out.into_inner().map_err(|e| e.into_error().into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn months_are_year_and_month_in_the_sites_zone() {
        let m = Month::parse("2026-03").unwrap();
        assert_eq!(m.label(), "March 2026");
        assert_eq!(m.previous().key(), "2026-02");
        assert_eq!(Month::parse("2026-12").unwrap().next().key(), "2027-01");
        let (from, to) = m.window(chrono_tz::Europe::London);
        assert_eq!(from.to_rfc3339(), "2026-03-01T00:00:00+00:00");
        // The clocks go forward on 29 March: April starts at 23:00 UTC.
        assert_eq!(to.to_rfc3339(), "2026-03-31T23:00:00+00:00");
        for bad in [
            "2026-13",
            "2026-3",
            "march",
            "",
            "2026-03-01",
            "1999-12",
            "2026-00",
        ] {
            assert!(Month::parse(bad).is_err(), "{bad}");
        }
    }
}
