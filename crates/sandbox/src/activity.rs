//! `--simulate-activity`: demo users post messages and move tasks through the normal write paths.

use crate::state::work::TaskPatch;
use crate::Sandbox;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use std::time::Duration;
use tokio::task::AbortHandle;

/// Starts the simulator when configured; returns its handle.
pub fn start(sb: &Sandbox) -> Option<AbortHandle> {
    let per_min = sb.config().simulate_activity_per_min.filter(|n| *n > 0)?;
    let sb = sb.clone();
    let period = Duration::from_secs_f64(60.0 / f64::from(per_min));
    let task = tokio::spawn(async move {
        let mut rng = StdRng::seed_from_u64(42);
        let mut tick = tokio::time::interval(period);
        tick.tick().await;
        loop {
            tick.tick().await;
            step(&sb, &mut rng);
        }
    });
    Some(task.abort_handle())
}

/// One simulated action by a random demo user in a project they belong to.
pub fn step(sb: &Sandbox, rng: &mut StdRng) {
    let (_, project) = crate::demo::PROJECTS[rng.gen_range(0..crate::demo::PROJECTS.len())];
    let members: Vec<uuid::Uuid> = {
        let db = sb.db();
        db.members
            .iter()
            .filter(|m| m.project_id == project)
            .map(|m| m.user_id)
            .collect()
    };
    if members.is_empty() {
        return;
    }
    let actor = members[rng.gen_range(0..members.len())];
    if rng.gen_bool(0.5) {
        const LINES: [&str; 5] = [
            "Pushed a fix",
            "Can someone review?",
            "Build is green",
            "Moving this to next sprint",
            "Lunch?",
        ];
        let _ = sb.post_message(
            actor,
            project,
            LINES[rng.gen_range(0..LINES.len())],
            "text",
            None,
        );
    } else {
        let task = {
            let db = sb.db();
            let mut tasks: Vec<_> = db
                .tasks
                .values()
                .filter(|t| t.project_id == project)
                .map(|t| (t.id, t.status))
                .collect();
            tasks.sort();
            (!tasks.is_empty()).then(|| tasks[rng.gen_range(0..tasks.len())])
        };
        if let Some((id, status)) = task {
            let patch = TaskPatch {
                status: Some((status + 1) % 3),
                ..Default::default()
            };
            let _ = sb.update_task(actor, id, patch);
        }
    }
}
