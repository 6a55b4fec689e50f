//! Paper as it comes out of the printer: the pictures a job prints, one below the other,
//! one [`Page`] for each piece the cutter cuts off.

use crate::model::Align;
use crate::paper::PaperWidth;
use crate::raster::Raster;

/// The longest piece of paper a job may print before its cut: 4 m. Nothing the kiosk
/// prints comes near; the limit keeps a hostile stream of feeds from growing a picture
/// without end.
pub const MAX_PAGE_DOTS: u32 = 1 << 15;

/// One cut-off piece of printed paper: `width` is the roll's printable width, `height`
/// how far the paper moved, both in dots.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page {
    raster: Raster,
    cut: bool,
}

/// Why a page could not be written as PNG.
#[derive(Debug, thiserror::Error)]
#[error("the page cannot be written as PNG: {0}")]
pub struct PngError(#[from] png::EncodingError);

impl Page {
    pub fn width(&self) -> u32 {
        self.raster.width()
    }

    pub fn height(&self) -> u32 {
        self.raster.height()
    }

    /// Whether the dot is printed; outside the page is white paper.
    pub fn is_black(&self, x: u32, y: u32) -> bool {
        self.raster.is_black(x, y)
    }

    /// Whether the cutter cut this piece off; `false` for what a stream printed after its
    /// last cut.
    pub fn is_cut(&self) -> bool {
        self.cut
    }

    /// One byte a dot, row by row: 0 for black, 255 for white (what `kiosk_qr::LumaImage`
    /// takes).
    pub fn to_luma(&self) -> Vec<u8> {
        let mut luma = Vec::with_capacity(self.width() as usize * self.height() as usize);
        for y in 0..self.height() {
            luma.extend((0..self.width()).map(|x| if self.is_black(x, y) { 0 } else { 255 }));
        }
        luma
    }

    /// The page as a 1-bit grey PNG, a few kilobytes for a receipt. A page the printer
    /// cut without moving the paper has no rows, which PNG cannot hold: that is the error.
    pub fn to_png(&self) -> Result<Vec<u8>, PngError> {
        let mut file = Vec::new();
        let mut encoder = png::Encoder::new(&mut file, self.width(), self.height());
        encoder.set_color(png::ColorType::Grayscale);
        encoder.set_depth(png::BitDepth::One);
        encoder.set_compression(png::Compression::High);
        let mut writer = encoder.write_header()?;
        // PNG's 1-bit grey is 0 for black, the printer's 1 is black.
        let rows: Vec<u8> = self
            .raster
            .rows(0, self.height())
            .iter()
            .map(|byte| !byte)
            .collect();
        writer.write_image_data(&rows)?;
        writer.finish()?;
        Ok(file)
    }
}

/// The paper under the print head while a job prints: pictures and feeds go below what is
/// there, a cut takes the page off. Both the decoder and [`crate::Printout::pages`] print
/// through it, so "what the bytes print" and "what the layout meant" are one definition.
pub(crate) struct Sheet {
    paper: PaperWidth,
    raster: Raster,
}

impl Sheet {
    pub(crate) fn new(paper: PaperWidth) -> Sheet {
        Sheet {
            paper,
            raster: Raster::new(paper.dots(), 0),
        }
    }

    pub(crate) fn height(&self) -> u32 {
        self.raster.height()
    }

    pub(crate) fn is_blank(&self) -> bool {
        self.raster.height() == 0
    }

    pub(crate) fn feed(&mut self, dots: u32) {
        self.raster.grow(dots);
    }

    /// Prints a picture `stride` bytes wide, placed as `ESC a` placed it. A picture wider
    /// than the paper is the caller's to refuse; here its overhang is dropped.
    pub(crate) fn print(&mut self, align: Align, stride: usize, rows: &[u8]) {
        let spare = self.paper.dots().saturating_sub(stride as u32 * 8);
        let x = match align {
            Align::Left => 0,
            Align::Centre => spare / 2,
            Align::Right => spare,
        };
        self.raster.print_rows(x, stride, rows);
    }

    /// Takes the paper printed so far off as a page.
    pub(crate) fn take(&mut self, cut: bool) -> Page {
        let raster = std::mem::replace(&mut self.raster, Raster::new(self.paper.dots(), 0));
        Page { raster, cut }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_narrow_picture_prints_where_esc_a_puts_it() {
        let mut sheet = Sheet::new(PaperWidth::Mm58);
        sheet.print(Align::Centre, 1, &[0x80]);
        sheet.print(Align::Right, 1, &[0x01]);
        sheet.feed(2);
        sheet.print(Align::Left, 48, &[0xff; 48]);
        let page = sheet.take(true);
        assert_eq!((page.width(), page.height()), (384, 5));
        assert!(page.is_black(188, 0));
        assert!(page.is_black(383, 1));
        assert!(!page.is_black(0, 3));
        assert!(page.is_black(0, 4) && page.is_black(383, 4));
        let luma = page.to_luma();
        assert_eq!(luma.len(), 384 * 5);
        assert_eq!(luma[188], 0);
        assert_eq!(luma[0], 255);
    }

    #[test]
    fn a_page_as_png() {
        let mut sheet = Sheet::new(PaperWidth::Mm58);
        sheet.print(Align::Centre, 1, &[0xf0]);
        let png = sheet.take(true).to_png().expect("encodes");
        assert_eq!(&png[1..4], b"PNG");
        assert!(
            sheet.take(true).to_png().is_err(),
            "an empty page has no rows"
        );
    }
}
