//! Ceremonies: air-gap checks, checklists, transcripts and key health checks (DESIGN.md §2).
pub mod keycheck;
