//! The embedded Noto Sans, measured and drawn in dots.
//!
//! ab_glyph rather than fontdue: it rasterises outlines by exact area coverage through two
//! small crates (ttf-parser, ab_glyph_rasterizer), maps a missing character to glyph 0
//! (.notdef) which Noto Sans draws as a box, and is what glyph_brush and imageproc build
//! on; fontdue would bring hashbrown and a layout engine we do not use.
//!
//! No shaping: after NFC every Vietnamese letter is one precomposed glyph in Noto Sans, and
//! its kerning lives in GPOS, which ab_glyph does not apply, so advances add up plainly.
//! That keeps a line's width the sum of its characters' widths, which word wrapping needs.

use std::sync::LazyLock;

use ab_glyph::{Font, FontRef, GlyphId, PxScale, point};

use crate::raster::Raster;

static REGULAR: LazyLock<FontRef<'static>> = LazyLock::new(|| {
    FontRef::try_from_slice(include_bytes!("../../fonts/NotoSans-Regular.ttf"))
        .expect("the embedded fonts/NotoSans-Regular.ttf is a valid font")
});

static BOLD: LazyLock<FontRef<'static>> = LazyLock::new(|| {
    FontRef::try_from_slice(include_bytes!("../../fonts/NotoSans-Bold.ttf"))
        .expect("the embedded fonts/NotoSans-Bold.ttf is a valid font")
});

/// The coverage from which a dot is printed black. Below one half: a thermal head burns a
/// dot no wider than its cell, so thin strokes and the small marks of Vietnamese (the hook
/// of ả, the tilde of ã) print too light at 0.5 and break up; at this level they stay
/// whole, while counters of e, a and ơ at body size stay open.
const INK_THRESHOLD: f32 = 0.4;

/// The glyph drawn for a character the font lacks, and for control characters the font
/// maps to an invisible glyph: Noto Sans' .notdef, an empty box a reader sees as "missing".
const NOTDEF: GlyphId = GlyphId(0);

/// What a glyph is drawn in: black on paper, or white out of the DEMO banner's black.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Ink {
    Black,
    White,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Weight {
    Regular,
    Bold,
}

/// One weight at one size.
#[derive(Clone, Copy)]
pub(crate) struct Face {
    font: &'static FontRef<'static>,
    scale: PxScale,
    /// Font units to dots.
    factor: f32,
}

impl Face {
    /// `em` is the font size in dots (8 a millimetre).
    pub(crate) fn new(weight: Weight, em: u32) -> Face {
        let font: &'static FontRef<'static> = match weight {
            Weight::Regular => &REGULAR,
            Weight::Bold => &BOLD,
        };
        // Noto Sans has 1000 units an em; should a font ever lack the field, that is the
        // common value.
        let units_per_em = font.units_per_em().unwrap_or(1000.0);
        let factor = em as f32 / units_per_em;
        // ab_glyph's scale is the height from descender to ascender, not the em.
        let scale = PxScale::from(font.height_unscaled() * factor);
        Face {
            font,
            scale,
            factor,
        }
    }

    /// Dots from the top of a line to its baseline: room for a capital with two marks (Ễ).
    pub(crate) fn ascent(&self) -> u32 {
        (self.font.ascent_unscaled() * self.factor).ceil() as u32
    }

    /// Dots from one line's top to the next's.
    pub(crate) fn line_height(&self) -> u32 {
        let descent = -self.font.descent_unscaled() * self.factor;
        self.ascent() + descent.ceil() as u32
    }

    fn glyph(&self, c: char) -> GlyphId {
        if c.is_control() {
            return NOTDEF;
        }
        self.font.glyph_id(c)
    }

    pub(crate) fn advance(&self, c: char) -> f32 {
        self.font.h_advance_unscaled(self.glyph(c)) * self.factor
    }

    pub(crate) fn width(&self, text: &str) -> f32 {
        text.chars().map(|c| self.advance(c)).sum()
    }

    /// Draws `text` with its left end at `x` and its baseline at `baseline`.
    pub(crate) fn draw(&self, raster: &mut Raster, text: &str, x: f32, baseline: i32, ink: Ink) {
        let black = ink == Ink::Black;
        let mut pen = x;
        for c in text.chars() {
            let id = self.glyph(c);
            let glyph = id.with_scale_and_position(self.scale, point(pen, baseline as f32));
            if let Some(outlined) = self.font.outline_glyph(glyph) {
                let bounds = outlined.px_bounds();
                let (left, top) = (bounds.min.x as i32, bounds.min.y as i32);
                outlined.draw(|dx, dy, coverage| {
                    if coverage >= INK_THRESHOLD {
                        raster.set(left + dx as i32, top + dy as i32, black);
                    }
                });
            }
            pen += self.font.h_advance_unscaled(id) * self.factor;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_characters_draw_the_notdef_box() {
        let face = Face::new(Weight::Regular, 24);
        for c in ['😀', '中', '\u{7}', '\u{0}'] {
            assert_eq!(face.glyph(c), NOTDEF, "{c:?}");
            let mut raster = Raster::new(40, face.line_height());
            face.draw(
                &mut raster,
                &c.to_string(),
                0.0,
                face.ascent() as i32,
                Ink::Black,
            );
            let black = (0..40)
                .flat_map(|x| (0..raster.height()).map(move |y| (x, y)))
                .filter(|&(x, y)| raster.is_black(x, y))
                .count();
            assert!(black > 20, "{c:?} drew {black} dots");
        }
    }

    #[test]
    fn a_line_holds_a_capital_with_two_marks() {
        let face = Face::new(Weight::Regular, 24);
        let mut raster = Raster::new(40, face.line_height());
        face.draw(&mut raster, "Ễ", 2.0, face.ascent() as i32, Ink::Black);
        // The top row stays white: the marks are inside the line, not clipped by it.
        assert!(raster.row_is_white(0));
        assert!(!raster.row_is_white(2));
    }
}
