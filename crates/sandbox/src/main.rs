//! devhive-sandbox binary.

use clap::Parser;

#[derive(Parser)]
#[command(
    name = "devhive-sandbox",
    about = "A local DevHive-compatible server with fault controls"
)]
struct Cli {
    #[command(flatten)]
    args: devhive_sandbox::Args,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .init();
    devhive_sandbox::run_from_args(Cli::parse().args).await
}
