use sea_orm_migration::prelude::*;

use crate::search_index::{self, Field, SearchIndex, Source};

/// Full-text search of the forum, as events have it (`m20261128_000007_event_search`): thread
/// titles and post texts, words not pieces of words, English stems, accents ignored. Hidden
/// threads and posts stay in the indexes: searches join the rows and ask for visible ones. A
/// deleted post's text is empty, so it matches nothing.
#[derive(DeriveMigrationName)]
pub struct Migration;

const THREAD_SEARCH: SearchIndex<'static> = SearchIndex {
    name: "forum_thread_search",
    table: "forum_thread",
    fields: &[Field {
        name: "title",
        weight: 'A',
        source: Source::Column("title"),
    }],
};

const POST_SEARCH: SearchIndex<'static> = SearchIndex {
    name: "forum_post_search",
    table: "forum_post",
    fields: &[Field {
        name: "body",
        weight: 'A',
        source: Source::Column("body"),
    }],
};

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        search_index::create(manager, &THREAD_SEARCH).await?;
        search_index::create(manager, &POST_SEARCH).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        search_index::drop(manager, &POST_SEARCH).await?;
        search_index::drop(manager, &THREAD_SEARCH).await
    }
}
