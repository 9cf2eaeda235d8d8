//! The doctor's live display: on a terminal each step shows `… label` while it runs and is
//! replaced by its ✓/✗ line with timing when it ends; elsewhere only finished lines are
//! printed; `--json` prints one JSON object per finished step and one for the verdict.

use devhive_core::support::{Check, Step, Verdict};
use std::io::{IsTerminal, Write};

/// Where the doctor's lines go.
pub struct Progress {
    json: bool,
    live: bool,
    out: Box<dyn Write + Send>,
}

impl Progress {
    /// Progress on stdout; live redraw only when stdout is a terminal and not `--json`.
    pub fn stdout(json: bool) -> Self {
        let live = !json && std::io::stdout().is_terminal();
        Self {
            json,
            live,
            out: Box::new(std::io::stdout()),
        }
    }

    /// A step started.
    pub fn start(&mut self, step: Step, project: Option<&str>) {
        if self.live {
            let project = project.map(|p| format!(" {}", p.get(..8).unwrap_or(p)));
            let _ = write!(
                self.out,
                "… {}{} ",
                step.label(),
                project.unwrap_or_default()
            );
            let _ = self.out.flush();
        }
    }

    /// A step finished.
    pub fn finish(&mut self, check: &Check) {
        if self.json {
            let _ = writeln!(self.out, "{}", check.to_json());
        } else {
            if self.live {
                let _ = write!(self.out, "\r\x1b[2K");
            }
            let _ = writeln!(self.out, "{}", check.render());
        }
        let _ = self.out.flush();
    }

    /// The final verdict line.
    pub fn verdict(&mut self, verdict: &Verdict) {
        if self.json {
            let _ = writeln!(self.out, "{}", verdict.to_json());
        } else {
            let _ = writeln!(self.out, "{}", verdict.line());
        }
        let _ = self.out.flush();
    }
}
