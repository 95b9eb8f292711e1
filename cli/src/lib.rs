//! The `shiplog` command: `replay` (the local main job), and the tools around it (`bench`,
//! `redrive`, `slice`).
//!
//! Shipping for real (`replay --to-opensearch`, `redrive`) and reading back (`slice`) need the
//! `opensearch` feature, which brings the HTTP client and the AWS SDK (`shiplog-adapters`).
//! Without it the command still parses those flags and says how to build it with them; `replay`
//! to NDJSON and `bench` never compile the SDK.

pub mod args;
pub mod bench;
pub mod inputs;
pub mod ndjson;
pub mod parallel;
#[cfg(feature = "opensearch")]
pub mod redrive;
pub mod replay;
#[cfg(feature = "opensearch")]
pub mod ship;
#[cfg(feature = "opensearch")]
pub mod slice;

use clap::{Parser, Subcommand};

/// Exit status: every input decoded (rejected lines allowed).
pub const EXIT_OK: u8 = 0;
/// Exit status: at least one input could not be decoded at all.
pub const EXIT_UNDECODABLE: u8 = 1;
/// Exit status: usage error (bad flags, unreadable path).
pub const EXIT_USAGE: u8 = 2;
/// Exit status (`slice`): no document matches the id.
pub const EXIT_NOT_FOUND: u8 = 1;
/// Exit status (`--to-opensearch`, `redrive`): some documents are neither in OpenSearch nor in a
/// dead letter.
pub const EXIT_UNDELIVERED: u8 = 3;

/// shiplog — CloudWatch Logs subscription payloads → OpenSearch documents + CloudWatch metrics.
#[derive(Debug, Parser)]
#[command(name = "shiplog", version, about, long_about = None)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Decode and parse Lambda events and print, as NDJSON, exactly what ship-logs would send.
    Replay(replay::ReplayArgs),
    /// Re-send dead-lettered documents (s3://bucket/prefix) to OpenSearch.
    Redrive(args::RedriveArgs),
    /// Measure the pipeline against the floor on a generated (or given) workload; or write the
    /// workload with --generate.
    Bench(bench::BenchArgs),
    /// Follow one user action: every document of the requests reachable from a request,
    /// trace or correlation id, grouped per invocation, in time order (from OpenSearch).
    Slice(args::SliceArgs),
}

/// Runs a parsed command line and returns the process exit status.
pub fn run(cli: Cli) -> u8 {
    match cli.command {
        Command::Replay(args) => replay::run(&args),
        #[cfg(feature = "opensearch")]
        Command::Redrive(args) => redrive::run(&args),
        #[cfg(not(feature = "opensearch"))]
        Command::Redrive(_) => without_opensearch("redrive"),
        Command::Bench(args) => bench::run(&args),
        #[cfg(feature = "opensearch")]
        Command::Slice(args) => slice::run(&args),
        #[cfg(not(feature = "opensearch"))]
        Command::Slice(_) => without_opensearch("slice"),
    }
}

/// What a build without the `opensearch` feature answers to a command that ships for real: the
/// reason and the build command that has it; a usage error.
#[cfg(not(feature = "opensearch"))]
pub fn without_opensearch(what: &str) -> u8 {
    eprintln!(
        "shiplog {what}: this shiplog was built without shipping to OpenSearch; build it with \
         `cargo build --release -p shiplog-cli --features opensearch` \
         (or `cargo run --release -p shiplog-cli --features opensearch -- ...`)"
    );
    EXIT_USAGE
}
