//! Parser throughput against plain `serde_json` to `Value` on the same corpus (target ≥ 80 %).

// criterion_group! generates an undocumented public fn; the bench is not an API.
#![allow(missing_docs)]

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use devhive_core::realtime::parse;
use std::hint::black_box;
use std::time::{Duration, Instant};

const CORPUS: &[&str] = &[
    r#"{"type":"cache_invalidate","data":{"action":"UPDATE","id":"c1d2e3f4-a5b6-4c7d-8e9f-0a1b2c3d4e5f","project_id":"3f6c2a9e-8b1d-4c7e-9a2f-5d4e6b7c8a90","resource":"tasks","timestamp":"2025-12-20T21:04:11.52731+00:00"},"project_id":"3f6c2a9e-8b1d-4c7e-9a2f-5d4e6b7c8a90"}"#,
    r#"{"type":"cache_invalidate","data":{"action":"INSERT","id":"3f6c2a9e-8b1d-4c7e-9a2f-5d4e6b7c8a90:9b2e4f1a-7c3d-4e5f-8a6b-1c2d3e4f5a6b","project_id":"3f6c2a9e-8b1d-4c7e-9a2f-5d4e6b7c8a90","resource":"project_members","timestamp":"2025-12-20T21:05:00.1+00:00"}}"#,
    r#"{"type":"reconnect","data":{"reason":"notify_reconnect"}}"#,
    r#"{"type":"cache_invalidate","data":{"action":"INSERT","id":"0f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0","project_id":"3f6c2a9e-8b1d-4c7e-9a2f-5d4e6b7c8a90","resource":"message","timestamp":"2025-12-28T03:12:45.004211+00:00"},"projectId":"3f6c2a9e-8b1d-4c7e-9a2f-5d4e6b7c8a90"}"#,
    r#"{"type":"message_created","projectId":"3f6c2a9e-8b1d-4c7e-9a2f-5d4e6b7c8a90","data":{"content":"Deploy is green","createdAt":"2025-12-28T03:12:45Z","id":"0f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0","messageType":"text","projectId":"3f6c2a9e-8b1d-4c7e-9a2f-5d4e6b7c8a90","sender":{"firstName":"Kai","lastName":"Hedrick","username":"kai"},"senderId":"9b2e4f1a-7c3d-4e5f-8a6b-1c2d3e4f5a6b","updatedAt":"2025-12-28T03:12:45Z"},"timestamp":"2025-12-28T03:12:45Z"}"#,
    r#"{"type":"cache_invalidate","projectId":"3f6c2a9e-8b1d-4c7e-9a2f-5d4e6b7c8a90","data":{"action":"DELETE","id":"3f6c2a9e-8b1d-4c7e-9a2f-5d4e6b7c8a90:9b2e4f1a-7c3d-4e5f-8a6b-1c2d3e4f5a6b","projectId":"3f6c2a9e-8b1d-4c7e-9a2f-5d4e6b7c8a90","resource":"project_members","timestamp":"2025-12-28T03:15:02.123456789Z"},"timestamp":"2025-12-28T03:15:02Z"}"#,
    r#"{"type":"task_deleted","projectId":"3f6c2a9e-8b1d-4c7e-9a2f-5d4e6b7c8a90","data":{"id":"c1d2e3f4-a5b6-4c7d-8e9f-0a1b2c3d4e5f","projectId":"3f6c2a9e-8b1d-4c7e-9a2f-5d4e6b7c8a90"},"timestamp":"2025-12-28T03:16:40Z"}"#,
    r#"{"action":"pong"}"#,
];

fn bytes() -> u64 {
    CORPUS.iter().map(|f| f.len() as u64).sum()
}

fn time_per_pass(mut f: impl FnMut()) -> Duration {
    for _ in 0..2_000 {
        f();
    }
    let rounds = 20_000;
    let start = Instant::now();
    for _ in 0..rounds {
        f();
    }
    start.elapsed() / rounds
}

fn parser(c: &mut Criterion) {
    let mut group = c.benchmark_group("parser");
    group
        .throughput(Throughput::Bytes(bytes()))
        .measurement_time(Duration::from_secs(3))
        .warm_up_time(Duration::from_secs(1));
    group.bench_function("devhive_parse", |b| {
        b.iter(|| {
            for frame in CORPUS {
                let _ = black_box(parse(black_box(frame.as_bytes())));
            }
        })
    });
    group.bench_function("serde_json_value", |b| {
        b.iter(|| {
            for frame in CORPUS {
                let _ = black_box(serde_json::from_slice::<serde_json::Value>(black_box(
                    frame.as_bytes(),
                )));
            }
        })
    });
    group.finish();
    let ours = time_per_pass(|| {
        for frame in CORPUS {
            let _ = black_box(parse(black_box(frame.as_bytes())));
        }
    });
    let plain = time_per_pass(|| {
        for frame in CORPUS {
            let _ = black_box(serde_json::from_slice::<serde_json::Value>(black_box(
                frame.as_bytes(),
            )));
        }
    });
    println!(
        "parser throughput ratio (ours / serde_json Value): {:.0} % (ours {:?}, Value {:?} per corpus pass; target >= 80 %)",
        100.0 * plain.as_secs_f64() / ours.as_secs_f64(),
        ours,
        plain
    );
}

criterion_group!(benches, parser);
criterion_main!(benches);
