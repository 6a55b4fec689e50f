//! Where the terminal's nonces and key halves come from.
//!
//! BAC (RND.IFD, K.IFD) and PACE need fresh randomness. Production draws it from the
//! operating system; the known-answer tests of ICAO 9303-11 Appendix D replay fixed values
//! through the same trait.

/// The operating system refused to give random bytes.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the system random number generator failed: {0}")]
pub struct RandomError(pub String);

/// A source of cryptographically secure random bytes.
pub trait RandomSource {
    /// Fills `buf` entirely with random bytes.
    fn fill(&mut self, buf: &mut [u8]) -> Result<(), RandomError>;
}

/// The operating system's generator (`getrandom`): the only source for production.
#[derive(Debug, Clone, Copy, Default)]
pub struct OsRandom;

impl RandomSource for OsRandom {
    fn fill(&mut self, buf: &mut [u8]) -> Result<(), RandomError> {
        getrandom::fill(buf).map_err(|error| RandomError(error.to_string()))
    }
}

/// Replays given bytes, in order: for known-answer tests and the card emulator's
/// reproducible sessions. Never for production — the bytes are not secret.
#[derive(Debug, Clone)]
pub struct ReplayRandom {
    bytes: Vec<u8>,
    position: usize,
}

impl ReplayRandom {
    pub fn new(bytes: impl Into<Vec<u8>>) -> Self {
        Self {
            bytes: bytes.into(),
            position: 0,
        }
    }
}

impl RandomSource for ReplayRandom {
    fn fill(&mut self, buf: &mut [u8]) -> Result<(), RandomError> {
        let end = self
            .position
            .checked_add(buf.len())
            .filter(|&end| end <= self.bytes.len())
            .ok_or_else(|| RandomError("the replayed bytes are exhausted".into()))?;
        buf.copy_from_slice(&self.bytes[self.position..end]);
        self.position = end;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn os_random_fills_and_replay_runs_out() {
        let mut buf = [0u8; 32];
        OsRandom.fill(&mut buf).unwrap();
        let mut replay = ReplayRandom::new([1, 2, 3]);
        let mut two = [0u8; 2];
        replay.fill(&mut two).unwrap();
        assert_eq!(two, [1, 2]);
        assert!(replay.fill(&mut two).is_err());
    }
}
