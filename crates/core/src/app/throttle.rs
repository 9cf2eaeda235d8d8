//! Notification throttling, as a pure machine: at most one notification per project per
//! window (10 s); what arrives inside the window is counted and later shown as one summary
//! ("5 new updates in Apollo"). Time is passed in, so tests need no clock.

use std::collections::HashMap;
use std::time::Duration;

use tokio::time::Instant;

/// The default per-project window.
pub const WINDOW: Duration = Duration::from_secs(10);

/// What to do with one offered notification.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    /// Show it now.
    Show,
    /// Hold it back; it is counted into the next summary.
    Suppress,
}

/// A summary that became due: `count` updates in `project` were held back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Summary {
    /// The project id.
    pub project: String,
    /// How many notifications were held back.
    pub count: u32,
}

#[derive(Debug, Clone)]
struct Slot {
    last_shown: Instant,
    held: u32,
}

/// Per-project throttle state.
#[derive(Debug, Clone)]
pub struct NotifyThrottle {
    window: Duration,
    slots: HashMap<String, Slot>,
}

impl Default for NotifyThrottle {
    fn default() -> Self {
        Self::new(WINDOW)
    }
}

impl NotifyThrottle {
    /// A throttle with the given window.
    pub fn new(window: Duration) -> Self {
        Self {
            window,
            slots: HashMap::new(),
        }
    }

    /// Offers one notification for `project` at `now`.
    pub fn offer(&mut self, project: &str, now: Instant) -> Decision {
        match self.slots.get_mut(project) {
            Some(slot) if now.saturating_duration_since(slot.last_shown) < self.window => {
                slot.held += 1;
                Decision::Suppress
            }
            Some(slot) if slot.held > 0 => {
                // A summary is still owed: it goes out first (via `due`), this one joins it.
                slot.held += 1;
                Decision::Suppress
            }
            _ => {
                self.slots.insert(
                    project.to_owned(),
                    Slot {
                        last_shown: now,
                        held: 0,
                    },
                );
                Decision::Show
            }
        }
    }

    /// Summaries whose window has passed at `now`; each restarts its project's window.
    pub fn due(&mut self, now: Instant) -> Vec<Summary> {
        let mut out = Vec::new();
        for (project, slot) in &mut self.slots {
            if slot.held > 0 && now.saturating_duration_since(slot.last_shown) >= self.window {
                out.push(Summary {
                    project: project.clone(),
                    count: slot.held,
                });
                slot.held = 0;
                slot.last_shown = now;
            }
        }
        out.sort_by(|a, b| a.project.cmp(&b.project));
        out
    }

    /// When the next summary becomes due, if any is owed.
    pub fn next_deadline(&self) -> Option<Instant> {
        self.slots
            .values()
            .filter(|s| s.held > 0)
            .map(|s| s.last_shown + self.window)
            .min()
    }

    /// Drops everything held (on sign-out or when notifications are paused).
    pub fn clear(&mut self) {
        self.slots.clear();
    }
}

/// The text of a summary notification.
pub fn summary_text(count: u32, project_name: &str) -> String {
    if count == 1 {
        format!("1 new update in {project_name}")
    } else {
        format!("{count} new updates in {project_name}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_notification_of_a_project_is_shown() {
        let mut t = NotifyThrottle::default();
        assert_eq!(t.offer("apollo", Instant::now()), Decision::Show);
    }

    #[test]
    fn second_notification_within_ten_seconds_is_held_for_a_summary() {
        let mut t = NotifyThrottle::default();
        let t0 = Instant::now();
        t.offer("apollo", t0);
        for i in 1..=5 {
            assert_eq!(
                t.offer("apollo", t0 + Duration::from_secs(i)),
                Decision::Suppress,
                "inside the 10 s window nothing else is shown"
            );
        }
        assert!(t.due(t0 + Duration::from_secs(9)).is_empty());
        assert_eq!(t.next_deadline(), Some(t0 + WINDOW));
        assert_eq!(
            t.due(t0 + WINDOW),
            vec![Summary {
                project: "apollo".into(),
                count: 5
            }]
        );
        assert!(t.due(t0 + WINDOW * 3).is_empty(), "a summary is sent once");
    }

    #[test]
    fn projects_are_throttled_independently() {
        let mut t = NotifyThrottle::default();
        let t0 = Instant::now();
        assert_eq!(t.offer("apollo", t0), Decision::Show);
        assert_eq!(t.offer("zeus", t0), Decision::Show);
        assert_eq!(
            t.offer("apollo", t0 + Duration::from_secs(1)),
            Decision::Suppress
        );
    }

    #[test]
    fn after_a_summary_the_window_restarts() {
        let mut t = NotifyThrottle::default();
        let t0 = Instant::now();
        t.offer("apollo", t0);
        t.offer("apollo", t0 + Duration::from_secs(2));
        assert_eq!(t.due(t0 + WINDOW).len(), 1);
        assert_eq!(
            t.offer("apollo", t0 + WINDOW + Duration::from_secs(1)),
            Decision::Suppress,
            "the summary counts as the project's notification for the next window"
        );
        assert_eq!(
            t.offer("apollo", t0 + WINDOW * 2 + Duration::from_secs(1)),
            Decision::Suppress
        );
        assert_eq!(t.due(t0 + WINDOW * 2).first().map(|s| s.count), Some(2));
    }

    #[test]
    fn a_quiet_project_shows_again_after_the_window() {
        let mut t = NotifyThrottle::default();
        let t0 = Instant::now();
        t.offer("apollo", t0);
        assert_eq!(t.offer("apollo", t0 + WINDOW), Decision::Show);
    }

    #[test]
    fn summary_text_counts_updates() {
        assert_eq!(summary_text(5, "Apollo"), "5 new updates in Apollo");
        assert_eq!(summary_text(1, "Apollo"), "1 new update in Apollo");
    }
}
