//! Reed-Solomon error correction of one QR code block (ISO/IEC 18004 §7.5.2): GF(256) with
//! the primitive polynomial x⁸ + x⁴ + x³ + x² + 1 and generator roots α⁰ … α^(n−1).
//!
//! Written here because rxing's decoder, the one error-correcting decoder for this field
//! among the crates we use, spent three quarters of the decode time of a damaged code in
//! it: every field multiplication goes through a modulo, and the root search tries all 255
//! field elements where a shortened block has at most 255 − its length fewer positions.
//! The crates.io Reed-Solomon crates either only recover erasures (known positions) or are
//! unmaintained. The algorithm is the textbook one: syndromes, Berlekamp–Massey for the
//! error locator, Chien search over the block's own positions, Forney for the values.
//! Tests compare it with rxing's decoder on random damaged blocks.

use std::sync::LazyLock;

/// Why a block could not be corrected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Uncorrectable {
    /// More damage than the block's error-correction codewords can repair.
    TooManyErrors,
    /// The block is longer than a code over GF(256) can be (255), or has no check bytes.
    BadLength,
}

/// Log and antilog tables of GF(256). `exp` holds two periods so that the sum of two logs
/// indexes it directly, without the modulo.
struct Field {
    exp: [u8; 512],
    log: [u8; 256],
}

static FIELD: LazyLock<Field> = LazyLock::new(|| {
    let mut exp = [0u8; 512];
    let mut log = [0u8; 256];
    let mut value: u16 = 1;
    for power in 0..255 {
        exp[power] = value as u8;
        exp[power + 255] = value as u8;
        log[value as usize] = power as u8;
        value <<= 1;
        if value & 0x100 != 0 {
            value ^= 0x11D;
        }
    }
    Field { exp, log }
});

impl Field {
    fn mul(&self, a: u8, b: u8) -> u8 {
        if a == 0 || b == 0 {
            0
        } else {
            self.exp[usize::from(self.log[usize::from(a)]) + usize::from(self.log[usize::from(b)])]
        }
    }

    fn div(&self, a: u8, b: u8) -> u8 {
        // Callers never divide by zero: b is a discrepancy or a derivative found non-zero.
        debug_assert!(b != 0);
        if a == 0 {
            0
        } else {
            self.exp[usize::from(self.log[usize::from(a)]) + 255
                - usize::from(self.log[usize::from(b)])]
        }
    }

    /// α^power for any power ≥ 0.
    fn alpha(&self, power: usize) -> u8 {
        self.exp[power % 255]
    }
}

/// Corrects `block` (data codewords then `check_len` error-correction codewords, first
/// codeword the highest power) in place; the number of codewords changed.
pub(super) fn correct(block: &mut [u8], check_len: usize) -> Result<usize, Uncorrectable> {
    if check_len == 0 || check_len >= block.len() || block.len() > 255 {
        return Err(Uncorrectable::BadLength);
    }
    let field = &*FIELD;
    let syndromes = syndromes(field, block, check_len);
    if syndromes.iter().all(|&syndrome| syndrome == 0) {
        return Ok(0);
    }
    let locator = error_locator(field, &syndromes);
    let errors = locator.len() - 1;
    if errors == 0 || 2 * errors > check_len {
        return Err(Uncorrectable::TooManyErrors);
    }
    let positions = error_positions(field, &locator, block.len());
    if positions.len() != errors {
        // The locator's roots are not all positions of this block: the damage is beyond
        // what the check codewords can locate.
        return Err(Uncorrectable::TooManyErrors);
    }
    // Ω(x) = S(x)·Λ(x) mod x^check_len, both in ascending powers.
    let mut evaluator = vec![0u8; check_len];
    for (i, &syndrome) in syndromes.iter().enumerate() {
        for (j, &coefficient) in locator.iter().enumerate().take(check_len - i) {
            evaluator[i + j] ^= field.mul(syndrome, coefficient);
        }
    }
    for &power in &positions {
        // X = α^power locates the error; Forney with first root α⁰:
        // e = X · Ω(X⁻¹) / Λ'(X⁻¹).
        let inverse = field.alpha(255 - power % 255);
        let omega = evaluate_ascending(field, &evaluator, inverse);
        // Λ'(x): in characteristic 2 only the odd powers survive differentiation.
        let mut derivative = 0u8;
        let mut x_power = 1u8; // inverse^(j - 1) for odd j, stepping by inverse².
        let inverse_squared = field.mul(inverse, inverse);
        for coefficient in locator.iter().skip(1).step_by(2) {
            derivative ^= field.mul(*coefficient, x_power);
            x_power = field.mul(x_power, inverse_squared);
        }
        if derivative == 0 {
            return Err(Uncorrectable::TooManyErrors);
        }
        let magnitude = field.mul(field.alpha(power), field.div(omega, derivative));
        let index = block.len() - 1 - power;
        block[index] ^= magnitude;
    }
    // A last check that the repaired block is a codeword.
    if syndromes_are_zero(field, block, check_len) {
        Ok(errors)
    } else {
        Err(Uncorrectable::TooManyErrors)
    }
}

