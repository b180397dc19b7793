//! Key ceremonies: air-gap checks, the checklist runner and its hash-chained transcript, and
//! digests two machines compare, and key health checks (`keycheck`). The runner runs airsign commands through a [`runner::Host`]
//! the command layer provides (in this process, the same code as the command line): it never
//! shells out to itself.
pub mod airgap;
pub mod checklist;
pub mod confine;
pub mod digest;
pub mod keycheck;
pub mod runner;
pub mod transcript;

pub use checklist::{Checklist, ChecklistError};
pub use transcript::TranscriptError;

/// Why a ceremony could not run, stopped, or its transcript does not hold up.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CeremonyError {
    /// A required air-gap check failed.
    #[error("this machine is not air-gapped: {} failed", .0.join(", "))]
    NotAirgapped(Vec<String>),
    /// The checklist is not one to run.
    #[error(transparent)]
    Checklist(#[from] ChecklistError),
    /// The transcript could not be written, or does not verify.
    #[error(transparent)]
    Transcript(#[from] TranscriptError),
    /// A step's expectation failed: the ceremony stopped there.
    #[error("the ceremony stopped at step {step:?}: {problem}")]
    Stopped {
        /// The step's id.
        step: String,
        /// What went wrong.
        problem: String,
    },
    /// A transcript that verifies, of a ceremony that stopped at a step.
    #[error("the transcript verifies, but the ceremony stopped at step {0:?}")]
    TranscriptStopped(String),
    /// A completed transcript of a rehearsal (air gap read from a recorded layout).
    #[error("the transcript is of a rehearsal: the air gap was read from {0}, not the machine")]
    Rehearsal(String),
    /// A transcript without its end line: interrupted, or cut at the tail.
    #[error("the transcript has no end line: the ceremony was interrupted, or lines were cut from the end")]
    Incomplete,
}

impl CeremonyError {
    /// What to do next.
    pub fn hint(&self) -> Option<String> {
        Some(match self {
            CeremonyError::NotAirgapped(_) => "run `airsign airgap check` for the details; take every network interface down, block radios (rfkill block all), turn off unencrypted swap".into(),
            CeremonyError::Stopped { .. } => "the transcript records every step up to this one; fix the cause and run the checklist again with a new transcript".into(),
            CeremonyError::TranscriptStopped(_) => "the ceremony did not complete; `--json` lists each step's result".into(),
            CeremonyError::Rehearsal(_) => "add --rehearsal if a rehearsal is what you are checking".into(),
            CeremonyError::Incomplete | CeremonyError::Transcript(TranscriptError::Broken { .. }) => "do not trust this transcript; compare its tail hash with the one written down at the ceremony".into(),
            _ => return None,
        })
    }
}
