//! Event addresses: a random slug while nobody else may see the event, a readable one from
//! its title once published (chosen inside the transaction, retried in a savepoint when
//! another writer takes it first), and the old ones kept as redirects.

use entity::{event, event_slug};
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveModelTrait, ColumnTrait, DatabaseTransaction, EntityTrait, QueryFilter, Set};

use crate::error::AppError;

/// Words the event routes use after `/events/`, which no event may take as its slug.
pub const RESERVED_SLUGS: &[&str] = &[
    "new",
    "mine",
    "past",
    "tags",
    "search",
    "feed",
    "calendar",
    "drafts",
    "draft",
    "series",
    "occurrences",
    "edit",
    "api",
    "admin",
    "all",
    "upcoming",
    "export",
    "data",
];

const MAX_SLUG: usize = 80;

/// A readable ASCII slug for a title, with the letters of other alphabets kept in their ASCII
/// form ("Café & Co-ops" -> `cafe-co-ops`), never one of [`RESERVED_SLUGS`].
pub fn slugify(title: &str) -> String {
    let mut slug = slug::slugify(title);
    if slug.len() > MAX_SLUG {
        let cut = slug[..MAX_SLUG].rfind('-').unwrap_or(MAX_SLUG);
        slug.truncate(cut);
    }
    if slug.is_empty() {
        "event".into()
    } else if RESERVED_SLUGS.contains(&slug.as_str()) || slug.starts_with("draft-") {
        format!("{slug}-event")
    } else {
        slug
    }
}

/// The slug of an event nobody else may see yet: random, so it tells nothing about the title
/// or about other drafts. The event gets a readable slug when it is published.
pub(crate) fn draft_slug() -> String {
    use rand::Rng;
    const ALPHABET: &[u8] = b"abcdefghijkmnpqrstuvwxyz23456789";
    let mut rng = rand::rng();
    let tail: String = (0..12)
        .map(|_| char::from(ALPHABET[rng.random_range(0..ALPHABET.len())]))
        .collect();
    format!("draft-{tail}")
}

/// The first free slug for `base`, counting from `from` (`base`, `base-2`, `base-3`...):
/// free of other events and of the old slugs that redirect to them.
async fn free_slug(
    txn: &DatabaseTransaction,
    base: &str,
    own_id: i64,
    from: u32,
) -> Result<(String, u32), sea_orm::DbErr> {
    let mut n = from;
    loop {
        let candidate = if n == 1 {
            base.to_string()
        } else {
            format!("{base}-{n}")
        };
        let taken = event::Entity::find()
            .filter(event::Column::Slug.eq(&candidate))
            .one(txn)
            .await?
            .is_some_and(|e| e.id != own_id);
        let alias_taken = event_slug::Entity::find_by_id(candidate.clone())
            .one(txn)
            .await?
            .is_some_and(|a| a.event_id != own_id);
        if !taken && !alias_taken {
            return Ok((candidate, n));
        }
        n += 1;
    }
}

/// How often a slug is tried again when another writer takes it at the same moment.
const SLUG_ATTEMPTS: u32 = 20;

/// Gives the event a readable slug for `title`, chosen inside the transaction. Another
/// writer may take the same slug between the check and the write (on PostgreSQL, where
/// writers do not queue): the write then fails on the unique index inside a savepoint, which
/// is rolled back, and the next number is tried. The event's previous slug, when people may
/// have seen it, becomes a redirect.
pub(crate) async fn assign_slug(
    txn: &DatabaseTransaction,
    current: &event::Model,
    title: &str,
    keep_old_as_redirect: bool,
) -> Result<String, AppError> {
    use sea_orm::TransactionTrait;
    let base = slugify(title);
    if current.slug == base {
        return Ok(base);
    }
    let mut from = 1;
    for _ in 0..SLUG_ATTEMPTS {
        let (candidate, n) = free_slug(txn, &base, current.id, from).await?;
        if candidate == current.slug {
            return Ok(candidate);
        }
        let savepoint = txn.begin().await?;
        let written = async {
            event_slug::Entity::delete_by_id(candidate.clone())
                .exec(&savepoint)
                .await?;
            event::Entity::update_many()
                .col_expr(event::Column::Slug, Expr::value(candidate.clone()))
                .filter(event::Column::Id.eq(current.id))
                .exec(&savepoint)
                .await?;
            if keep_old_as_redirect {
                event_slug::ActiveModel {
                    slug: Set(current.slug.clone()),
                    event_id: Set(current.id),
                }
                .insert(&savepoint)
                .await?;
            }
            Ok::<_, sea_orm::DbErr>(())
        }
        .await;
        match written {
            Ok(()) => {
                savepoint.commit().await?;
                return Ok(candidate);
            }
            Err(err) if is_unique_violation(&err) => {
                savepoint.rollback().await?;
                from = n + 1;
            }
            Err(err) => return Err(err.into()),
        }
    }
    Err(AppError::Conflict(
        "Many events with this title are being saved at this moment. Please save again.".into(),
    ))
}

fn is_unique_violation(err: &sea_orm::DbErr) -> bool {
    matches!(
        err.sql_err(),
        Some(sea_orm::SqlErr::UniqueConstraintViolation(_))
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_are_readable_and_safe() {
        assert_eq!(
            slugify("Open Data Camp 2026: Day One!"),
            "open-data-camp-2026-day-one"
        );
        assert_eq!(slugify("  ¿¡!!  "), "event");
        assert_eq!(slugify("Café & Co-ops"), "cafe-co-ops");
        assert_eq!(slugify("Łódź Data Meetup"), "lodz-data-meetup");
        assert!(slugify(&"x".repeat(300)).len() <= 80);
        assert!(!slugify(&"word ".repeat(40)).ends_with('-'));
    }

    #[test]
    fn route_words_are_never_slugs() {
        for word in ["New", "Mine", "PAST", "tags", "Drafts"] {
            let slug = slugify(word);
            assert!(!RESERVED_SLUGS.contains(&slug.as_str()), "{word} -> {slug}");
            assert!(slug.ends_with("-event"), "{word} -> {slug}");
        }
        assert_eq!(slugify("Draft x7k2"), "draft-x7k2-event");
        assert!(draft_slug().starts_with("draft-"));
        assert_ne!(draft_slug(), draft_slug());
    }
}
