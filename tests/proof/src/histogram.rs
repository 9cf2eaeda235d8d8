//! Distribution helpers for the herd: percentiles, the busiest 100 ms window, and a small
//! text histogram.

use std::fmt::Write;
use std::time::Duration;

/// The `q`-quantile (0.0 … 1.0) of sorted durations (nearest rank); zero when empty.
pub fn quantile(sorted: &[Duration], q: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let rank = ((q * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
    sorted[rank - 1]
}

/// The most values inside any window of `width` (sliding, not aligned); `values` sorted.
pub fn busiest_window(sorted: &[Duration], width: Duration) -> usize {
    let mut best = 0;
    let mut start = 0;
    for end in 0..sorted.len() {
        while sorted[end] - sorted[start] >= width {
            start += 1;
        }
        best = best.max(end - start + 1);
    }
    best
}

/// A text histogram of sorted durations in `buckets` equal bins from zero to the maximum.
pub fn render(sorted: &[Duration], buckets: usize) -> String {
    let mut out = String::new();
    let Some(max) = sorted.last().copied() else {
        return "(no samples)\n".into();
    };
    let buckets = buckets.max(1);
    let width = (max.as_secs_f64() / buckets as f64).max(0.001);
    let mut counts = vec![0usize; buckets];
    for d in sorted {
        let i = ((d.as_secs_f64() / width) as usize).min(buckets - 1);
        counts[i] += 1;
    }
    let peak = counts.iter().copied().max().unwrap_or(1).max(1);
    for (i, count) in counts.iter().enumerate() {
        let bar = "#".repeat((count * 50).div_ceil(peak));
        let _ = writeln!(
            out,
            "{:>7.2} s – {:>7.2} s | {:>5} | {bar}",
            i as f64 * width,
            (i + 1) as f64 * width,
            count
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(v: &[u64]) -> Vec<Duration> {
        v.iter().map(|m| Duration::from_millis(*m)).collect()
    }

    #[test]
    fn the_busiest_window_slides_rather_than_using_aligned_bins() {
        // Aligned 100 ms bins hold at most 3 (105, 150, 190); the window from 95 holds 4.
        let v = ms(&[0, 95, 105, 150, 190, 400]);
        assert_eq!(busiest_window(&v, Duration::from_millis(100)), 4);
    }

    #[test]
    fn quantiles_use_the_nearest_rank() {
        let v = ms(&[1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
        assert_eq!(quantile(&v, 0.5), Duration::from_millis(5));
        assert_eq!(quantile(&v, 0.99), Duration::from_millis(10));
        assert_eq!(quantile(&v, 1.0), Duration::from_millis(10));
    }

    #[test]
    fn every_sample_lands_in_a_bin() {
        let text = render(&ms(&[10, 20, 30, 1000]), 4);
        let total: usize = text
            .lines()
            .map(|l| {
                l.split('|')
                    .nth(1)
                    .unwrap()
                    .trim()
                    .parse::<usize>()
                    .unwrap()
            })
            .sum();
        assert_eq!(total, 4);
    }
}
