//! The report a device gives when diagnostics asks it to test itself.

use std::fmt;
use std::time::Duration;

/// The verdict of a self-test, worst last so reports can be ordered by severity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum TestOutcome {
    /// Works as it should.
    Pass,
    /// Works, but needs attention soon (paper near end, a slow camera).
    Warn,
    /// Does not work.
    Fail,
}

impl fmt::Display for TestOutcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            TestOutcome::Pass => "pass",
            TestOutcome::Warn => "warn",
            TestOutcome::Fail => "fail",
        })
    }
}

/// What one device's self-test found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SelfTestReport {
    /// Which device, as a technician names it ("card reader", "camera", "printer").
    pub device: &'static str,
    /// Which backend answered, with its device name or path.
    pub backend: String,
    pub outcome: TestOutcome,
    /// One line a technician can act on.
    pub detail: String,
    /// How long the test took.
    pub took: Duration,
}
