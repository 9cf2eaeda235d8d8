use super::*;

const P: &str = "3f6c2a9e-8b1d-4c7e-9a2f-5d4e6b7c8a90";

fn event(frame: &str) -> FeedEvent {
    match parse(frame.as_bytes()).expect("frame parses") {
        ServerEvent::Event(event) => event,
        other => panic!("expected an event, got {other:?}"),
    }
}

#[test]
fn fly_a_task_update_takes_the_project_from_the_snake_case_envelope_and_singularises_tasks() {
    let e = event(
        r#"{"type":"cache_invalidate","data":{"action":"UPDATE","id":"c1d2e3f4-a5b6-4c7d-8e9f-0a1b2c3d4e5f","project_id":"3f6c2a9e-8b1d-4c7e-9a2f-5d4e6b7c8a90","resource":"tasks","timestamp":"2025-12-20T21:04:11.52731+00:00"},"project_id":"3f6c2a9e-8b1d-4c7e-9a2f-5d4e6b7c8a90"}"#,
    );
    assert_eq!(e.kind, EventKind::CacheInvalidate);
    assert_eq!(e.project.as_deref(), Some(P));
    assert_eq!(e.resource, Some(Resource::Task));
    assert_eq!(e.action, Some(Action::Update));
    assert_eq!(
        e.id.as_deref(),
        Some("c1d2e3f4-a5b6-4c7d-8e9f-0a1b2c3d4e5f")
    );
}

#[test]
fn fly_member_change_without_envelope_key_takes_the_project_from_data_and_keeps_project_members() {
    let e = event(
        r#"{"type":"cache_invalidate","data":{"action":"INSERT","id":"3f6c2a9e-8b1d-4c7e-9a2f-5d4e6b7c8a90:9b2e4f1a-7c3d-4e5f-8a6b-1c2d3e4f5a6b","project_id":"3f6c2a9e-8b1d-4c7e-9a2f-5d4e6b7c8a90","resource":"project_members","timestamp":"2025-12-20T21:05:00.1+00:00"}}"#,
    );
    assert_eq!(e.project.as_deref(), Some(P));
    assert_eq!(e.resource, Some(Resource::ProjectMembers));
    assert_eq!(e.action, Some(Action::Insert));
}

