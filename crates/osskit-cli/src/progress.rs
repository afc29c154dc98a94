//! Transfer progress bars (bytes, rate, ETA), drawn only when stdout is a terminal.

use std::io::IsTerminal;
use std::sync::atomic::{AtomicU64, Ordering};

use indicatif::{ProgressBar, ProgressStyle};

/// A progress bar, or nothing when stdout is not a terminal.
#[derive(Debug, Clone)]
pub struct Bar(Option<ProgressBar>);

impl Bar {
    /// A bar labelled `label` for `total` bytes (when known).
    pub fn new(label: &str, total: Option<u64>) -> Bar {
        if !std::io::stdout().is_terminal() {
            return Bar(None);
        }
        let bar = ProgressBar::new(total.unwrap_or(0));
        let style = ProgressStyle::with_template(
            "{msg} [{bar:30}] {bytes}/{total_bytes} {binary_bytes_per_sec} ETA {eta}",
        )
        .map(|s| s.progress_chars("=> "))
        .unwrap_or_else(|_| ProgressStyle::default_bar());
        bar.set_style(style);
        bar.set_message(label.to_string());
        Bar(Some(bar))
    }

    /// No bar (quiet or structured output).
    pub fn hidden() -> Bar {
        Bar(None)
    }

    /// Runs `f` (which prints) with the bar out of the way.
    pub fn suspend(&self, f: impl FnOnce()) {
        match &self.0 {
            Some(bar) => bar.suspend(f),
            None => f(),
        }
    }

    /// A callback for the SDK's `progress(...)` setters.
    pub fn callback(&self) -> impl Fn(u64, Option<u64>) + Send + Sync + 'static {
        let bar = self.0.clone();
        move |done, total| {
            if let Some(bar) = &bar {
                if let Some(total) = total {
                    bar.set_length(total);
                }
                bar.set_position(done);
            }
        }
    }

    /// A callback for one of several transfers sharing this bar: each call adds the
    /// bytes done since the previous one (a retry that starts over is not counted twice).
    pub fn part_callback(&self) -> impl Fn(u64, Option<u64>) + Send + Sync + 'static {
        let bar = self.0.clone();
        let seen = AtomicU64::new(0);
        move |done, _total| {
            if let Some(bar) = &bar {
                let before = seen.fetch_max(done, Ordering::Relaxed);
                if done > before {
                    bar.inc(done - before);
                }
            }
        }
    }

    /// Removes the bar from the screen.
    pub fn finish(&self) {
        if let Some(bar) = &self.0 {
            bar.finish_and_clear();
        }
    }
}
