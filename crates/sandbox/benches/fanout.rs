//! Fan-out throughput: 2,000 fly sockets over 20 projects, events emitted through the real pipeline.

// criterion_group! generates an undocumented public function.
#![allow(missing_docs)]

use criterion::{criterion_group, criterion_main, Criterion};
use devhive_sandbox::{spawn, Config};
use futures_util::StreamExt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::Message;

const SOCKETS: usize = 2_000;
const PROJECTS: usize = 20;

fn fanout(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let (run, owner, projects, received) = rt.block_on(async {
        let run = spawn(Config {
            rate_limit_per_minute: None,
            ..Config::default()
        })
        .await;
        let owner = run.sandbox.create_user("owner", "pw");
        let projects: Vec<_> = (0..PROJECTS)
            .map(|i| run.sandbox.create_project(owner, &format!("p{i}")))
            .collect();
        let token = run.sandbox.issue_access_token(owner);
        let received = Arc::new(AtomicU64::new(0));
        for i in 0..SOCKETS {
            let mut req = format!("{}?projectId={}", run.ws_fly_url(), projects[i % PROJECTS])
                .into_client_request()
                .unwrap();
            req.headers_mut()
                .insert("authorization", format!("Bearer {token}").parse().unwrap());
            let (mut ws, _) = tokio_tungstenite::connect_async(req).await.unwrap();
            let received = received.clone();
            tokio::spawn(async move {
                while let Some(Ok(m)) = ws.next().await {
                    if let Message::Text(_) = m {
                        received.fetch_add(1, Ordering::Relaxed);
                    }
                }
            });
        }
        (run, owner, projects, received)
    });
    let mut group = c.benchmark_group("fanout");
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(3))
        .warm_up_time(Duration::from_secs(1));
    // One iteration: 200 task events (10 per project, 100 sockets each) = 20,000 deliveries.
    group.bench_function("2000_sockets_200_events", |b| {
        b.iter_custom(|iters| {
            rt.block_on(async {
                let start = Instant::now();
                for _ in 0..iters {
                    let target =
                        received.load(Ordering::Relaxed) + (200 * SOCKETS / PROJECTS) as u64;
                    for k in 0..200 {
                        let p = projects[k % PROJECTS];
                        run.sandbox
                            .create_task(owner, p, "bench", Default::default())
                            .unwrap();
                        if k % 20 == 19 {
                            tokio::task::yield_now().await;
                        }
                    }
                    while received.load(Ordering::Relaxed) < target {
                        tokio::task::yield_now().await;
                    }
                }
                start.elapsed()
            })
        })
    });
    group.finish();
    // A plain throughput line for the README.
    let (deliveries, secs) = rt.block_on(async {
        let before = received.load(Ordering::Relaxed);
        let start = Instant::now();
        let rounds = 10u64;
        for _ in 0..rounds {
            for k in 0..200 {
                run.sandbox
                    .create_task(owner, projects[k % PROJECTS], "bench", Default::default())
                    .unwrap();
                if k % 20 == 19 {
                    tokio::task::yield_now().await;
                }
            }
        }
        let target = before + rounds * (200 * SOCKETS / PROJECTS) as u64;
        while received.load(Ordering::Relaxed) < target {
            tokio::task::yield_now().await;
        }
        (target - before, start.elapsed().as_secs_f64())
    });
    let stats = run.sandbox.stats();
    println!(
        "fanout: {SOCKETS} sockets, {deliveries} events delivered in {secs:.3} s = {:.0} events/s (open sockets {})",
        deliveries as f64 / secs,
        stats.open_sockets_total()
    );
}

criterion_group!(benches, fanout);
criterion_main!(benches);
