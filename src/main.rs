//! The `mirage` command line: parses arguments, dispatches to one module per
//! subcommand under `cli/`, and prints errors with their whole cause chain.
//! The simulation is `mirage-sim`'s, the metrics `mirage-analysis`'s, the
//! dashboards `mirage-dashboard`'s, and running scenarios and sweeps into
//! output files `mirage-runner`'s; this binary defines the arguments and
//! prints (summaries, messages, progress).

mod cli;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let args = cli::Cli::parse();
    exit_cleanly_on_signals();
    match cli::execute(args) {
        Ok(code) => code,
        Err(err) => {
            if is_broken_pipe(&err) {
                return ExitCode::SUCCESS;
            }
            eprintln!("error: {err:#}");
            ExitCode::from(2)
        }
    }
}

/// On SIGINT or SIGTERM, removes the staging directory of a run being
/// written (so no partial output is left) and exits with the conventional
/// code, 128 + the signal's number (130, 143). A running sweep is asked to
/// stop instead (`cli::interrupt`): it finishes the runs under way, says
/// how many are done and exits with that code; a second signal stops it at
/// once.
fn exit_cleanly_on_signals() {
    use signal_hook::consts::{SIGINT, SIGTERM};
    let Ok(mut signals) = signal_hook::iterator::Signals::new([SIGINT, SIGTERM]) else {
        return;
    };
    std::thread::spawn(move || {
        for signal in signals.forever() {
            if cli::interrupt::request_stop(signal) {
                eprintln!(
                    "mirage: interrupted: finishing the runs under way (interrupt again to stop at once)"
                );
                continue;
            }
            mirage_runner::staging::remove_all_staging();
            eprintln!("mirage: interrupted");
            std::process::exit(128 + signal);
        }
    });
}

/// A closed stdout (`mirage metrics ... | head`) is not an error.
fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|cause| {
        cause
            .downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
            || cause
                .downcast_ref::<serde_json::Error>()
                .and_then(serde_json::Error::io_error_kind)
                == Some(std::io::ErrorKind::BrokenPipe)
    })
}
