//! Progress on stderr for `mirage run` and `mirage sweep`: the indicatif
//! bars on a terminal and, for a sweep on a non-terminal, a plain line every
//! few seconds. The runner reports progress through
//! `mirage_runner::progress`; these are the binary's implementations.

use std::io::IsTerminal;
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressStyle};
use mirage_runner::progress::{RunProgress, SweepProgress, SweepStart};

/// Seconds between two progress lines when stderr is not a terminal.
const LINE_EVERY: Duration = Duration::from_secs(10);

/// The epoch bar of `mirage run` (drawn only on a terminal).
#[derive(Debug, Default)]
pub struct EpochBar {
    bar: Option<ProgressBar>,
}

impl RunProgress for EpochBar {
    fn start(&mut self, epochs: u64) {
        let bar = ProgressBar::new(epochs);
        bar.set_style(
            ProgressStyle::with_template(
                "{spinner} epoch {pos}/{len} [{elapsed_precise}] {wide_bar} {eta}",
            )
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
        );
        self.bar = Some(bar);
    }

    fn epoch_done(&mut self, _done: u64) {
        if let Some(bar) = &self.bar {
            bar.inc(1);
        }
    }

    fn finish(&mut self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

/// Progress of `mirage sweep` on stderr: a bar on a terminal, a line every
/// few seconds otherwise, nothing with `--quiet`.
#[derive(Debug)]
pub enum SweepBar {
    /// Not started yet (or quiet).
    Idle {
        quiet: bool,
    },
    Bar(ProgressBar),
    Lines(Instant),
}

impl SweepBar {
    pub fn new(quiet: bool) -> Self {
        Self::Idle { quiet }
    }
}

impl SweepProgress for SweepBar {
    fn start(&mut self, start: &SweepStart<'_>) {
        if matches!(self, Self::Idle { quiet: true }) {
            return;
        }
        eprintln!(
            "sweep: {} runs to do ({} of {} already done) on {} thread(s), into {}",
            start.pending,
            start.already,
            start.in_shard,
            start.threads,
            start.dir.display()
        );
        if !std::io::stderr().is_terminal() {
            *self = Self::Lines(Instant::now());
            return;
        }
        let bar = ProgressBar::new(start.in_shard).with_position(start.already);
        bar.set_style(
            ProgressStyle::with_template(
                "{spinner} sweep {pos}/{len} runs [{elapsed_precise}] {wide_bar} {per_sec} ETA {eta}",
            )
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
        );
        bar.reset_eta();
        *self = Self::Bar(bar);
    }

    fn run_done(&mut self, done: u64, total: u64, ran: u64, elapsed: Duration) {
        match self {
            Self::Bar(bar) => bar.inc(1),
            Self::Lines(last) => {
                if last.elapsed() >= LINE_EVERY {
                    *last = Instant::now();
                    eprintln!("{}", progress_line(done, total, ran, elapsed));
                }
            }
            Self::Idle { .. } => {}
        }
    }

    fn finish(&mut self) {
        if let Self::Bar(bar) = self {
            bar.finish_and_clear();
        }
    }
}

/// `sweep: 120/1000 runs (12.0%), 3.4 runs/s, about 4m 18s left`.
pub fn progress_line(done: u64, total: u64, ran: u64, elapsed: Duration) -> String {
    let rate = ran as f64 / elapsed.as_secs_f64().max(1e-9);
    let left = total.saturating_sub(done);
    let eta = if rate > 0.0 {
        format_duration(left as f64 / rate)
    } else {
        "?".into()
    };
    format!(
        "sweep: {done}/{total} runs ({:.1}%), {rate:.2} runs/s, about {eta} left",
        100.0 * done as f64 / total.max(1) as f64
    )
}

pub fn format_duration(seconds: f64) -> String {
    let s = seconds.round() as u64;
    match s {
        0..=59 => format!("{s}s"),
        60..=3599 => format!("{}m {:02}s", s / 60, s % 60),
        _ => format!("{}h {:02}m", s / 3600, (s % 3600) / 60),
    }
}
