//! What the forum's tests do again and again: start a thread, reply, find the newest post.

use entity::{forum_post, forum_thread};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};

use crate::helpers::TestApp;
use crate::oidc::Browser;

/// Starts a thread in `category` through the form; returns its id.
pub async fn start(app: &TestApp, who: &Browser, category: &str, title: &str, body: &str) -> i64 {
    let resp = who
        .post(
            app,
            &format!("/forum/{category}/new"),
            &[("title", title), ("body", body), ("action", "post")],
        )
        .await;
    assert_eq!(resp.status(), 303, "{}", resp.text().await.unwrap());
    forum_thread::Entity::find()
        .filter(forum_thread::Column::Title.eq(title))
        .one(app.db())
        .await
        .unwrap()
        .expect("the thread")
        .id
}

/// Replies to a thread through the form; returns the new post's id.
pub async fn reply(app: &TestApp, who: &Browser, thread: i64, body: &str) -> i64 {
    let resp = who
        .post(
            app,
            &format!("/forum/threads/{thread}/reply"),
            &[("body", body), ("action", "post")],
        )
        .await;
    assert_eq!(resp.status(), 303, "{}", resp.text().await.unwrap());
    newest_post(app).await.id
}

/// The post written last, anywhere.
pub async fn newest_post(app: &TestApp) -> forum_post::Model {
    forum_post::Entity::find()
        .order_by_desc(forum_post::Column::Id)
        .one(app.db())
        .await
        .unwrap()
        .expect("a post")
}
