//! quirc's QR reader, through its Rust port `rqrr`: an independent second opinion for the
//! pictures ZXing's reader gives up on.

use super::{DecodeError, DecodedQr, Point, QrDecoder};
use crate::image::LumaImage;

const NAME: &str = "rqrr";

#[derive(Debug, Clone, Default)]
pub struct RqrrDecoder;

impl QrDecoder for RqrrDecoder {
    fn name(&self) -> &'static str {
        NAME
    }

    fn decode(&self, image: &LumaImage<'_>) -> Result<Vec<DecodedQr>, DecodeError> {
        let width = image.width() as usize;
        let pixels = image.pixels();
        let mut prepared =
            rqrr::PreparedImage::prepare_from_greyscale(width, image.height() as usize, |x, y| {
                pixels[y * width + x]
            });
        let mut codes = Vec::new();
        let mut failure = None;
        for grid in prepared.detect_grids() {
            let mut bytes = Vec::new();
            match grid.decode_to(&mut bytes) {
                Ok(_) => match String::from_utf8(bytes) {
                    Ok(text) => codes.push(DecodedQr {
                        text,
                        corners: grid
                            .bounds
                            .iter()
                            .map(|point| Point {
                                x: point.x as f32,
                                y: point.y as f32,
                            })
                            .collect(),
                        decoder: NAME,
                    }),
                    Err(_) => failure = Some(DecodeError::NotText { decoder: NAME }),
                },
                Err(error) => {
                    failure.get_or_insert(DecodeError::Unreadable {
                        decoder: NAME,
                        reason: error.to_string(),
                    });
                }
            }
        }
        match failure {
            Some(error) if codes.is_empty() => Err(error),
            _ => Ok(codes),
        }
    }
}
