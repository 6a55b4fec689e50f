//! ZXing's QR reader, through its Rust port `rxing`.
//!
//! rxing carries two QR readers: a port of zxing-cpp's newer detector (`cpp_port::QrReader`,
//! better on tilted and small codes) and the classic Java one (`QRCodeReader`, which
//! sometimes reads what the other misses). Both run, the newer first, on the same
//! binarised picture.

use rxing::common::HybridBinarizer;
use rxing::qrcode::QRCodeReader;
use rxing::qrcode::cpp_port::QrReader;
use rxing::{BarcodeFormat, BinaryBitmap, DecodeHints, Exceptions, Luma8LuminanceSource, Reader};

use super::{DecodeError, DecodedQr, Point, QrDecoder};
use crate::image::LumaImage;

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
}

impl QrDecoder for RxingDecoder {
    fn name(&self) -> &'static str {
        NAME
    }

    fn decode(&self, image: &LumaImage<'_>) -> Result<Vec<DecodedQr>, DecodeError> {
        // rxing's binarizer wants a source it owns ('static); copying a frame costs far less
        // than binarising it.
        let source =
            Luma8LuminanceSource::new(image.pixels().to_vec(), image.width(), image.height())
                .map_err(|error| unreadable(&error))?;
        let mut bitmap = BinaryBitmap::new(HybridBinarizer::new(source));
        let hints = self.hints();
        let newer = QrReader.decode_with_hints(&mut bitmap, &hints);
        let result = match newer {
            Ok(result) => Ok(result),
            Err(_) => QRCodeReader.decode_with_hints(&mut bitmap, &hints),
        };
        match result {
            Ok(result) => Ok(vec![DecodedQr {
                text: result.getText().to_owned(),
                corners: result
                    .getPoints()
                    .iter()
                    .map(|point| Point {
                        x: point.x,
                        y: point.y,
                    })
                    .collect(),
                decoder: NAME,
            }]),
            Err(Exceptions::NotFoundException(_)) => Ok(Vec::new()),
            Err(error) => Err(unreadable(&error)),
        }
    }
}

fn unreadable(error: &Exceptions) -> DecodeError {
    DecodeError::Unreadable {
        decoder: NAME,
        reason: error.to_string(),
    }
}
