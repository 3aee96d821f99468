//! How often a page was viewed, or a file or dataset downloaded, on one day (in the site's
//! time zone). Nothing about who visited is kept.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "page_view")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub day: Date,
    #[sea_orm(primary_key, auto_increment = false)]
    pub kind: ViewKind,
    /// The address's path, without the query.
    #[sea_orm(primary_key, auto_increment = false)]
    pub path: String,
    pub count: i64,
}

/// What was counted.
#[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(8))")]
pub enum ViewKind {
    /// A page read in a browser.
    #[sea_orm(string_value = "view")]
    View,
    /// A file, CSV or other download.
    #[sea_orm(string_value = "download")]
    Download,
}

impl ViewKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ViewKind::View => "view",
            ViewKind::Download => "download",
        }
    }
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
