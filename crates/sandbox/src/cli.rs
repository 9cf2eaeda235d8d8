//! Command-line flags shared by the `devhive-sandbox` binary and `devhive sandbox`.

use crate::{ApiVersion, Config, Sandbox};
use std::net::SocketAddr;
use std::time::Duration;

/// Flags of the sandbox server.
#[derive(Debug, Clone, clap::Args)]
pub struct Args {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,
    /// Backend version to imitate: a or b.
    #[arg(long, default_value = "b", value_parser = parse_version)]
    pub api_version: ApiVersion,
    /// Access-token lifetime, e.g. 15m, 30s, 1h, or plain seconds.
    #[arg(long, default_value = "15m", value_parser = parse_duration)]
    pub access_ttl: Duration,
    /// HS256 signing key.
    #[arg(long)]
    pub signing_key: Option<String>,
    /// Requests per minute per IP, or `off`.
    #[arg(long, default_value = "100", value_parser = parse_rate)]
    pub rate_limit: Rate,
    /// Seed alice, bob and carol with three projects.
    #[arg(long)]
    pub demo: bool,
    /// Simulated events per minute from the demo users (implies --demo).
    #[arg(long)]
    pub simulate_activity: Option<u32>,
}

/// A parsed `--rate-limit` value.
#[derive(Debug, Clone, Copy)]
pub struct Rate(pub Option<u32>);

fn parse_version(s: &str) -> Result<ApiVersion, String> {
    match s.to_ascii_lowercase().as_str() {
        "a" => Ok(ApiVersion::A),
        "b" => Ok(ApiVersion::B),
        _ => Err("expected a or b".into()),
    }
}

fn parse_rate(s: &str) -> Result<Rate, String> {
    if s.eq_ignore_ascii_case("off") {
        return Ok(Rate(None));
    }
    s.parse::<u32>()
        .map(|n| Rate(Some(n)))
        .map_err(|_| "expected a number or off".into())
}

/// Parses `15m`, `30s`, `2h`, `500ms` or plain seconds.
pub fn parse_duration(s: &str) -> Result<Duration, String> {
    let s = s.trim();
    let split = s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
    let (num, unit) = s.split_at(split);
    let n: u64 = num.parse().map_err(|_| format!("bad duration {s:?}"))?;
    match unit {
        "" | "s" => Ok(Duration::from_secs(n)),
        "ms" => Ok(Duration::from_millis(n)),
        "m" => Ok(Duration::from_secs(n * 60)),
        "h" => Ok(Duration::from_secs(n * 3600)),
        _ => Err(format!("bad duration unit {unit:?}")),
    }
}

impl Args {
    /// The configuration these flags describe.
    pub fn config(&self) -> Config {
        let mut c = Config {
            api_version: self.api_version,
            access_ttl: self.access_ttl,
            rate_limit_per_minute: self.rate_limit.0,
            demo: self.demo || self.simulate_activity.is_some(),
            simulate_activity_per_min: self.simulate_activity,
            ..Config::default()
        };
        if let Some(k) = &self.signing_key {
            c.signing_key = k.clone();
        }
        c
    }
}

/// Runs the server until Ctrl-C, printing its URLs and the demo credentials.
pub async fn run_from_args(args: Args) -> anyhow::Result<()> {
    let config = args.config();
    let demo = config.demo;
    let sandbox = Sandbox::new(config);
    let listener = tokio::net::TcpListener::bind(args.listen).await?;
    let addr = listener.local_addr()?;
    println!(
        "DevHive sandbox (API {:?}) listening on http://{addr}",
        args.api_version
    );
    println!("  REST:      http://{addr}/api/v1");
    println!("  WS (fly):  ws://{addr}/api/v1/messages/ws?projectId=<uuid>");
    println!("  WS (aws):  ws://{addr}/aws?token=<jwt>&projectId=<uuid>");
    println!("  control:   http://{addr}/__sandbox/stats (loopback only)");
    if demo {
        println!("Demo users (password {}):", crate::demo::PASSWORD);
        for (name, id) in crate::demo::USERS {
            println!("  {name:<6} {id}");
        }
        for (name, id) in crate::demo::PROJECTS {
            println!("  project {name:<9} {id}");
        }
    }
    sandbox
        .run(listener, async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await?;
    Ok(())
}
