//! The `--demo` seed: alice, bob, carol, three projects (carol is not in Borealis), work and chat.

use crate::state::ops::NewUser;
use crate::state::work::{SprintPatch, TaskPatch};
use crate::Sandbox;
use uuid::Uuid;

/// Password of every demo user.
pub const PASSWORD: &str = "password123";
/// Demo user alice (owns Apollo).
pub const ALICE: Uuid = Uuid::from_u128(0x0000_a11c_e000_4000_8000_0000_0000_0001);
/// Demo user bob (owns Borealis).
pub const BOB: Uuid = Uuid::from_u128(0x0000_b0b0_0000_4000_8000_0000_0000_0002);
/// Demo user carol (owns Cassini; not a member of Borealis).
pub const CAROL: Uuid = Uuid::from_u128(0x0000_ca01_0000_4000_8000_0000_0000_0003);
/// Project Apollo (alice; bob admin, carol member).
pub const APOLLO: Uuid = Uuid::from_u128(0x0000_a901_1000_4000_8000_0000_0000_0011);
/// Project Borealis (bob; alice member; carol NOT a member).
pub const BOREALIS: Uuid = Uuid::from_u128(0x0000_b0ea_1000_4000_8000_0000_0000_0012);
/// Project Cassini (carol; alice and bob members).
pub const CASSINI: Uuid = Uuid::from_u128(0x0000_ca55_1000_4000_8000_0000_0000_0013);

/// `(username, id)` of every demo user.
pub const USERS: [(&str, Uuid); 3] = [("alice", ALICE), ("bob", BOB), ("carol", CAROL)];

/// `(name, id)` of every demo project.
pub const PROJECTS: [(&str, Uuid); 3] = [
    ("Apollo", APOLLO),
    ("Borealis", BOREALIS),
    ("Cassini", CASSINI),
];

/// Seeds the demo data through the normal write paths.
pub fn seed(sb: &Sandbox) {
    for (name, id) in USERS {
        let mut first = name.to_string();
        first[..1].make_ascii_uppercase();
        let user = NewUser {
            username: name.into(),
            email: format!("{name}@devhive.example"),
            password: PASSWORD.into(),
            first_name: first,
            last_name: "Demo".into(),
        };
        let _ = sb.register_user(user, Some(id));
    }
    let plan = [
        (
            APOLLO,
            "Apollo",
            ALICE,
            [(BOB, "admin"), (CAROL, "member")].as_slice(),
        ),
        (BOREALIS, "Borealis", BOB, [(ALICE, "member")].as_slice()),
        (
            CASSINI,
            "Cassini",
            CAROL,
            [(ALICE, "member"), (BOB, "member")].as_slice(),
        ),
    ];
    for (id, name, owner, members) in plan {
        let desc = format!("{name} demo project");
        let _ = sb.create_project_with(owner, name, &desc, Some(id));
        for (user, role) in members {
            sb.add_member(id, *user, role);
        }
        let sprint = sb
            .create_sprint(
                owner,
                id,
                &format!("{name} sprint 1"),
                SprintPatch {
                    is_started: Some(true),
                    ..Default::default()
                },
            )
            .ok()
            .map(|s| s.id);
        for (i, text) in [
            "Write the launch checklist",
            "Fix the flaky build",
            "Review the design doc",
        ]
        .iter()
        .enumerate()
        {
            let patch = TaskPatch {
                status: Some(i as i64 % 3),
                sprint_id: sprint,
                assignee_id: Some(owner),
                ..Default::default()
            };
            let _ = sb.create_task(owner, id, text, patch);
        }
        let _ = sb.post_message(owner, id, &format!("Welcome to {name}!"), "text", None);
        let _ = sb.post_message(owner, id, "Standup at 10:00", "text", None);
    }
}
