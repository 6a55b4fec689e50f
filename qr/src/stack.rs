//! The decoders in order, each behind `catch_unwind`, with the preprocessing that pays.
//!
//! Order matters for speed: the cheap passes that read most camera frames come first, and a
//! frame only pays for the expensive ones when the cheap ones found nothing. The passes and
//! their order come from `cargo xtask bench-qr` (README, "QR decoding"). On ZXing's 716
//! test pictures the plain rxing pass read 654 first, and the shrunk frame read 8 more.
//! After those, sharpening read 8, rqrr on a locally thresholded picture 4 and rqrr as it
//! is 2. On the synthetic card photos at 640x480, sharpening and enlarging rescue half
//! the codes the plain pass misses. rxing's try-harder mode read nothing the plain pass
//! did not, so it is not in the stack.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Mutex;

use crate::decoder::{DecodeError, DecodedQr, Point, QrDecoder, RqrrDecoder, RxingDecoder};
use crate::image::LumaImage;
use crate::preprocess::{self, Region};

/// What a pass does to the picture before its decoder sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Preparation {
    /// The picture as it came.
    AsIs,
    /// Shrunk by this factor, only when its longer side is at least `min_side` pixels.
    Downscale { factor: u32, min_side: u32 },
    /// Light and dark swapped.
    Invert,
    /// Thresholded against each pixel's neighbourhood of this size.
    Binarise { window: u32 },
    /// Edges steepened against blur.
    Sharpen,
    /// Enlarged two times, only when its longer side is at most `max_side` pixels.
    Upscale { max_side: u32 },
}

/// How much of the stack to run on a picture.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Depth {
    /// The first passes only: the plain decoder on the picture as it is (and shrunk, for
    /// big frames). They read almost every frame a code is read from at all, at a fraction
    /// of the full stack's cost on a frame with no code.
    Quick,
    /// Every pass.
    Full,
}

/// How many passes [`Depth::Quick`] runs.
pub const QUICK_PASSES: usize = 2;

/// One decoder on one preparation of the picture.
pub struct Pass {
    pub decoder: Box<dyn QrDecoder>,
    pub preparation: Preparation,
}

impl Pass {
    pub fn new(decoder: impl QrDecoder + 'static, preparation: Preparation) -> Self {
        Self {
            decoder: Box::new(decoder),
            preparation,
        }
    }

    fn label(&self) -> String {
        format!("{}:{:?}", self.decoder.name(), self.preparation)
    }
}

/// Counters since the stack was made, for diagnostics and the benchmark.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StackStats {
    /// Pictures given to [`DecoderStack::decode`].
    pub pictures: u64,
    /// Pictures in which a code was read.
    pub decoded: u64,
    /// Per pass label (`decoder:preparation`): how many pictures that pass read first.
    pub reads_by_pass: Vec<(String, u64)>,
    /// Per decoder name: how many of its calls panicked (and were stopped).
    pub panics: Vec<(&'static str, u64)>,
}

impl StackStats {
    fn bump<K: PartialEq + Clone>(counts: &mut Vec<(K, u64)>, key: &K) {
        match counts.iter_mut().find(|(name, _)| name == key) {
            Some((_, count)) => *count += 1,
            None => counts.push((key.clone(), 1)),
        }
    }

    /// Panics of every decoder together.
    pub fn total_panics(&self) -> u64 {
        self.panics.iter().map(|(_, count)| count).sum()
    }
}

/// Several decoders and preparations tried in turn until one reads a code.
pub struct DecoderStack {
    passes: Vec<Pass>,
    stats: Mutex<StackStats>,
}

impl Default for DecoderStack {
    /// The stack the kiosk uses; see the module documentation for the order.
    fn default() -> Self {
        Self::new(vec![
            // Big frames first shrunk: a card held up to the camera is large, and at half
            // size the finder search costs a quarter.
            Pass::new(
                RxingDecoder::default(),
                Preparation::Downscale {
                    factor: 2,
                    min_side: 1000,
                },
            ),
            Pass::new(RxingDecoder::default(), Preparation::AsIs),
            // Then the cheap rescues (a millisecond or less) before rqrr, which takes
            // several.
            Pass::new(RxingDecoder::default(), Preparation::Sharpen),
            Pass::new(RxingDecoder::default(), Preparation::Invert),
            Pass::new(RqrrDecoder, Preparation::Binarise { window: 41 }),
            Pass::new(RqrrDecoder, Preparation::AsIs),
            Pass::new(
                RxingDecoder::default(),
                Preparation::Upscale { max_side: 800 },
            ),
        ])
    }
}

impl DecoderStack {
    pub fn new(passes: Vec<Pass>) -> Self {
        Self {
            passes,
            stats: Mutex::new(StackStats::default()),
        }
    }

    /// The codes in `image`, from the first pass that reads any; an empty list when no pass
    /// found one. When passes found a code but none could read it, the first such error.
    pub fn decode(&self, image: &LumaImage<'_>) -> Result<Vec<DecodedQr>, DecodeError> {
        self.decode_near(image, None, Depth::Full)
    }

