//! The reconnect herd in the suite: 200 independent clients, the sandbox restarts on the same
//! port after 1 s down. design.md §6: all back within 35 s, no 100 ms window with more than
//! 25 % of them, at most one refresh per client. The 1,000-client run is `scripts/herd`.

use devhive_proof::herd::{self, HerdConfig};
use std::time::Duration;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_hundred_clients_come_back_after_a_restart_spread_out_and_without_refresh_storms() {
    let clients = 200;
    let report = herd::run(HerdConfig {
        clients,
        projects: 10,
        downtime: Duration::from_secs(1),
        patience: Duration::from_secs(40),
    })
    .await;
    println!("{}", report.render());
    assert_eq!(
        report.reconnect.len(),
        clients,
        "every client reconnects after the restart"
    );
    assert!(
        report.slowest() <= Duration::from_secs(35),
        "all back within 35 s: slowest {:?}",
        report.slowest()
    );
    assert!(
        report.busiest_share() <= 0.25,
        "full jitter spreads the herd: {} clients ({:.1} %) in one 100 ms window",
        report.busiest_100ms,
        report.busiest_share() * 100.0
    );
    assert!(
        report.refreshes <= clients as u64,
        "a restart costs at most one refresh per client: {}",
        report.refreshes
    );
}
