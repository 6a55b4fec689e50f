//! The rule for a citizen's personal data in code.
//!
//! **No log line may contain a citizen's ID number (12-digit or old 9-digit), name, date of
//! birth, address or portrait.** Decree 13/2023/NĐ-CP and the provincial security assessment
//! both treat logs as a store of personal data, and a kiosk's journal outlives every session.
//!
//! - To tell one visit's log lines apart, log [`log_fingerprint`]`(id_number)`: a short keyed
//!   hash that correlates lines within this run of the program and reveals nothing else.
//! - Keep every personal field in a [`Sensitive`]: it prints as `‹redacted›` through `{}`
//!   and `{:?}`, so a `?citizen` or `%name` in a log macro stays harmless, and it wipes its
//!   memory when dropped, so nothing of the citizen outlives the session.
//!
//! The application's logging also scrubs anything that looks like an ID number or a date
//! from every line before it is written, but that is a safety net for mistakes, not the
//! rule: a name or an address has no pattern to recognise, so only `Sensitive` keeps those
//! out of the logs.

use std::fmt;
use std::sync::OnceLock;

use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;
use zeroize::{Zeroize, ZeroizeOnDrop};

/// What a [`Sensitive`] value prints instead of its content.
pub const REDACTED: &str = "‹redacted›";

/// A citizen's personal datum: hidden from `Debug` and `Display`, wiped from memory on drop.
///
/// Read it with [`expose`](Sensitive::expose) where the value is really needed (filling a
/// form, comparing the QR code with the chip); the call marks each such place in the code.
/// The bound `T: Zeroize` is deliberate: whatever is sensitive must also be wipeable (`String`,
/// `Vec<u8>` and the integer types are; a struct can `#[derive(Zeroize)]`).
pub struct Sensitive<T: Zeroize>(T);

impl<T: Zeroize> Sensitive<T> {
    /// Wraps `value`; from now on it prints as `‹redacted›`.
    pub fn new(value: T) -> Self {
        Self(value)
    }

    /// The value itself, for the code that has to use it. Never pass it to a log macro.
    pub fn expose(&self) -> &T {
        &self.0
    }
}

impl<T: Zeroize> Drop for Sensitive<T> {
    fn drop(&mut self) {
        self.0.zeroize();
    }
}

impl<T: Zeroize> ZeroizeOnDrop for Sensitive<T> {}

impl<T: Zeroize> From<T> for Sensitive<T> {
    fn from(value: T) -> Self {
        Self(value)
    }
}

impl<T: Zeroize + Clone> Clone for Sensitive<T> {
    fn clone(&self) -> Self {
        Self(self.0.clone())
    }
}

/// Equality compares the hidden values, so records holding `Sensitive` fields can still be
/// compared in tests and in the QR-versus-chip cross-check.
impl<T: Zeroize + PartialEq> PartialEq for Sensitive<T> {
    fn eq(&self, other: &Self) -> bool {
        self.0 == other.0
    }
}

impl<T: Zeroize + Eq> Eq for Sensitive<T> {}

impl<T: Zeroize> fmt::Debug for Sensitive<T> {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(REDACTED)
    }
}

impl<T: Zeroize> fmt::Display for Sensitive<T> {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(REDACTED)
    }
}

/// What [`log_fingerprint`] returns if the operating system gave no random key: lines can no
/// longer be correlated, but nothing leaks either.
pub const FINGERPRINT_UNAVAILABLE: &str = "id#unavailable";

/// Prefix of every fingerprint, so a reader of the journal knows what the hex stands for.
pub const FINGERPRINT_PREFIX: &str = "id#";

/// A short tag for `id_number` that lets one session's log lines be correlated, e.g.
/// `id#3fa94c0b12d7e855`, without revealing the number.
///
/// A plain hash would not do: a 12-digit CCCD number is a 3-digit province code, one digit
/// for sex and century, two for the birth year and six random digits, so there are only about
/// 10^9 realistic numbers and hashing all of them takes seconds. The tag is therefore an
/// HMAC-SHA256 under a random key drawn once per process and never stored: the same number
/// gives the same tag for the life of the process, and after a restart nobody, the vendor
/// included, can link a tag to a number. Surrounding whitespace is ignored so that the QR
/// code's and the chip's copies of a number give the same tag.
pub fn log_fingerprint(id_number: &str) -> String {
    let Some(key) = process_key() else {
        return FINGERPRINT_UNAVAILABLE.to_owned();
    };
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(key) else {
        return FINGERPRINT_UNAVAILABLE.to_owned();
    };
    mac.update(id_number.trim().as_bytes());
    let tag = mac.finalize().into_bytes();

    // Eight bytes (64 bits) keep the tag short on a log line while collisions between the
    // few thousand visits of one run stay practically impossible.
    let mut fingerprint = String::with_capacity(FINGERPRINT_PREFIX.len() + 16);
    fingerprint.push_str(FINGERPRINT_PREFIX);
    for byte in tag.iter().take(8) {
        fingerprint.push_str(&format!("{byte:02x}"));
    }
    fingerprint
}

