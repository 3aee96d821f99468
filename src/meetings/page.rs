//! One meeting's page, built from a fixed number of queries whatever the number of items,
//! attendees and actions (a test counts them).

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use entity::meeting::{self, MinutesStatus};
use entity::{agenda_item, event};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde::Serialize;

use crate::actor::Actor;
use crate::error::AppResult;
use crate::meetings::forms::{ActionForm, AmendmentForm, AttendeeForm, FieldErrors, ItemForm};
use crate::meetings::views::*;
use crate::meetings::{policy, queries};
use crate::state::AppState;

/// The forms on the page, as typed, with their errors when one was sent wrong.
#[derive(Default)]
pub struct Forms {
    pub item: ItemForm,
    pub attendee: AttendeeForm,
    pub action: ActionForm,
    pub amendment: AmendmentForm,
    pub errors: FieldErrors,
    /// Which form the errors belong to: item, attendee, action or amendment.
    pub failed: Option<&'static str>,
}

#[derive(Serialize)]
pub struct FormState<T: Serialize> {
    pub form: T,
    pub errors: serde_json::Value,
    pub invalid: bool,
}

fn form_state<T: Serialize>(form: T, forms: &Forms, name: &str) -> FormState<T> {
    let mine = forms.failed == Some(name);
    let errors: serde_json::Map<String, serde_json::Value> = if mine {
        forms
            .errors
            .iter()
            .map(|(k, v)| ((*k).to_string(), serde_json::Value::String(v.clone())))
            .collect()
    } else {
        serde_json::Map::new()
    };
    FormState {
        form,
        invalid: mine && !errors.is_empty(),
        errors: serde_json::Value::Object(errors),
    }
}

#[derive(Serialize)]
pub struct PostponedView {
    pub from: String,
    pub reason: String,
}

#[derive(Serialize)]
pub struct MinutesView {
    pub visible: bool,
    pub status: &'static str,
    pub status_code: &'static str,
    pub draft: bool,
    pub agreed: bool,
    pub notes_html: Option<String>,
    pub notes_text: Option<String>,
    pub published_at: Option<String>,
    pub agreed_on: Option<String>,
    pub agreed_at: Option<MeetingLink>,
    pub amendments: Vec<AmendmentView>,
    pub can_publish: bool,
    pub can_amend: bool,
}

#[derive(Serialize)]
pub struct PreviousMinutes {
    pub link: MeetingLink,
    pub status: &'static str,
    pub agreed_here: bool,
    pub can_agree: bool,
}

#[derive(Serialize)]
pub struct MeetingPage {
    pub title: String,
    pub slug: String,
    pub href: String,
    pub when: String,
    pub starts_iso: String,
    pub place: String,
    pub past: bool,
    pub archived: bool,
    pub postponed: Option<PostponedView>,
    pub chair: Option<Person>,
    pub secretary: Option<Person>,
    pub event_href: Option<String>,
    pub previous: Option<MeetingLink>,
    pub next: Option<MeetingLink>,
    pub can_edit: bool,
    pub can_create: bool,
    pub signed_in: bool,
    pub agenda_visible: bool,
    /// The items show: their agenda, or their minutes.
    pub show_items: bool,
    pub agenda_published: Option<String>,
    pub items: Vec<ItemView>,
    /// What later features add to the whole meeting (its files).
    pub parts: Vec<crate::meetings::extensions::PagePart>,
    pub warnings: Vec<String>,
    pub updates_visible: bool,
    /// Updates shown on their own when no item is the round-robin.
    pub loose_updates: Vec<UpdateView>,
    pub update_count: usize,
    pub can_write_update: bool,
    pub has_update: bool,
    pub attendance_visible: bool,
    pub attended: Vec<AttendeeView>,
    pub apologies: Vec<AttendeeView>,
    pub linked_to_event: bool,
    pub minutes: MinutesView,
    pub previous_minutes: Option<PreviousMinutes>,
    /// Actions raised at this meeting outside any item.
    pub general_actions: Vec<ActionView>,
    pub raised_count: usize,
    pub carried: Vec<ActionView>,
    pub closed_since: Vec<ActionView>,
    pub item_choices: Vec<ItemChoice>,
    pub add_item_action: String,
    pub item_form: FormState<ItemForm>,
    pub attendee_form: FormState<AttendeeForm>,
    /// The register's names, offered on the attendance form (officers only).
    pub organisation_names: Vec<String>,
    pub action_form: FormState<ActionForm>,
    pub amendment_form: FormState<AmendmentForm>,
}

