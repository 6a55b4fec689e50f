//! A sampled grid of modules to the code's content: the steps of rxing's zxing-cpp port
//! (`cpp_port::decoder::Decode`), with the codewords corrected by [`reed_solomon`] instead
//! of rxing's own corrector, which cost most of the decode time of a damaged code.
//!
//! Only the common case is done here: a model 2 QR code, as almost every code printed
//! since 2000 is. Anything else (model 1 codes, grids whose size is no QR version) goes to
//! rxing's `Decode` whole, so nothing rxing reads is lost. The format information, block
//! layout and bit-stream decoding (modes, ECI, character sets) are rxing's own public
//! functions, so the text is the text rxing gives; a test compares the two on damaged codes.

use rxing::Exceptions;
use rxing::common::BitMatrix;
use rxing::common::cpp_essentials::DecoderResult;
use rxing::qrcode::common::{FormatInformation, Version, VersionRef};
use rxing::qrcode::cpp_port::Type;
use rxing::qrcode::cpp_port::decoder::{Decode, DecodeBitStream};
use rxing::qrcode::decoder::DataBlock;

use super::reed_solomon;

/// The content of the code whose modules are `grid` (set = dark).
pub(super) fn decode_grid(grid: &BitMatrix) -> rxing::common::Result<DecoderResult<bool>> {
    let Some((version, format)) = model2_symbol(grid) else {
        return Decode(grid);
    };
    let codewords = read_codewords(grid, version, &format)?;
    let level = format.error_correction_level;
    let blocks = DataBlock::getDataBlocks(&codewords, version, level)?;
    if blocks.is_empty() {
        return Err(Exceptions::format_with("Failed to get data blocks"));
    }
    let mut data = Vec::with_capacity(codewords.len());
    let mut block_codewords = Vec::new();
    for block in &blocks {
        block_codewords.clear();
        block_codewords.extend_from_slice(block.getCodewords());
        let data_len = block.getNumDataCodewords() as usize;
        let check_len = block_codewords.len().saturating_sub(data_len);
        reed_solomon::correct(&mut block_codewords, check_len).map_err(|_| Exceptions::CHECKSUM)?;
        data.extend_from_slice(&block_codewords[..data_len]);
    }
    DecodeBitStream(&data, version, level)
}

/// The version and format of a model 2 code; `None` for anything else.
fn model2_symbol(grid: &BitMatrix) -> Option<(VersionRef, FormatInformation)> {
    let side = grid.width();
    if grid.height() != side || side < 21 || !(side - 17).is_multiple_of(4) {
        return None;
    }
    let version = Version::Model2((side - 17) / 4).ok()?;
    let format = read_format(grid);
    (format.qr_type() == Type::Model2).then_some((version, format))
}

/// Both copies of the 15 format bits (ISO/IEC 18004 §7.9), read as zxing-cpp reads them
/// so that rxing's `DecodeQR` can also recognise a mirrored code; the dark module next to
/// the bottom-left copy is read with it and masked out there.
fn read_format(grid: &BitMatrix) -> FormatInformation {
    let side = grid.height();
    let mut around_top_left = 0u32;
    let push = |bits: &mut u32, x: u32, y: u32| *bits = (*bits << 1) | u32::from(grid.get(x, y));
    for x in 0..6 {
        push(&mut around_top_left, x, 8);
    }
    // Around the timing patterns at row and column 6.
    push(&mut around_top_left, 7, 8);
    push(&mut around_top_left, 8, 8);
    push(&mut around_top_left, 8, 7);
    for y in (0..6).rev() {
        push(&mut around_top_left, 8, y);
    }
    let mut split = 0u32;
    for y in (side - 8..side).rev() {
        push(&mut split, 8, y);
    }
    for x in side - 8..side {
        push(&mut split, x, 8);
    }
    FormatInformation::DecodeQR(around_top_left, split)
}

/// The codewords in placement order (§7.7.3): two-module columns from the right, upwards
/// and downwards in turn, skipping the timing column and every function module, with the
/// data mask removed.
fn read_codewords(
    grid: &BitMatrix,
    version: VersionRef,
    format: &FormatInformation,
) -> rxing::common::Result<Vec<u8>> {
    let function = version.buildFunctionPattern()?;
    let side = grid.height();
    let total = version.getTotalCodewords() as usize;
    let mut codewords = Vec::with_capacity(total);
    let mut byte = 0u8;
    let mut bits = 0;
    let mut upwards = true;
    let mut right = side - 1;
    loop {
        if right == 6 {
            right -= 1;
        }
        for step in 0..side {
            let y = if upwards { side - 1 - step } else { step };
            for x in [right, right - 1] {
                if function.get(x, y) {
                    continue;
                }
                let dark = if format.isMirrored {
                    grid.get(y, x)
                } else {
                    grid.get(x, y)
                };
                byte = (byte << 1) | u8::from(dark != masked(format.data_mask, x, y));
                bits += 1;
                if bits == 8 {
                    codewords.push(std::mem::take(&mut byte));
                    bits = 0;
                }
            }
        }
        upwards = !upwards;
        if right < 3 {
            break;
        }
        right -= 2;
    }
    if codewords.len() != total {
        return Err(Exceptions::FORMAT);
    }
    Ok(codewords)
}

