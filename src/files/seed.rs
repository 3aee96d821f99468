//! The demo's slides and papers: small real PDFs made here (one page per slide, plain text in
//! a standard font) attached to the talks of the forum's meetings, and a data file attached
//! to the hack day, uploaded through the same service as anyone's. Running it again adds
//! nothing: places that already have files are left alone.

use chrono::{DateTime, Utc};
use entity::{agenda_item, event, meeting, stored_file, user};
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter};

use crate::actor::Actor;
use crate::error::AppError;
use crate::files::policy::Place;
use crate::files::service;
use crate::files::store::BlobStore;

/// A PDF of one page per slide: each slide a title and its lines, in Helvetica.
pub fn slides_pdf(slides: &[Slide<'_>]) -> Vec<u8> {
    fn escape(text: &str) -> String {
        // PDF strings in the standard fonts: Latin-1 only, with \, ( and ) escaped.
        text.chars()
            .map(|c| match c {
                '\\' | '(' | ')' => format!("\\{c}"),
                c if (c as u32) < 0x7f && !c.is_control() => c.to_string(),
                '–' | '—' => "-".into(),
                '‘' | '’' => "'".into(),
                '“' | '”' => "\"".into(),
                _ => "?".into(),
            })
            .collect()
    }
    let pages = slides.len();
    // Objects: 1 catalog, 2 pages, 3 font, then a page and its content per slide.
    let mut objects: Vec<String> = vec![
        "<< /Type /Catalog /Pages 2 0 R >>".into(),
        format!(
            "<< /Type /Pages /Kids [{}] /Count {pages} >>",
            (0..pages)
                .map(|n| format!("{} 0 R", 4 + 2 * n))
                .collect::<Vec<_>>()
                .join(" ")
        ),
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>".into(),
    ];
    for (n, (title, lines)) in slides.iter().enumerate() {
        let mut content = format!("BT /F1 28 Tf 60 460 Td ({}) Tj ET\n", escape(title));
        for (i, line) in lines.iter().enumerate() {
            content.push_str(&format!(
                "BT /F1 18 Tf 60 {} Td ({}) Tj ET\n",
                400 - 32 * i as i32,
                escape(line)
            ));
        }
        objects.push(format!(
            "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 842 595] /Resources << /Font << /F1 3 0 R >> >> /Contents {} 0 R >>",
            5 + 2 * n
        ));
        objects.push(format!(
            "<< /Length {} >>\nstream\n{content}endstream",
            content.len()
        ));
    }
    let mut out = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n".to_vec();
    let mut offsets = Vec::new();
    for (i, object) in objects.iter().enumerate() {
        offsets.push(out.len());
        out.extend_from_slice(format!("{} 0 obj\n{object}\nendobj\n", i + 1).as_bytes());
    }
    let xref = out.len();
    out.extend_from_slice(
        format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1).as_bytes(),
    );
    for offset in offsets {
        out.extend_from_slice(format!("{offset:010} 00000 n \n").as_bytes());
    }
    out.extend_from_slice(
        format!(
            "trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n",
            objects.len() + 1
        )
        .as_bytes(),
    );
    out
}

/// A slide: its title and its lines.
type Slide<'a> = (&'a str, &'a [&'a str]);

/// A file of the demo: its name, its title and its content.
struct DemoFile<'a> {
    filename: &'a str,
    title: &'a str,
    bytes: Vec<u8>,
}

async fn person(db: &DatabaseConnection, email: &str) -> Result<Actor, AppError> {
    let u = user::Entity::find()
        .filter(user::Column::Email.eq(email))
        .one(db)
        .await?
        .ok_or_else(|| AppError::Internal(format!("the demo has no {email}")))?;
    Ok(Actor::from(&u))
}

async fn add(
    db: &DatabaseConnection,
    store: &dyn BlobStore,
    actor: &Actor,
    place: &Place,
    file: DemoFile<'_>,
    now: DateTime<Utc>,
) -> Result<stored_file::Model, AppError> {
    let checked = service::checked_bytes(store, file.filename, file.title, file.bytes).await?;
    service::store(db, store, actor, place, checked, now).await
}

