//! The notification policy: chat messages and task changes by others, never my own actions,
//! nothing while paused or in quiet mode or for a project switched off, and at most one per
//! project per 10 s, then a summary ([`NotifyThrottle`]). Pure: time is passed in.

use super::settings::Settings;
use super::throttle::{summary_text, Decision, NotifyThrottle};
use super::view::FocusView;
use serde::Deserialize;
use tokio::time::Instant;
use ts_rs::TS;

/// A feed line a front end offers for a desktop notification; the policy decides.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, TS)]
pub struct NotifyItem {
    /// Project id.
    pub project_id: String,
    /// Project name for the title and summaries.
    pub project_name: String,
    /// The sentence.
    pub text: String,
    /// Who did it, when known.
    pub actor_id: Option<String>,
    /// The line's key in the front end's feed, so a click on the notification can show it.
    #[serde(default)]
    #[ts(optional)]
    pub key: Option<String>,
}

/// A notification to show now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    /// The title (the project's name, or "DevHive" for a summary).
    pub title: String,
    /// The sentence.
    pub body: String,
    /// Where a click on it leads: the project, and the feed line (none for a summary).
    pub target: FocusView,
}

/// The policy's state: the throttle.
#[derive(Debug, Default)]
pub struct NotifyPolicy {
    throttle: NotifyThrottle,
}

impl NotifyPolicy {
    /// What to show now of `items`, offered at `now` by a user with id `me`.
    pub fn offer(
        &mut self,
        settings: &Settings,
        me: Option<&str>,
        items: Vec<NotifyItem>,
        now: Instant,
    ) -> Vec<Notice> {
        if settings.paused || settings.quiet {
            return Vec::new();
        }
        let mine = |item: &NotifyItem| {
            me.is_some_and(|me| {
                item.actor_id
                    .as_deref()
                    .is_some_and(|a| a.eq_ignore_ascii_case(me))
            })
        };
        items
            .into_iter()
            .filter(|item| !mine(item) && settings.notifies(&item.project_id.to_ascii_lowercase()))
            .filter(|item| self.throttle.offer(&item.project_id, now) == Decision::Show)
            .map(|item| Notice {
                title: item.project_name,
                body: item.text,
                target: FocusView {
                    project_id: item.project_id,
                    key: item.key,
                },
            })
            .collect()
    }

    /// Summaries that became due at `now`; `name` turns a project id into its name.
    pub fn due(
        &mut self,
        settings: &Settings,
        now: Instant,
        name: impl Fn(&str) -> String,
    ) -> Vec<Notice> {
        let due = self.throttle.due(now);
        if settings.paused || settings.quiet {
            return Vec::new();
        }
        due.into_iter()
            .map(|s| Notice {
                title: "DevHive".into(),
                body: summary_text(s.count, &name(&s.project)),
                target: FocusView {
                    project_id: s.project,
                    key: None,
                },
            })
            .collect()
    }

    /// Forgets everything held back (sign-out, pause).
    pub fn clear(&mut self) {
        self.throttle.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn item(project: &str, actor: &str) -> NotifyItem {
        NotifyItem {
            project_id: project.into(),
            project_name: project.to_uppercase(),
            text: format!("{actor}: hello"),
            actor_id: Some(actor.into()),
            key: Some(format!("message/{actor}")),
        }
    }

    #[test]
    fn my_own_actions_are_never_notified() {
        let mut p = NotifyPolicy::default();
        let shown = p.offer(
            &Settings::default(),
            Some("ALICE"),
            vec![item("apollo", "alice")],
            Instant::now(),
        );
        assert!(shown.is_empty(), "ids compare case-insensitively");
    }

    #[test]
    fn one_per_project_then_a_summary() {
        let mut p = NotifyPolicy::default();
        let t0 = Instant::now();
        let s = Settings::default();
        let shown = p.offer(
            &s,
            None,
            vec![
                item("apollo", "bob"),
                item("apollo", "carol"),
                item("zeus", "bob"),
            ],
            t0,
        );
        assert_eq!(shown.len(), 2, "one per project inside the window");
        assert_eq!(
            shown[0].target,
            FocusView {
                project_id: "apollo".into(),
                key: Some("message/bob".into())
            },
            "a click leads to the line it tells of"
        );
        let due = p.due(&s, t0 + Duration::from_secs(10), |id| format!("<{id}>"));
        assert_eq!(
            due,
            vec![Notice {
                title: "DevHive".into(),
                body: "1 new update in <apollo>".into(),
                target: FocusView {
                    project_id: "apollo".into(),
                    key: None
                },
            }]
        );
    }

    #[test]
    fn paused_quiet_and_switched_off_projects_show_nothing() {
        let mut p = NotifyPolicy::default();
        let now = Instant::now();
        for settings in [
            Settings {
                paused: true,
                ..Settings::default()
            },
            Settings {
                quiet: true,
                ..Settings::default()
            },
            Settings {
                notify: [("apollo".to_owned(), false)].into(),
                ..Settings::default()
            },
        ] {
            assert!(
                p.offer(&settings, None, vec![item("apollo", "bob")], now)
                    .is_empty(),
                "{settings:?}"
            );
        }
    }
}
