//! A calendar date (`YYYY-MM-DD`), enough for suppression expiry: parse, compare, add days.
//!
//! Written by hand rather than pulling a date crate in: the gate needs no time zones, no
//! times of day, only the proleptic Gregorian calendar and day arithmetic.

use std::fmt;

use serde::{Serialize, Serializer};

/// A day in the proleptic Gregorian calendar. Orders chronologically.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date {
    year: i32,
    month: u8,
    day: u8,
}

impl Date {
    /// The date, or `None` when it does not exist (`2025-02-30`).
    pub fn new(year: i32, month: u8, day: u8) -> Option<Date> {
        let valid = (1..=12).contains(&month) && day >= 1 && day <= days_in_month(year, month);
        valid.then_some(Date { year, month, day })
    }

    /// Parses exactly `YYYY-MM-DD`.
    pub fn parse(text: &str) -> Option<Date> {
        let bytes = text.as_bytes();
        let shaped = bytes.len() == 10
            && bytes[4] == b'-'
            && bytes[7] == b'-'
            && bytes
                .iter()
                .enumerate()
                .all(|(i, b)| i == 4 || i == 7 || b.is_ascii_digit());
        if !shaped {
            return None;
        }
        Date::new(
            text[0..4].parse().ok()?,
            text[5..7].parse().ok()?,
            text[8..10].parse().ok()?,
        )
    }

    /// Today in UTC, from the system clock. Evaluation takes the date as a parameter so tests
    /// stay deterministic; this is for the cli.
    pub fn today_utc() -> Date {
        let secs = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |elapsed| elapsed.as_secs());
        // u64 seconds / 86400 fits in i64 for any real clock.
        Date::from_days(i64::try_from(secs / 86_400).unwrap_or(0))
    }

    /// The date `days` days later (earlier when negative).
    pub fn add_days(self, days: i64) -> Date {
        Date::from_days(self.days_since_epoch() + days)
    }

    /// Days from 1970-01-01 (negative before it).
    pub fn days_since_epoch(self) -> i64 {
        // Howard Hinnant's days_from_civil: shift the year to start in March so the leap day is last.
        let year = i64::from(self.year) - i64::from(self.month <= 2);
        let era = year.div_euclid(400);
        let year_of_era = year - era * 400;
        let month = i64::from(self.month);
        let day_of_year = (153 * (month + if month > 2 { -3 } else { 9 }) + 2) / 5 + i64::from(self.day) - 1;
        let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
        era * 146_097 + day_of_era - 719_468
    }

    fn from_days(days: i64) -> Date {
        // Inverse of days_since_epoch (Hinnant's civil_from_days).
        let z = days + 719_468;
        let era = z.div_euclid(146_097);
        let day_of_era = z - era * 146_097;
        let year_of_era = (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
        let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
        let mp = (5 * day_of_year + 2) / 153;
        let day = day_of_year - (153 * mp + 2) / 5 + 1;
        let month = if mp < 10 { mp + 3 } else { mp - 9 };
        let year = year_of_era + era * 400 + i64::from(month <= 2);
        Date {
            year: i32::try_from(year).unwrap_or(i32::MAX),
            month: u8::try_from(month).unwrap_or(1),
            day: u8::try_from(day).unwrap_or(1),
        }
    }
}

fn days_in_month(year: i32, month: u8) -> u8 {
    match month {
        2 if year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

impl Serialize for Date {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

#[cfg(test)]
mod tests {
    use super::Date;

    #[test]
    fn parses_only_real_dates() {
        assert_eq!(
            Date::parse("2024-02-29").map(|d| d.to_string()),
            Some("2024-02-29".into())
        );
        assert_eq!(Date::parse("2023-02-29"), None);
        assert_eq!(Date::parse("2025-13-01"), None);
        assert_eq!(Date::parse("2025-1-01"), None);
        assert_eq!(Date::parse("2025-01-01T00:00:00"), None);
        assert_eq!(Date::parse("+025-01-01"), None);
    }

    #[test]
    fn day_arithmetic_round_trips() {
        let epoch = Date::new(1970, 1, 1).unwrap();
        assert_eq!(epoch.days_since_epoch(), 0);
        let d = Date::new(2025, 1, 15).unwrap();
        assert_eq!(d.add_days(90).to_string(), "2025-04-15");
        assert_eq!(d.add_days(-15).to_string(), "2024-12-31");
        for offset in [-800_000, -1, 0, 59, 365, 20_000, 800_000] {
            assert_eq!(epoch.add_days(offset).days_since_epoch(), offset);
        }
    }
}
