//! A calendar date (`YYYY-MM-DD`), enough for suppression expiry: parse, compare, add days.
//! The calendar is jiff's (`jiff::civil::Date`); this type keeps the strict `YYYY-MM-DD` form a
//! policy file must use and the UTC "today" the cli gates by.

use std::fmt;

use jiff::civil;
use jiff::tz::TimeZone;
use jiff::{Span, Timestamp, Unit};
use serde::{Serialize, Serializer};

/// A day in the proleptic Gregorian calendar. Orders chronologically.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date(civil::Date);

/// The day days are counted from.
const EPOCH: civil::Date = civil::date(1970, 1, 1);

impl Date {
    /// The date, or `None` when it does not exist (`2025-02-30`).
    pub fn new(year: i32, month: u8, day: u8) -> Option<Date> {
        let year = i16::try_from(year).ok()?;
        let (month, day) = (i8::try_from(month).ok()?, i8::try_from(day).ok()?);
        civil::Date::new(year, month, day).ok().map(Date)
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
        Date(TimeZone::UTC.to_datetime(Timestamp::now()).date())
    }

    /// The date `days` days later (earlier when negative), at the calendar's ends at most.
    pub fn add_days(self, days: i64) -> Date {
        let span = Span::new().try_days(days).unwrap_or_else(|_| match days.is_negative() {
            true => Span::new().days(-7_304_484),
            false => Span::new().days(7_304_484),
        });
        Date(self.0.saturating_add(span))
    }

    /// Days from 1970-01-01 (negative before it).
    pub fn days_since_epoch(self) -> i64 {
        let span = self.0.since((Unit::Day, EPOCH)).unwrap_or_default();
        i64::from(span.get_days())
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
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
