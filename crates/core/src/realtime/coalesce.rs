//! Coalescing invalidations for cache consumers: a cascade (a project delete fires one event
//! per row) becomes at most one `Invalidate` per project and resource per window, so refetches
//! stay under the server's 100 requests/min. The activity stream still sees every event.

use super::message::Resource;
use std::collections::HashMap;
use std::time::Duration;
use tokio::time::Instant;

/// Refetch what this names.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Invalidate {
    /// Lowercase project UUID.
    pub project: String,
    /// The resource to refetch; `None` means everything in the project (a resync).
    pub resource: Option<Resource>,
}

#[derive(Debug)]
struct Slot {
    window_ends: Instant,
    pending: bool,
}

/// Leading-edge coalescer with one trailing emission: the first invalidation of a key goes
/// out at once; repeats within the window are folded into one emitted when the window ends.
#[derive(Debug)]
pub struct Coalescer {
    window: Duration,
    slots: HashMap<Invalidate, Slot>,
}

impl Coalescer {
    /// A coalescer with the given window.
    pub fn new(window: Duration) -> Self {
        Self {
            window,
            slots: HashMap::new(),
        }
    }

    /// Offers one invalidation; returns it if it should go out now.
    pub fn offer(&mut self, key: Invalidate, now: Instant) -> Option<Invalidate> {
        match self.slots.get_mut(&key) {
            Some(slot) if now < slot.window_ends => {
                slot.pending = true;
                None
            }
            _ => {
                self.slots.insert(
                    key.clone(),
                    Slot {
                        window_ends: now + self.window,
                        pending: false,
                    },
                );
                Some(key)
            }
        }
    }

    /// Invalidations whose window ended with repeats pending; each opens a new window.
    pub fn due(&mut self, now: Instant) -> Vec<Invalidate> {
        let mut out = Vec::new();
        let window = self.window;
        self.slots.retain(|key, slot| {
            if slot.window_ends > now {
                return true;
            }
            if slot.pending {
                out.push(key.clone());
                slot.window_ends = now + window;
                slot.pending = false;
                true
            } else {
                false
            }
        });
        out
    }

    /// When [`Coalescer::due`] should next be called.
    pub fn next_deadline(&self) -> Option<Instant> {
        self.slots.values().map(|s| s.window_ends).min()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(resource: Resource) -> Invalidate {
        Invalidate {
            project: "p".into(),
            resource: Some(resource),
        }
    }

    #[test]
    fn a_cascade_becomes_one_leading_and_one_trailing_invalidation_per_resource() {
        let start = Instant::now();
        let mut c = Coalescer::new(Duration::from_secs(1));
        let mut emitted = vec![];
        for i in 0..100u64 {
            let now = start + Duration::from_millis(i * 5);
            let resource = if i % 2 == 0 {
                Resource::Task
            } else {
                Resource::Sprint
            };
            emitted.extend(c.offer(key(resource), now));
            emitted.extend(c.due(now));
        }
        assert_eq!(
            emitted.len(),
            2,
            "one leading emission per resource: {emitted:?}"
        );
        emitted.extend(c.due(start + Duration::from_millis(1_005)));
        assert_eq!(emitted.len(), 4, "one trailing emission per resource");
        assert!(
            c.due(start + Duration::from_secs(3)).is_empty(),
            "nothing more was pending"
        );
        assert_eq!(c.next_deadline(), None, "idle keys are forgotten");
    }

    #[test]
    fn different_projects_are_not_folded_together() {
        let now = Instant::now();
        let mut c = Coalescer::new(Duration::from_secs(1));
        let a = c.offer(key(Resource::Task), now);
        let b = c.offer(
            Invalidate {
                project: "q".into(),
                resource: Some(Resource::Task),
            },
            now,
        );
        assert!(a.is_some() && b.is_some());
    }
}
