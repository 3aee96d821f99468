use sea_orm_migration::prelude::*;

use crate::search_index::{self, Field, SearchIndex, Source};

/// Full-text search of events: words, not pieces of words ("bus" does not find "business"),
/// with English stems and accents ignored, titles ranked first. Replaces the `LIKE '%q%'`
/// filter of listings. The index covers every event, whatever its status: searches join the
/// event and ask for public ones, so publishing, cancelling or approving a change needs no
/// index update beyond the one the triggers make when the text changes.
#[derive(DeriveMigrationName)]
pub struct Migration;

const EVENT_SEARCH: SearchIndex<'static> = SearchIndex {
    name: "event_search",
    table: "event",
    fields: &[
        Field {
            name: "title",
            weight: 'A',
            source: Source::Column("title"),
        },
        Field {
            name: "summary",
            weight: 'B',
            source: Source::Column("summary"),
        },
        Field {
            name: "description",
            weight: 'C',
            source: Source::Column("description"),
        },
        Field {
            name: "tags",
            weight: 'C',
            source: Source::Related {
                table: "event_tag",
                key: "event_id",
                column: "tag",
            },
        },
    ],
};

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        search_index::create_text_search_config(manager).await?;
        search_index::create(manager, &EVENT_SEARCH).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        search_index::drop(manager, &EVENT_SEARCH).await?;
        search_index::drop_text_search_config(manager).await
    }
}