#[test]
fn reconnect_message_is_its_own_event_with_the_reason() {
    let parsed = parse(br#"{"type":"reconnect","data":{"reason":"notify_reconnect"}}"#).unwrap();
    assert_eq!(
        parsed,
        ServerEvent::Reconnect {
            reason: Some("notify_reconnect".into())
        }
    );
}

#[test]
fn fly_b_message_insert_uses_the_camel_case_envelope() {
    let e = event(
        r#"{"type":"cache_invalidate","data":{"action":"INSERT","id":"0f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0","project_id":"3f6c2a9e-8b1d-4c7e-9a2f-5d4e6b7c8a90","resource":"message","timestamp":"2025-12-28T03:12:45.004211+00:00"},"projectId":"3f6c2a9e-8b1d-4c7e-9a2f-5d4e6b7c8a90"}"#,
    );
    assert_eq!(e.project.as_deref(), Some(P));
    assert_eq!(e.resource, Some(Resource::Message));
}

#[test]
fn aws_message_created_implies_message_insert_and_summarises_the_content() {
    let e = event(
        r#"{"type":"message_created","projectId":"3f6c2a9e-8b1d-4c7e-9a2f-5d4e6b7c8a90","data":{"content":"Deploy is green","createdAt":"2025-12-28T03:12:45Z","id":"0f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0","messageType":"text","projectId":"3f6c2a9e-8b1d-4c7e-9a2f-5d4e6b7c8a90","sender":{"firstName":"Kai","lastName":"Hedrick","username":"kai"},"senderId":"9b2e4f1a-7c3d-4e5f-8a6b-1c2d3e4f5a6b","updatedAt":"2025-12-28T03:12:45Z"},"timestamp":"2025-12-28T03:12:45Z"}"#,
    );
    assert_eq!(e.kind, EventKind::MessageCreated);
    assert_eq!(e.resource, Some(Resource::Message));
    assert_eq!(e.action, Some(Action::Insert));
    assert_eq!(e.summary.as_deref(), Some("Deploy is green"));
}

#[test]
fn aws_member_removal_reads_project_id_inside_data() {
    let e = event(
        r#"{"type":"cache_invalidate","data":{"action":"DELETE","id":"3f6c2a9e-8b1d-4c7e-9a2f-5d4e6b7c8a90:9b2e4f1a-7c3d-4e5f-8a6b-1c2d3e4f5a6b","projectId":"3f6c2a9e-8b1d-4c7e-9a2f-5d4e6b7c8a90","resource":"project_members","timestamp":"2025-12-28T03:15:02.123456789Z"}}"#,
    );
    assert_eq!(e.project.as_deref(), Some(P));
    assert_eq!(e.action, Some(Action::Delete));
}

#[test]
fn aws_task_deleted_and_pong_are_understood() {
    let e = event(
        r#"{"type":"task_deleted","projectId":"3f6c2a9e-8b1d-4c7e-9a2f-5d4e6b7c8a90","data":{"id":"c1d2e3f4-a5b6-4c7d-8e9f-0a1b2c3d4e5f","projectId":"3f6c2a9e-8b1d-4c7e-9a2f-5d4e6b7c8a90"},"timestamp":"2025-12-28T03:16:40Z"}"#,
    );
    assert_eq!(
        (e.resource, e.action),
        (Some(Resource::Task), Some(Action::Delete))
    );
    assert_eq!(parse(br#"{"action":"pong"}"#).unwrap(), ServerEvent::Pong);
}

#[test]
fn aws_member_added_gets_a_composite_id_from_project_and_user() {
    let e = event(
        r#"{"type":"member_added","projectId":"3F6C2A9E-8B1D-4C7E-9A2F-5D4E6B7C8A90","data":{"projectId":"3f6c2a9e-8b1d-4c7e-9a2f-5d4e6b7c8a90","role":"member","userId":"9B2E4F1A-7C3D-4E5F-8A6B-1C2D3E4F5A6B"}}"#,
    );
    assert_eq!(e.project.as_deref(), Some(P), "project ids are lowercased");
    assert_eq!(e.resource, Some(Resource::ProjectMembers));
    assert_eq!(
        e.id.as_deref(),
        Some("3f6c2a9e-8b1d-4c7e-9a2f-5d4e6b7c8a90:9b2e4f1a-7c3d-4e5f-8a6b-1c2d3e4f5a6b")
    );
}

#[test]
fn unknown_types_pass_through_as_other() {
    let e = event(r#"{"type":"member_removed","projectId":"P","data":null}"#);
    assert_eq!(e.kind, EventKind::Other("member_removed".into()));
    assert_eq!(e.project.as_deref(), Some("p"));
}

#[test]
fn wrongly_typed_fields_are_ignored_rather_than_fatal() {
    let e = event(r#"{"type":"cache_invalidate","projectId":5,"data":"x","resource":["a"]}"#);
    assert_eq!(e.project, None);
    assert_eq!(e.resource, None);
}

#[test]
fn bad_json_non_objects_and_typeless_frames_are_typed_errors() {
    assert!(matches!(
        parse(b"{not json"),
        Err(ParseError::Malformed { .. })
    ));
    assert!(matches!(parse(b"[1,2]"), Err(ParseError::NotAnObject)));
    assert!(matches!(parse(b"\"x\""), Err(ParseError::NotAnObject)));
    assert!(matches!(parse(b""), Err(ParseError::Malformed { .. })));
    assert!(matches!(parse(b"{}"), Err(ParseError::MissingType)));
}

#[test]
fn frames_over_one_mebibyte_are_rejected_before_parsing() {
    let big = vec![b' '; MAX_FRAME_BYTES + 1];
    assert!(
        matches!(parse(&big), Err(ParseError::Oversized { len }) if len == MAX_FRAME_BYTES + 1)
    );
}

#[test]
fn escaped_strings_are_decoded() {
    let e = event(r#"{"type":"message_created","projectId":"p","data":{"content":"a \u003c b"}}"#);
    assert_eq!(e.summary.as_deref(), Some("a < b"));
}

#[test]
fn long_summaries_are_cut_at_eighty_characters() {
    let text = "x".repeat(200);
    let e = event(&format!(
        r#"{{"type":"message_created","data":{{"content":"{text}"}}}}"#
    ));
    assert_eq!(e.summary.unwrap().chars().count(), 81);
}
