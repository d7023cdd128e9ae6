//! UTC calendar arithmetic for the archive's `YYYY-MM-DD` and `YYYY-MM-DD HH:MM` fields
//! (days-from-civil / civil-from-days after Howard Hinnant's public-domain algorithms).

use std::fmt::Write;

/// Days since 1970-01-01 of a proleptic Gregorian date.
pub fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = m as i64;
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + d as i64 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// (year, month, day) of a day count since 1970-01-01.
pub fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

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
