//! ZXing's local block threshold ("hybrid" binariser), computed the same way but in a
//! fraction of the time, for rxing's QR readers.
//!
//! rxing's own `HybridBinarizer` took almost half of a blackbox picture's decode time
//! (callgrind and perf agree): it copies the frame, then sets the black matrix one bit at a
//! time through bounds-checked calls. The algorithm is good and the readers are tuned to it,
//! so this module keeps it exactly, bit for bit (a test compares the two on random and
//! structured pictures), and changes only the work:
//!
//! - the frame is borrowed, never copied;
//! - each 8 x 8 block's sum, minimum and maximum are gathered a row of blocks at a time over
//!   whole pixel rows, which the compiler turns into vector code;
//! - each block's threshold (the mean black point of the 5 x 5 blocks around it) is spread
//!   over a row of per-pixel thresholds once per row of blocks, and every pixel row is then
//!   packed 64 pixels to a word by comparing it with that row.
//!
//! Where ZXing's blocks overlap (the last block of a row or column is moved back to end at
//! the picture's edge) it sets a pixel when it is at or below either block's threshold, so
//! the overlap takes the larger of the two thresholds here.

use std::borrow::Cow;

use rxing::common::{BitArray, BitMatrix, GlobalHistogramBinarizer, LineOrientation};
use rxing::{Binarizer, Exceptions, Luma8Source, LuminanceSource};
use wide::u8x16;

/// ZXing's block side (`BLOCK_SIZE_POWER` = 3).
const BLOCK: usize = 8;
/// Blocks with a smaller spread of luminance are taken as flat (all light or all dark).
const MIN_DYNAMIC_RANGE: u8 = 24;
/// Below this side in either direction there are not 5 x 5 blocks, and ZXing falls back to
/// one histogram threshold for the whole picture.
const MINIMUM_DIMENSION: usize = BLOCK * 5;
/// Bits in a word of rxing's `BitMatrix` and `BitArray`.
const WORD_BITS: usize = usize::BITS as usize;

/// A binariser over a borrowed grey frame whose black matrix is made when it is built.
pub(super) struct BlockBinarizer<'a> {
    /// Serves `get_black_row` and `get_black_line` (the 1D readers' interface, which QR
    /// reading never calls) the way `HybridBinarizer` does, and owns the source.
    rows: GlobalHistogramBinarizer<Luma8Source<'a>>,
    matrix: Result<BitMatrix, Exceptions>,
}

impl<'a> BlockBinarizer<'a> {
    /// `pixels` is `width` x `height` bytes of luminance, row by row.
    pub(super) fn new(pixels: &'a [u8], width: u32, height: u32) -> Result<Self, Exceptions> {
        let source = Luma8Source::new_with_slice(pixels, width, height)?;
        Ok(Self::from_source(source))
    }

    fn from_source(source: Luma8Source<'a>) -> Self {
        let rows = GlobalHistogramBinarizer::new(source);
        let (width, height) = (rows.get_width(), rows.get_height());
        let matrix = if width >= MINIMUM_DIMENSION && height >= MINIMUM_DIMENSION {
            let source = rows.get_luminance_source();
            let pixels = source.get_matrix();
            block_threshold(&pixels, width, height)
        } else {
            rows.get_black_matrix().cloned()
        };
        Self { rows, matrix }
    }
}

impl<'a> Binarizer for BlockBinarizer<'a> {
    type Source = Luma8Source<'a>;

    fn get_luminance_source(&self) -> &Self::Source {
        self.rows.get_luminance_source()
    }

    fn get_black_row(&self, y: usize) -> rxing::common::Result<Cow<'_, BitArray>> {
        self.rows.get_black_row(y)
    }

    fn get_black_row_from_matrix(&self, y: usize) -> rxing::common::Result<Cow<'_, BitArray>> {
        match &self.matrix {
            Ok(matrix) if y < matrix.height() as usize => Ok(Cow::Owned(matrix.getRow(y as u32))),
            _ => self.get_black_row(y),
        }
    }

    fn get_black_matrix(&self) -> rxing::common::Result<&BitMatrix> {
        self.matrix.as_ref().map_err(Clone::clone)
    }

    fn get_black_line(
        &self,
        line: usize,
        orientation: LineOrientation,
    ) -> rxing::common::Result<Cow<'_, BitArray>> {
        self.rows.get_black_line(line, orientation)
    }

    fn create_binarizer(&self, source: Self::Source) -> Self {
        Self::from_source(source)
    }

    fn get_width(&self) -> usize {
        self.rows.get_width()
    }

    fn get_height(&self) -> usize {
        self.rows.get_height()
    }
}

