//! UTC calendar arithmetic for the archive's `YYYY-MM-DD` and `YYYY-MM-DD HH:MM` fields
//! (days-from-civil / civil-from-days after Howard Hinnant's public-domain algorithms).

pub use crate::core::ingest::time::{civil_from_days, days_from_civil};
use std::fmt::Write;

/// Milliseconds since the epoch of a UTC date at midnight.
pub fn ms_of_date(y: i64, m: u32, d: u32) -> i64 {
    days_from_civil(y, m, d) * super::DAY_MS
}

/// Appends `YYYY-MM-DD` (UTC) of `ms`.
pub fn format_date(ms: i64, out: &mut String) {
    let (y, m, d) = civil_from_days(ms.div_euclid(super::DAY_MS));
    let _ = write!(out, "{y:04}-{m:02}-{d:02}");
}

/// Appends `YYYY-MM-DD HH:MM` (UTC, minute resolution, truncated) of `ms`.
pub fn format_minute(ms: i64, out: &mut String) {
    format_date(ms, out);
    let in_day = ms.rem_euclid(super::DAY_MS) / 60_000;
    let _ = write!(out, " {:02}:{:02}", in_day / 60, in_day % 60);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_round_trip_and_known_dates() {
        assert_eq!(days_from_civil(1970, 1, 1), 0);
        assert_eq!(days_from_civil(2020, 3, 1), 18_322);
        for z in [-1000, 0, 59, 60, 18_321, 18_322, 20_000, 30_000] {
            let (y, m, d) = civil_from_days(z);
            assert_eq!(days_from_civil(y, m, d), z);
        }
        let mut s = String::new();
        format_minute(1_583_020_800_000 + 13 * 3_600_000 + 7 * 60_000 + 59_999, &mut s);
        assert_eq!(s, "2020-03-01 13:07");
    }
}
