//! Time parsing for every input format: hand-written, allocation-free, UTC milliseconds.
//!
//! [`parse_time_ms`] accepts the time notations found in the dumps researchers bring:
//! - `YYYY-MM-DD HH:MM` (IO archives' `tweet_time`, minute resolution), with optional `:SS` and
//!   a fraction `.f…` (only milliseconds are kept);
//! - `YYYY-MM-DD` (IO archives' `account_creation_date`), midnight UTC;
//! - ISO 8601 / RFC 3339 with `T` or a space between date and time and an optional zone
//!   (`Z`, `UTC`, `GMT`, `+02:00`, `+0200`, `-05`): `2022-10-04T15:25:05.000Z`;
//! - Twitter API v1.1 `Wed Oct 10 20:19:24 +0000 2018`;
//! - Unix seconds, integer or decimal (`1600000000`, `1600000000.25`, `1.6e9`), and Unix
//!   milliseconds written with 13 digits (`1600000000000`).
//!
//! Anything else (bad month, day 31 of April, 29 February of a common year, trailing garbage)
//! gives `None`. [`snowflake_ms`] recovers a tweet's creation time from its id.

/// Milliseconds per day.
const DAY_MS: i64 = 86_400_000;

/// Days since 1970-01-01 of the proleptic Gregorian date `y-m-d` (Howard Hinnant's algorithm).
/// `m` is 1..=12 and `d` 1..=31; the date is not validated (see [`days_in_month`]).
pub const fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400; // [0, 399]
    let m = m as i64;
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + d as i64 - 1; // [0, 365]
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy; // [0, 146096]
    era * 146_097 + doe - 719_468
}

/// The date `(year, month, day)` of `days` since 1970-01-01 (inverse of [`days_from_civil`]).
pub fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = if z >= 0 { z } else { z - 146_096 } / 146_097;
    let doe = z - era * 146_097; // [0, 146096]
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365; // [0, 399]
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100); // [0, 365]
    let mp = (5 * doy + 2) / 153; // [0, 11]
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32; // [1, 31]
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32; // [1, 12]
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// Whether `y` is a Gregorian leap year.
pub fn is_leap_year(y: i64) -> bool {
    (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
}

/// Days in month `m` (1..=12) of year `y`; 0 for an invalid month.
pub fn days_in_month(y: i64, m: u32) -> u32 {
    match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if is_leap_year(y) => 29,
        2 => 28,
        _ => 0,
    }
}

/// First tweet id that is a snowflake (ids below it are sequential, from before November 2010).
pub const FIRST_SNOWFLAKE: u64 = 29_700_859_247;
/// Twitter's snowflake epoch, ms since the Unix epoch.
pub const TWITTER_EPOCH_MS: i64 = 1_288_834_974_657;

/// Creation time (ms since the Unix epoch) encoded in a Twitter snowflake id, or `None` for ids
/// that predate snowflakes or cannot be one (top bit set).
pub fn snowflake_ms(id: u64) -> Option<i64> {
    if !(FIRST_SNOWFLAKE..1u64 << 63).contains(&id) {
        return None;
    }
    Some((id >> 22) as i64 + TWITTER_EPOCH_MS)
}

/// Parse a time in any accepted notation (see the module docs) to ms since the Unix epoch, UTC.
pub fn parse_time_ms(s: &str) -> Option<i64> {
    let b = super::csv::fast_trim(s).as_bytes();
    if b.is_empty() {
        return None;
    }
    if b.len() >= 10 && b[4] == b'-' && b[0].is_ascii_digit() {
        return match parse_iso_plain(b) {
            Some(t) => t,
            None => parse_iso(b),
        };
    }
    if b[0].is_ascii_alphabetic() {
        return parse_v1(b);
    }
    parse_unix(b)
}

/// A cursor over ASCII bytes.
struct Cur<'a> {
    b: &'a [u8],
    i: usize,
}

impl Cur<'_> {
    fn peek(&self) -> Option<u8> {
        self.b.get(self.i).copied()
    }
    fn eat(&mut self, c: u8) -> bool {
        if self.peek() == Some(c) {
            self.i += 1;
            true
        } else {
            false
        }
    }
    /// Exactly `n` ASCII digits.
    fn digits(&mut self, n: usize) -> Option<u32> {
        let end = self.i.checked_add(n)?;
        let s = self.b.get(self.i..end)?;
        let mut v = 0u32;
        for &c in s {
            if !c.is_ascii_digit() {
                return None;
            }
            v = v * 10 + (c - b'0') as u32;
        }
        self.i = end;
        Some(v)
    }
    fn done(&self) -> bool {
        self.i == self.b.len()
    }
}