/// The first pixel of block `index` along a side of `length` pixels: blocks are `BLOCK`
/// apart, and the last one is moved back to end at the edge (ZXing's `maxXOffset`).
fn block_start(index: usize, length: usize) -> usize {
    (index * BLOCK).min(length - BLOCK)
}

/// ZXing's `HybridBinarizer::calculateBlackMatrix` for a picture of at least
/// `MINIMUM_DIMENSION` on each side.
fn block_threshold(pixels: &[u8], width: usize, height: usize) -> Result<BitMatrix, Exceptions> {
    let blocks_across = width.div_ceil(BLOCK);
    let blocks_down = height.div_ceil(BLOCK);
    let black_points = black_points(pixels, width, height, blocks_across, blocks_down);

    let thresholds = block_thresholds(&black_points, blocks_across, blocks_down);

    let words_per_row = width.div_ceil(WORD_BITS);
    let mut words = vec![0usize; words_per_row * height];
    let mut row_threshold = vec![0u8; width];
    let whole = width / BLOCK;
    for (block_y, block_row) in thresholds.chunks_exact(blocks_across).enumerate() {
        let (cells, _) = row_threshold.as_chunks_mut::<BLOCK>();
        for (cell, &threshold) in cells.iter_mut().zip(block_row) {
            *cell = [threshold; BLOCK];
        }
        if blocks_across > whole {
            // The ragged last block, moved back over its neighbour: its own pixels, then
            // the ones it shares.
            let last = block_row[blocks_across - 1];
            let (shared, own) =
                row_threshold[width - BLOCK..].split_at_mut(whole * BLOCK + BLOCK - width);
            own.fill(last);
            shared.iter_mut().for_each(|cell| *cell = (*cell).max(last));
        }
        let first_row = block_start(block_y, height);
        for y in first_row..first_row + BLOCK {
            let line = &pixels[y * width..(y + 1) * width];
            let out = &mut words[y * words_per_row..(y + 1) * words_per_row];
            pack_row(line, &row_threshold, out);
        }
    }

    let mut matrix = BitMatrix::new(width as u32, height as u32)?;
    let mut row = BitArray::with_size(width);
    for (y, row_words) in words.chunks_exact(words_per_row).enumerate() {
        for (index, &word) in row_words.iter().enumerate() {
            row.setBulk(index * WORD_BITS, word);
        }
        matrix.setRow(y as u32, &row);
    }
    Ok(matrix)
}

/// Each block's threshold: the mean black point of the 5 x 5 blocks around it, the square
/// moved inwards at the grid's edges. Summed as 5-wide row sums, then 5-tall column sums of
/// those.
fn block_thresholds(black_points: &[u32], blocks_across: usize, blocks_down: usize) -> Vec<u8> {
    // Row sums for the square centres 2..blocks_across - 2, stored from index 0.
    let centres_across = blocks_across - 4;
    let mut row_sums = vec![0u32; centres_across * blocks_down];
    for (sums, row) in row_sums
        .chunks_exact_mut(centres_across)
        .zip(black_points.chunks_exact(blocks_across))
    {
        for (centre, sum) in sums.iter_mut().enumerate() {
            *sum =
                row[centre] + row[centre + 1] + row[centre + 2] + row[centre + 3] + row[centre + 4];
        }
    }
    let mut squares = vec![0u32; centres_across];
    let mut thresholds = vec![0u8; blocks_across * blocks_down];
    for (block_y, out) in thresholds.chunks_exact_mut(blocks_across).enumerate() {
        let top = block_y.clamp(2, blocks_down - 3) - 2;
        squares.fill(0);
        for sums in
            row_sums[top * centres_across..(top + 5) * centres_across].chunks_exact(centres_across)
        {
            squares
                .iter_mut()
                .zip(sums)
                .for_each(|(square, &sum)| *square += sum);
        }
        for (block_x, threshold) in out.iter_mut().enumerate() {
            // A mean of black points, which are luminances: always a byte.
            *threshold = (squares[block_x.clamp(2, blocks_across - 3) - 2] / 25) as u8;
        }
    }
    thresholds
}

