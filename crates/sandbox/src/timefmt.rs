//! Timestamp formats the real server emits (Go RFC 3339 and PostgreSQL JSON).

use time::OffsetDateTime;

/// The current UTC time; the only place the sandbox reads the wall clock.
pub fn now() -> OffsetDateTime {
    OffsetDateTime::now_utc()
}

fn date_time(t: OffsetDateTime) -> String {
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    )
}

/// Go's `time.RFC3339` in UTC: whole seconds and a `Z` suffix, e.g. `2025-12-20T21:03:56Z`.
pub fn rfc3339(t: OffsetDateTime) -> String {
    format!("{}Z", date_time(t.to_offset(time::UtcOffset::UTC)))
}

/// Go's `time.RFC3339Nano` in UTC: nanoseconds with trailing zeros trimmed.
pub fn rfc3339_nano(t: OffsetDateTime) -> String {
    let t = t.to_offset(time::UtcOffset::UTC);
    format!("{}{}Z", date_time(t), fraction(t.nanosecond(), 9))
}

/// PostgreSQL `NOW()` serialised to JSON: microseconds, trailing zeros trimmed, `+00:00`.
pub fn pg_json(t: OffsetDateTime) -> String {
    let t = t.to_offset(time::UtcOffset::UTC);
    format!(
        "{}{}+00:00",
        date_time(t),
        fraction(t.nanosecond() / 1000, 6)
    )
}

fn fraction(value: u32, digits: usize) -> String {
    if value == 0 {
        return String::new();
    }
    let s = format!("{value:0digits$}");
    format!(".{}", s.trim_end_matches('0'))
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn pg_json_trims_trailing_zeros_of_microseconds() {
        let t = datetime!(2025-12-20 21:04:11.527310 UTC);
        assert_eq!(pg_json(t), "2025-12-20T21:04:11.52731+00:00");
        let t = datetime!(2025-12-20 21:05:00.1 UTC);
        assert_eq!(pg_json(t), "2025-12-20T21:05:00.1+00:00");
        let t = datetime!(2025-12-20 21:05:00 UTC);
        assert_eq!(pg_json(t), "2025-12-20T21:05:00+00:00");
    }

    #[test]
    fn rfc3339_has_whole_seconds_and_z() {
        let t = datetime!(2025-12-28 03:15:02.123456789 UTC);
        assert_eq!(rfc3339(t), "2025-12-28T03:15:02Z");
        assert_eq!(rfc3339_nano(t), "2025-12-28T03:15:02.123456789Z");
    }
}