/// The HMAC key for this process, drawn on first use; `None` if the OS refused randomness.
fn process_key() -> Option<&'static [u8; 32]> {
    static KEY: OnceLock<Option<[u8; 32]>> = OnceLock::new();
    KEY.get_or_init(|| {
        let mut key = [0u8; 32];
        getrandom::fill(&mut key).ok().map(|()| key)
    })
    .as_ref()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::Cell;
    use std::rc::Rc;

    const SAMPLE_ID: &str = "001089012345";

    #[test]
    fn sensitive_prints_redacted_through_debug_and_display() {
        let name = Sensitive::new(String::from("Nguyễn Văn An"));
        assert_eq!(format!("{name}"), REDACTED);
        assert_eq!(format!("{name:?}"), REDACTED);
        assert_eq!(
            format!("{name:>20}"),
            REDACTED,
            "width must not pad around the marker"
        );
        assert_eq!(name.expose(), "Nguyễn Văn An");
    }

    #[test]
    fn sensitive_fields_stay_hidden_in_a_derived_debug() {
        #[derive(Debug)]
        struct Citizen {
            id_number: Sensitive<String>,
            full_name: Sensitive<String>,
            visits: u32,
        }
        let citizen = Citizen {
            id_number: SAMPLE_ID.to_owned().into(),
            full_name: Sensitive::new("Nguyễn Văn An".to_owned()),
            visits: 2,
        };
        let printed = format!("{citizen:?}");
        assert!(!printed.contains(SAMPLE_ID), "{printed}");
        assert!(!printed.contains("Nguyễn"), "{printed}");
        assert!(printed.contains("visits: 2"), "{printed}");
        assert_eq!(citizen.id_number.expose(), SAMPLE_ID);
        assert_eq!(citizen.full_name.expose(), "Nguyễn Văn An");
        assert_eq!(citizen.visits, 2);
    }

    /// A value that records whether it was wiped, to observe `Drop` from outside.
    #[derive(Clone)]
    struct WipeProbe(Rc<Cell<bool>>);

    impl Zeroize for WipeProbe {
        fn zeroize(&mut self) {
            self.0.set(true);
        }
    }

    #[test]
    fn sensitive_wipes_its_value_on_drop() {
        let wiped = Rc::new(Cell::new(false));
        let value = Sensitive::new(WipeProbe(Rc::clone(&wiped)));
        assert!(!wiped.get());
        drop(value);
        assert!(wiped.get());
    }

    #[test]
    fn sensitive_compares_and_clones_by_value() {
        let a = Sensitive::new(SAMPLE_ID.to_owned());
        let b = a.clone();
        assert_eq!(a, b);
        assert_ne!(a, Sensitive::new(String::from("079203000001")));
    }

    #[test]
    fn fingerprint_is_short_prefixed_hex_and_hides_the_number() {
        let fingerprint = log_fingerprint(SAMPLE_ID);
        let hex = fingerprint
            .strip_prefix(FINGERPRINT_PREFIX)
            .unwrap_or_else(|| panic!("no prefix: {fingerprint}"));
        assert_eq!(hex.len(), 16, "{fingerprint}");
        assert!(
            hex.bytes()
                .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
        );
        assert!(!fingerprint.contains(SAMPLE_ID));
        assert!(
            !fingerprint.contains(&SAMPLE_ID[3..]),
            "no tail of the number either"
        );
    }

    #[test]
    fn fingerprint_is_stable_within_the_process_and_tells_numbers_apart() {
        assert_eq!(log_fingerprint(SAMPLE_ID), log_fingerprint(SAMPLE_ID));
        assert_eq!(
            log_fingerprint(SAMPLE_ID),
            log_fingerprint(" 001089012345\n")
        );
        assert_ne!(log_fingerprint(SAMPLE_ID), log_fingerprint("001089012346"));
    }

    #[test]
    fn fingerprint_is_keyed_not_a_plain_hash() {
        use sha2::Digest;
        let plain = Sha256::digest(SAMPLE_ID.as_bytes());
        let plain_hex: String = plain.iter().take(8).map(|b| format!("{b:02x}")).collect();
        assert_ne!(
            log_fingerprint(SAMPLE_ID),
            format!("{FINGERPRINT_PREFIX}{plain_hex}")
        );
    }
}
