//! `/api/v1/projects/{projectId}/messages`: newest-first list and create.

use super::errors::{json, op_error, problem};
use super::extract::{decode, paging, path_id, AuthUser};
use crate::config::ApiVersion;
use crate::gojson::{GoStruct, Kind};
use crate::state::ops::check_access;
use crate::views::MessageView;
use crate::Sandbox;
use axum::body::Body;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use uuid::Uuid;

/// `CreateMessageRequest`.
#[derive(Deserialize)]
pub struct CreateMessageRequest {
    #[serde(default)]
    content: String,
    #[serde(rename = "messageType")]
    message_type: Option<String>,
    #[serde(rename = "parentMessageId")]
    parent_message_id: Option<String>,
}

impl GoStruct for CreateMessageRequest {
    const GO_NAME: &'static str = "handlers.CreateMessageRequest";
    fn fields(_: ApiVersion) -> &'static [(&'static str, Kind)] {
        &[
            ("content", Kind::Str),
            ("messageType", Kind::Str),
            ("parentMessageId", Kind::Str),
        ]
    }
}

/// `GET …/messages?limit&offset`: `"messages": null` when empty.
pub async fn list(
    State(sb): State<Sandbox>,
    AuthUser(me): AuthUser,
    Path(raw): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let id = match path_id(&raw, "Invalid project ID") {
        Ok(id) => id,
        Err(r) => return r,
    };
    let (limit, offset) = paging(&q);
    let db = sb.db();
    if let Err(e) = check_access(&db, id, me) {
        return op_error(e);
    }
    let mut msgs: Vec<_> = db
        .messages
        .values()
        .filter(|m| m.project_id == id)
        .collect();
    msgs.sort_by(|a, b| b.created_at.cmp(&a.created_at).then(b.id.cmp(&a.id)));
    let items: Vec<MessageView> = msgs
        .into_iter()
        .skip(offset as usize)
        .take(limit as usize)
        .map(|m| MessageView::of(&db, m, true))
        .collect();
    #[derive(Serialize)]
    struct Out {
        messages: Option<Vec<MessageView>>,
        limit: i64,
        offset: i64,
    }
    json(
        StatusCode::OK,
        &Out {
            messages: (!items.is_empty()).then_some(items),
            limit,
            offset,
        },
    )
}

/// `POST …/messages`: 201 `MessageResponse` (A: empty sender).
pub async fn create(
    State(sb): State<Sandbox>,
    AuthUser(me): AuthUser,
    Path(raw): Path<String>,
    body: Body,
) -> Response {
    let id = match path_id(&raw, "Invalid project ID") {
        Ok(id) => id,
        Err(r) => return r,
    };
    let req: CreateMessageRequest = match decode(&sb, body).await {
        Ok(r) => r,
        Err(r) => return r,
    };
    if req.content.trim().is_empty() {
        return problem(StatusCode::BAD_REQUEST, "Message content is required");
    }
    let kind = req
        .message_type
        .filter(|t| !t.is_empty())
        .unwrap_or_else(|| "text".into());
    if !matches!(kind.as_str(), "text" | "image" | "file") {
        return problem(StatusCode::BAD_REQUEST, "Invalid message type");
    }
    let parent = match req.parent_message_id.filter(|p| !p.is_empty()) {
        None => None,
        Some(p) => match Uuid::parse_str(&p) {
            Ok(p) => Some(p),
            Err(_) => return problem(StatusCode::BAD_REQUEST, "Invalid parent message ID"),
        },
    };
    match sb.post_message(me, id, &req.content, &kind, parent) {
        Ok(m) => {
            let with_sender = sb.api_version() == ApiVersion::B;
            json(
                StatusCode::CREATED,
                &MessageView::of(&sb.db(), &m, with_sender),
            )
        }
        Err(e) => op_error(e),
    }
}