#[derive(Serialize)]
pub struct ItemChoice {
    pub id: i64,
    pub label: String,
    pub selected: bool,
    pub amend_selected: bool,
}

pub async fn build(
    state: &AppState,
    actor: Option<&Actor>,
    m: meeting::Model,
    forms: Forms,
    now: DateTime<Utc>,
) -> AppResult<MeetingPage> {
    let db = &state.db;
    let tz = state.config.time_zone;
    let can_edit = policy::can_edit(actor, &m);
    let organisation_names = if can_edit {
        crate::organisations::queries::names(&state.db).await?
    } else {
        Vec::new()
    };
    let previous = queries::previous(db, &m).await?;
    let next = queries::next(db, &m).await?;
    let agenda_visible = policy::can_see_agenda(actor, &m);
    let minutes_visible = policy::can_see_minutes(actor, &m);
    let items = if agenda_visible || minutes_visible {
        queries::items(db, m.id).await?
    } else {
        Vec::new()
    };
    let updates_visible = policy::can_see_updates(actor);
    let updates = if updates_visible {
        queries::updates(db, m.id).await?
    } else {
        Vec::new()
    };
    let attendance_visible = policy::can_see_attendance(actor, &m);
    let attendance = if attendance_visible {
        queries::attendance(db, m.id).await?
    } else {
        Vec::new()
    };
    let amendments = if minutes_visible {
        queries::amendments(db, m.id).await?
    } else {
        Vec::new()
    };
    let raised = queries::raised_at(db, m.id).await?;
    let arising = queries::matters_arising(db, &m, previous.as_ref()).await?;
    let action_ids: Vec<i64> = raised
        .iter()
        .chain(&arising.carried)
        .chain(&arising.closed_since)
        .map(|a| a.id)
        .collect();
    let owners = queries::owners_of(db, &action_ids).await?;
    let notes = queries::notes_of(db, &action_ids).await?;
    // Items of other meetings: those actions were raised under, and those deferred here.
    let other_item_ids: Vec<i64> = arising
        .carried
        .iter()
        .chain(&arising.closed_since)
        .filter_map(|a| a.agenda_item_id)
        .chain(items.iter().filter_map(|i| i.deferred_from_id))
        .collect();
    let other_items: Vec<agenda_item::Model> = if other_item_ids.is_empty() {
        Vec::new()
    } else {
        agenda_item::Entity::find()
            .filter(agenda_item::Column::Id.is_in(other_item_ids))
            .all(db)
            .await?
    };
    let people = queries::users_by_ids(
        db,
        m.chair_id
            .into_iter()
            .chain(m.secretary_id)
            .chain(updates.iter().map(|u| u.author_id))
            .chain(attendance.iter().filter_map(|a| a.user_id))
            .chain(owners.iter().filter_map(|o| o.user_id)),
    )
    .await?;
    let meetings = queries::meetings_by_ids(
        db,
        raised
            .iter()
            .chain(&arising.carried)
            .chain(&arising.closed_since)
            .map(|a| a.meeting_id)
            .chain(notes.iter().filter_map(|n| n.meeting_id))
            .chain(items.iter().filter_map(|i| i.deferred_to_meeting_id))
            .chain(other_items.iter().map(|i| i.meeting_id))
            .chain(m.agreed_at_meeting_id),
    )
    .await?;
    let event_href = match m.event_id {
        Some(id) => event::Entity::find_by_id(id).one(db).await?.map(|e| {
            if m.occurrence.is_empty() {
                format!("/events/{}", e.slug)
            } else {
                format!("/events/{}/{}", e.slug, m.occurrence)
            }
        }),
        None => None,
    };

    let item_titles: HashMap<i64, String> = items
        .iter()
        .chain(&other_items)
        .map(|i| (i.id, i.title.clone()))
        .collect();
    let ctx = ActionContext {
        owners,
        notes,
        people,
        meetings,
        items: item_titles,
        tz,
        today: now.with_timezone(&tz).date_naive(),
    };
    let me = actor.map(|a| a.id);
    let update_views: Vec<UpdateView> = updates
        .iter()
        .filter_map(|u| {
            ctx.people.get(&u.author_id).map(|author| UpdateView {
                author: person(author),
                body: u.body.clone(),
                body_html: crate::web::markdown::to_html(&u.body),
                updated: date_time(u.updated_at, tz),
                mine: me == Some(u.author_id),
            })
        })
        .collect();
    // Updates go under the first item marked for them (one place, one #updates anchor).
    let round_robin = items.iter().find(|i| i.round_robin).map(|i| i.id);
    let has_round_robin = round_robin.is_some();
    let amendment_views = |item: Option<i64>| -> Vec<AmendmentView> {
        amendments
            .iter()
            .filter(|a| a.agenda_item_id == item)
            .map(|a| AmendmentView {
                when: day(a.at, tz),
                text: a.text.clone(),
                text_html: crate::web::markdown::to_html(&a.text),
                item: a.agenda_item_id.and_then(|id| ctx.items.get(&id).cloned()),
            })
            .collect()
    };
    let (parts, mut item_parts) =
        crate::meetings::extensions::parts(state, &m, &items, actor).await?;
    let other_item_meeting: HashMap<i64, i64> =
        other_items.iter().map(|i| (i.id, i.meeting_id)).collect();
    let item_views: Vec<ItemView> = items
        .iter()
        .enumerate()
        .map(|(n, i)| ItemView {
            id: i.id,
            number: n + 1,
            anchor: format!("item-{}", n + 1),
            parts: item_parts.remove(&i.id).unwrap_or_default(),
            start_time: i.start_time.clone(),
            title: i.title.clone(),
            presenters: i.presenters.clone(),
            duration: i.duration_minutes,
            note_html: markdown_html(i.note.as_deref()),
            note_text: i.note.clone(),
            minutes_html: if minutes_visible {
                markdown_html(i.minutes.as_deref())
            } else {
                None
            },
            minutes_text: if minutes_visible || can_edit {
                i.minutes.clone().unwrap_or_default()
            } else {
                String::new()
            },
            round_robin: round_robin == Some(i.id),
            deferred_note: i.deferred_note.clone(),
            deferred_from: i
                .deferred_from_id
                .and_then(|id| other_item_meeting.get(&id))
                .and_then(|mid| ctx.meetings.get(mid))
                .map(|m| link(m, tz)),
            deferred_to: i
                .deferred_to_meeting_id
                .and_then(|id| ctx.meetings.get(&id))
                .map(|m| link(m, tz)),
            updates: if round_robin == Some(i.id) {
                update_views.clone()
            } else {
                Vec::new()
            },
            actions: raised
                .iter()
                .filter(|a| a.agenda_item_id == Some(i.id))
                .map(|a| ctx.view(a))
                .collect(),
            amendments: amendment_views(Some(i.id)),
            edit_href: format!("/meetings/{}/agenda/{}", m.slug, i.id),
        })
        .collect();
    let general_actions: Vec<ActionView> = raised
        .iter()
        .filter(|a| a.agenda_item_id.is_none())
        .map(|a| ctx.view(a))
        .collect();
    let (attended, apologies) = attendance_lists(&attendance, &ctx.people);
    let previous_minutes = previous.as_ref().map(|p| PreviousMinutes {
        link: link(p, tz),
        status: minutes_label(p.minutes_status),
        agreed_here: p.agreed_at_meeting_id == Some(m.id),
        can_agree: can_edit && p.minutes_status == MinutesStatus::Published,
    });
    let minutes = MinutesView {
        visible: minutes_visible,
        status: minutes_label(m.minutes_status),
        status_code: match m.minutes_status {
            MinutesStatus::None => "none",
            MinutesStatus::Draft => "draft",
            MinutesStatus::Published => "published",
            MinutesStatus::Agreed => "agreed",
        },
        draft: m.minutes_status == MinutesStatus::Draft,
        agreed: m.minutes_status == MinutesStatus::Agreed,
        notes_html: if minutes_visible {
            markdown_html(m.minutes_notes.as_deref())
        } else {
            None
        },
        notes_text: if minutes_visible {
            m.minutes_notes.clone()
        } else {
            None
        },
        published_at: m.minutes_published_at.map(|t| day(t, tz)),
        agreed_on: m.minutes_agreed_at.map(|t| day(t, tz)),
        agreed_at: m
            .agreed_at_meeting_id
            .and_then(|id| ctx.meetings.get(&id))
            .map(|x| link(x, tz)),
        amendments: amendment_views(None),
        can_publish: can_edit && m.minutes_status == MinutesStatus::Draft,
        can_amend: can_edit && m.minutes_status == MinutesStatus::Agreed,
    };
    let item_choices = items
        .iter()
        .enumerate()
        .map(|(n, i)| ItemChoice {
            id: i.id,
            label: format!("{}. {}", n + 1, i.title),
            selected: forms.action.item == i.id.to_string(),
            amend_selected: forms.amendment.item == i.id.to_string(),
        })
        .collect();
    let mut item_form = forms.item.clone();
    if forms.failed != Some("item") {
        item_form = ItemForm::default();
    }
    Ok(MeetingPage {
        title: m.title.clone(),
        slug: m.slug.clone(),
        href: href(&m),
        when: when(&m, tz),
        starts_iso: crate::web::format::iso(m.starts_at),
        place: m.place.clone(),
        past: m.starts_at <= now,
        archived: m.archived,
        postponed: m.postponed_from.map(|from| PostponedView {
            from: when_at(from, tz),
            reason: m.postponed_reason.clone().unwrap_or_default(),
        }),
        chair: m.chair_id.and_then(|id| ctx.people.get(&id)).map(person),
        secretary: m
            .secretary_id
            .and_then(|id| ctx.people.get(&id))
            .map(person),
        event_href,
        previous: previous.as_ref().map(|p| link(p, tz)),
        next: next.as_ref().map(|x| link(x, tz)),
        can_edit,
        can_create: policy::can_create(actor),
        signed_in: actor.is_some(),
        agenda_visible,
        show_items: agenda_visible || minutes_visible,
        agenda_published: m.agenda_published_at.map(|t| day(t, tz)),
        warnings: if can_edit {
            timing_warnings(&items)
        } else {
            Vec::new()
        },
        items: item_views,
        parts,
        updates_visible,
        loose_updates: if has_round_robin {
            Vec::new()
        } else {
            update_views.clone()
        },
        update_count: update_views.len(),
        can_write_update: actor.is_some()
            && actor.is_some_and(|a| policy::ensure_can_write_update(a, &m, now).is_ok()),
        has_update: update_views.iter().any(|u| u.mine),
        attendance_visible,
        attended,
        apologies,
        linked_to_event: m.event_id.is_some(),
        minutes,
        previous_minutes,
        raised_count: raised.len(),
        general_actions,
        carried: arising
            .carried
            .iter()
            .map(|a| {
                let mut view = ctx.view(a);
                if can_edit {
                    view.progress_href = Some(format!("/actions/{}?meeting={}", a.id, m.slug));
                }
                view
            })
            .collect(),
        closed_since: arising.closed_since.iter().map(|a| ctx.view(a)).collect(),
        item_choices,
        add_item_action: format!("/meetings/{}/agenda", m.slug),
        item_form: form_state(item_form, &forms, "item"),
        attendee_form: form_state(forms.attendee.clone(), &forms, "attendee"),
        organisation_names,
        action_form: form_state(forms.action.clone(), &forms, "action"),
        amendment_form: form_state(forms.amendment.clone(), &forms, "amendment"),
    })
}

fn when_at(at: DateTime<Utc>, tz: chrono_tz::Tz) -> String {
    let local = at.with_timezone(&tz);
    format!(
        "{}, {}",
        local.format("%A %-d %B %Y"),
        local.format("%H:%M")
    )
}