/// Sets, in `out`, the bit of every pixel of `line` at or below its threshold (`<=`, so
/// that black pixels stay black under a threshold of 0), least significant bit first.
/// Bits already set stay set: the last row of blocks overlaps the one before it.
fn pack_row(line: &[u8], thresholds: &[u8], out: &mut [usize]) {
    let (pixels, pixels_rest) = line.as_chunks::<WORD_BITS>();
    let (limits, limits_rest) = thresholds.as_chunks::<WORD_BITS>();
    for (word, (pixels, limits)) in out.iter_mut().zip(pixels.iter().zip(limits)) {
        *word |= pack_word(pixels, limits);
    }
    if !pixels_rest.is_empty() {
        // Padded with pixels that are never black (255 is above any limit but 255, and the
        // limit 0 is below any pixel but 0), so the ragged end packs like a whole word.
        let mut pixels = [u8::MAX; WORD_BITS];
        let mut limits = [0u8; WORD_BITS];
        pixels[..pixels_rest.len()].copy_from_slice(pixels_rest);
        limits[..limits_rest.len()].copy_from_slice(limits_rest);
        let last = out.len() - 1;
        out[last] |= pack_word(&pixels, &limits);
    }
}

/// Sixteen comparisons at a time, each sixteen packed by the vector's sign mask:
/// `min(pixel, limit) == pixel` is `pixel <= limit` without a signed compare.
fn pack_word(pixels: &[u8; WORD_BITS], limits: &[u8; WORD_BITS]) -> usize {
    let (pixels, _) = pixels.as_chunks::<16>();
    let (limits, _) = limits.as_chunks::<16>();
    pixels
        .iter()
        .zip(limits)
        .enumerate()
        .fold(0usize, |word, (index, (&pixels, &limits))| {
            let pixels = u8x16::new(pixels);
            let black = pixels.min(u8x16::new(limits)).simd_eq(pixels);
            word | ((black.to_bitmask() as usize) << (16 * index))
        })
}

/// ZXing's `calculateBlackPoints`: each block's estimate of the luminance between its dark
/// and light pixels, row of blocks by row of blocks.
fn black_points(
    pixels: &[u8],
    width: usize,
    height: usize,
    blocks_across: usize,
    blocks_down: usize,
) -> Vec<u32> {
    let mut points = vec![0u32; blocks_across * blocks_down];
    // Per pixel column over the current row of blocks; each block then sums its eight
    // columns once instead of eight times.
    let mut column_sums = vec![0u16; width];
    let mut column_lows = vec![0u8; width];
    let mut column_highs = vec![0u8; width];
    for block_y in 0..blocks_down {
        let rows = block_start(block_y, height)..block_start(block_y, height) + BLOCK;
        let mut columns = ColumnStats {
            pixels,
            width,
            rows,
            sums: &mut column_sums,
            lows: &mut column_lows,
            highs: &mut column_highs,
        };
        let mut x = 0;
        while x + WIDE <= width {
            columns.gather::<WIDE>(x);
            x += WIDE;
        }
        while x + BLOCK <= width {
            columns.gather::<BLOCK>(x);
            x += BLOCK;
        }
        if x < width {
            // The ragged end: the last block's columns, some gathered twice (alike).
            columns.gather::<BLOCK>(width - BLOCK);
        }
        for block_x in 0..blocks_across {
            let columns = block_start(block_x, width)..block_start(block_x, width) + BLOCK;
            let sum: u32 = column_sums[columns.clone()]
                .iter()
                .map(|&s| u32::from(s))
                .sum();
            let low = column_lows[columns.clone()]
                .iter()
                .copied()
                .fold(u8::MAX, u8::min);
            let high = column_highs[columns].iter().copied().fold(0, u8::max);
            // The mean of the block's 64 pixels.
            let mut point = sum >> 6;
            if high - low <= MIN_DYNAMIC_RANGE {
                // A flat block: taken as light ground, unless it is darker than its
                // neighbours' black points, which then carry inwards (ZXing's reasoning,
                // kept as it is: a code is always surrounded by light ground).
                point = u32::from(low) / 2;
                if block_y > 0 && block_x > 0 {
                    let above = points[(block_y - 1) * blocks_across + block_x];
                    let left = points[block_y * blocks_across + block_x - 1];
                    let above_left = points[(block_y - 1) * blocks_across + block_x - 1];
                    let neighbours = (above + 2 * left + above_left) / 4;
                    if u32::from(low) < neighbours {
                        point = neighbours;
                    }
                }
            }
            points[block_y * blocks_across + block_x] = point;
        }
    }
    points
}