/// Returns how many files it added.
pub async fn files(
    db: &DatabaseConnection,
    store: &dyn BlobStore,
    now: DateTime<Utc>,
) -> Result<usize, AppError> {
    if stored_file::Entity::find().count(db).await? > 0 {
        return Ok(0);
    }
    let priya = person(db, "priya.shah@northvale-council.example").await?;
    let mut added = 0;
    // Slides of the talks given at the forum's meetings, by the item's title.
    let talks: [(&str, &str, &str, &[Slide<'_>]); 3] = [
        (
            "Bus open data: what changed in the timetable feeds",
            "bus-open-data-timetable-feeds.pdf",
            "Bus open data: what changed (slides)",
            &[
                (
                    "Bus open data: what changed",
                    &["Midshire Transport Partnership", "Forum meeting"],
                ),
                (
                    "Timetables as GTFS, every night",
                    &["Checked before release", "Stops matched to NaPTAN"],
                ),
                (
                    "What we need from councils",
                    &["Your own stop data", "Roadworks notices as open data"],
                ),
            ],
        ),
        (
            "Community mapping: street furniture and step-free routes",
            "step-free-routes.pdf",
            "Step-free routes (slides)",
            &[
                ("Step-free routes", &["Open Streets Trust"]),
                (
                    "40 volunteers, six stations",
                    &["Collected on foot", "Published under the ODbL"],
                ),
            ],
        ),
        (
            "Open data in schools: a pilot with two academies",
            "open-data-in-schools.pdf",
            "Open data in schools (slides)",
            &[
                ("Open data in schools", &["University of Eastmere"]),
                (
                    "The pilot",
                    &["Two academies", "School census extracts in maths lessons"],
                ),
                ("Next steps", &["Lesson plans under an open licence"]),
            ],
        ),
    ];
    let items = agenda_item::Entity::find().all(db).await?;
    for (item_title, filename, title, slides) in talks {
        for item in items.iter().filter(|i| i.title == item_title) {
            let Some(m) = meeting::Entity::find_by_id(item.meeting_id).one(db).await? else {
                continue;
            };
            let place = Place::Item(m, item.clone());
            add(
                db,
                store,
                &priya,
                &place,
                DemoFile {
                    filename,
                    title,
                    bytes: slides_pdf(slides),
                },
                now,
            )
            .await?;
            added += 1;
        }
    }
    // The forum's terms of reference, on every meeting page of the series' next meeting.
    if let Some(m) = meeting::Entity::find()
        .filter(meeting::Column::AgendaPublishedAt.is_not_null())
        .filter(meeting::Column::StartsAt.gt(now))
        .one(db)
        .await?
    {
        // A first draft two weeks ago, then the version the steering group agreed: the
        // draft stays listed as the earlier version.
        let draft = slides_pdf(&[(
            "Terms of reference (draft)",
            &[
                "The forum meets every two months.",
                "Minutes are published within a month.",
            ],
        )]);
        let first = add(
            db,
            store,
            &priya,
            &Place::Meeting(m),
            DemoFile {
                filename: "terms-of-reference-draft.pdf",
                title: "Terms of reference",
                bytes: draft,
            },
            now - chrono::Duration::days(14),
        )
        .await?;
        let agreed = slides_pdf(&[(
            "Terms of reference",
            &[
                "The forum meets every two months.",
                "Minutes are published within a week and agreed at the next meeting.",
                "Anyone may attend; members may speak.",
            ],
        )]);
        let checked = service::checked_bytes(
            store,
            "terms-of-reference.pdf",
            "Terms of reference",
            agreed,
        )
        .await?;
        service::replace(db, store, &priya, &first, checked, false, now).await?;
        added += 2;
    }
    // Data for the hack day.
    if let Some(e) = event::Entity::find()
        .filter(event::Column::Title.eq("Bus Data Hack Day"))
        .one(db)
        .await?
    {
        let csv = "stop_id,name,step_free\n0100NVA001,County Hall,yes\n0100NVA002,Northvale Station,yes\n0100NVA003,Market Square,no\n";
        add(
            db,
            store,
            &priya,
            &Place::Event(e, String::new()),
            DemoFile {
                filename: "stops-sample.csv",
                title: "Sample of the stops data",
                bytes: csv.as_bytes().to_vec(),
            },
            now,
        )
        .await?;
        added += 1;
    }
    Ok(added)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_slides_are_a_pdf_with_a_correct_cross_reference_table() {
        let pdf = slides_pdf(&[("One (1)", &["a"]), ("Two", &[])]);
        assert!(pdf.starts_with(b"%PDF-1.4"));
        assert_eq!(
            infer::get(&pdf).map(|t| t.mime_type()),
            Some("application/pdf")
        );
        let find = |needle: &[u8]| pdf.windows(needle.len()).position(|w| w == needle);
        assert!(find(b"(One \\(1\\)) Tj").is_some());
        // Every offset in the table points at its object.
        let xref = find(b"xref\n").unwrap();
        let table = String::from_utf8(pdf[xref..].to_vec()).unwrap();
        for (n, line) in table.lines().skip(3).take(7).enumerate() {
            let offset: usize = line[..10].parse().unwrap();
            assert!(
                pdf[offset..].starts_with(format!("{} 0 obj", n + 1).as_bytes()),
                "{line}"
            );
        }
    }
}