/// ms of a validated date and time of day.
fn to_ms(y: i64, mo: u32, d: u32, h: u32, mi: u32, sec: u32, ms: u32) -> Option<i64> {
    if !(1..=12).contains(&mo) || d == 0 || d > days_in_month(y, mo) || h > 23 || mi > 59 || sec > 60 {
        return None;
    }
    let days = days_from_civil(y, mo, d);
    Some(days * DAY_MS + (h as i64 * 3600 + mi as i64 * 60 + sec as i64) * 1000 + ms as i64)
}

/// Fraction digits after a `.` or `,`: the first three as ms, the rest checked and ignored.
fn fraction_ms(c: &mut Cur) -> Option<u32> {
    let start = c.i;
    let mut ms = 0u32;
    while let Some(d) = c.peek().filter(u8::is_ascii_digit) {
        let k = c.i - start;
        if k < 3 {
            ms = ms * 10 + (d - b'0') as u32;
        }
        c.i += 1;
    }
    let n = c.i - start;
    if n == 0 {
        return None;
    }
    for _ in n..3 {
        ms *= 10;
    }
    Some(ms)
}

/// A zone suffix: `Z`, `UTC`, `GMT`, `±HH`, `±HHMM`, `±HH:MM` → offset in minutes east of UTC.
fn zone_minutes(c: &mut Cur) -> Option<i64> {
    let rest = &c.b[c.i..];
    if rest.eq_ignore_ascii_case(b"z") || rest.eq_ignore_ascii_case(b"utc") || rest.eq_ignore_ascii_case(b"gmt") {
        c.i = c.b.len();
        return Some(0);
    }
    let sign = match c.peek()? {
        b'+' => 1,
        b'-' => -1,
        _ => return None,
    };
    c.i += 1;
    let h = c.digits(2)?;
    let m = if c.done() {
        0
    } else {
        c.eat(b':');
        c.digits(2)?
    };
    if h > 23 || m > 59 {
        return None;
    }
    Some(sign * (h as i64 * 60 + m as i64))
}

/// `YYYY-MM-DD[(T| )HH:MM[:SS[.f…]]][ ][zone]`.
fn parse_iso(b: &[u8]) -> Option<i64> {
    let mut c = Cur { b, i: 0 };
    let y = c.digits(4)? as i64;
    if !c.eat(b'-') {
        return None;
    }
    let mo = c.digits(2)?;
    if !c.eat(b'-') {
        return None;
    }
    let d = c.digits(2)?;
    if c.done() {
        return to_ms(y, mo, d, 0, 0, 0, 0);
    }
    if !(c.eat(b'T') || c.eat(b't') || c.eat(b' ')) {
        return None;
    }
    let h = c.digits(2)?;
    if !c.eat(b':') {
        return None;
    }
    let mi = c.digits(2)?;
    let (mut sec, mut ms) = (0, 0);
    if c.eat(b':') {
        sec = c.digits(2)?;
        if c.eat(b'.') || c.eat(b',') {
            ms = fraction_ms(&mut c)?;
        }
    }
    let t = to_ms(y, mo, d, h, mi, sec, ms)?;
    if c.done() {
        return Some(t);
    }
    c.eat(b' ');
    let off = zone_minutes(&mut c)?;
    if !c.done() {
        return None;
    }
    Some(t - off * 60_000)
}

/// Two ASCII digits at `b[i]`, `b[i + 1]`.
#[inline(always)]
fn two_digits(b: &[u8], i: usize) -> Option<u32> {
    let (hi, lo) = (b[i].wrapping_sub(b'0'), b[i + 1].wrapping_sub(b'0'));
    (hi < 10 && lo < 10).then_some(hi as u32 * 10 + lo as u32)
}

/// [`parse_iso`] of the shapes the IO archives hold, without the cursor: `YYYY-MM-DD`,
/// `YYYY-MM-DD HH:MM` and `YYYY-MM-DD HH:MM:SS` (`T` or space between). `Some(result)` — the
/// same as `parse_iso`'s — for a string of one of these lengths whose separators are in place,
/// `None` for any other (then `parse_iso` reads it).
#[inline]
fn parse_iso_plain(b: &[u8]) -> Option<Option<i64>> {
    let n = b.len();
    if !(n == 10 || n == 16 || n == 19) || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    if n > 10 && (!matches!(b[10], b'T' | b't' | b' ') || b[13] != b':' || (n == 19 && b[16] != b':')) {
        return None;
    }
    Some((|| {
        let y = two_digits(b, 0)? * 100 + two_digits(b, 2)?;
        let (mo, d) = (two_digits(b, 5)?, two_digits(b, 8)?);
        let (h, mi) = if n > 10 { (two_digits(b, 11)?, two_digits(b, 14)?) } else { (0, 0) };
        let sec = if n == 19 { two_digits(b, 17)? } else { 0 };
        to_ms_table(y, mo, d, h, mi, sec)
    })())
}

