//! Who may upload, see and delete files. Files belong to a place (a meeting, one of its agenda
//! items, an event or a date of a series) and follow its rules: whoever may see the place may
//! download its files.

use entity::{agenda_item, event, meeting, user};

use crate::actor::Actor;
use crate::error::AppError;

/// Where a file belongs, loaded.
pub enum Place {
    Meeting(meeting::Model),
    Item(meeting::Model, agenda_item::Model),
    /// An event, or one date of a series (`occurrence` is its planned date, `""` otherwise).
    Event(event::Model, String),
}

/// Whether `name` is one of an item's presenters as the agenda lists them ("Aisha Rahman
/// (Midshire Transport Partnership), Ruth Adeyemi"): one entry, without its part in
/// brackets, equal to the whole name (case and spacing aside). Part of a name ("Ruth",
/// "Transport") is not enough.
pub fn is_presenter(name: &str, presenters: Option<&str>) -> bool {
    fn key(text: &str) -> String {
        text.split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
            .to_lowercase()
    }
    let name = key(name);
    if name.chars().count() < 3 {
        return false;
    }
    let Some(presenters) = presenters else {
        return false;
    };
    presenters
        .split([',', ';', '&', '/'])
        .flat_map(|entry| entry.split(" and "))
        .map(|entry| entry.split('(').next().unwrap_or_default())
        .any(|entry| key(entry) == name)
}

/// Admins and the meeting's officers upload to a meeting and its items; the presenter named
/// on an item uploads to that item (their slides); admins and an event's author to an event.
pub fn can_upload(actor: &Actor, who: Option<&user::Model>, place: &Place) -> bool {
    match place {
        Place::Meeting(m) => crate::meetings::policy::can_edit(Some(actor), m),
        Place::Item(m, item) => {
            crate::meetings::policy::can_edit(Some(actor), m)
                || (!m.archived
                    // A presenter sees the item only once the agenda is out.
                    && crate::meetings::policy::can_see_agenda(Some(actor), m)
                    && who
                        .is_some_and(|u| is_presenter(&u.display_name, item.presenters.as_deref())))
        }
        Place::Event(e, _) => actor.is_admin() || e.author_id == actor.id,
    }
}

pub fn ensure_can_upload(
    actor: &Actor,
    who: Option<&user::Model>,
    place: &Place,
) -> Result<(), AppError> {
    if can_upload(actor, who, place) {
        return Ok(());
    }
    Err(AppError::Forbidden(match place {
        Place::Meeting(_) => "Only the meeting's chair and secretary and the site's admins can \
                              add files to a meeting."
            .into(),
        Place::Item(..) => "Only the item's presenters, the meeting's chair and secretary and \
                            the site's admins can add files to an agenda item."
            .into(),
        Place::Event(..) => "Only the event's organiser and the site's admins can add files \
                             to an event."
            .into(),
    }))
}

/// Whoever may see the place may download its files.
pub fn can_see(actor: Option<&Actor>, place: &Place) -> bool {
    match place {
        Place::Meeting(m) | Place::Item(m, _) => crate::meetings::policy::can_see_agenda(actor, m),
        Place::Event(e, _) => crate::events::policy::can_view(actor, e),
    }
}

/// Admins delete files (a wrong upload, personal data): the address then answers 410 Gone.
pub fn can_delete(actor: Option<&Actor>) -> bool {
    actor.is_some_and(Actor::is_admin)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn presenters_are_matched_by_whole_name() {
        let i = Some("Aisha Rahman (Midshire Transport Partnership), Ruth Adeyemi");
        assert!(is_presenter("aisha rahman", i));
        assert!(is_presenter("Ruth Adeyemi", i));
        assert!(is_presenter("  RUTH   adeyemi ", i));
        for part in [
            "Ruth Ade",
            "Ruth",
            "Rahman",
            "Transport",
            "Partnership",
            "Al",
        ] {
            assert!(!is_presenter(part, i), "{part}");
        }
        assert!(is_presenter("Tom Okafor", Some("Tom Okafor and Mei Chen")));
        assert!(is_presenter(
            "Mei Chen",
            Some("Tom Okafor & Mei Chen (Eastmere)")
        ));
    }
}
