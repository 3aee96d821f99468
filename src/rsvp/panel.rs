//! What RSVP adds to other pages: the panel on an event page (or a date's page) and the
//! section of "My events" with what a member is going to and their personal feed.

use chrono::{DateTime, Utc};
use entity::event::{self, EventStatus};
use entity::rsvp::Response;

use crate::actor::Actor;
use crate::error::AppResult;
use crate::events::extensions::PagePart;
use crate::events::page::OccurrenceAt;
use crate::rsvp::forms::Answer;
use crate::rsvp::slots::{self, Slot};
use crate::rsvp::views::*;
use crate::rsvp::{policy, queries, workflow};
use crate::state::AppState;

fn part<T: serde::Serialize>(template: &'static str, view: &T) -> AppResult<Option<PagePart>> {
    Ok(Some(PagePart {
        template,
        data: serde_json::to_value(view)
            .map_err(|e| crate::error::AppError::Internal(e.to_string()))?,
    }))
}

/// The slot a page shows: the event, or the date of a series whose page it is.
fn slot_of(e: &event::Model, at: &OccurrenceAt) -> Slot {
    let date = at.original.with_timezone(&e.zone()).date_naive();
    Slot {
        key: slots::key_of(Some(date)),
        date: Some(date),
        original: Some(at.original),
        starts_at: at.starts_at,
        ends_at: at.ends_at,
        cancelled: at.cancelled,
        postponed: at.postponed,
    }
}

pub async fn event_panel(
    state: &AppState,
    e: &event::Model,
    occurrence: Option<&OccurrenceAt>,
    actor: Option<&Actor>,
    now: DateTime<Utc>,
) -> AppResult<Option<PagePart>> {
    let manages = policy::can_manage(actor, e);
    if !(e.status == EventStatus::Published || e.status == EventStatus::Cancelled || manages) {
        return Ok(None);
    }
    let mut view = PanelView {
        signed_in: actor.is_some(),
        signin_href: String::new(),
        can_see_names: policy::can_see_names(actor),
        ..Default::default()
    };
    let slot = match (occurrence, e.rrule.is_some()) {
        (Some(at), _) => slot_of(e, at),
        (None, false) => match slots::resolve(e, &[], None) {
            Some(slot) => slot,
            None => return Ok(None),
        },
        // A series' own page: answers are given per date.
        (None, true) => {
            view.extra_label = extra_label(e);
            view.capacity = e.capacity;
            if manages {
                view.manage = Some(ManageLinks::new(e, &format!("/events/{}", e.slug)));
            }
            return part("rsvp/series-panel", &view);
        }
    };
    let href = slot.href(e);
    view.action = format!("{href}/rsvp");
    view.signin_href = crate::web::page::signin_href(&href);
    if manages {
        view.manage = Some(ManageLinks::new(e, &href));
    }
    match workflow::ensure_open(e, &slot, Answer::Going, now) {
        Ok(()) if e.status == EventStatus::Published => {
            view.open = true;
            if e.rsvp_closes_hours.is_some() {
                view.closes = Some(format!(
                    "Answers close on {}.",
                    moment(slot.closes_at(e), state.config.time_zone)
                ));
            }
        }
        Ok(()) => {
            view.closed_reason = Some("Answers open when the event is published.".into());
        }
        Err(err) => view.closed_reason = Some(err.to_string()),
    }
    let Some(actor) = actor else {
        view.counts(e, queries::counts(&state.db, e.id, &slot.key).await?);
        return part("rsvp/panel", &view);
    };
    // Signed in: the answers themselves (for names and one's place in line), counted here.
    let rows = queries::attendees(&state.db, e.id, &slot.key).await?;
    view.counts(e, queries::Counts::of(rows.iter().map(|(r, _)| r)));
    let waiting: Vec<i64> = rows
        .iter()
        .filter(|(r, _)| r.response == Response::Waiting)
        .map(|(r, _)| r.id)
        .collect();
    if let Some((mine, _)) = rows.iter().find(|(r, _)| r.user_id == Some(actor.id)) {
        // The rows come in the order of the line.
        let position = waiting
            .iter()
            .position(|id| *id == mine.id)
            .map(|i| i as u64 + 1);
        view.answered = true;
        view.mine = my_answer(mine, position);
    }
    for (_, person) in rows.iter().filter(|(r, _)| r.response == Response::Going) {
        match person {
            Some(p) if p.listed_publicly => view.names.push(NameRow {
                name: p.display_name.clone(),
                organisation: p.organisation.clone(),
            }),
            _ => view.unnamed += 1,
        }
    }
    view.names.sort_by_key(|n| n.name.to_lowercase());
    part("rsvp/panel", &view)
}

pub async fn my_events(state: &AppState, actor: &Actor) -> AppResult<Option<PagePart>> {
    let now = state.clock.now();
    let site = state.config.time_zone;
    let rows = queries::attending(&state.db, actor.id).await?;
    let ids: Vec<i64> = rows.iter().map(|(_, e)| e.id).collect();
    let exceptions = crate::events::queries::exceptions_for(&state.db, &ids).await?;
    let none = Vec::new();
    let mut shown = Vec::new();
    for (r, e) in &rows {
        let Some(slot) = slots::from_key(e, exceptions.get(&e.id).unwrap_or(&none), &r.occurrence)
        else {
            continue;
        };
        if slot.is_over(now) || !e.status.is_public() {
            continue;
        }
        let status = match r.response {
            _ if slot.cancelled => "Cancelled".to_string(),
            Response::Going => "Going".to_string(),
            _ => match queries::position(&state.db, r).await? {
                1 => "Waiting list: next in line".to_string(),
                n => format!("Waiting list: number {n}"),
            },
        };
        shown.push((
            slot.starts_at,
            MyAnswerRow {
                title: e.title.clone(),
                href: slot.href(e),
                when: when_of(e, &slot, site),
                going: r.response == Response::Going && !slot.cancelled,
                status,
                extra: extra_label(e).filter(|_| r.extra),
                start_iso: crate::web::format::iso(slot.starts_at),
            },
        ));
    }
    shown.sort_by_key(|(at, _)| *at);
    let token = workflow::calendar_token(&state.db, actor.id).await?;
    let path = format!("/calendar/personal/{token}.ics");
    let view = MyAnswersView {
        rows: shown.into_iter().map(|(_, row)| row).collect(),
        feed_https: state.config.absolute_url(&path),
        feed_webcal: crate::calendar::links::webcal(&state.config, &path),
    };
    part("rsvp/mine", &view)
}
