//! The two paper rolls kiosk printers take, in the printer's own unit: the dot.

use std::fmt;

/// Thermal print heads put 8 dots in a millimetre (203 dpi) on both roll widths.
pub const DOTS_PER_MM: u32 = 8;

/// A roll width. The dots are the print head's printable width, not the paper's: a 58 mm
/// roll has 48 mm of head, an 80 mm roll 72 mm, and the paper beyond is the printer's own
/// margin.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PaperWidth {
    Mm58,
    Mm80,
}

impl PaperWidth {
    /// The roll for a width in millimetres, as a configuration file gives it.
    pub fn from_mm(mm: u32) -> Option<PaperWidth> {
        match mm {
            58 => Some(PaperWidth::Mm58),
            80 => Some(PaperWidth::Mm80),
            _ => None,
        }
    }

    /// The roll's nominal width in millimetres.
    pub fn mm(self) -> u32 {
        match self {
            PaperWidth::Mm58 => 58,
            PaperWidth::Mm80 => 80,
        }
    }

    /// Printable dots across the roll.
    pub fn dots(self) -> u32 {
        match self {
            PaperWidth::Mm58 => 384,
            PaperWidth::Mm80 => 576,
        }
    }

    /// Blank dots kept on each side inside the printable width. The printer's own paper
    /// margin is already 5 mm a side, so 1 mm (58) or 2 mm (80) more is enough for the
    /// text not to look pressed against the edge while keeping every dot a line can use.
    pub(crate) fn margin(self) -> u32 {
        match self {
            PaperWidth::Mm58 => DOTS_PER_MM,
            PaperWidth::Mm80 => 2 * DOTS_PER_MM,
        }
    }

    /// Dots a line of text may use.
    pub(crate) fn content_width(self) -> u32 {
        self.dots() - 2 * self.margin()
    }

    /// The narrowest roll whose print head is at least `dots` wide.
    pub(crate) fn fitting(dots: u32) -> Option<PaperWidth> {
        [PaperWidth::Mm58, PaperWidth::Mm80]
            .into_iter()
            .find(|paper| dots <= paper.dots())
    }
}

impl fmt::Display for PaperWidth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} mm ({} dots)", self.mm(), self.dots())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn widths_from_millimetres() {
        assert_eq!(PaperWidth::from_mm(58), Some(PaperWidth::Mm58));
        assert_eq!(PaperWidth::from_mm(80), Some(PaperWidth::Mm80));
        assert_eq!(PaperWidth::from_mm(57), None);
        assert_eq!(PaperWidth::Mm58.dots(), 384);
        assert_eq!(PaperWidth::Mm80.dots(), 576);
        assert_eq!(PaperWidth::Mm80.to_string(), "80 mm (576 dots)");
    }

    #[test]
    fn the_narrowest_roll_that_holds_a_width() {
        assert_eq!(PaperWidth::fitting(8), Some(PaperWidth::Mm58));
        assert_eq!(PaperWidth::fitting(384), Some(PaperWidth::Mm58));
        assert_eq!(PaperWidth::fitting(392), Some(PaperWidth::Mm80));
        assert_eq!(PaperWidth::fitting(584), None);
    }
}
