//! The pure comparison of a stored snapshot with a fresh one: new messages by others; tasks
//! created, moved, reassigned, edited or deleted; members joined or left.

use super::missed::{status_name, Missed, MissedAction, MissedResource};
use crate::history::{MessageRow, ProjectSnapshot, TaskRow};
use std::collections::BTreeMap;
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

/// Everything in `fresh` that `stored` had not seen, for `me` (messages I sent are not
/// "missed"). Ordered members, tasks, then messages oldest first.
pub fn diff(
    project: &str,
    stored: &ProjectSnapshot,
    fresh: &ProjectSnapshot,
    me: &str,
) -> Vec<Missed> {
    let item = |resource, action, id: &str, summary: String, at: Option<String>| Missed {
        project: project.to_owned(),
        resource,
        action,
        id: id.to_owned(),
        summary,
        at,
        found_at_ms: fresh.taken_at_ms,
    };
    let mut out = Vec::new();

    let before: BTreeMap<&str, &str> = stored
        .members
        .iter()
        .map(|m| (m.user_id.as_str(), m.username.as_str()))
        .collect();
    let after: BTreeMap<&str, &str> = fresh
        .members
        .iter()
        .map(|m| (m.user_id.as_str(), m.username.as_str()))
        .collect();
    for (id, name) in &after {
        if !before.contains_key(id) {
            out.push(item(
                MissedResource::Member,
                MissedAction::Insert,
                id,
                format!("{name} joined"),
                None,
            ));
        }
    }
    for (id, name) in &before {
        if !after.contains_key(id) {
            out.push(item(
                MissedResource::Member,
                MissedAction::Delete,
                id,
                format!("{name} left"),
                None,
            ));
        }
    }

    let before: BTreeMap<&str, &TaskRow> =
        stored.tasks.iter().map(|t| (t.id.as_str(), t)).collect();
    for task in &fresh.tasks {
        match before.get(task.id.as_str()) {
            None => out.push(item(
                MissedResource::Task,
                MissedAction::Insert,
                &task.id,
                format!(
                    "new task ‘{}’ ({}){}",
                    task.title,
                    status_name(task.status),
                    assigned(task)
                ),
                None,
            )),
            Some(old) => {
                if let Some(summary) = task_change(old, task) {
                    out.push(item(
                        MissedResource::Task,
                        MissedAction::Update,
                        &task.id,
                        summary,
                        None,
                    ));
                }
            }
        }
    }
    // A full page means tasks beyond it are unknown, not deleted.
    if !fresh.tasks_truncated {
        let now: BTreeMap<&str, ()> = fresh.tasks.iter().map(|t| (t.id.as_str(), ())).collect();
        for old in &stored.tasks {
            if !now.contains_key(old.id.as_str()) {
                out.push(item(
                    MissedResource::Task,
                    MissedAction::Delete,
                    &old.id,
                    format!("task ‘{}’ deleted", old.title),
                    None,
                ));
            }
        }
    }

    let seen: BTreeMap<&str, ()> = stored
        .messages
        .iter()
        .map(|m| (m.id.as_str(), ()))
        .collect();
    let newest_seen = stored.messages.iter().filter_map(posted_at).max();
    let mut new: Vec<&MessageRow> = fresh
        .messages
        .iter()
        .filter(|m| !seen.contains_key(m.id.as_str()))
        .filter(|m| !m.sender_id.eq_ignore_ascii_case(me))
        // An unseen message older than the newest seen one fell out of the stored page.
        .filter(|m| match (posted_at(m), newest_seen) {
            (Some(at), Some(newest)) => at >= newest,
            _ => true,
        })
        .collect();
    new.sort_by_key(|m| (posted_at(m), m.id.clone()));
    for m in new {
        let who = if m.sender.is_empty() {
            "someone"
        } else {
            &m.sender
        };
        out.push(item(
            MissedResource::Message,
            MissedAction::Insert,
            &m.id,
            format!("{who}: {}", m.preview),
            m.created_at.clone(),
        ));
    }
    out
}

fn posted_at(m: &MessageRow) -> Option<OffsetDateTime> {
    m.created_at
        .as_deref()
        .and_then(|t| OffsetDateTime::parse(t, &Rfc3339).ok())
}

fn assigned(task: &TaskRow) -> String {
    task.assignee
        .as_deref()
        .map(|a| format!(", assigned to {a}"))
        .unwrap_or_default()
}

fn who(name: Option<&str>) -> &str {
    name.unwrap_or("nobody")
}

