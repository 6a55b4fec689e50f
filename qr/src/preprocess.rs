//! The picture changes that help decoders, each cheap and each measured by the blackbox
//! benchmark before it earned its place in the stack.

use crate::image::LumaImage;

/// A rectangle of the picture, in pixels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Region {
    pub x: u32,
    pub y: u32,
    pub width: u32,
    pub height: u32,
}

impl Region {
    /// The smallest region holding `points`, grown by `margin` times its larger side on every
    /// edge and clipped to a `width` x `height` picture. `None` when nothing is left.
    pub fn around(points: &[(f32, f32)], margin: f32, width: u32, height: u32) -> Option<Region> {
        let finite = || {
            points
                .iter()
                .filter(|(x, y)| x.is_finite() && y.is_finite())
        };
        let min_x = finite().map(|p| p.0).fold(f32::INFINITY, f32::min);
        let max_x = finite().map(|p| p.0).fold(f32::NEG_INFINITY, f32::max);
        let min_y = finite().map(|p| p.1).fold(f32::INFINITY, f32::min);
        let max_y = finite().map(|p| p.1).fold(f32::NEG_INFINITY, f32::max);
        if min_x > max_x || min_y > max_y {
            return None;
        }
        let grow = (max_x - min_x).max(max_y - min_y) * margin;
        let left = (min_x - grow).clamp(0.0, width as f32) as u32;
        let top = (min_y - grow).clamp(0.0, height as f32) as u32;
        let right = (max_x + grow).ceil().clamp(0.0, width as f32) as u32;
        let bottom = (max_y + grow).ceil().clamp(0.0, height as f32) as u32;
        (right > left && bottom > top).then_some(Region {
            x: left,
            y: top,
            width: right - left,
            height: bottom - top,
        })
    }
}

