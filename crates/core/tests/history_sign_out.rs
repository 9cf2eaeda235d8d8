//! Signing out wipes that account's history and only that account's (failure mode 11).

mod app_support;

use app_support::*;
use devhive_core::app::{ServerChoice, ServerSettings};
use devhive_core::history::{FeedRecord, HistoryKey, HistoryStore, Origin};
use devhive_sandbox::demo;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn signing_out_deletes_my_history_and_leaves_other_accounts_alone() {
    let machine = Machine::new("history-wipe");
    let running = sandbox().await;
    let mut config = machine.config();
    config.demo = true;
    let data_dir = config.data_dir.clone();
    let (app, _port) = machine.launch_with(config);
    app.set_sandbox_url(running.base_url());
    let mut request = sign_in(
        ServerSettings {
            choice: ServerChoice::Sandbox,
            ..ServerSettings::default()
        },
        "alice",
        false,
    );
    request.password = demo::PASSWORD.into();
    app.sign_in(request).await.unwrap();
    let base = app.server().unwrap().profile.rest_base;
    let alice = HistoryKey::new(&base, &demo::ALICE.to_string());
    let bob = HistoryKey::new(&base, &demo::BOB.to_string());
    for key in [&alice, &bob] {
        let store = HistoryStore::open(&data_dir, key).unwrap().store;
        store
            .append_feed(&[FeedRecord {
                at_ms: 1,
                project: demo::APOLLO.to_string(),
                origin: Origin::Live,
                resource: "message".into(),
                action: "INSERT".into(),
                item_id: "m1".into(),
                summary: "bob: hi".into(),
            }])
            .unwrap();
    }
    app.sign_out().await.unwrap();
    assert!(
        !alice.path_in(&data_dir).exists(),
        "alice's history is gone with her session"
    );
    let left = HistoryStore::open(&data_dir, &bob).unwrap().store;
    assert_eq!(
        left.feed(None, 10).unwrap().len(),
        1,
        "bob's history is untouched"
    );
}