/// S_i = c(α^i) for i in 0..check_len, by Horner's rule over the codewords.
fn syndromes(field: &Field, block: &[u8], check_len: usize) -> Vec<u8> {
    (0..check_len)
        .map(|root| {
            let log_root = root % 255;
            block.iter().fold(0u8, |value, &codeword| {
                let shifted = if value == 0 {
                    0
                } else {
                    field.exp[usize::from(field.log[usize::from(value)]) + log_root]
                };
                shifted ^ codeword
            })
        })
        .collect()
}

fn syndromes_are_zero(field: &Field, block: &[u8], check_len: usize) -> bool {
    syndromes(field, block, check_len)
        .iter()
        .all(|&syndrome| syndrome == 0)
}

/// Berlekamp–Massey: the shortest Λ(x) = 1 + λ₁x + … (ascending powers) that generates the
/// syndromes, trimmed to its degree.
fn error_locator(field: &Field, syndromes: &[u8]) -> Vec<u8> {
    let mut locator = vec![1u8];
    let mut previous = vec![1u8];
    let mut degree = 0usize;
    let mut shift = 1usize;
    let mut previous_discrepancy = 1u8;
    for n in 0..syndromes.len() {
        let discrepancy = (1..=degree.min(n)).fold(syndromes[n], |sum, i| {
            sum ^ field.mul(locator.get(i).copied().unwrap_or(0), syndromes[n - i])
        });
        if discrepancy == 0 {
            shift += 1;
            continue;
        }
        let scale = field.div(discrepancy, previous_discrepancy);
        let mut updated = locator.clone();
        if updated.len() < previous.len() + shift {
            updated.resize(previous.len() + shift, 0);
        }
        for (i, &coefficient) in previous.iter().enumerate() {
            updated[i + shift] ^= field.mul(scale, coefficient);
        }
        if 2 * degree <= n {
            previous = std::mem::replace(&mut locator, updated);
            degree = n + 1 - degree;
            previous_discrepancy = discrepancy;
            shift = 1;
        } else {
            locator = updated;
            shift += 1;
        }
    }
    locator.truncate(degree + 1);
    // A locator whose leading terms vanished has a lower degree than Berlekamp–Massey
    // counted; the caller then finds fewer roots than errors and refuses the block.
    locator.resize(degree + 1, 0);
    locator
}

/// The powers p (0 = last codeword) in 0..len at which Λ(α^−p) = 0: Chien's search,
/// each term λ_j·α^(−p·j) stepped from the previous position with one multiplication.
fn error_positions(field: &Field, locator: &[u8], len: usize) -> Vec<usize> {
    let mut terms = locator.to_vec();
    // α^−j for each term's step.
    let steps: Vec<u8> = (0..locator.len())
        .map(|j| field.alpha(255 - j % 255))
        .collect();
    let mut positions = Vec::new();
    for power in 0..len {
        if power > 0 {
            for (term, &step) in terms.iter_mut().zip(&steps) {
                *term = field.mul(*term, step);
            }
        }
        if terms.iter().fold(0u8, |sum, &term| sum ^ term) == 0 {
            positions.push(power);
        }
    }
    positions
}