    /// Like [`DecoderStack::decode`], but first tries just the part of `image` around
    /// `region` (where the previous frame's code was), which is several times cheaper
    /// while the card is held still.
    /// With [`Depth::Quick`], only the cheap passes at the head of the stack run.
    pub fn decode_near(
        &self,
        image: &LumaImage<'_>,
        region: Option<Region>,
        depth: Depth,
    ) -> Result<Vec<DecodedQr>, DecodeError> {
        let mut first_error = None;
        // The codes found and the label of the pass that found them.
        let mut found = None;
        let inside =
            |r: &Region| r.x + r.width <= image.width() && r.y + r.height <= image.height();
        // The region is tried with the first plain pass only: the card has barely moved, so
        // if that fails the whole frame deserves the full stack anyway.
        let plain = self
            .passes
            .iter()
            .find(|pass| pass.preparation == Preparation::AsIs);
        if let (Some(region), Some(pass)) = (region.filter(inside), plain) {
            match self.run(pass, &preprocess::crop(image, region)) {
                Ok(codes) if !codes.is_empty() => {
                    found = Some((
                        format!("{}:Region", pass.decoder.name()),
                        shifted(codes, region),
                    ));
                }
                Ok(_) => {}
                Err(error) => first_error = Some(error),
            }
        }
        if found.is_none() {
            let passes = match depth {
                Depth::Quick => &self.passes[..QUICK_PASSES.min(self.passes.len())],
                Depth::Full => &self.passes[..],
            };
            for pass in passes {
                match self.run_prepared(pass, image) {
                    Some(Ok(codes)) if !codes.is_empty() => {
                        found = Some((pass.label(), codes));
                        break;
                    }
                    Some(Err(error)) => {
                        first_error.get_or_insert(error);
                    }
                    Some(Ok(_)) | None => {}
                }
            }
        }
        let mut stats = self.lock_stats();
        stats.pictures += 1;
        match found {
            Some((label, codes)) => {
                stats.decoded += 1;
                StackStats::bump(&mut stats.reads_by_pass, &label);
                Ok(codes)
            }
            None => first_error.map_or(Ok(Vec::new()), Err),
        }
    }

    /// The counters so far.
    pub fn stats(&self) -> StackStats {
        self.lock_stats().clone()
    }

    fn lock_stats(&self) -> std::sync::MutexGuard<'_, StackStats> {
        // Counters stay meaningful even if a thread panicked while holding the lock.
        self.stats
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// `pass` on its preparation of `image`, with the corners put back in `image`'s
    /// coordinates; `None` when the preparation does not apply to a picture of this size.
    fn run_prepared(
        &self,
        pass: &Pass,
        image: &LumaImage<'_>,
    ) -> Option<Result<Vec<DecodedQr>, DecodeError>> {
        let longer_side = image.width().max(image.height());
        Some(match pass.preparation {
            Preparation::AsIs => self.run(pass, image),
            Preparation::Downscale { factor, min_side } => {
                if longer_side < min_side {
                    return None;
                }
                self.run(pass, &preprocess::downscale(image, factor))
                    .map(|codes| scaled(codes, factor as f32))
            }
            Preparation::Invert => self.run(pass, &preprocess::invert(image)),
            Preparation::Binarise { window } => {
                self.run(pass, &preprocess::binarise_adaptive(image, window))
            }
            Preparation::Sharpen => self.run(pass, &preprocess::sharpen(image)),
            Preparation::Upscale { max_side } => {
                if longer_side > max_side {
                    return None;
                }
                self.run(pass, &preprocess::upscale2(image))
                    .map(|codes| scaled(codes, 0.5))
            }
        })
    }

    /// One decoder call; a panic inside it becomes an error and a count, never a crash.
    fn run(&self, pass: &Pass, image: &LumaImage<'_>) -> Result<Vec<DecodedQr>, DecodeError> {
        let decoder = &pass.decoder;
        // The decoders keep no state between calls (the trait requires it), so nothing
        // half-changed survives an unwound call.
        match catch_unwind(AssertUnwindSafe(|| decoder.decode(image))) {
            Ok(result) => result,
            Err(_) => {
                let name = decoder.name();
                tracing::warn!(
                    decoder = name,
                    width = image.width(),
                    height = image.height(),
                    "QR decoder panicked; stopped and counted"
                );
                StackStats::bump(&mut self.lock_stats().panics, &name);
                Err(DecodeError::Panicked { decoder: name })
            }
        }
    }
}

/// Corners found on a shrunk picture, back in the full picture's coordinates.
fn scaled(codes: Vec<DecodedQr>, factor: f32) -> Vec<DecodedQr> {
    map_corners(codes, |point| Point {
        x: point.x * factor,
        y: point.y * factor,
    })
}

/// Corners found in a cropped region, back in the full picture's coordinates.
fn shifted(codes: Vec<DecodedQr>, region: Region) -> Vec<DecodedQr> {
    map_corners(codes, |point| Point {
        x: point.x + region.x as f32,
        y: point.y + region.y as f32,
    })
}

fn map_corners(mut codes: Vec<DecodedQr>, map: impl Fn(Point) -> Point) -> Vec<DecodedQr> {
    for code in &mut codes {
        code.corners
            .iter_mut()
            .for_each(|point| *point = map(*point));
    }
    codes
}
