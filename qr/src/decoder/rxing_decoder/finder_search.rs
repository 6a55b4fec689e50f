//! The row scan for QR finder patterns of rxing's zxing-cpp port (`FindFinderPatterns`),
//! with the rows turned into runs a word at a time.
//!
//! rxing's scan copies every scanned row of the black matrix and then walks it bit by bit,
//! testing each bit through a bounds-checked call; on ZXing's blackbox pictures that walk
//! was a fifth of the whole decode. Here a run is found with one `trailing_zeros` per
//! change of colour. Everything after the runs (the 1:1:3:1:1 test, locating the pattern's
//! centre, skipping patterns already found) is rxing's own public code, called in the same
//! order with the same arguments, so the patterns found are the same; a test compares them
//! with rxing's `FindFinderPatterns` on real and generated pictures.

use rxing::Point;
use rxing::common::BitMatrix;
use rxing::common::cpp_essentials::{
    ConcentricPattern, FindLeftGuardBy, FixedPattern, IsPattern, LocateConcentricPattern,
    PatternType, PatternView,
};

/// A finder pattern across its centre: dark, light, dark three times as wide, light, dark.
const FINDER: FixedPattern<5, 7, false> = FixedPattern::new([1, 1, 3, 1, 1]);
/// The pattern's outer edges are measured edge to edge (zxing-cpp's `E2E`).
const EDGE_TO_EDGE: bool = true;
/// The largest code the fast scan is spaced for, in modules across: version 20, which
/// zxing-cpp takes as the most a phone or kiosk camera is shown.
const MAX_MODULES_FAST: u32 = 20 * 4 + 17;
/// A finder centre is 3 modules tall, and a module at least a pixel: scan no sparser.
const MIN_ROW_SKIP: u32 = 3;
/// Bits in a word of rxing's `BitMatrix`.
const WORD_BITS: usize = usize::BITS as usize;

/// Every finder pattern found in `image` (black set), as rxing's `FindFinderPatterns` with no
/// minimum module size finds them. `try_harder` scans every third row instead of spacing
/// the rows for codes up to version 20.
pub(super) fn finder_patterns(image: &BitMatrix, try_harder: bool) -> Vec<ConcentricPattern> {
    let height = image.height();
    let skip = if try_harder {
        MIN_ROW_SKIP
    } else {
        ((3 * height) / (4 * MAX_MODULES_FAST)).max(MIN_ROW_SKIP)
    };
    let width = image.width() as usize;
    let mut found: Vec<ConcentricPattern> = Vec::new();
    let mut runs = Vec::with_capacity(64);
    for y in (skip - 1..height).step_by(skip as usize) {
        run_lengths(image.getRow(y).getBitArray(), width, &mut runs);
        let mut view = PatternView::from_slice(&runs);
        while let Some(candidate) = next_candidate(view) {
            view = candidate;
            let centre = Point::new(
                f32::from(view.pixelsInFront())
                    + f32::from(view[0usize])
                    + f32::from(view[1usize])
                    + f32::from(view[2usize]) / 2.0,
                y as f32 + 0.5,
            );
            let known = found
                .iter()
                .any(|old| centre.distance(old.p) < old.size as f32 / 2.0);
            if !known {
                // Three times the pattern's width: room for a very slanted pattern.
                let range = i32::from(view.iter().sum::<PatternType>()) * 3;
                let located = LocateConcentricPattern::<EDGE_TO_EDGE, 5, 7>(
                    image,
                    &FINDER.into(),
                    centre,
                    range,
                );
                found.extend(located);
            }
            view.skipPair();
            view.skipPair();
            view.extend();
        }
    }
    found
}

