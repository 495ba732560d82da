//! Progress for long builds: a spinner per step on a terminal, nothing
//! otherwise (CI logs stay clean).

use indicatif::{ProgressBar, ProgressStyle};
use std::io::IsTerminal;
use std::time::Duration;

/// Reports named steps as they run.
pub struct Steps {
    visible: bool,
}

impl Steps {
    /// Shows progress only when stderr is a terminal.
    pub fn for_stderr() -> Steps {
        Steps {
            visible: std::io::stderr().is_terminal(),
        }
    }

    /// Never shows anything (tests, library callers).
    pub fn hidden() -> Steps {
        Steps { visible: false }
    }

    /// Runs `work` as the step `name`.
    pub fn step<T, E>(&self, name: &str, work: impl FnOnce() -> Result<T, E>) -> Result<T, E> {
        if !self.visible {
            return work();
        }
        let bar = ProgressBar::new_spinner();
        bar.set_style(
            ProgressStyle::with_template("{spinner} {msg} {elapsed}").expect("valid template"),
        );
        bar.set_message(format!("building {name}"));
        bar.enable_steady_tick(Duration::from_millis(120));
        let result = work();
        match &result {
            Ok(_) => bar.finish_with_message(format!("built {name}")),
            Err(_) => bar.abandon_with_message(format!("failed to build {name}")),
        }
        result
    }
}
