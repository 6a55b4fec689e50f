//! QR codes drawn in dots, sized for a phone held at reading distance.

use qrcode::types::QrError;
use qrcode::{Color, EcLevel, QrCode};

use crate::layout::LayoutError;
use crate::paper::{DOTS_PER_MM, PaperWidth};
use crate::raster::Raster;

/// A module smaller than half a millimetre blurs on thermal paper and is lost by a phone
/// camera at 20 cm; this is the floor.
const MIN_MODULE: u32 = 4;

/// The side, quiet zone included, that a code grows to when its modules allow. A phone at
/// 20 cm reads a 30–40 mm code at once; larger only spends paper, and the same size on
/// both rolls lets staff recognise the receipt.
const TARGET_SIDE: u32 = 40 * DOTS_PER_MM;

/// ISO/IEC 18004 asks for four light modules around the symbol.
const QUIET_ZONE: u32 = 4;

/// The code as a picture: the largest whole module size that keeps it within
/// [`TARGET_SIDE`], but never under [`MIN_MODULE`]; a code that needs more than the
/// paper's text width at that floor is refused. The picture is padded to whole bytes (the
/// unit of `GS v 0`) with white, evenly on both sides, so it prints centred.
///
/// Error correction level M (15 %): enough for a scuffed or creased receipt, while a
/// 200-byte payload still fits 58 mm paper (version 10, 57 modules, 260 dots).
pub(crate) fn raster(payload: &str, paper: PaperWidth) -> Result<Raster, LayoutError> {
    let too_large = || LayoutError::QrTooLarge {
        bytes: payload.len(),
        paper,
    };
    let code =
        QrCode::with_error_correction_level(payload.as_bytes(), EcLevel::M).map_err(|error| {
            match error {
                QrError::DataTooLong => too_large(),
                other => LayoutError::QrUnencodable(other.to_string()),
            }
        })?;
    let modules = code.width() as u32;
    let span = modules + 2 * QUIET_ZONE;
    let module = (TARGET_SIDE / span).max(MIN_MODULE);
    let side = span * module;
    if side > paper.content_width() {
        return Err(too_large());
    }
    let width = side.next_multiple_of(8);
    let left = (width - side) / 2 + QUIET_ZONE * module;
    let top = QUIET_ZONE * module;
    let mut raster = Raster::new(width, side);
    for (index, color) in code.to_colors().into_iter().enumerate() {
        if color == Color::Dark {
            let (x, y) = (index as u32 % modules, index as u32 / modules);
            raster.fill(left + x * module, top + y * module, module, module, true);
        }
    }
    Ok(raster)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_receipt_code_grows_to_the_target() {
        // 38 alphanumeric characters: version 2, 25 modules and the quiet zone, 33 in all,
        // 9 dots each, padded to 38 bytes a row.
        let raster =
            raster("VNKIOSK:1:HS:000.00.00.H01-241203-0001", PaperWidth::Mm58).expect("fits");
        assert_eq!(raster.height(), 33 * 9);
        assert_eq!(raster.width(), 304);
        assert!(raster.row_is_white(35));
        assert!(!raster.row_is_white(36));
        assert!(!raster.is_black(3 + 35, 36) && raster.is_black(3 + 36, 36));
    }

    #[test]
    fn two_hundred_bytes_fit_58_mm_at_the_smallest_module() {
        let payload = "A".repeat(200).to_lowercase();
        let raster = raster(&payload, PaperWidth::Mm58).expect("fits");
        assert_eq!(raster.height(), (57 + 8) * 4);
        assert_eq!(raster.width() % 8, 0);
    }

    #[test]
    fn a_payload_too_big_for_the_paper_is_an_error() {
        let payload = "x".repeat(600);
        assert_eq!(
            raster(&payload, PaperWidth::Mm58),
            Err(LayoutError::QrTooLarge {
                bytes: 600,
                paper: PaperWidth::Mm58
            })
        );
        assert!(raster(&payload, PaperWidth::Mm80).is_ok());
        let huge = "x".repeat(4000);
        assert!(matches!(
            raster(&huge, PaperWidth::Mm80),
            Err(LayoutError::QrTooLarge { bytes: 4000, .. })
        ));
    }
}
