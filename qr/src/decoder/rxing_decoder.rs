//! ZXing's QR reader, through its Rust port `rxing`.
//!
//! rxing carries two QR readers: a port of zxing-cpp's newer detector (better on tilted and
//! small codes) and the classic Java one (`QRCodeReader`, which sometimes reads what the
//! other misses). Both run, the newer first, on the same binarised picture.
//!
//! The newer reader runs here from its public parts rather than through its `QrReader`
//! front door, because two of its steps cost far more in rxing than the algorithm needs:
//! [`block_binarizer`] makes the black matrix as rxing's `HybridBinarizer` would,
//! [`finder_search`] finds the finder patterns as its `FindFinderPatterns` would, and
//! [`module_grid`] turns the sampled modules into text as its `Decode` would but with our
//! own [`reed_solomon`] correction, each in a fraction of the time. The rest (grouping
//! patterns in threes, sampling the grid, the format and bit-stream decoding) is rxing's,
//! unchanged. Tests check each replacement against rxing's original, and
//! `cargo xtask bench-qr` the read rate on ZXing's own pictures.

mod block_binarizer;
mod finder_search;
mod module_grid;
mod reed_solomon;

use rxing::common::DetectorRXingResult;
use rxing::qrcode::QRCodeReader;
use rxing::qrcode::cpp_port::detector::{GenerateFinderPatternSets, SampleQR};
use rxing::{BarcodeFormat, BinaryBitmap, DecodeHints, Exceptions, Reader};

use super::{DecodeError, DecodedQr, Point, QrDecoder};
use crate::image::LumaImage;
use block_binarizer::BlockBinarizer;

const NAME: &str = "rxing";

/// ZXing's QR reader. `try_harder` scans every row for finder patterns instead of every
/// few; it finds smaller codes at several times the cost.
#[derive(Debug, Clone, Default)]
pub struct RxingDecoder {
    pub try_harder: bool,
}

impl RxingDecoder {
    fn hints(&self) -> DecodeHints {
        DecodeHints {
            PossibleFormats: Some([BarcodeFormat::QR_CODE].into_iter().collect()),
            TryHarder: Some(self.try_harder),
            ..DecodeHints::default()
        }
    }

    /// zxing-cpp's reader, as rxing's `QrReader` runs it for one code: every plausible
    /// triple of finder patterns, largest first, until one samples and decodes to a valid
    /// code. Its failures are not reported: the classic reader runs next and says why.
    fn read_newer(&self, matrix: &rxing::common::BitMatrix) -> Option<DecodedQr> {
        let mut patterns = finder_search::finder_patterns(matrix, self.try_harder);
        GenerateFinderPatternSets(&mut patterns)
            .iter()
            .find_map(|set| {
                let detected = SampleQR(matrix, set).ok()?;
                let decoded = module_grid::decode_grid(detected.getBits()).ok()?;
                decoded.isValid().then(|| DecodedQr {
                    text: decoded.text(),
                    corners: corners(detected.getPoints()),
                    decoder: NAME,
                })
            })
    }
}

impl QrDecoder for RxingDecoder {
    fn name(&self) -> &'static str {
        NAME
    }

    fn decode(&self, image: &LumaImage<'_>) -> Result<Vec<DecodedQr>, DecodeError> {
        let binarizer = BlockBinarizer::new(image.pixels(), image.width(), image.height())
            .map_err(|error| unreadable(&error))?;
        let mut bitmap = BinaryBitmap::new(binarizer);
        if let Some(code) = self.read_newer(bitmap.get_black_matrix()) {
            return Ok(vec![code]);
        }
        match QRCodeReader.decode_with_hints(&mut bitmap, &self.hints()) {
            Ok(result) => Ok(vec![DecodedQr {
                text: result.getText().to_owned(),
                corners: corners(result.getPoints()),
                decoder: NAME,
            }]),
            Err(Exceptions::NotFoundException(_)) => Ok(Vec::new()),
            Err(error) => Err(unreadable(&error)),
        }
    }
}

fn corners(points: &[rxing::Point]) -> Vec<Point> {
    points
        .iter()
        .map(|point| Point {
            x: point.x,
            y: point.y,
        })
        .collect()
}

fn unreadable(error: &Exceptions) -> DecodeError {
    DecodeError::Unreadable {
        decoder: NAME,
        reason: error.to_string(),
    }
}