/// How many columns [`ColumnStats::gather`] takes at once where it can: enough to fill the
/// vector registers, few enough that its accumulators stay in them.
const WIDE: usize = 32;

/// The sum, minimum and maximum of each pixel column over one row of blocks.
struct ColumnStats<'a> {
    pixels: &'a [u8],
    width: usize,
    rows: std::ops::Range<usize>,
    sums: &'a mut [u16],
    lows: &'a mut [u8],
    highs: &'a mut [u8],
}

impl ColumnStats<'_> {
    /// Columns `x..x + N`, which lie inside the picture. The accumulators are arrays so
    /// that they live in registers over the eight rows.
    fn gather<const N: usize>(&mut self, x: usize) {
        let mut sum = [0u16; N];
        let mut low = [u8::MAX; N];
        let mut high = [0u8; N];
        for y in self.rows.clone() {
            let Some(line) = self.pixels[y * self.width + x..].first_chunk::<N>() else {
                // Callers keep x + N within the row; a picture is width x height bytes.
                unreachable!("columns {x}..{} of a {}-pixel row", x + N, self.width);
            };
            for lane in 0..N {
                sum[lane] += u16::from(line[lane]);
                low[lane] = low[lane].min(line[lane]);
                high[lane] = high[lane].max(line[lane]);
            }
        }
        self.sums[x..x + N].copy_from_slice(&sum);
        self.lows[x..x + N].copy_from_slice(&low);
        self.highs[x..x + N].copy_from_slice(&high);
    }
}

#[cfg(test)]
mod tests {
    use rxing::Luma8LuminanceSource;
    use rxing::common::HybridBinarizer;

    use super::*;

    /// A picture with everything the binariser branches on: flat light and dark areas (the
    /// low-contrast rule), sharp edges, a gradient and noise, at sizes that do and do not
    /// divide by the block side.
    fn picture(width: usize, height: usize, seed: u64) -> Vec<u8> {
        let mut state = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
        let mut noise = move || {
            // xorshift64: reproducible and enough for test pictures.
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        (0..height)
            .flat_map(|y| (0..width).map(move |x| (x, y)))
            .map(|(x, y)| {
                let n = noise();
                match (x / 13 + y / 11) % 5 {
                    0 => 230,
                    1 => 20,
                    2 => ((x * 255) / width) as u8,
                    3 => (n % 256) as u8,
                    _ if (x / 3 + y / 3) % 2 == 0 => 40 + (n % 16) as u8,
                    _ => 200 + (n % 16) as u8,
                }
            })
            .collect()
    }

    fn rxing_matrix(pixels: &[u8], width: usize, height: usize) -> BitMatrix {
        let source =
            Luma8LuminanceSource::new(pixels.to_vec(), width as u32, height as u32).unwrap();
        HybridBinarizer::new(source)
            .get_black_matrix()
            .unwrap()
            .clone()
    }

    #[test]
    fn matches_rxings_hybrid_binarizer_bit_for_bit() {
        let sizes = [
            (40, 40),
            (41, 40),
            (40, 47),
            (64, 64),
            (65, 130),
            (127, 129),
            (240, 240),
            (333, 97),
            (640, 480),
        ];
        for (seed, &(width, height)) in sizes.iter().enumerate() {
            let pixels = picture(width, height, seed as u64);
            let ours = BlockBinarizer::new(&pixels, width as u32, height as u32).unwrap();
            assert_eq!(
                ours.get_black_matrix().unwrap(),
                &rxing_matrix(&pixels, width, height),
                "{width}x{height}"
            );
        }
    }

    #[test]
    fn small_pictures_use_one_threshold_like_rxing() {
        let (width, height) = (39, 60);
        let pixels = picture(width, height, 7);
        let ours = BlockBinarizer::new(&pixels, width as u32, height as u32).unwrap();
        assert_eq!(
            ours.get_black_matrix().unwrap(),
            &rxing_matrix(&pixels, width, height)
        );
    }

    #[test]
    fn a_wrong_length_is_an_error() {
        assert!(BlockBinarizer::new(&[0u8; 10], 4, 4).is_err());
    }
}
