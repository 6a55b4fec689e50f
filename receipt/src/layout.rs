//! A [`Receipt`] laid out in dots for one paper width.
//!
//! Text blocks are drawn one below the other into a full-width strip; a QR code ends the
//! strip and goes as a narrower picture of its own, which the printer centres. Sizes in
//! dots, 8 a millimetre.

use crate::font::{Face, Ink, Weight};
use crate::model::{Align, Block, Receipt, Text};
use crate::page::MAX_PAGE_DOTS;
use crate::paper::{DOTS_PER_MM, PaperWidth};
use crate::printout::{FEED_LINES_BEFORE_CUT, LINE_DOTS, Piece, Printout};
use crate::qr;
use crate::raster::Raster;
use crate::text::{normalise, wrap};

/// Body text: a 24-dot em, 3 mm, as tall as the printers' own 12×24 font, about 27
/// characters a line on 58 mm paper and 42 on 80 mm.
const BODY_EM: u32 = 24;
const TITLE_EM: u32 = 34;
/// Read from a few metres: 12 mm, a queue number's capitals 8.5 mm tall.
const LARGE_EM: u32 = 96;
const BANNER_EM: u32 = 44;

/// Paper above the first block. The gap between print head and cutter already leaves a
/// margin above every receipt but the first after the roll is loaded.
const TOP_MARGIN: u32 = DOTS_PER_MM;
/// Between a title and what follows.
const TITLE_GAP: u32 = DOTS_PER_MM;
/// Above and below a separator's rule.
const SEPARATOR_GAP: u32 = 10;
const SEPARATOR_THICKNESS: u32 = 2;
/// A separator is dashed, the way receipts are: it reads as "section" rather than as a
/// box or an underline.
const DASH: u32 = 8;
const DASH_GAP: u32 = 4;
/// The least room between a row's key and its value on one line.
const ROW_GAP: u32 = 2 * DOTS_PER_MM;
/// Below each row, so that a value on lines of its own still reads as its key's.
const ROW_SPACING: u32 = 4;
/// Inside the DEMO banner, around its text.
const BANNER_PADDING: u32 = DOTS_PER_MM;
/// Between a banner and the receipt's text.
const BANNER_GAP: u32 = 2 * DOTS_PER_MM;

const BANNER_TITLE: &str = "DEMO";
const BANNER_NOTE: &str = "KHÔNG CÓ GIÁ TRỊ";

/// Why a receipt cannot be printed on a paper width.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum LayoutError {
    #[error(
        "a QR code of {bytes} bytes does not fit {paper} paper at the smallest module the printer keeps readable"
    )]
    QrTooLarge { bytes: usize, paper: PaperWidth },
    #[error("the QR payload cannot be encoded: {0}")]
    QrUnencodable(String),
    #[error("a piece of the receipt would be longer than {max} dots ({} m)", max / DOTS_PER_MM / 1000)]
    TooLong { max: u32 },
}

/// Lays the receipt out for `paper`.
pub fn render(receipt: &Receipt, paper: PaperWidth) -> Result<Printout, LayoutError> {
    let mut composer = Composer::new(paper, receipt.demo);
    composer.start_part()?;
    let blocks = match receipt.blocks.split_last() {
        // The paper is cut after the last block anyway.
        Some((Block::Cut, rest)) => rest,
        _ => &receipt.blocks[..],
    };
    for block in blocks {
        composer.block(block)?;
    }
    composer.end_part()?;
    Ok(Printout {
        paper,
        pieces: composer.pieces,
    })
}

/// Lays the receipt out and encodes it: the job for the printer.
pub fn encode(receipt: &Receipt, paper: PaperWidth) -> Result<Vec<u8>, LayoutError> {
    render(receipt, paper).map(|printout| printout.to_escpos())
}

struct Composer {
    paper: PaperWidth,
    demo: bool,
    pieces: Vec<Piece>,
    /// The full-width picture being drawn.
    strip: Raster,
    /// Dots of paper the current piece has used, the strip included.
    used: u32,
}

impl Composer {
    fn new(paper: PaperWidth, demo: bool) -> Composer {
        Composer {
            paper,
            demo,
            pieces: Vec::new(),
            strip: Raster::new(paper.dots(), 0),
            used: 0,
        }
    }

    fn block(&mut self, block: &Block) -> Result<(), LayoutError> {
        match block {
            Block::Title(title) => {
                let face = Face::new(Weight::Bold, TITLE_EM);
                self.paragraph(&normalise(title), face, Align::Centre)?;
                self.grow(TITLE_GAP)?;
            }
            Block::Text(text) => self.text(text)?,
            Block::Row { key, value } => self.row(&normalise(key), &normalise(value))?,
            Block::Separator => self.separator()?,
            Block::Qr { payload, caption } => {
                let code = qr::raster(payload, self.paper)?;
                self.flush();
                self.reserve(code.height())?;
                self.pieces.push(Piece::Image {
                    align: Align::Centre,
                    raster: code,
                });
                if let Some(caption) = caption {
                    let face = Face::new(Weight::Regular, BODY_EM);
                    self.paragraph(&normalise(caption), face, Align::Centre)?;
                }
            }
            Block::Space(mm) => {
                let dots = mm.saturating_mul(DOTS_PER_MM);
                self.grow(dots)?;
            }
            Block::Cut => {
                self.end_part()?;
                self.start_part()?;
            }
        }
        Ok(())
    }

    fn start_part(&mut self) -> Result<(), LayoutError> {
        self.grow(TOP_MARGIN)?;
        if self.demo {
            self.banner()?;
            self.grow(BANNER_GAP)?;
        }
        Ok(())
    }