/// First year of [`MONTH_START`].
const TABLE_FROM: u32 = 1970;
/// Years in [`MONTH_START`]: 1970–2099 (every tweet and account of the archives).
const TABLE_YEARS: u32 = 130;

/// Days since 1970-01-01 of the first day of each month of 1970–2099, in order, then of
/// 2100-01-01 (so that each month's length is the next entry minus its own).
static MONTH_START: [i32; TABLE_YEARS as usize * 12 + 1] = month_starts();

const fn month_starts() -> [i32; TABLE_YEARS as usize * 12 + 1] {
    let mut t = [0i32; TABLE_YEARS as usize * 12 + 1];
    let mut i = 0;
    while i < t.len() {
        t[i] = days_from_civil(TABLE_FROM as i64 + (i / 12) as i64, (i % 12) as u32 + 1, 1) as i32;
        i += 1;
    }
    t
}

/// [`to_ms`] (without milliseconds), the date from [`MONTH_START`] when the year is in it: one
/// lookup instead of the leap-year test and the era arithmetic (two per IO-archive row).
#[inline]
fn to_ms_table(y: u32, mo: u32, d: u32, h: u32, mi: u32, sec: u32) -> Option<i64> {
    let (year, month) = (y.wrapping_sub(TABLE_FROM), mo.wrapping_sub(1));
    if year >= TABLE_YEARS || month >= 12 {
        return to_ms(y as i64, mo, d, h, mi, sec, 0);
    }
    let k = (year * 12 + month) as usize;
    let start = MONTH_START[k];
    if d == 0 || d as i32 > MONTH_START[k + 1] - start || h > 23 || mi > 59 || sec > 60 {
        return None;
    }
    Some((start as i64 + d as i64 - 1) * DAY_MS + (h as i64 * 3600 + mi as i64 * 60 + sec as i64) * 1000)
}

/// Month number of an English three-letter abbreviation (any case).
fn month_of(m: &[u8]) -> Option<u32> {
    const MONTHS: [&[u8; 3]; 12] =
        [b"jan", b"feb", b"mar", b"apr", b"may", b"jun", b"jul", b"aug", b"sep", b"oct", b"nov", b"dec"];
    MONTHS.iter().position(|x| m.eq_ignore_ascii_case(&x[..])).map(|i| i as u32 + 1)
}

/// Twitter API v1.1: `Wed Oct 10 20:19:24 +0000 2018` (the weekday is checked to be letters only).
fn parse_v1(b: &[u8]) -> Option<i64> {
    let mut parts = b.split(|&c| c == b' ').filter(|p| !p.is_empty());
    let wd = parts.next()?;
    let mon = parts.next()?;
    let day = parts.next()?;
    let hms = parts.next()?;
    let zone = parts.next()?;
    let year = parts.next()?;
    if parts.next().is_some() || wd.len() != 3 || !wd.iter().all(u8::is_ascii_alphabetic) {
        return None;
    }
    let mo = month_of(mon)?;
    let d = match day.len() {
        1 | 2 => Cur { b: day, i: 0 }.digits(day.len())?,
        _ => return None,
    };
    let mut c = Cur { b: hms, i: 0 };
    let h = c.digits(2)?;
    let ok = c.eat(b':');
    let mi = c.digits(2)?;
    let ok2 = c.eat(b':');
    let s = c.digits(2)?;
    if !ok || !ok2 || !c.done() || year.len() != 4 {
        return None;
    }
    let y = Cur { b: year, i: 0 }.digits(4)? as i64;
    let mut z = Cur { b: zone, i: 0 };
    let off = zone_minutes(&mut z)?;
    if !z.done() {
        return None;
    }
    Some(to_ms(y, mo, d, h, mi, s, 0)? - off * 60_000)
}

