//! The `rkube` binary: argument parsing, wiring and lifecycle of every role. Flags live in
//! [`cli`]; each role's behaviour lives in its crate. Start at [`main`].

mod cli;
mod server;

use clap::Parser;

fn main() -> std::process::ExitCode {
    let args = cli::Cli::parse();
    let result = match args.command {
        cli::Command::Server(flags) => server::run(flags),
    };
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("rkube: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