    fn end_part(&mut self) -> Result<(), LayoutError> {
        if self.demo {
            self.grow(BANNER_GAP)?;
            self.banner()?;
        }
        self.flush();
        self.pieces.push(Piece::Cut);
        self.used = 0;
        Ok(())
    }

    fn text(&mut self, text: &Text) -> Result<(), LayoutError> {
        let weight = if text.bold {
            Weight::Bold
        } else {
            Weight::Regular
        };
        let em = if text.large { LARGE_EM } else { BODY_EM };
        self.paragraph(&normalise(&text.content), Face::new(weight, em), text.align)
    }

    /// The key and the value on one line when both fit with [`ROW_GAP`] between them;
    /// otherwise the key's lines, then the value's, aligned right under it.
    fn row(&mut self, key: &str, value: &str) -> Result<(), LayoutError> {
        let key_face = Face::new(Weight::Regular, BODY_EM);
        let value_face = Face::new(Weight::Bold, BODY_EM);
        let width = self.paper.content_width() as f32;
        let (key_width, value_width) = (key_face.width(key), value_face.width(value));
        let one_line = !key.contains('\n') && !value.contains('\n');
        if one_line && key_width + ROW_GAP as f32 + value_width <= width {
            let height = key_face.line_height().max(value_face.line_height());
            let top = self.grow(height)?;
            let baseline = (top + key_face.ascent()) as i32;
            let margin = self.paper.margin() as f32;
            key_face.draw(&mut self.strip, key, margin, baseline, Ink::Black);
            value_face.draw(
                &mut self.strip,
                value,
                margin + width - value_width,
                baseline,
                Ink::Black,
            );
        } else {
            self.paragraph(key, key_face, Align::Left)?;
            self.paragraph(value, value_face, Align::Right)?;
        }
        self.grow(ROW_SPACING).map(drop)
    }

    fn separator(&mut self) -> Result<(), LayoutError> {
        let top = self.grow(2 * SEPARATOR_GAP + SEPARATOR_THICKNESS)? + SEPARATOR_GAP;
        let (margin, width) = (self.paper.margin(), self.paper.content_width());
        let mut x = 0;
        while x < width {
            let dash = DASH.min(width - x);
            self.strip
                .fill(margin + x, top, dash, SEPARATOR_THICKNESS, true);
            x += DASH + DASH_GAP;
        }
        Ok(())
    }

    /// A black bar across the text width with DEMO and "no validity" in white.
    fn banner(&mut self) -> Result<(), LayoutError> {
        let title = Face::new(Weight::Bold, BANNER_EM);
        let note = Face::new(Weight::Bold, BODY_EM);
        let (margin, width) = (self.paper.margin(), self.paper.content_width());
        let top = self.grow(BANNER_PADDING)?;
        let inner = width - 2 * BANNER_PADDING;
        for (face, text) in [(title, BANNER_TITLE), (note, BANNER_NOTE)] {
            for line in wrap(&face, text, inner as f32) {
                let y = self.grow(face.line_height())?;
                self.strip.fill(margin, y, width, face.line_height(), true);
                let x = margin as f32 + ((width as f32 - face.width(&line)) / 2.0).floor();
                face.draw(
                    &mut self.strip,
                    &line,
                    x,
                    (y + face.ascent()) as i32,
                    Ink::White,
                );
            }
        }
        self.grow(BANNER_PADDING)?;
        let height = self.strip.height() - top;
        self.strip.fill(margin, top, width, BANNER_PADDING, true);
        self.strip.fill(
            margin,
            top + height - BANNER_PADDING,
            width,
            BANNER_PADDING,
            true,
        );
        Ok(())
    }

    /// Wrapped lines of one face, each aligned between the margins.
    fn paragraph(&mut self, text: &str, face: Face, align: Align) -> Result<(), LayoutError> {
        let width = self.paper.content_width() as f32;
        let margin = self.paper.margin() as f32;
        for line in wrap(&face, text, width) {
            let top = self.grow(face.line_height())?;
            let spare = (width - face.width(&line)).max(0.0);
            let x = match align {
                Align::Left => margin,
                Align::Centre => margin + (spare / 2.0).floor(),
                Align::Right => margin + spare,
            };
            face.draw(
                &mut self.strip,
                &line,
                x,
                (top + face.ascent()) as i32,
                Ink::Black,
            );
        }
        Ok(())
    }

    /// Adds `rows` white rows to the strip and returns the first, once the piece of paper
    /// is sure to stay within [`MAX_PAGE_DOTS`].
    fn grow(&mut self, rows: u32) -> Result<u32, LayoutError> {
        self.reserve(rows)?;
        Ok(self.strip.grow(rows))
    }

    fn reserve(&mut self, rows: u32) -> Result<(), LayoutError> {
        let tail = u32::from(FEED_LINES_BEFORE_CUT) * LINE_DOTS;
        let used = self.used.saturating_add(rows);
        if used.saturating_add(tail) > MAX_PAGE_DOTS {
            return Err(LayoutError::TooLong { max: MAX_PAGE_DOTS });
        }
        self.used = used;
        Ok(())
    }

    /// Ends the strip as a picture of its own.
    fn flush(&mut self) {
        if self.strip.height() > 0 {
            let strip = std::mem::replace(&mut self.strip, Raster::new(self.paper.dots(), 0));
            self.pieces.push(Piece::Image {
                align: Align::Left,
                raster: strip,
            });
        }
    }
}