/// p(x) for coefficients in ascending powers.
fn evaluate_ascending(field: &Field, coefficients: &[u8], x: u8) -> u8 {
    coefficients
        .iter()
        .rev()
        .fold(0u8, |value, &coefficient| field.mul(value, x) ^ coefficient)
}

#[cfg(test)]
mod tests {
    use rxing::common::reedsolomon::{PredefinedGenericGF, ReedSolomonDecoder};

    use super::*;

    /// A reproducible stream of test bytes (xorshift64).
    struct Noise(u64);

    impl Noise {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0
        }

        fn below(&mut self, bound: usize) -> usize {
            (self.next() % bound as u64) as usize
        }
    }

    /// A valid block: data then check codewords from an independent encoder (the qrcode
    /// crate's, which makes the codes the kiosk prints).
    fn codeword(noise: &mut Noise, data_len: usize, check_len: usize) -> Vec<u8> {
        let data: Vec<u8> = (0..data_len).map(|_| noise.next() as u8).collect();
        let check = qrcode::ec::create_error_correction_code(&data, check_len);
        [data, check].concat()
    }

    fn damage(noise: &mut Noise, block: &mut [u8], count: usize) -> Vec<usize> {
        let mut hit = Vec::new();
        while hit.len() < count {
            let index = noise.below(block.len());
            if !hit.contains(&index) {
                block[index] ^= 1 + noise.below(255) as u8;
                hit.push(index);
            }
        }
        hit
    }

    #[test]
    fn repairs_up_to_half_the_check_codewords() {
        let mut noise = Noise(0x5EED);
        // Block shapes that QR codes use: (data, check) from versions 1 to 40.
        for (data_len, check_len) in [
            (19, 7),
            (16, 10),
            (13, 13),
            (9, 17),
            (15, 30),
            (115, 30),
            (24, 30),
            (122, 30),
        ] {
            for errors in 0..=check_len / 2 {
                let original = codeword(&mut noise, data_len, check_len);
                let mut block = original.clone();
                damage(&mut noise, &mut block, errors);
                assert_eq!(
                    correct(&mut block, check_len),
                    Ok(errors),
                    "{data_len}+{check_len}, {errors} errors"
                );
                assert_eq!(block, original);
            }
        }
    }

    #[test]
    fn agrees_with_rxing_on_blocks_damaged_beyond_repair_and_near_it() {
        let mut noise = Noise(0xC0DE);
        let rxing = ReedSolomonDecoder::new(PredefinedGenericGF::QrCodeField256.into());
        for round in 0..3000 {
            let (data_len, check_len) =
                [(19, 7), (16, 10), (9, 17), (15, 30), (115, 30)][round % 5];
            let original = codeword(&mut noise, data_len, check_len);
            let mut ours = original.clone();
            let errors = check_len / 2 + noise.below(4);
            damage(&mut noise, &mut ours, errors);
            let mut theirs: Vec<i32> = ours.iter().map(|&byte| i32::from(byte)).collect();
            let their_verdict = rxing.decode(&mut theirs, check_len as i32);
            let our_verdict = correct(&mut ours, check_len);
            assert_eq!(
                our_verdict.is_ok(),
                their_verdict.is_ok(),
                "round {round}: {our_verdict:?} vs {their_verdict:?}"
            );
            if our_verdict.is_ok() {
                let theirs: Vec<u8> = theirs.iter().map(|&value| value as u8).collect();
                assert_eq!(ours, theirs, "round {round}");
            }
        }
    }

    #[test]
    fn refuses_impossible_lengths() {
        assert_eq!(correct(&mut [0u8; 10], 0), Err(Uncorrectable::BadLength));
        assert_eq!(correct(&mut [0u8; 10], 10), Err(Uncorrectable::BadLength));
        assert_eq!(
            correct(&mut vec![0u8; 256], 30),
            Err(Uncorrectable::BadLength)
        );
        assert_eq!(correct(&mut [0u8; 10], 4), Ok(0));
    }
}
