//! Memory and CPU of a process from `/proc` (Linux only; other platforms read as zero).

use std::time::Duration;

/// Resident set size now and at its peak, in KiB.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Memory {
    /// `VmRSS`.
    pub rss_kib: u64,
    /// `VmHWM` (peak resident set size).
    pub peak_kib: u64,
}

/// This process's memory from `/proc/self/status`.
pub fn memory_self() -> Memory {
    memory_of("self")
}

/// A process's memory from `/proc/<pid>/status`.
pub fn memory_of(pid: &str) -> Memory {
    let text = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    parse_status(&text)
}

/// Reads `VmRSS` and `VmHWM` out of a `/proc/<pid>/status` text.
pub fn parse_status(text: &str) -> Memory {
    let field = |name: &str| {
        text.lines()
            .find_map(|line| line.strip_prefix(name))
            .and_then(|rest| rest.split_whitespace().next())
            .and_then(|n| n.parse().ok())
            .unwrap_or(0)
    };
    Memory {
        rss_kib: field("VmRSS:"),
        peak_kib: field("VmHWM:"),
    }
}

/// User + system CPU time a process has used, from `/proc/<pid>/stat` (clock ticks of
/// 10 ms, the Linux default `USER_HZ`).
pub fn cpu_time_of(pid: &str) -> Duration {
    let text = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    parse_stat_cpu(&text)
}

/// `utime + stime` out of a `/proc/<pid>/stat` line (fields 14 and 15, after the `comm`
/// field, which may hold spaces and parentheses).
pub fn parse_stat_cpu(text: &str) -> Duration {
    let Some(after_comm) = text.rfind(')').map(|i| &text[i + 1..]) else {
        return Duration::ZERO;
    };
    let fields: Vec<&str> = after_comm.split_whitespace().collect();
    // After `comm`: state is field 3, so utime (14) and stime (15) sit at 11 and 12.
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|f| f.parse::<u64>().ok())
            .unwrap_or(0)
    };
    Duration::from_millis((ticks(11) + ticks(12)) * 10)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_fields_are_read_in_kib() {
        let m = parse_status("Name:\tx\nVmHWM:\t  2048 kB\nVmRSS:\t  1024 kB\n");
        assert_eq!(
            m,
            Memory {
                rss_kib: 1024,
                peak_kib: 2048
            }
        );
    }

    #[test]
    fn cpu_time_survives_a_command_name_with_spaces_and_parentheses() {
        let line = "42 (a (b) c) S 1 42 42 0 -1 4194560 100 0 0 0 7 3 0 0 20 0 1 0 5 1000 50";
        assert_eq!(parse_stat_cpu(line), Duration::from_millis(100));
    }
}
