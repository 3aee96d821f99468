//! The audit log's filters as the admin typed them, checked into what the query needs.

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use chrono_tz::Tz;
use serde::Deserialize;

use crate::admin::views;
use crate::web::format;

/// The `person` value that stands for entries made at the server's command line.
pub const COMMAND_LINE: &str = "command-line";

/// The query string of `/admin/audit`, every value as sent. Empty values mean "any".
#[derive(Debug, Default, Deserialize)]
pub struct AuditQuery {
    pub action: Option<String>,
    pub person: Option<String>,
    pub from: Option<String>,
    pub to: Option<String>,
    pub page: Option<String>,
}

/// Whose entries to show.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ActorFilter {
    Person(i64),
    CommandLine,
}

/// A checked set of filters: only known actions, people who appear in the log and real dates
/// in order.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct AuditFilter {
    pub action: Option<&'static str>,
    pub actor: Option<ActorFilter>,
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
}

/// What was wrong with each filter, for the messages beside the fields.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct FilterErrors {
    pub action: Option<String>,
    pub person: Option<String>,
    pub from: Option<String>,
    pub to: Option<String>,
}

impl FilterErrors {
    pub fn is_empty(&self) -> bool {
        self.action.is_none() && self.person.is_none() && self.from.is_none() && self.to.is_none()
    }
}

fn given(value: &Option<String>) -> Option<&str> {
    value.as_deref().map(str::trim).filter(|v| !v.is_empty())
}

/// Dates as a browser's date input sends them. Years outside 1970 to 9999 are refused: no
/// entry can be older, and stored times compare as text only with four-digit years.
fn parse_date(raw: &str) -> Result<NaiveDate, String> {
    match NaiveDate::parse_from_str(raw, "%Y-%m-%d") {
        Ok(date) if (1970..=9999).contains(&date.year()) => Ok(date),
        Ok(_) => Err("Enter a date between 1970 and 9999.".into()),
        Err(_) => Err(format!(
            "\u{201c}{raw}\u{201d} is not a date; use the date picker or write it as 2026-11-28."
        )),
    }
}

impl AuditQuery {
    /// Checks every filter; `people` are the ids that may be chosen (everyone in the log).
    pub fn parse(&self, people: &[i64]) -> Result<AuditFilter, FilterErrors> {
        let mut errors = FilterErrors::default();
        let mut filter = AuditFilter::default();
        if let Some(raw) = given(&self.action) {
            match views::known_action(raw) {
                Some(code) => filter.action = Some(code),
                None => {
                    errors.action = Some(format!(
                        "\u{201c}{raw}\u{201d} is not an action the log records; choose one from the list."
                    ))
                }
            }
        }
        if let Some(raw) = given(&self.person) {
            if raw == COMMAND_LINE {
                filter.actor = Some(ActorFilter::CommandLine);
            } else {
                match raw.parse::<i64>() {
                    Ok(id) if people.contains(&id) => filter.actor = Some(ActorFilter::Person(id)),
                    Ok(_) => {
                        errors.person = Some(
                            "Nobody with that account number appears in the log; choose a person from the list."
                                .into(),
                        )
                    }
                    Err(_) => {
                        errors.person = Some(format!(
                            "\u{201c}{raw}\u{201d} is not an account number; choose a person from the list."
                        ))
                    }
                }
            }
        }
        if let Some(raw) = given(&self.from) {
            match parse_date(raw) {
                Ok(date) => filter.from = Some(date),
                Err(message) => errors.from = Some(message),
            }
        }
        if let Some(raw) = given(&self.to) {
            match parse_date(raw) {
                Ok(date) => filter.to = Some(date),
                Err(message) => errors.to = Some(message),
            }
        }
        if let (Some(from), Some(to)) = (filter.from, filter.to)
            && from > to
        {
            errors.to = Some(format!(
                "The end date is before the start date ({}); choose a date on or after it.",
                from.format("%-d %b %Y")
            ));
        }
        if errors.is_empty() {
            Ok(filter)
        } else {
            Err(errors)
        }
    }

    /// The page asked for; anything but a positive number is the first page.
    pub fn page(&self) -> u64 {
        given(&self.page)
            .and_then(|p| p.parse::<u64>().ok())
            .unwrap_or(1)
            .max(1)
    }
}

