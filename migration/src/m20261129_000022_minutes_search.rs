use sea_orm_migration::prelude::*;

use crate::search_index::{self, Field, SearchIndex, Source};

/// Full-text search of meetings' minutes, as events and the forum have it: each agenda item's
/// title, minutes and amendments, and each meeting's title, general notes and amendments.
/// Every meeting is indexed whatever its minutes' state: searches ask for meetings whose
/// minutes are published or agreed, so publishing needs no change here.
#[derive(DeriveMigrationName)]
pub struct Migration;

const ITEM_SEARCH: SearchIndex<'static> = SearchIndex {
    name: "agenda_item_search",
    table: "agenda_item",
    fields: &[
        Field {
            name: "title",
            weight: 'A',
            source: Source::Column("title"),
        },
        Field {
            name: "minutes",
            weight: 'B',
            source: Source::Column("minutes"),
        },
        Field {
            name: "amendments",
            weight: 'C',
            source: Source::Related {
                table: "minutes_amendment",
                key: "agenda_item_id",
                column: "text",
            },
        },
    ],
};

const MEETING_SEARCH: SearchIndex<'static> = SearchIndex {
    name: "meeting_minutes_search",
    table: "meeting",
    fields: &[
        Field {
            name: "title",
            weight: 'A',
            source: Source::Column("title"),
        },
        Field {
            name: "notes",
            weight: 'B',
            source: Source::Column("minutes_notes"),
        },
        Field {
            name: "amendments",
            weight: 'C',
            source: Source::Related {
                table: "minutes_amendment",
                key: "meeting_id",
                column: "text",
            },
        },
    ],
};

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        search_index::create(manager, &ITEM_SEARCH).await?;
        search_index::create(manager, &MEETING_SEARCH).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        search_index::drop(manager, &MEETING_SEARCH).await?;
        search_index::drop(manager, &ITEM_SEARCH).await
    }
}