/// What changed in one task, in words; `None` when nothing did.
fn task_change(old: &TaskRow, new: &TaskRow) -> Option<String> {
    let mut parts = Vec::new();
    if old.title != new.title {
        parts.push(format!("renamed from ‘{}’", old.title));
    }
    if old.status != new.status {
        parts.push(format!(
            "moved {} → {}",
            status_name(old.status),
            status_name(new.status)
        ));
    }
    let reassigned = match (&old.assignee_id, &new.assignee_id) {
        (Some(a), Some(b)) => !a.eq_ignore_ascii_case(b),
        _ => old.assignee != new.assignee,
    };
    if reassigned {
        parts.push(format!(
            "reassigned {} → {}",
            who(old.assignee.as_deref()),
            who(new.assignee.as_deref())
        ));
    }
    (!parts.is_empty()).then(|| format!("‘{}’ {}", new.title, parts.join(", ")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::history::MemberRow;

    const ME: &str = "me";

    fn task(id: &str, status: i64, assignee: Option<&str>) -> TaskRow {
        TaskRow {
            id: id.into(),
            status,
            title: format!("Task {id}"),
            assignee_id: assignee.map(|a| format!("id-{a}")),
            assignee: assignee.map(str::to_owned),
        }
    }

    fn message(id: &str, sender: &str, at: &str) -> MessageRow {
        MessageRow {
            id: id.into(),
            sender_id: sender.into(),
            sender: sender.into(),
            created_at: Some(at.into()),
            preview: format!("text {id}"),
        }
    }

    fn member(id: &str) -> MemberRow {
        MemberRow {
            user_id: id.into(),
            username: format!("{id}-name"),
        }
    }

    fn base() -> ProjectSnapshot {
        ProjectSnapshot {
            taken_at_ms: 1_000,
            tasks: vec![
                task("t1", 0, Some("ada")),
                task("t2", 1, None),
                task("t3", 2, None),
            ],
            tasks_truncated: false,
            messages: vec![
                message("m1", "ada", "2026-01-01T09:00:00Z"),
                message("m2", ME, "2026-01-01T09:05:00Z"),
            ],
            members: vec![member("ada"), member(ME)],
        }
    }

    fn lines(items: &[Missed]) -> Vec<(MissedResource, &'static str, &str, &str)> {
        items
            .iter()
            .map(|m| {
                (
                    m.resource,
                    m.action.as_str(),
                    m.id.as_str(),
                    m.summary.as_str(),
                )
            })
            .collect()
    }

    #[test]
    fn an_unchanged_project_has_nothing_missed() {
        let fresh = ProjectSnapshot {
            taken_at_ms: 2_000,
            ..base()
        };
        assert!(diff("p", &base(), &fresh, ME).is_empty());
    }

    #[test]
    fn every_kind_of_change_is_one_line_with_the_servers_id() {
        let mut fresh = base();
        fresh.taken_at_ms = 2_000;
        fresh.tasks = vec![
            task("t1", 2, Some("bob")), // moved and reassigned
            task("t2", 1, None),        // unchanged
            task("t4", 0, None),        // created; t3 deleted
        ];
        fresh
            .messages
            .push(message("m3", "bob", "2026-01-01T10:00:00Z"));
        fresh
            .messages
            .push(message("m4", ME, "2026-01-01T10:01:00Z"));
        fresh.members = vec![member("ada"), member(ME), member("carol")];
        let missed = diff("p", &base(), &fresh, ME);
        assert_eq!(
            lines(&missed),
            vec![
                (
                    MissedResource::Member,
                    "INSERT",
                    "carol",
                    "carol-name joined"
                ),
                (
                    MissedResource::Task,
                    "UPDATE",
                    "t1",
                    "‘Task t1’ moved To do → Done, reassigned ada → bob"
                ),
                (
                    MissedResource::Task,
                    "INSERT",
                    "t4",
                    "new task ‘Task t4’ (To do)"
                ),
                (
                    MissedResource::Task,
                    "DELETE",
                    "t3",
                    "task ‘Task t3’ deleted"
                ),
                (MissedResource::Message, "INSERT", "m3", "bob: text m3"),
            ],
            "my own message m4 is not missed"
        );
        assert_eq!(missed[4].at.as_deref(), Some("2026-01-01T10:00:00Z"));
        assert_eq!(missed[0].found_at_ms, 2_000);
    }

    #[test]
    fn members_leaving_and_tasks_renamed_are_reported() {
        let mut fresh = base();
        fresh.members = vec![member(ME)];
        fresh.tasks[1].title = "Renamed".into();
        let missed = diff("p", &base(), &fresh, ME);
        assert_eq!(
            lines(&missed),
            vec![
                (MissedResource::Member, "DELETE", "ada", "ada-name left"),
                (
                    MissedResource::Task,
                    "UPDATE",
                    "t2",
                    "‘Renamed’ renamed from ‘Task t2’"
                ),
            ]
        );
    }

    #[test]
    fn a_full_task_page_never_reports_the_tasks_beyond_it_as_deleted() {
        let mut fresh = base();
        fresh.tasks.truncate(1);
        fresh.tasks_truncated = true;
        assert!(diff("p", &base(), &fresh, ME).is_empty());
    }

    #[test]
    fn messages_that_fell_out_of_the_stored_page_are_not_new() {
        let mut stored = base();
        stored.messages.remove(0); // m1 is older than the page we kept
        let mut fresh = base();
        fresh
            .messages
            .push(message("m5", "ada", "2026-01-01T09:05:00Z"));
        let missed = diff("p", &stored, &fresh, ME);
        assert_eq!(
            lines(&missed),
            vec![(MissedResource::Message, "INSERT", "m5", "ada: text m5")],
            "m1 is older than what we saw; m5, posted in the same second as m2, is new"
        );
    }

    #[test]
    fn a_project_that_had_no_messages_reports_every_message_by_others() {
        let mut stored = base();
        stored.messages.clear();
        let missed = diff("p", &stored, &base(), ME);
        assert_eq!(
            lines(&missed),
            vec![(MissedResource::Message, "INSERT", "m1", "ada: text m1")]
        );
    }

    #[test]
    fn ids_compare_without_case_for_the_sender_and_the_assignee() {
        let mut fresh = base();
        fresh.tasks[0].assignee_id = Some("ID-ADA".into());
        fresh.messages.push(MessageRow {
            sender_id: "ME".into(),
            ..message("m9", ME, "2026-01-02T00:00:00Z")
        });
        assert!(diff("p", &base(), &fresh, ME).is_empty());
    }
}