impl AuditFilter {
    /// The instants the dates cover in the site's zone: from the start of `from` up to (not
    /// including) the start of the day after `to`.
    pub fn bounds(&self, tz: Tz) -> (Option<DateTime<Utc>>, Option<DateTime<Utc>>) {
        (
            self.from.map(|d| format::start_of_day(d, tz)),
            self.to
                .map(|d| format::start_of_day(d.succ_opt().unwrap_or(d), tz)),
        )
    }

    /// The query string that shows these filters again, on `page` (the first page unnamed),
    /// each value URL-encoded.
    pub fn query_string(&self, page: u64) -> String {
        let mut out = url::form_urlencoded::Serializer::new(String::new());
        if let Some(action) = self.action {
            out.append_pair("action", action);
        }
        match self.actor {
            Some(ActorFilter::Person(id)) => {
                out.append_pair("person", &id.to_string());
            }
            Some(ActorFilter::CommandLine) => {
                out.append_pair("person", COMMAND_LINE);
            }
            None => {}
        }
        if let Some(from) = self.from {
            out.append_pair("from", &from.to_string());
        }
        if let Some(to) = self.to {
            out.append_pair("to", &to.to_string());
        }
        if page > 1 {
            out.append_pair("page", &page.to_string());
        }
        out.finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn query(pairs: &[(&str, &str)]) -> AuditQuery {
        let get = |k: &str| {
            pairs
                .iter()
                .find(|(n, _)| *n == k)
                .map(|(_, v)| v.to_string())
        };
        AuditQuery {
            action: get("action"),
            person: get("person"),
            from: get("from"),
            to: get("to"),
            page: get("page"),
        }
    }

    #[test]
    fn empty_values_mean_any() {
        let q = query(&[("action", ""), ("person", " "), ("from", ""), ("to", "")]);
        assert_eq!(q.parse(&[]), Ok(AuditFilter::default()));
    }

    #[test]
    fn each_bad_value_is_named() {
        let q = query(&[
            ("action", "event.explode"),
            ("person", "priya"),
            ("from", "2026-02-30"),
            ("to", "yesterday"),
        ]);
        let errors = q.parse(&[1]).unwrap_err();
        assert!(errors.action.unwrap().contains("event.explode"));
        assert!(errors.person.unwrap().contains("not an account number"));
        assert!(errors.from.unwrap().contains("not a date"));
        assert!(errors.to.unwrap().contains("not a date"));
        let errors = query(&[("person", "7")]).parse(&[1]).unwrap_err();
        assert!(errors.person.unwrap().contains("Nobody"));
    }

    #[test]
    fn dates_must_be_in_order() {
        let q = query(&[("from", "2026-03-02"), ("to", "2026-03-01")]);
        assert!(q.parse(&[]).unwrap_err().to.unwrap().contains("before"));
        let q = query(&[("from", "2026-03-01"), ("to", "2026-03-01")]);
        assert!(q.parse(&[]).is_ok());
        let q = query(&[("from", "0099-01-01")]);
        assert!(q.parse(&[]).unwrap_err().from.unwrap().contains("1970"));
    }

    #[test]
    fn a_day_is_the_whole_day_in_the_site_zone() {
        let q = query(&[("from", "2026-07-01"), ("to", "2026-07-01")]);
        let (from, to) = q.parse(&[]).unwrap().bounds(chrono_tz::Europe::London);
        assert_eq!(from.unwrap().to_rfc3339(), "2026-06-30T23:00:00+00:00");
        assert_eq!(to.unwrap().to_rfc3339(), "2026-07-01T23:00:00+00:00");
        // Midnight does not exist in Santiago on the day clocks go forward there.
        let day = NaiveDate::from_ymd_opt(2026, 9, 6).unwrap();
        assert_eq!(
            format::start_of_day(day, chrono_tz::America::Santiago).to_rfc3339(),
            "2026-09-06T04:00:00+00:00"
        );
    }

    #[test]
    fn filters_round_trip_through_the_query_string() {
        let q = query(&[
            ("action", "event.move_occurrence"),
            ("person", "12"),
            ("from", "2026-01-01"),
            ("page", "x"),
        ]);
        assert_eq!(q.page(), 1);
        let filter = q.parse(&[12]).unwrap();
        assert_eq!(
            filter.query_string(3),
            "action=event.move_occurrence&person=12&from=2026-01-01&page=3"
        );
        let cli = query(&[("person", COMMAND_LINE)]).parse(&[]).unwrap();
        assert_eq!(cli.query_string(1), "person=command-line");
    }
}
