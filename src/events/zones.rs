//! Time zones as people choose them: the canonical IANA names (Asia/Kolkata, not
//! Asia/Calcutta or US/Eastern), as the Unicode CLDR data in `icu_time` lists them, limited
//! to those this build's tz database (chrono-tz) can compute with.

use std::sync::OnceLock;

use chrono_tz::Tz;
use icu_time::zone::iana::IanaParserExtended;

/// Every zone a person may pick, sorted by name, "Etc/UTC" first.
pub fn canonical_zones() -> &'static [Tz] {
    static ZONES: OnceLock<Vec<Tz>> = OnceLock::new();
    ZONES.get_or_init(|| {
        let mut zones: Vec<Tz> = IanaParserExtended::new()
            .iter()
            .map(|z| z.canonical)
            // The fixed-offset Etc/GMT+N zones and the old POSIX-style ones (EST5EDT) are
            // for machines, not for meetings; UTC stays, for online events.
            .filter(|name| *name == "Etc/UTC" || (name.contains('/') && !name.starts_with("Etc/")))
            .filter_map(|name| name.parse::<Tz>().ok())
            .collect();
        zones.sort_by_key(|tz| (*tz != chrono_tz::Etc::UTC, tz.name()));
        zones.dedup();
        zones
    })
}

/// The canonical zone for a name, so an old alias is stored as its canonical name
/// (Asia/Calcutta becomes Asia/Kolkata). Names the CLDR data does not know stay as they are.
pub fn canonical(tz: Tz) -> Tz {
    IanaParserExtended::new()
        .parse(tz.name())
        .canonical
        .parse::<Tz>()
        .unwrap_or(tz)
}

/// How a zone reads in the picker: "America / Argentina / Buenos Aires", "UTC".
pub fn label(tz: Tz) -> String {
    if tz == chrono_tz::Etc::UTC {
        return "UTC".into();
    }
    tz.name().replace('_', " ").replace('/', " / ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_picker_offers_canonical_names_only() {
        let names: Vec<&str> = canonical_zones().iter().map(|tz| tz.name()).collect();
        for wanted in [
            "Europe/London",
            "Asia/Kolkata",
            "Europe/Kyiv",
            "Europe/Oslo",
            "America/New_York",
            "Etc/UTC",
        ] {
            assert!(names.contains(&wanted), "{wanted} missing");
        }
        for alias in [
            "US/Eastern",
            "Asia/Calcutta",
            "Europe/Kiev",
            "GB",
            "UTC",
            "Etc/GMT+5",
            "EST5EDT",
        ] {
            assert!(!names.contains(&alias), "{alias} offered");
        }
        assert!(names.len() > 300, "{}", names.len());
        assert_eq!(names[0], "Etc/UTC");
    }

    #[test]
    fn old_aliases_become_their_canonical_names() {
        assert_eq!(
            canonical(chrono_tz::Asia::Calcutta),
            chrono_tz::Asia::Kolkata
        );
        assert_eq!(
            canonical(chrono_tz::US::Eastern),
            chrono_tz::America::New_York
        );
        assert_eq!(
            canonical(chrono_tz::Europe::London),
            chrono_tz::Europe::London
        );
    }
}
