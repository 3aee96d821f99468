//! What Convene sends, grouped as members choose it: each message belongs to one topic, each
//! topic can be turned off (on the preferences page, or from the unsubscribe link in any
//! of its messages), and turning one off stops only it. The features that send a topic's
//! messages name it with these constants.

/// Admins: an event or a change to one waits for review.
pub const SUBMISSIONS: &str = "submissions";
/// Authors: what the admins decided about their event, or did to it.
pub const DECISIONS: &str = "decisions";
/// Members: an event they are going to changed, moved, was postponed or cancelled.
pub const CHANGES: &str = "changes";
/// Members: a place came free and is theirs.
pub const PLACES: &str = "places";
/// Members: the day before an event they are going to.
pub const REMINDERS: &str = "reminders";
/// Members: a meeting's agenda or minutes were published.
pub const MEETINGS: &str = "meetings";
/// Members: an action given to them at a meeting, due in a week, or overdue.
pub const ACTIONS: &str = "actions";
/// Members: a forum post mentions them, or is new in a thread they follow.
pub const FORUM: &str = "forum";
/// Members who ask for it: once a week, what is new.
pub const DIGEST: &str = "digest";

/// One topic as the preferences page shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Topic {
    pub key: &'static str,
    pub label: &'static str,
    pub hint: &'static str,
    /// Only admins receive it (and see it among their preferences).
    pub admins_only: bool,
    /// Whether it is on for a member who has not chosen.
    pub on_by_default: bool,
    /// Whether it may wait for the daily summary (a reminder or the digest is already
    /// timed, and goes as it is).
    pub in_daily_summary: bool,
}

/// Not a topic: where a member's choice between each message as it happens and one daily
/// summary is kept (`on` or `daily`).
pub const DELIVERY: &str = "delivery";
/// The topic of a message that is about everything (the daily summary): its link stops all.
pub const ALL: &str = "all";

/// Every topic, in the order the preferences page lists them. All but the digest are on
/// until a member turns them off; the digest is off until they turn it on.
pub const TOPICS: &[Topic] = &[
    Topic {
        key: SUBMISSIONS,
        label: "Events waiting for review",
        hint: "When a member submits an event, or proposes a change to a published one.",
        admins_only: true,
        on_by_default: true,
        in_daily_summary: true,
    },
    Topic {
        key: DECISIONS,
        label: "Your events",
        hint: "When an admin approves or rejects an event you wrote, asks you for changes, \
               or cancels, postpones or moves it.",
        admins_only: false,
        on_by_default: true,
        in_daily_summary: true,
    },
    Topic {
        key: CHANGES,
        label: "Events you are going to",
        hint: "When an event or date you said you are going to is cancelled, postponed, \
               moved or changed.",
        admins_only: false,
        on_by_default: true,
        in_daily_summary: true,
    },
    Topic {
        key: PLACES,
        label: "Waiting list",
        hint: "When a place comes free at an event you are waiting for, and it is yours.",
        admins_only: false,
        on_by_default: true,
        in_daily_summary: true,
    },
    Topic {
        key: REMINDERS,
        label: "Reminders",
        hint: "The day before an event you are going to, with its calendar entry attached.",
        admins_only: false,
        on_by_default: true,
        in_daily_summary: false,
    },
    Topic {
        key: MEETINGS,
        label: "Meetings",
        hint: "When the agenda of the next meeting is published, and when a meeting's minutes are.",
        admins_only: false,
        on_by_default: true,
        in_daily_summary: true,
    },
    Topic {
        key: ACTIONS,
        label: "Your actions",
        hint: "When a meeting gives you an action, a week before it is due, and when it is overdue.",
        admins_only: false,
        on_by_default: true,
        in_daily_summary: true,
    },
    Topic {
        key: FORUM,
        label: "Forum",
        hint: "When a post mentions you by your handle (such as @priya-shah), and when \
               someone posts in a thread you follow (you follow the threads you post in).",
        admins_only: false,
        on_by_default: true,
        in_daily_summary: true,
    },
    Topic {
        key: DIGEST,
        label: "Weekly digest",
        hint: "On Monday mornings: the events published in the past week.",
        admins_only: false,
        on_by_default: false,
        in_daily_summary: false,
    },
];

/// The topic `key` names, if any.
pub fn find(key: &str) -> Option<&'static Topic> {
    TOPICS.iter().find(|t| t.key == key)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_topic_is_listed_once() {
        for key in [
            SUBMISSIONS,
            DECISIONS,
            CHANGES,
            PLACES,
            REMINDERS,
            MEETINGS,
            ACTIONS,
            FORUM,
            DIGEST,
        ] {
            assert_eq!(TOPICS.iter().filter(|t| t.key == key).count(), 1, "{key}");
        }
        assert_eq!(TOPICS.len(), 9);
    }
}
