//! What the forum tells people by e-mail, written in the same transaction as the post: the
//! members a post mentions ("@priya-shah": the handle beside each name, see [`handle`])
//! hear that they were mentioned, and the thread's followers (who started it, posted in it
//! or pressed "Follow") hear of the new post. Nobody hears of their own post, and nobody
//! gets two messages for one post. Both are the "forum" topic, which members may turn off.

use chrono::{DateTime, Utc};
use entity::{forum_post, forum_reader, forum_thread, user};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect};

use crate::error::AppError;
use crate::notify::outbox::{self, Mail, Recipient};
use crate::notify::topics;

/// The kinds of mail the forum sends.
pub const KINDS: [&str; 2] = ["forum-mention", "forum-reply"];

/// A post mentioning more members than this mentions nobody: it is not a way to mail
/// everyone.
pub const MAX_MENTIONS: usize = 10;

/// How much of a post a message quotes, in characters.
const EXCERPT: usize = 600;

/// A member's handle, for mentions: their name's words in lower-case ASCII, joined by
/// hyphens ("Priya Shah" is `priya-shah`, "Siân O'Neill" `sian-o-neill`). Shown beside
/// their name in threads.
pub fn handle(display_name: &str) -> String {
    slug::slugify(display_name)
}

/// The handles a text mentions, each once, in order: `@` after a space or punctuation (not
/// in an e-mail address) followed by letters, digits and inner hyphens.
pub fn mentioned(text: &str) -> Vec<String> {
    let mut found: Vec<String> = Vec::new();
    let mut previous = ' ';
    for (i, c) in text.char_indices() {
        if c == '@' && !previous.is_alphanumeric() && previous != '@' {
            let rest = &text[i + 1..];
            let end = rest
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '-'))
                .unwrap_or(rest.len());
            let name = rest[..end].trim_end_matches('-').to_ascii_lowercase();
            if !name.is_empty() && !name.starts_with('-') && !found.contains(&name) {
                found.push(name);
            }
        }
        previous = c;
    }
    found
}

/// The members with each handle. A handle two members share mentions neither: the post
/// cannot say which one was meant.
async fn members_with_handles(
    db: &impl ConnectionTrait,
    handles: &[String],
) -> Result<Vec<user::Model>, sea_orm::DbErr> {
    if handles.is_empty() {
        return Ok(Vec::new());
    }
    // A regional forum has hundreds of members: reading their names when a post mentions
    // someone is cheaper than keeping handles in step with renamed accounts.
    let members = user::Entity::find()
        .filter(user::Column::Disabled.eq(false))
        .all(db)
        .await?;
    let mut chosen = Vec::new();
    for h in handles {
        let mut with: Vec<&user::Model> = members
            .iter()
            .filter(|m| handle(&m.display_name) == *h)
            .collect();
        if with.len() == 1 {
            chosen.push(with.remove(0).clone());
        }
    }
    Ok(chosen)
}

fn post_data(
    thread: &forum_thread::Model,
    post: &forum_post::Model,
    author: &str,
) -> serde_json::Value {
    let text = crate::web::markdown::to_plain_text(&post.body);
    let mut excerpt: String = text.chars().take(EXCERPT).collect();
    if excerpt.len() < text.len() {
        excerpt.push('…');
    }
    serde_json::json!({
        "thread": thread.title,
        "author": author,
        "excerpt": excerpt,
        "path": format!("/forum/posts/{}", post.id),
    })
}

/// Writes the messages about `post`, new in `thread` by `author_id`. Returns how many.
pub async fn post_written(
    txn: &impl ConnectionTrait,
    thread: &forum_thread::Model,
    post: &forum_post::Model,
    author_id: i64,
    now: DateTime<Utc>,
) -> Result<usize, AppError> {
    let author = user::Entity::find_by_id(author_id)
        .one(txn)
        .await?
        .map(|u| u.display_name)
        .unwrap_or_default();
    let data = post_data(thread, post, &author);
    let handles = mentioned(&post.body);
    let mentioned = if handles.len() > MAX_MENTIONS {
        Vec::new()
    } else {
        members_with_handles(txn, &handles).await?
    };
    let mut told: Vec<i64> = vec![author_id];
    let mut written = 0;
    let send = |to: Recipient, kind: &'static str| {
        let data = data.clone();
        let post_id = post.id;
        async move {
            outbox::enqueue(
                txn,
                Mail {
                    kind,
                    topic: topics::FORUM,
                    to: &to,
                    data,
                    // One message per post and person, whichever reason came first.
                    dedupe_key: format!("forum-post:{post_id}:{}", to.user_id),
                },
                now,
            )
            .await
        }
    };
    for m in mentioned {
        if told.contains(&m.id) {
            continue;
        }
        told.push(m.id);
        if let Some(to) = Recipient::of(&m) {
            let queued = send(to, "forum-mention").await?;
            written += usize::from(
                queued == outbox::Enqueued::Queued || queued == outbox::Enqueued::ForSummary,
            );
        }
    }
    let followers: Vec<i64> = forum_reader::Entity::find()
        .select_only()
        .column(forum_reader::Column::UserId)
        .filter(forum_reader::Column::ThreadId.eq(thread.id))
        .filter(forum_reader::Column::Following.eq(true))
        .into_tuple()
        .all(txn)
        .await?;
    for id in followers {
        if told.contains(&id) {
            continue;
        }
        told.push(id);
        if let Some(to) = outbox::recipient(txn, id).await? {
            let queued = send(to, "forum-reply").await?;
            written += usize::from(
                queued == outbox::Enqueued::Queued || queued == outbox::Enqueued::ForSummary,
            );
        }
    }
    Ok(written)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn handles_come_from_names() {
        assert_eq!(handle("Priya Shah"), "priya-shah");
        assert_eq!(handle("Siân O'Neill"), "sian-o-neill");
    }

    #[test]
    fn mentions_are_handles_after_an_at_sign_but_not_addresses() {
        assert_eq!(
            mentioned(
                "Thanks @priya-shah and @Tom-Okafor, cc @priya-shah. Mail sam@riverside.example"
            ),
            ["priya-shah", "tom-okafor"]
        );
        assert_eq!(
            mentioned("(@gareth-lloyd) @@x @ nobody @-x"),
            ["gareth-lloyd"]
        );
        assert_eq!(mentioned("end with @mei-chen-."), ["mei-chen"]);
    }
}
