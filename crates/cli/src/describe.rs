//! Human words for `devhive watch`'s text mode: project names instead of UUIDs, and the
//! content behind an event (the chat line, the task and its status), fetched over REST
//! through the app model's [`AuthedApi`] (one refresh and retry on a 401).
//! The JSON-lines mode never uses this: it prints exactly what the server sent.

use devhive_core::api::Task;
use devhive_core::app::{AuthedApi, FeedEventView};
use devhive_core::realtime::RowAction as Action;
use devhive_core::session::Session;
use std::collections::BTreeMap;

/// Status names of the reference server's task statuses (0…3).
pub fn status_name(status: i64) -> String {
    match status {
        0 => "To do".into(),
        1 => "In progress".into(),
        2 => "Done".into(),
        3 => "Blocked".into(),
        other => format!("status {other}"),
    }
}

/// A project label for a text line: its name when known, else its id.
pub fn project_label(names: &BTreeMap<String, String>, project: Option<&str>) -> String {
    match project {
        Some(id) => names.get(id).cloned().unwrap_or_else(|| id.to_owned()),
        None => "-".to_owned(),
    }
}

/// The sentence for a task event, given the task as it is now (if it still exists).
pub fn task_sentence(action: Option<Action>, task: Option<&Task>) -> String {
    match (action, task) {
        (Some(Action::Delete), _) | (_, None) => "a task was deleted".to_owned(),
        (Some(Action::Insert), Some(task)) => format!(
            "new task ‘{}’ ({})",
            task.description,
            status_name(task.status)
        ),
        (_, Some(task)) => format!("‘{}’ is now {}", task.description, status_name(task.status)),
    }
}

/// Looks up what an event is about. Each lookup is one REST call; a failed lookup falls back
/// to the event's own fields, so the feed never stalls on a slow server.
pub struct Describer {
    /// REST for the signed-in account.
    pub api: AuthedApi<Session>,
}

impl Describer {
    /// A sentence for `event`, or `None` when there is nothing more to say than its fields.
    pub async fn sentence(&self, event: &FeedEventView) -> Option<String> {
        let project = event.project_id.as_str();
        let id = event.id.as_deref()?;
        let action = match event.action.as_deref() {
            Some("INSERT") => Some(Action::Insert),
            Some("UPDATE") => Some(Action::Update),
            Some("DELETE") => Some(Action::Delete),
            _ => None,
        };
        match (event.resource.as_deref(), action) {
            (Some("message"), Some(Action::Insert)) => {
                let page = self.api.messages(project, 20).await.ok()?;
                let message = page.into_iter().find(|m| m.id == id)?;
                let who = message
                    .sender
                    .map(|s| s.username)
                    .filter(|name| !name.is_empty())
                    .unwrap_or_else(|| "someone".to_owned());
                Some(format!("{who}: {}", message.content))
            }
            (Some("task"), action) => {
                let task = match action {
                    Some(Action::Delete) => None,
                    _ => self.api.task(id).await.ok().flatten(),
                };
                Some(task_sentence(action, task.as_ref()))
            }
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn task(description: &str, status: i64) -> Task {
        serde_json::from_value(serde_json::json!({
            "id": "t1", "projectId": "p1", "description": description, "status": status
        }))
        .expect("a task")
    }

    #[test]
    fn task_updates_read_as_the_task_and_its_new_status() {
        let fix = task("Fix login", 2);
        assert_eq!(
            task_sentence(Some(Action::Update), Some(&fix)),
            "‘Fix login’ is now Done"
        );
        assert_eq!(
            task_sentence(Some(Action::Insert), Some(&fix)),
            "new task ‘Fix login’ (Done)"
        );
        assert_eq!(
            task_sentence(Some(Action::Delete), None),
            "a task was deleted"
        );
    }

    #[test]
    fn unknown_projects_and_statuses_fall_back_to_what_we_have() {
        let names = BTreeMap::from([("p1".to_owned(), "Apollo".to_owned())]);
        assert_eq!(project_label(&names, Some("p1")), "Apollo");
        assert_eq!(project_label(&names, Some("p2")), "p2");
        assert_eq!(project_label(&names, None), "-");
        assert_eq!(status_name(9), "status 9");
    }
}
