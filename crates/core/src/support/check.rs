//! The doctor's report model: one [`Check`] per step of the chain, and the final
//! [`Verdict`]. Shared by `devhive doctor` and the app's diagnostics view.

use super::verdict::Problem;
use crate::app::ErrorCode;
use serde::Serialize;
use std::fmt::Write as _;

/// The steps of the chain, in the order they run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Step {
    /// Which proxy each URL takes, and whether it opens a tunnel.
    Proxy,
    /// Resolve the REST host.
    Dns,
    /// Open a TCP connection.
    Tcp,
    /// TLS handshake and certificate (https only).
    Tls,
    /// `GET /health`.
    Health,
    /// Probe the OS keychain.
    Keychain,
    /// Sign in with a password, or load the stored session.
    SignIn,
    /// Refresh the session (rotation works end to end).
    Refresh,
    /// Read the access token's claims and the clock skew.
    Claims,
    /// WebSocket handshake for one project.
    Handshake,
    /// First server ping on the open socket.
    FirstPing,
}

impl Step {
    /// The label shown on the progress line.
    pub fn label(self) -> &'static str {
        match self {
            Self::Proxy => "proxy",
            Self::Dns => "dns",
            Self::Tcp => "tcp",
            Self::Tls => "tls",
            Self::Health => "health",
            Self::Keychain => "keychain",
            Self::SignIn => "sign-in",
            Self::Refresh => "refresh",
            Self::Claims => "claims",
            Self::Handshake => "websocket",
            Self::FirstPing => "first ping",
        }
    }
}

/// How a step ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// It worked.
    Ok,
    /// It worked but something deserves attention (not a failure).
    Warn,
    /// It failed; the chain may stop here.
    Fail,
    /// It could not run because an earlier step failed, or does not apply.
    Skipped,
}

impl Status {
    /// The mark shown on the progress line.
    pub fn mark(self) -> &'static str {
        match self {
            Self::Ok => "✓",
            Self::Warn => "!",
            Self::Fail => "✗",
            Self::Skipped => "-",
        }
    }
}

/// One finished step.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Check {
    /// Which step.
    pub step: Step,
    /// The project, for per-project steps.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub project: Option<String>,
    /// How it ended.
    pub status: Status,
    /// How long it took.
    pub elapsed_ms: u64,
    /// What was seen (addresses, certificate subject, claims, HTTP status and body).
    pub detail: String,
    /// The diagnosis, when it failed or warns.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub problem: Option<Problem>,
}

impl Check {
    /// A successful step.
    pub fn ok(step: Step, elapsed_ms: u64, detail: impl Into<String>) -> Self {
        Self {
            step,
            project: None,
            status: Status::Ok,
            elapsed_ms,
            detail: detail.into(),
            problem: None,
        }
    }

    /// A failed step with its diagnosis.
    pub fn fail(step: Step, elapsed_ms: u64, detail: impl Into<String>, problem: Problem) -> Self {
        Self {
            step,
            project: None,
            status: Status::Fail,
            elapsed_ms,
            detail: detail.into(),
            problem: Some(problem),
        }
    }

    /// A step that worked with a caveat.
    pub fn warn(step: Step, elapsed_ms: u64, detail: impl Into<String>, problem: Problem) -> Self {
        Self {
            status: Status::Warn,
            ..Self::fail(step, elapsed_ms, detail, problem)
        }
    }

    /// A step that did not run.
    pub fn skipped(step: Step, why: impl Into<String>) -> Self {
        Self {
            step,
            project: None,
            status: Status::Skipped,
            elapsed_ms: 0,
            detail: why.into(),
            problem: None,
        }
    }

    /// The same check, for one project.
    pub fn for_project(mut self, project: &str) -> Self {
        self.project = Some(project.to_owned());
        self
    }

    /// The progress line plus, on failure, the meaning and remedy lines (plain text).
    pub fn render(&self) -> String {
        let mut label = self.step.label().to_owned();
        if let Some(project) = &self.project {
            let _ = write!(label, " {}", short_id(project));
        }
        let prefix = format!(
            "{} {:<20} {:>6}  ",
            self.status.mark(),
            label,
            format!("{} ms", self.elapsed_ms),
        );
        let mut out = wrap(&prefix, &self.detail);
        if let Some(problem) = &self.problem {
            out.push('\n');
            out.push_str(&wrap("    means: ", &problem.meaning()));
            out.push('\n');
            out.push_str(&wrap("    do:    ", problem.remedy()));
        }
        out
    }

    /// The JSON line for `--json` (`{"kind":"step",…}`).
    pub fn to_json(&self) -> serde_json::Value {
        let mut value = serde_json::to_value(self).expect("checks serialise");
        value["kind"] = "step".into();
        if let Some(problem) = &self.problem {
            value["problem"] = problem.slug().into();
            value["meaning"] = problem.meaning().into();
            value["remedy"] = problem.remedy().into();
        }
        value
    }
}