/// The next five runs from `view` on that look like a finder pattern's cross-section.
fn next_candidate(view: PatternView<'_>) -> Option<PatternView<'_>> {
    let candidate = FindLeftGuardBy::<5, _>(view, 5, |window, space_before| {
        // A cheap plausibility test first: a wide centre, narrower rings.
        if window[2usize] < 3
            || window[2usize] < 2 * window[0usize].max(window[4usize])
            || window[2usize] < window[1usize].max(window[3usize])
        {
            return false;
        }
        IsPattern::<EDGE_TO_EDGE, 5, 7, false>(window, &FINDER, space_before, 0.1, 0.0, 0.0) != 0.0
    })
    .ok()?;
    candidate.isValid().then_some(candidate)
}

/// The runs of one row of `width` pixels packed in `words` (bit set = black), light first
/// and last: the first run is the light pixels before the first dark one (possibly none),
/// and a row that ends dark gets a light run of 0 at its end. This is rxing's `PatternRow`
/// layout (`GetPatternRowTP`).
fn run_lengths(words: &[usize], width: usize, runs: &mut Vec<PatternType>) {
    runs.clear();
    let mut start = 0;
    let mut dark = false;
    while start < width {
        let end = next_change(words, start, dark, width);
        // Rows are at most `MAX_SIDE` (8192) pixels: a run always fits.
        runs.push((end - start) as PatternType);
        start = end;
        dark = !dark;
    }
    // `dark` is now the colour after the last run, so the last run was dark when it is not.
    if !dark {
        runs.push(0);
    }
}

/// The first pixel at or after `from` whose colour is not `dark`, or `width` when the row
/// keeps that colour to its end.
fn next_change(words: &[usize], from: usize, dark: bool, width: usize) -> usize {
    // Set bits mark pixels of the other colour. The padding bits after the row's end are
    // light, so for a dark run they show up as a change, which `min` puts at the end.
    let other = |word: usize| if dark { !word } else { word };
    let mut index = from / WORD_BITS;
    let mut changes = other(words[index]) & (usize::MAX << (from % WORD_BITS));
    loop {
        if changes != 0 {
            return (index * WORD_BITS + changes.trailing_zeros() as usize).min(width);
        }
        index += 1;
        match words.get(index) {
            Some(&word) => changes = other(word),
            None => return width,
        }
    }
}

#[cfg(test)]
mod tests {
    use rxing::common::BitArray;
    use rxing::qrcode::cpp_port::detector::FindFinderPatterns;

    use super::*;

    /// rxing's run-length coding of a row, written out from its definition.
    fn runs_bit_by_bit(row: &[bool]) -> Vec<PatternType> {
        let mut runs = Vec::new();
        let mut dark = false;
        let mut count = 0;
        for &pixel in row {
            if pixel != dark {
                runs.push(count);
                count = 0;
                dark = pixel;
            }
            count += 1;
        }
        if count != 0 {
            runs.push(count);
        }
        if dark {
            runs.push(0);
        }
        runs
    }

    fn packed(row: &[bool]) -> Vec<usize> {
        let mut bits = BitArray::with_size(row.len());
        for (index, _) in row.iter().enumerate().filter(|(_, dark)| **dark) {
            bits.set(index);
        }
        bits.getBitArray().to_vec()
    }

    #[test]
    fn runs_match_the_bit_by_bit_definition() {
        let rows: Vec<Vec<bool>> = vec![
            vec![false; 5],
            vec![true; 5],
            vec![true; 64],
            vec![false; 64],
            (0..130).map(|x| x % 7 < 3).collect(),
            (0..129).map(|x| x >= 60).collect(),
            (0..200).map(|x| (x * x) % 11 < 4).collect(),
            (0..65).map(|x| x == 64).collect(),
            (0..64).map(|x| x == 0).collect(),
        ];
        for row in rows {
            let mut runs = Vec::new();
            run_lengths(&packed(&row), row.len(), &mut runs);
            assert_eq!(runs, runs_bit_by_bit(&row), "{row:?}");
        }
    }

    /// A matrix with three finder patterns at the corners of a square, drawn at `module`
    /// pixels per module, with stripes across it for false starts.
    fn finder_picture(width: u32, height: u32, module: u32, offset: u32) -> BitMatrix {
        let mut matrix = BitMatrix::new(width, height).unwrap();
        let mut draw = |left: u32, top: u32| {
            for y in 0..7 * module {
                for x in 0..7 * module {
                    let (mx, my) = (x / module, y / module);
                    let ring = mx.min(my).min(6 - mx).min(6 - my);
                    if ring != 1 && left + x < width && top + y < height {
                        matrix.set(left + x, top + y);
                    }
                }
            }
        };
        let far = offset + 20 * module;
        draw(offset, offset);
        draw(far, offset);
        draw(offset, far);
        for x in (0..width).step_by(5) {
            matrix.set(x, height - 2);
        }
        matrix
    }

    #[test]
    fn finds_the_patterns_rxing_finds() {
        for (width, height, module, offset) in [
            (240, 240, 4, 10),
            (333, 297, 5, 31),
            (100, 90, 2, 9),
            (640, 480, 9, 40),
        ] {
            let image = finder_picture(width, height, module, offset);
            for try_harder in [false, true] {
                let ours = finder_patterns(&image, try_harder);
                assert!(ours.len() >= 3, "{width}x{height}: {ours:?}");
                assert_eq!(ours, FindFinderPatterns(&image, try_harder, 0));
            }
        }
    }
}