/// Whether data mask `pattern` (§7.8.2, Table 10) flips the module in column `x`, row `y`.
fn masked(pattern: u8, x: u32, y: u32) -> bool {
    match pattern {
        0 => (y + x).is_multiple_of(2),
        1 => y.is_multiple_of(2),
        2 => x.is_multiple_of(3),
        3 => (y + x).is_multiple_of(3),
        4 => (y / 2 + x / 3).is_multiple_of(2),
        5 => (y * x).is_multiple_of(6),
        6 => (y * x) % 6 < 3,
        _ => (y + x + (y * x) % 3).is_multiple_of(2),
    }
}

#[cfg(test)]
mod tests {
    use qrcode::{EcLevel, QrCode, Version as QrVersion};

    use super::*;

    /// The modules of `text` encoded at `level`, at least `version` large.
    fn grid(text: &[u8], version: i16, level: EcLevel) -> BitMatrix {
        let code = QrCode::with_version(text, QrVersion::Normal(version), level).unwrap();
        let side = code.width() as u32;
        let mut grid = BitMatrix::new(side, side).unwrap();
        for (index, colour) in code.to_colors().iter().enumerate() {
            if *colour == qrcode::Color::Dark {
                grid.set(index as u32 % side, index as u32 / side);
            }
        }
        grid
    }

    /// Flips modules spread over the symbol (a deterministic walk), as dirt or glare would.
    fn smudge(grid: &mut BitMatrix, count: u32, seed: u32) {
        let side = grid.width();
        let mut position = seed;
        for _ in 0..count {
            position = position.wrapping_mul(1_103_515_245).wrapping_add(12_345);
            let (x, y) = ((position >> 8) % side, (position >> 20) % side);
            grid.flip_coords(x, y);
        }
    }

    #[test]
    fn reads_what_rxing_reads_from_clean_and_damaged_grids() {
        let texts: [&[u8]; 3] = [
            b"001089012345|123456789|Nguy\xe1\xbb\x85n V\xc4\x83n A|01011990|Nam|Th\xc3\xb4n 1, H\xc3\xa0 N\xe1\xbb\x99i|01012021",
            b"VNKIOSK:1:HS:000.00.00.H01-241203-0001",
            b"0123456789012345678901234567890123456789",
        ];
        let mut compared = 0;
        for (round, text) in texts.iter().enumerate() {
            for (version, level) in [
                (5, EcLevel::L),
                (7, EcLevel::M),
                (10, EcLevel::Q),
                (22, EcLevel::H),
            ] {
                for damage in [0, 5, 20, 60, 200] {
                    let mut modules = grid(text, version, level);
                    smudge(&mut modules, damage, (round as u32 + 1) * 7919 + damage);
                    let ours = decode_grid(&modules);
                    let theirs = Decode(&modules);
                    assert_eq!(
                        ours.is_ok(),
                        theirs.is_ok(),
                        "v{version} {level:?} damage {damage}: {:?} vs {:?}",
                        ours.err(),
                        theirs.err()
                    );
                    if let (Ok(ours), Ok(theirs)) = (ours, theirs) {
                        assert_eq!(ours.text(), theirs.text());
                        assert_eq!(ours.isValid(), theirs.isValid());
                        compared += 1;
                    }
                }
            }
        }
        // Most of them must have been readable for the comparison to mean anything.
        assert!(compared >= 30, "{compared}");
    }

    #[test]
    fn a_mirrored_grid_reads_too() {
        let text = b"VNKIOSK:1:TAM:KIOSK-07-000123";
        let modules = grid(text, 3, EcLevel::M);
        let side = modules.width();
        let mut mirrored = BitMatrix::new(side, side).unwrap();
        for y in 0..side {
            for x in 0..side {
                if modules.get(x, y) {
                    mirrored.set(y, x);
                }
            }
        }
        assert_eq!(
            decode_grid(&mirrored).unwrap().text(),
            "VNKIOSK:1:TAM:KIOSK-07-000123"
        );
    }

    #[test]
    fn grids_of_no_qr_size_are_left_to_rxing() {
        let odd = BitMatrix::new(23, 23).unwrap();
        assert!(decode_grid(&odd).is_err());
        assert!(model2_symbol(&BitMatrix::new(25, 21).unwrap()).is_none());
    }
}