/// Explanation lines are wrapped to this many columns so an 80–120 column terminal shows
/// them as written (a terminal's own wrapping would break the indentation).
pub const WRAP_COLUMNS: usize = 100;

/// Word-wraps `text` after `label`, indenting continuation lines under the text.
fn wrap(label: &str, text: &str) -> String {
    let indent = " ".repeat(label.chars().count());
    let mut out = label.to_owned();
    let mut column = label.chars().count();
    let mut first = true;
    for word in text.split_whitespace() {
        let len = word.chars().count();
        if !first && column + 1 + len > WRAP_COLUMNS {
            out.push('\n');
            out.push_str(&indent);
            column = indent.len();
        } else if !first {
            out.push(' ');
            column += 1;
        }
        out.push_str(word);
        column += len;
        first = false;
    }
    out
}

fn short_id(project: &str) -> &str {
    project.get(..8).unwrap_or(project)
}

/// The outcome of a whole run: healthy, or the first failure in chain order (the root cause;
/// later failures usually follow from it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Every step passed (warnings allowed).
    Healthy,
    /// The root-cause problem.
    Problem(Problem),
}

impl Verdict {
    /// The verdict of a list of checks.
    pub fn of(checks: &[Check]) -> Self {
        checks
            .iter()
            .find(|c| c.status == Status::Fail)
            .and_then(|c| c.problem.clone())
            .map_or(Self::Healthy, Self::Problem)
    }

    /// The process exit code (design.md §4).
    pub fn exit_code(&self) -> u8 {
        match self {
            Self::Healthy => 0,
            Self::Problem(p) => p.code().exit_code(),
        }
    }

    /// The error code of the root cause, if unhealthy.
    pub fn code(&self) -> Option<ErrorCode> {
        match self {
            Self::Healthy => None,
            Self::Problem(p) => Some(p.code()),
        }
    }

    /// `verdict: healthy` or `verdict: <slug>`.
    pub fn line(&self) -> String {
        match self {
            Self::Healthy => "verdict: healthy".to_owned(),
            Self::Problem(p) => format!("verdict: {}", p.slug()),
        }
    }

    /// The JSON line for `--json`.
    pub fn to_json(&self) -> serde_json::Value {
        match self {
            Self::Healthy => serde_json::json!({
                "kind": "verdict", "verdict": "healthy", "exit_code": 0
            }),
            Self::Problem(p) => serde_json::json!({
                "kind": "verdict", "verdict": p.slug(), "exit_code": self.exit_code(),
                "meaning": p.meaning(), "remedy": p.remedy(),
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verdict_is_the_first_failure_in_chain_order() {
        let checks = vec![
            Check::ok(Step::Dns, 1, "127.0.0.1"),
            Check::warn(
                Step::Claims,
                0,
                "skew",
                Problem::ClockSkew { skew_secs: 300 },
            ),
            Check::fail(
                Step::Handshake,
                3,
                "403",
                Problem::NotAMember {
                    project: "p".into(),
                    message: "Access denied to project".into(),
                },
            ),
            Check::fail(Step::FirstPing, 0, "", Problem::NoPing { waited_secs: 1 }),
        ];
        let verdict = Verdict::of(&checks);
        assert_eq!(verdict.line(), "verdict: not-a-member");
        assert_eq!(verdict.exit_code(), 4);
    }

    #[test]
    fn warnings_alone_are_healthy() {
        let checks = vec![Check::warn(
            Step::Claims,
            0,
            "skew",
            Problem::ClockSkew { skew_secs: 300 },
        )];
        assert_eq!(Verdict::of(&checks), Verdict::Healthy);
        assert_eq!(Verdict::Healthy.line(), "verdict: healthy");
    }

    #[test]
    fn a_failed_line_shows_mark_timing_meaning_and_remedy() {
        let text = Check::fail(Step::Handshake, 12, "HTTP 503", Problem::WrongFlavour)
            .for_project("0b8e2c1a-1111-2222-3333-444455556666")
            .render();
        assert!(text.starts_with("✗ websocket 0b8e2c1a"), "{text}");
        assert!(text.contains("12 ms"), "{text}");
        assert!(text.contains("means: The fly-flavour WebSocket"), "{text}");
        assert!(
            text.lines().all(|l| l.chars().count() <= WRAP_COLUMNS),
            "explanations are wrapped: {text}"
        );
        assert!(text.contains("do:    Use --flavour aws"), "{text}");
    }

    #[test]
    fn json_step_names_problem_by_slug() {
        let json = Check::fail(Step::SignIn, 5, "401", Problem::RefreshTokenInvalid).to_json();
        assert_eq!(json["kind"], "step");
        assert_eq!(json["step"], "sign_in");
        assert_eq!(json["status"], "fail");
        assert_eq!(json["problem"], "refresh-token-invalid");
    }
}