/// Unix seconds (integer or decimal, optionally with an exponent) or 13-digit Unix milliseconds.
fn parse_unix(b: &[u8]) -> Option<i64> {
    let (neg, digits) = match b[0] {
        b'-' => (true, &b[1..]),
        b'+' => (false, &b[1..]),
        _ => (false, b),
    };
    let int_len = digits.iter().take_while(|c| c.is_ascii_digit()).count();
    let rest = &digits[int_len..];
    if int_len == 0 && !(rest.len() > 1 && rest[0] == b'.' && rest[1].is_ascii_digit()) {
        return None;
    }
    if rest.iter().any(|&c| c == b'e' || c == b'E') {
        // `1.6e9`, `1.600000e+09` (R and spreadsheet exports): seconds as a float.
        let s = std::str::from_utf8(b).ok()?;
        let v: f64 = s.parse().ok()?;
        let ms = (v * 1000.0).round();
        if !ms.is_finite() || ms.abs() > 1e17 {
            return None;
        }
        return Some(ms as i64);
    }
    let mut int: i64 = 0;
    for &c in &digits[..int_len] {
        int = int.checked_mul(10)?.checked_add((c - b'0') as i64)?;
    }
    let ms = if rest.is_empty() {
        match int_len {
            13 if !neg => int,
            1..=11 => int.checked_mul(1000)?,
            _ => return None,
        }
    } else {
        let mut c = Cur { b: rest, i: 0 };
        if !c.eat(b'.') {
            return None;
        }
        let frac = if c.done() { 0 } else { fraction_ms(&mut c)? };
        if !c.done() || int_len > 11 {
            return None;
        }
        int * 1000 + frac as i64
    };
    Some(if neg { -ms } else { ms })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The month table's times are `to_ms`'s: every year around and in the table, every month
    /// and day number around the valid ones, and times at and past their limits.
    #[test]
    fn month_table_is_to_ms() {
        let times = [(0, 0, 0), (23, 59, 60), (24, 0, 0), (0, 60, 0), (0, 0, 61), (12, 34, 56), (99, 99, 99)];
        let mut valid = 0;
        for y in (0..40).chain(1900..2200).chain(9990..10000) {
            for mo in 0..=14 {
                for d in 0..=33 {
                    for &(h, mi, sec) in &times {
                        let want = to_ms(y as i64, mo, d, h, mi, sec, 0);
                        assert_eq!(to_ms_table(y, mo, d, h, mi, sec), want, "{y}-{mo}-{d} {h}:{mi}:{sec}");
                        valid += want.is_some() as u32;
                    }
                }
            }
        }
        // 300 years of the 1900–2199 range, 365.24 days, two of the seven times valid.
        assert!(valid > 300 * 365 * 2, "{valid}");
        assert_eq!(MONTH_START[0], 0);
        assert_eq!(MONTH_START[MONTH_START.len() - 1] as i64, days_from_civil(2100, 1, 1));
    }

    /// The fixed-shape ISO reader against the cursor one, on random strings of its shapes with
    /// digits, separators and out-of-range fields varied.
    #[test]
    fn plain_iso_is_parse_iso() {
        let mut next = crate::core::test_rng(0x853C_49E6_748F_EA9B);
        const ODD: &[u8] = b"0123456789-: Tt/x.\xC3+Z";
        let (mut plain, mut valid) = (0, 0);
        for round in 0..200_000 {
            let base = ["2020-02-29", "2019-02-29 23:59", "1999-12-31T00:00:60", "2018-10-10 20:19"][round % 4];
            let mut b = base.as_bytes().to_vec();
            for _ in 0..next(3) {
                let i = next(b.len());
                b[i] = if next(2) == 0 { b'0' + next(10) as u8 } else { ODD[next(ODD.len())] };
            }
            if next(20) == 0 {
                b.truncate(next(b.len() + 1));
            }
            let want = parse_iso(&b);
            if let Some(got) = parse_iso_plain(&b) {
                plain += 1;
                valid += got.is_some() as u32;
                assert_eq!(got, want, "{:?}", String::from_utf8_lossy(&b));
            }
            if b.len() >= 10 && b[4] == b'-' && b[0].is_ascii_digit() {
                if let Some(s) = std::str::from_utf8(&b).ok().filter(|s| s.trim() == *s) {
                    assert_eq!(parse_time_ms(s), want, "{s:?}");
                }
            }
        }
        assert!(plain > 100_000 && valid > 20_000 && valid < plain, "{plain} plain, {valid} valid");
    }

    #[test]
    fn civil_round_trip() {
        assert_eq!(days_from_civil(1970, 1, 1), 0);
        assert_eq!(days_from_civil(2000, 3, 1), 11_017);
        assert_eq!(days_from_civil(1969, 12, 31), -1);
        for days in (-800_000..800_000).step_by(97) {
            let (y, m, d) = civil_from_days(days);
            assert_eq!(days_from_civil(y, m, d), days);
            assert!(d >= 1 && d <= days_in_month(y, m));
        }
        assert_eq!(civil_from_days(days_from_civil(2020, 2, 29)), (2020, 2, 29));
    }

    #[test]
    fn leap_years() {
        assert!(is_leap_year(2000) && is_leap_year(2020) && !is_leap_year(1900) && !is_leap_year(2019));
        assert_eq!(parse_time_ms("2020-02-29"), Some(1_582_934_400_000));
        assert_eq!(parse_time_ms("2000-02-29 00:00"), Some(951_782_400_000));
        assert_eq!(parse_time_ms("2019-02-29"), None);
        assert_eq!(parse_time_ms("1900-02-29"), None);
        assert_eq!(parse_time_ms("2019-04-31"), None);
    }

    #[test]
    fn accepted_notations() {
        let t = 1_539_202_764_000; // 2018-10-10 20:19:24 UTC
        let cases: &[(&str, i64)] = &[
            ("2018-10-10 20:19", t - 24_000),
            ("2018-10-10 20:19:24", t),
            ("2018-10-10 20:19:24.5", t + 500),
            ("2018-10-10 20:19:24.123456", t + 123),
            ("2018-10-10T20:19:24Z", t),
            ("2018-10-10T20:19:24.000Z", t),
            ("2018-10-10t20:19:24z", t),
            ("2018-10-10T22:19:24+02:00", t),
            ("2018-10-10T22:19:24+0200", t),
            ("2018-10-10T15:19:24-05", t),
            ("2018-10-10 20:19:24 UTC", t),
            ("2018-10-10 20:19:24+00:00", t),
            ("2018-10-10", t - (20 * 3600 + 19 * 60 + 24) * 1000),
            ("Wed Oct 10 20:19:24 +0000 2018", t),
            ("Wed Oct 10 22:19:24 +0200 2018", t),
            ("1539202764", t),
            ("1539202764.0", t),
            ("1539202764.25", t + 250),
            ("1539202764.", t),
            ("1.539202764e9", t),
            ("1539202764000", t),
            ("  2018-10-10 20:19:24 ", t),
            ("0", 0),
            ("-86400", -DAY_MS),
            ("1969-12-31 23:59:59", -1000),
        ];
        for (s, want) in cases {
            assert_eq!(parse_time_ms(s), Some(*want), "{s}");
        }
    }

    #[test]
    fn rejected_values() {
        for s in [
            "",
            "   ",
            "absent",
            "2018-13-01",
            "2018-00-10",
            "2018-10-00",
            "2018-10-32",
            "2018-10-10 24:00",
            "2018-10-10 20:60",
            "2018-10-10 20:19:61",
            "2018-10-10 20",
            "2018-10-10 20:1",
            "2018-10-10X20:19",
            "2018-10-10 20:19:24 nonsense",
            "2018-10-10 20:19:24+25:00",
            "2018-10-10 20:19:24.",
            "18-10-10",
            "2018/10/10",
            "Wed Foo 10 20:19:24 +0000 2018",
            "Wed Oct 10 20:19 +0000 2018",
            "Wed Oct 10 20:19:24 +0000",
            "Wed Oct 10 20:19:24 +0000 2018 extra",
            "Wed Oct 32 20:19:24 +0000 2018",
            "123456789012",   // 12 digits: neither seconds nor ms
            "12345678901234", // 14 digits
            "99999999999999999999999",
            "1539202764x",
            "1539202764.2.5",
            "-1539202764000",
            "NaN",
            "1e999",
            ".",
            "+",
            "٢٠١٨-١٠-١٠",
        ] {
            assert_eq!(parse_time_ms(s), None, "{s:?}");
        }
    }

    #[test]
    fn snowflakes() {
        // (id >> 22) + epoch: 1050118621198921728 -> 2018-10-10T20:19:24.211Z.
        assert_eq!(snowflake_ms(1_050_118_621_198_921_728), Some(1_539_202_764_211));
        assert_eq!(snowflake_ms(FIRST_SNOWFLAKE), Some((FIRST_SNOWFLAKE >> 22) as i64 + TWITTER_EPOCH_MS));
        assert_eq!(snowflake_ms(FIRST_SNOWFLAKE - 1), None);
        assert_eq!(snowflake_ms(12_345), None);
        assert_eq!(snowflake_ms(u64::MAX), None);
    }
}