/// The part of `image` inside `region` (which must lie inside it).
pub fn crop(image: &LumaImage<'_>, region: Region) -> LumaImage<'static> {
    let stride = image.width() as usize;
    let mut pixels = Vec::with_capacity(region.width as usize * region.height as usize);
    for row in region.y..region.y + region.height {
        let start = row as usize * stride + region.x as usize;
        pixels.extend_from_slice(&image.pixels()[start..start + region.width as usize]);
    }
    owned(region.width, region.height, pixels)
}

/// `image` shrunk by an integer `factor`, each output pixel the mean of a `factor` x
/// `factor` block. Averaging (not skipping) keeps thin modules visible and smooths sensor
/// noise, which is why a shrunk frame often decodes better as well as faster.
pub fn downscale(image: &LumaImage<'_>, factor: u32) -> LumaImage<'static> {
    // A factor beyond the shorter side would leave no whole block to average.
    let factor = factor.clamp(1, image.width().min(image.height()));
    let (width, height) = (image.width() / factor, image.height() / factor);
    let stride = image.width() as usize;
    let source = image.pixels();
    if factor == 2 {
        return halve(source, stride, width as usize, height as usize);
    }
    let area = factor * factor;
    let mut pixels = Vec::with_capacity(width as usize * height as usize);
    let mut sums = vec![0u32; width as usize];
    for out_y in 0..height {
        sums.iter_mut().for_each(|sum| *sum = 0);
        for row in 0..factor {
            let line = &source[(out_y * factor + row) as usize * stride..][..stride];
            for (sum, block) in sums.iter_mut().zip(line.chunks_exact(factor as usize)) {
                *sum += block.iter().map(|&value| value as u32).sum::<u32>();
            }
        }
        pixels.extend(sums.iter().map(|sum| (sum / area) as u8));
    }
    owned(width, height, pixels)
}

/// [`downscale`] by 2, the stack's first pass on every camera frame: each output pixel from
/// fixed pairs of pixels in two rows, which the compiler turns into vector code (the
/// general loop took 0.7 ms for a 1280x720 frame, this about a tenth of it).
fn halve(source: &[u8], stride: usize, width: usize, height: usize) -> LumaImage<'static> {
    let mut pixels = Vec::with_capacity(width * height);
    for out_y in 0..height {
        let (top, _) = source[2 * out_y * stride..][..2 * width].as_chunks::<2>();
        let (bottom, _) = source[(2 * out_y + 1) * stride..][..2 * width].as_chunks::<2>();
        pixels.extend(top.iter().zip(bottom).map(|(&[a, b], &[c, d])| {
            // At most 4 x 255: the mean of four bytes is a byte.
            ((u16::from(a) + u16::from(b) + u16::from(c) + u16::from(d)) / 4) as u8
        }));
    }
    owned(width as u32, height as u32, pixels)
}

/// `image` enlarged by two in each direction with bilinear interpolation. A code whose
/// modules are two pixels or less across is sampled between pixels by the decoders'
/// grids; enlarging first gives their binarisers room to find each module's edge.
///
/// Output pixel centres fall a quarter pixel either side of the source centres, so every
/// weight is a multiple of 1/4 and the result is exact in integers: sixteenths, rounded
/// half up.
pub fn upscale2(image: &LumaImage<'_>) -> LumaImage<'static> {
    let (width, height) = (image.width() as usize, image.height() as usize);
    let source = image.pixels();
    let (out_width, out_height) = (width * 2, height * 2);
    let columns: Vec<Taps> = (0..out_width).map(|x| Taps::at(x, width)).collect();
    let mut pixels = Vec::with_capacity(out_width * out_height);
    for out_y in 0..out_height {
        let rows = Taps::at(out_y, height);
        let (row0, row1) = (
            &source[rows.first * width..][..width],
            &source[rows.second * width..][..width],
        );
        pixels.extend(columns.iter().map(|columns| {
            let top = columns.blend(row0[columns.first], row0[columns.second]);
            let bottom = columns.blend(row1[columns.first], row1[columns.second]);
            ((top * (4 - rows.weight) + bottom * rows.weight + 8) / 16) as u8
        }));
    }
    owned(out_width as u32, out_height as u32, pixels)
}

/// The two source pixels an enlarged pixel lies between along one axis, and the second's
/// weight in quarters (clamped to the picture at its edges).
struct Taps {
    first: usize,
    second: usize,
    weight: u16,
}

impl Taps {
    fn at(out: usize, length: usize) -> Taps {
        let half = out / 2;
        match (out % 2, half) {
            // A quarter before the first source centre: the edge pixel alone.
            (0, 0) => Taps {
                first: 0,
                second: 0,
                weight: 0,
            },
            // A quarter before source centre `half`: three quarters of it.
            (0, _) => Taps {
                first: half - 1,
                second: half,
                weight: 3,
            },
            // A quarter after source centre `half`.
            _ => Taps {
                first: half,
                second: (half + 1).min(length - 1),
                weight: 1,
            },
        }
    }

    /// In quarters: at most 4 x 255.
    fn blend(&self, first: u8, second: u8) -> u16 {
        u16::from(first) * (4 - self.weight) + u16::from(second) * self.weight
    }
}

/// `image` with its edges steepened (an unsharp mask over the four neighbours), undoing
/// some of the focus and motion blur that merges neighbouring modules. The picture's edge
/// repeats outwards. Row by row over slices, so the interior runs as vector code.
pub fn sharpen(image: &LumaImage<'_>) -> LumaImage<'static> {
    let (width, height) = (image.width() as usize, image.height() as usize);
    let source = image.pixels();
    let row = |y: usize| &source[y * width..(y + 1) * width];
    let mask = |centre: u8, neighbours: [u8; 4]| -> u8 {
        let around: i32 = neighbours.iter().map(|&value| i32::from(value)).sum();
        (5 * i32::from(centre) - around).clamp(0, 255) as u8
    };
    let mut pixels = Vec::with_capacity(width * height);
    for y in 0..height {
        let (up, middle, down) = (
            row(y.saturating_sub(1)),
            row(y),
            row((y + 1).min(height - 1)),
        );
        let at = |x: usize| {
            mask(
                middle[x],
                [
                    middle[x.saturating_sub(1)],
                    middle[(x + 1).min(width - 1)],
                    up[x],
                    down[x],
                ],
            )
        };
        pixels.push(at(0));
        if width > 2 {
            let interior = middle[1..width - 1]
                .iter()
                .zip(&middle[..width - 2])
                .zip(&middle[2..])
                .zip(up[1..width - 1].iter().zip(&down[1..width - 1]));
            pixels.extend(
                interior.map(|(((&centre, &left), &right), (&above, &below))| {
                    mask(centre, [left, right, above, below])
                }),
            );
        }
        if width > 1 {
            pixels.push(at(width - 1));
        }
    }
    owned(image.width(), image.height(), pixels)
}

/// Light and dark swapped, for codes printed light on a dark ground.
pub fn invert(image: &LumaImage<'_>) -> LumaImage<'static> {
    owned(
        image.width(),
        image.height(),
        image.pixels().iter().map(|value| 255 - value).collect(),
    )
}

/// Each pixel set to black or white against the mean of the `window` x `window` square
/// around it (less a small bias, so flat paper stays white), the square clipped to the
/// picture. Evens out glare and shadow across the card before a decoder that thresholds
/// globally sees it. The square sums come from running column sums and a prefix sum along
/// each row, so the window size does not change the cost.
pub fn binarise_adaptive(image: &LumaImage<'_>, window: u32) -> LumaImage<'static> {
    let (width, height) = (image.width() as usize, image.height() as usize);
    let source = image.pixels();
    let row = |y: usize| &source[y * width..(y + 1) * width];
    let half = (window.max(3) / 2) as usize;
    const BIAS: u32 = 7;
    // Sums of each column over the rows top..bottom of the current square: at most
    // 8192 x 255, and a row's prefix of them at most 8192 x 8192 x 255 / 4 before it could
    // overflow, far beyond the windows used (u64 keeps any window safe).
    let mut columns = vec![0u64; width];
    let mut prefix = vec![0u64; width + 1];
    let (mut top, mut bottom) = (0usize, 0usize);
    let mut pixels = Vec::with_capacity(width * height);
    for y in 0..height {
        let (wanted_top, wanted_bottom) = (y.saturating_sub(half), (y + half + 1).min(height));
        while bottom < wanted_bottom {
            columns
                .iter_mut()
                .zip(row(bottom))
                .for_each(|(sum, &value)| *sum += u64::from(value));
            bottom += 1;
        }
        while top < wanted_top {
            columns
                .iter_mut()
                .zip(row(top))
                .for_each(|(sum, &value)| *sum -= u64::from(value));
            top += 1;
        }
        let mut running = 0u64;
        for (cell, &sum) in prefix[1..].iter_mut().zip(&columns) {
            running += sum;
            *cell = running;
        }
        let rows = (bottom - top) as u64;
        for (x, &value) in row(y).iter().enumerate() {
            let (left, right) = (x.saturating_sub(half), (x + half + 1).min(width));
            let sum = prefix[right] - prefix[left];
            let count = rows * (right - left) as u64;
            let dark = (u64::from(value) + u64::from(BIAS)) * count < sum;
            pixels.push(if dark { 0 } else { 255 });
        }
    }
    owned(image.width(), image.height(), pixels)
}

fn owned(width: u32, height: u32, pixels: Vec<u8>) -> LumaImage<'static> {
    LumaImage::new(width, height, pixels).expect("preprocessing keeps size and length in step")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn picture(width: u32, height: u32, pixels: Vec<u8>) -> LumaImage<'static> {
        LumaImage::new(width, height, pixels).unwrap()
    }

    #[test]
    fn downscaling_averages_blocks_and_drops_the_ragged_edge() {
        let image = picture(5, 2, vec![0, 100, 200, 255, 9, 50, 150, 250, 255, 9]);
        let small = downscale(&image, 2);
        assert_eq!((small.width(), small.height()), (2, 1));
        assert_eq!(small.pixels(), &[75, 240]);
        // Found by the qr_picture fuzz target: a factor larger than the picture.
        let thin = downscale(&picture(1, 2, vec![10, 30]), 3);
        assert_eq!(
            (thin.width(), thin.height(), thin.pixels()),
            (1, 2, &[10, 30][..])
        );
    }

    #[test]
    fn cropping_and_inverting_keep_the_pixels_in_place() {
        let image = picture(3, 3, (0..9).collect());
        let middle = crop(
            &image,
            Region {
                x: 1,
                y: 1,
                width: 2,
                height: 2,
            },
        );
        assert_eq!(middle.pixels(), &[4, 5, 7, 8]);
        assert_eq!(invert(&middle).pixels(), &[251, 250, 248, 247]);
    }

    #[test]
    fn regions_grow_by_the_margin_and_stay_inside_the_picture() {
        let region = Region::around(&[(10.0, 10.0), (30.0, 20.0)], 0.5, 35, 100).unwrap();
        assert_eq!(
            region,
            Region {
                x: 0,
                y: 0,
                width: 35,
                height: 30
            }
        );
        assert_eq!(Region::around(&[], 0.5, 10, 10), None);
        assert_eq!(Region::around(&[(f32::NAN, 1.0)], 0.5, 10, 10), None);
    }

    /// The definition [`sharpen`] computes faster: pixel by pixel.
    fn sharpen_reference(image: &LumaImage<'_>) -> LumaImage<'static> {
        let (width, height) = (image.width() as usize, image.height() as usize);
        let source = image.pixels();
        let at = |x: usize, y: usize| source[y * width + x] as i32;
        let mut pixels = Vec::with_capacity(width * height);
        for y in 0..height {
            for x in 0..width {
                let centre = at(x, y);
                let neighbours = at(x.saturating_sub(1), y)
                    + at((x + 1).min(width - 1), y)
                    + at(x, y.saturating_sub(1))
                    + at(x, (y + 1).min(height - 1));
                pixels.push((5 * centre - neighbours).clamp(0, 255) as u8);
            }
        }
        owned(image.width(), image.height(), pixels)
    }

    /// The definition [`binarise_adaptive`] computes faster: a summed-area table.
    fn binarise_reference(image: &LumaImage<'_>, window: u32) -> LumaImage<'static> {
        let (width, height) = (image.width() as usize, image.height() as usize);
        let source = image.pixels();
        // Summed-area table with a zero row and column in front, so every window sum is four
        // look-ups whatever the window size.
        let mut integral = vec![0u64; (width + 1) * (height + 1)];
        for y in 0..height {
            let mut row_sum = 0u64;
            for x in 0..width {
                row_sum += source[y * width + x] as u64;
                integral[(y + 1) * (width + 1) + x + 1] =
                    integral[y * (width + 1) + x + 1] + row_sum;
            }
        }
        let half = (window.max(3) / 2) as usize;
        const BIAS: u64 = 7;
        let mut pixels = Vec::with_capacity(width * height);
        for y in 0..height {
            let (top, bottom) = (y.saturating_sub(half), (y + half + 1).min(height));
            for x in 0..width {
                let (left, right) = (x.saturating_sub(half), (x + half + 1).min(width));
                let sum = integral[bottom * (width + 1) + right]
                    + integral[top * (width + 1) + left]
                    - integral[top * (width + 1) + right]
                    - integral[bottom * (width + 1) + left];
                let count = ((bottom - top) * (right - left)) as u64;
                let value = source[y * width + x] as u64;
                pixels.push(if value * count + BIAS * count < sum {
                    0
                } else {
                    255
                });
            }
        }
        owned(image.width(), image.height(), pixels)
    }

    /// The definition [`upscale2`] computes in integers: in floating point.
    fn upscale2_reference(image: &LumaImage<'_>) -> LumaImage<'static> {
        let (width, height) = (image.width() as usize, image.height() as usize);
        let source = image.pixels();
        let (out_width, out_height) = (width * 2, height * 2);
        let mut pixels = Vec::with_capacity(out_width * out_height);
        for out_y in 0..out_height {
            // Output pixel centres fall a quarter pixel either side of the source centres.
            let y = (out_y as f32 + 0.5) / 2.0 - 0.5;
            let y0 = (y.floor().max(0.0) as usize).min(height - 1);
            let y1 = (y0 + 1).min(height - 1);
            let fy = (y - y0 as f32).clamp(0.0, 1.0);
            let (row0, row1) = (
                &source[y0 * width..][..width],
                &source[y1 * width..][..width],
            );
            for out_x in 0..out_width {
                let x = (out_x as f32 + 0.5) / 2.0 - 0.5;
                let x0 = (x.floor().max(0.0) as usize).min(width - 1);
                let x1 = (x0 + 1).min(width - 1);
                let fx = (x - x0 as f32).clamp(0.0, 1.0);
                let top = row0[x0] as f32 * (1.0 - fx) + row0[x1] as f32 * fx;
                let bottom = row1[x0] as f32 * (1.0 - fx) + row1[x1] as f32 * fx;
                pixels.push((top * (1.0 - fy) + bottom * fy).round() as u8);
            }
        }
        owned(out_width as u32, out_height as u32, pixels)
    }

    /// A noisy picture with sharp edges, of a size that is odd both ways.
    fn noisy(width: u32, height: u32) -> LumaImage<'static> {
        let pixels = (0..width * height)
            .map(|i| {
                let (x, y) = (i % width, i / width);
                let edge = if (x / 5 + y / 7) % 2 == 0 { 40 } else { 210 };
                (edge + (i.wrapping_mul(2_654_435_761) >> 27)) as u8
            })
            .collect();
        picture(width, height, pixels)
    }

    #[test]
    fn the_fast_filters_compute_their_definitions() {
        for (width, height) in [(1, 1), (2, 3), (3, 1), (37, 23), (200, 9)] {
            let image = noisy(width, height);
            assert_eq!(
                sharpen(&image),
                sharpen_reference(&image),
                "{width}x{height}"
            );
            assert_eq!(
                upscale2(&image),
                upscale2_reference(&image),
                "{width}x{height}"
            );
            for window in [3, 9, 41] {
                assert_eq!(
                    binarise_adaptive(&image, window),
                    binarise_reference(&image, window),
                    "{width}x{height} window {window}"
                );
            }
            if width.min(height) < 2 {
                continue;
            }
            let half = downscale(&image, 2);
            let expected: Vec<u8> = (0..half.height())
                .flat_map(|y| (0..half.width()).map(move |x| (x, y)))
                .map(|(x, y)| {
                    let sum: u32 = [(0, 0), (1, 0), (0, 1), (1, 1)]
                        .iter()
                        .map(|(dx, dy)| u32::from(image.get(2 * x + dx, 2 * y + dy)))
                        .sum();
                    (sum / 4) as u8
                })
                .collect();
            assert_eq!(half.pixels(), &expected[..], "{width}x{height} halved");
        }
    }

    #[test]
    fn adaptive_binarisation_follows_a_lighting_gradient() {
        // A dark dot on a ground that brightens from left to right: a global threshold
        // would lose the dot or the left of the ground; a local one keeps both.
        let (width, height) = (40u32, 10u32);
        let pixels = (0..height)
            .flat_map(|y| {
                (0..width).map(move |x| {
                    let ground = 60 + x * 4;
                    if (18..22).contains(&x) && (4..6).contains(&y) {
                        (ground - 50) as u8
                    } else {
                        ground as u8
                    }
                })
            })
            .collect();
        let binary = binarise_adaptive(&picture(width, height, pixels), 9);
        assert_eq!(binary.get(19, 5), 0);
        assert_eq!(binary.get(2, 5), 255);
        assert_eq!(binary.get(37, 5), 255);
    }
}
