//! The NOTIFY-like pipeline: row changes become fly `cache_invalidate` frames, handler events
//! become aws frames, both routed as the real server routes them and logged in the stats.

use crate::config::ApiVersion;
use crate::gojson;
use crate::timefmt;
use crate::ws::hub::{Flavour, Target};
use crate::Sandbox;
use axum::extract::ws::Utf8Bytes;
use serde::Serialize;
use serde_json::Value;
use time::OffsetDateTime;
use uuid::Uuid;

/// A table with a NOTIFY trigger.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Table {
    /// `projects`.
    Projects,
    /// `sprints`.
    Sprints,
    /// `tasks`.
    Tasks,
    /// `project_members`.
    ProjectMembers,
    /// `messages` (trigger exists in B only).
    Messages,
}

impl Table {
    fn resource(self, v: ApiVersion) -> &'static str {
        match (self, v) {
            (Table::Projects, ApiVersion::A) => "projects",
            (Table::Projects, ApiVersion::B) => "project",
            (Table::Sprints, ApiVersion::A) => "sprints",
            (Table::Sprints, ApiVersion::B) => "sprint",
            (Table::Tasks, ApiVersion::A) => "tasks",
            (Table::Tasks, ApiVersion::B) => "task",
            (Table::ProjectMembers, _) => "project_members",
            (Table::Messages, ApiVersion::A) => "messages",
            (Table::Messages, ApiVersion::B) => "message",
        }
    }
}

/// One row changed by a statement (what `TG_OP` and the row give the trigger).
#[derive(Debug, Clone)]
pub struct RowChange {
    /// Table of the row.
    pub table: Table,
    /// `INSERT`, `UPDATE` or `DELETE`.
    pub action: &'static str,
    /// Row id; `<project>:<user>` for members.
    pub id: String,
    /// Project the row belongs to.
    pub project_id: Uuid,
}

/// An application event of the aws flavour (§3.4).
#[derive(Debug, Clone)]
pub struct AppEvent {
    /// `task_created`, `message_created`, …
    pub kind: &'static str,
    /// Project the event is broadcast to.
    pub project_id: Uuid,
    /// Payload; its object keys are sorted on output.
    pub data: Value,
}

/// Everything one operation (one transaction) emits.
#[derive(Debug, Default)]
pub struct Emission {
    /// Row changes in statement order.
    pub rows: Vec<RowChange>,
    /// Handler events.
    pub app: Vec<AppEvent>,
}

impl Emission {
    /// Adds a row change.
    pub fn row(&mut self, table: Table, action: &'static str, id: String, project_id: Uuid) {
        self.rows.push(RowChange {
            table,
            action,
            id,
            project_id,
        });
    }

    /// Adds an aws event.
    pub fn app(&mut self, kind: &'static str, project_id: Uuid, data: Value) {
        self.app.push(AppEvent {
            kind,
            project_id,
            data,
        });
    }
}

/// `data` of a fly `cache_invalidate`, keys in Go map (alphabetical) order.
#[derive(Serialize)]
struct CacheData<'a> {
    action: &'a str,
    id: &'a str,
    project_id: String,
    resource: &'a str,
    timestamp: &'a str,
}

/// The Gorilla hub's `Message` struct; only one project key is ever set.
#[derive(Serialize)]
struct FlyEnvelope<'a, D: Serialize> {
    #[serde(rename = "type")]
    kind: &'a str,
    data: D,
    #[serde(skip_serializing_if = "Option::is_none")]
    project_id: Option<String>,
    #[serde(rename = "projectId", skip_serializing_if = "Option::is_none")]
    project_id_b: Option<String>,
}

/// The broadcaster Lambda's `OutgoingMessage`.
#[derive(Serialize)]
struct AwsEnvelope<'a> {
    #[serde(rename = "type")]
    kind: &'a str,
    #[serde(rename = "projectId")]
    project_id: String,
    data: Value,
    timestamp: String,
}

impl Sandbox {
    /// Publishes one transaction's events with `at` as PostgreSQL's transaction time.
    pub(crate) fn publish(&self, em: Emission, at: OffsetDateTime) {
        let v = self.inner.config.api_version;
        let ts = timefmt::pg_json(at);
        for row in &em.rows {
            if row.table == Table::Messages && v == ApiVersion::A {
                continue;
            }
            let resource = row.table.resource(v);
            let pid = row.project_id.to_string();
            let data = CacheData {
                action: row.action,
                id: &row.id,
                project_id: pid.clone(),
                resource,
                timestamp: &ts,
            };
            let to_all = row.table == Table::ProjectMembers
                || (row.table == Table::Projects && row.action != "UPDATE");
            let scoped = (!to_all).then(|| pid.clone());
            let env = FlyEnvelope {
                kind: "cache_invalidate",
                data,
                project_id: scoped.clone().filter(|_| v == ApiVersion::A),
                project_id_b: scoped.clone().filter(|_| v == ApiVersion::B),
            };
            let target = match &scoped {
                Some(p) => Target::Project(Flavour::Fly, p.clone()),
                None => Target::All(Flavour::Fly),
            };
            self.deliver(Flavour::Fly, target, scoped, gojson::marshal(&env));
        }
        let ts = timefmt::rfc3339(at);
        for ev in em.app {
            let pid = ev.project_id.to_string();
            let env = AwsEnvelope {
                kind: ev.kind,
                project_id: pid.clone(),
                data: gojson::sorted(ev.data),
                timestamp: ts.clone(),
            };
            let target = Target::Project(Flavour::Aws, pid.clone());
            self.deliver(Flavour::Aws, target, Some(pid), gojson::marshal(&env));
        }
    }

    /// Sends a frame and records it.
    pub(crate) fn deliver(
        &self,
        flavour: Flavour,
        target: Target,
        project: Option<String>,
        frame: String,
    ) {
        let bytes = Utf8Bytes::from(frame);
        let n = self.inner.hub.send(&target, &bytes);
        self.inner.stats.event(flavour, project, bytes.as_str(), n);
    }

    /// Sends `{"type":"reconnect","data":{"reason":"notify_reconnect"}}` to every fly socket.
    pub fn send_reconnect(&self) {
        let frame = r#"{"type":"reconnect","data":{"reason":"notify_reconnect"}}"#.to_string();
        self.deliver(Flavour::Fly, Target::All(Flavour::Fly), None, frame);
    }
}
