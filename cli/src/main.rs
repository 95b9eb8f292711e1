//! `shiplog`: the command-line tool. Wiring only; the work is in the `shiplog_cli` library.

use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = shiplog_cli::Cli::parse();
    ExitCode::from(shiplog_cli::run(cli))
}
