//! ESC/POS bytes back to paper: the subset [`crate::Printout::to_escpos`] writes, for the
//! tests, the demo's receipt pictures and anyone reading a printer log.
//!
//! Understood: `ESC @`, `ESC a n`, `GS v 0` (m = 0), `ESC J n`, `ESC d n`, `LF` and
//! `GS V` in its four forms; the status queries a serial driver slips in between jobs
//! (`DLE EOT n`, `GS r n`) are skipped. Anything else is an error that names the byte
//! offset and the bytes, never a guess: a printer that meets a command it does not know
//! prints garbage, and the decoder is there to show what the printer would do.
//!
//! The bytes come from outside (a file, a serial log), so every length is checked against
//! what is there before it is read, and a page longer than [`MAX_PAGE_DOTS`] or a stream
//! longer than [`MAX_STREAM_DOTS`] is refused rather than allocated.

use std::fmt;

use crate::model::Align;
use crate::page::{MAX_PAGE_DOTS, Page, Sheet};
use crate::paper::PaperWidth;
use crate::printout::LINE_DOTS;

const LF: u8 = 0x0a;
const DLE: u8 = 0x10;
const ESC: u8 = 0x1b;
const GS: u8 = 0x1d;

/// The widest picture any roll takes.
const WIDEST_DOTS: u32 = 576;

/// Paper a whole stream may move: 32 m, some 170 receipts, 19 MB of dots at 576. Feeds
/// are cheap to send (`ESC d 255`, three bytes, moves 7650 rows), so without this a few
/// kilobytes of stream could ask for gigabytes of pages.
pub const MAX_STREAM_DOTS: u32 = 1 << 18;

/// Bytes of a command shown in an error: enough for any command's header.
const SHOWN_BYTES: usize = 8;

/// Where the stream stops making sense, and why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("ESC/POS byte {offset} ({}): {problem}", Hex(.bytes))]
pub struct DecodeError {
    /// Offset of the command's first byte in the stream.
    pub offset: usize,
    /// The command's first bytes (at most 8).
    pub bytes: Vec<u8>,
    pub problem: Problem,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Problem {
    #[error("not a command of the subset the kiosk prints with")]
    Unknown,
    #[error("cut short: the command needs {needed} bytes, {available} are left")]
    Truncated { needed: usize, available: usize },
    #[error("{0}")]
    Unsupported(&'static str),
    #[error("a picture {width} dots wide does not fit the {paper}-dot paper")]
    TooWide { width: u32, paper: u32 },
    #[error("the page would be longer than {max} dots")]
    TooLong { max: u32 },
    #[error("the stream would print more than {max} dots of paper")]
    StreamTooLong { max: u32 },
}

/// Decodes a stream of jobs into pages, one for each cut, plus one for what was printed
/// after the last cut, if anything was. The paper width is not in the bytes: it is taken
/// as the narrowest roll that holds the stream's widest picture (the kiosk prints every
/// strip of text across the whole roll). Use [`decode_for_paper`] when it is known.
pub fn decode(bytes: &[u8]) -> Result<Vec<Page>, DecodeError> {
    let commands = parse(bytes)?;
    let widest = commands
        .iter()
        .filter_map(|command| match command.op {
            Op::Raster { stride, .. } => Some(stride as u32 * 8),
            _ => None,
        })
        .max()
        .unwrap_or(0);
    // `parse` refuses pictures wider than the widest roll.
    let paper = PaperWidth::fitting(widest).unwrap_or(PaperWidth::Mm80);
    print(&commands, paper)
}

/// Decodes as [`decode()`] does, for a known paper width.
pub fn decode_for_paper(bytes: &[u8], paper: PaperWidth) -> Result<Vec<Page>, DecodeError> {
    print(&parse(bytes)?, paper)
}

struct Command<'a> {
    offset: usize,
    head: &'a [u8],
    op: Op<'a>,
}

enum Op<'a> {
    Init,
    Justify(Align),
    Raster {
        stride: usize,
        rows: &'a [u8],
    },
    FeedDots(u32),
    FeedLines(u32),
    Cut {
        feed: u32,
    },
    /// A status query, answered by the printer and not printed.
    Status,
}

fn parse(bytes: &[u8]) -> Result<Vec<Command<'_>>, DecodeError> {
    let mut commands = Vec::new();
    let mut offset = 0;
    while offset < bytes.len() {
        let command = parse_one(bytes, offset)?;
        offset += command.head.len()
            + match command.op {
                Op::Raster { rows, .. } => rows.len(),
                _ => 0,
            };
        if !matches!(command.op, Op::Status) {
            commands.push(command);
        }
    }
    Ok(commands)
}

fn parse_one(bytes: &[u8], offset: usize) -> Result<Command<'_>, DecodeError> {
    let rest = &bytes[offset..];
    let error = |len: usize, problem: Problem| DecodeError {
        offset,
        bytes: rest[..len.min(rest.len()).min(SHOWN_BYTES)].to_vec(),
        problem,
    };
    let take = |len: usize| {
        rest.get(..len)
            .ok_or_else(|| error(len, truncated(len, rest.len())))
    };
    let (head, op) = match rest {
        [LF, ..] => (take(1)?, Op::FeedLines(1)),
        [ESC] | [GS] | [DLE] => return Err(error(1, truncated(2, 1))),
        [ESC, b'@', ..] => (take(2)?, Op::Init),
        [ESC, b'a', ..] => {
            let head = take(3)?;
            let align = match head[2] {
                0 | b'0' => Align::Left,
                1 | b'1' => Align::Centre,
                2 | b'2' => Align::Right,
                _ => return Err(error(3, Problem::Unsupported("ESC a takes 0, 1 or 2"))),
            };
            (head, Op::Justify(align))
        }
        [ESC, b'J', ..] => {
            let head = take(3)?;
            (head, Op::FeedDots(u32::from(head[2])))
        }
        [ESC, b'd', ..] => {
            let head = take(3)?;
            (head, Op::FeedLines(u32::from(head[2])))
        }
        [GS, b'v'] | [GS, b'v', b'0', ..] => return raster(rest, offset, error),
        [GS, b'V', ..] => {
            match take(3)?[2] {
                // Function A: cut where the paper stands.
                0 | 1 | b'0' | b'1' => (take(3)?, Op::Cut { feed: 0 }),
                // B, C and D: feed n more motion units (dots) past the cutter first; the
                // cutter's own distance is the same for every page and is left out.
                65 | 66 | 97 | 98 | 103 | 104 => {
                    let head = take(4)?;
                    (
                        head,
                        Op::Cut {
                            feed: u32::from(head[3]),
                        },
                    )
                }
                _ => return Err(error(3, Problem::Unsupported("GS V with an unknown cut"))),
            }
        }
        [DLE, 0x04, ..] => {
            let head = take(3)?;
            if !(1..=4).contains(&head[2]) {
                return Err(error(
                    3,
                    Problem::Unsupported("DLE EOT asks for status 1 to 4"),
                ));
            }
            (head, Op::Status)
        }
        [GS, b'r', ..] => {
            let head = take(3)?;
            if !matches!(head[2], 1 | 2 | 4 | 49 | 50 | 52) {
                return Err(error(
                    3,
                    Problem::Unsupported("GS r asks for status 1, 2 or 4"),
                ));
            }
            (head, Op::Status)
        }
        // A prefix byte and what follows it name the command; any other byte is alone.
        [ESC | GS | DLE, ..] => return Err(error(3, Problem::Unknown)),
        _ => return Err(error(1, Problem::Unknown)),
    };
    Ok(Command { offset, head, op })
}

fn truncated(needed: usize, available: usize) -> Problem {
    Problem::Truncated { needed, available }
}

/// `GS v 0 m xL xH yL yH d1…dk`: x bytes a row, y rows, k = x · y.
fn raster<'a>(
    rest: &'a [u8],
    offset: usize,
    error: impl Fn(usize, Problem) -> DecodeError,
) -> Result<Command<'a>, DecodeError> {
    let Some(head) = rest.get(..8) else {
        return Err(error(8, truncated(8, rest.len())));
    };
    if !matches!(head[3], 0 | b'0') {
        return Err(error(
            8,
            Problem::Unsupported("GS v 0 is decoded unscaled only (m = 0)"),
        ));
    }
    let stride = usize::from(u16::from_le_bytes([head[4], head[5]]));
    let height = usize::from(u16::from_le_bytes([head[6], head[7]]));
    if stride == 0 || height == 0 {
        return Err(error(
            8,
            Problem::Unsupported("GS v 0 with an empty picture"),
        ));
    }
    let width = stride as u32 * 8;
    if width > WIDEST_DOTS {
        return Err(error(
            8,
            Problem::TooWide {
                width,
                paper: WIDEST_DOTS,
            },
        ));
    }
    let needed = 8 + stride * height;
    let Some(rows) = rest.get(8..needed) else {
        return Err(error(8, truncated(needed, rest.len())));
    };
    Ok(Command {
        offset,
        head,
        op: Op::Raster { stride, rows },
    })
}

fn print(commands: &[Command<'_>], paper: PaperWidth) -> Result<Vec<Page>, DecodeError> {
    let mut sheet = Sheet::new(paper);
    let mut align = Align::Left;
    let mut pages = Vec::new();
    // Rows of the pages already cut off.
    let mut earlier: u32 = 0;
    for command in commands {
        let error = |problem| DecodeError {
            offset: command.offset,
            bytes: command.head[..command.head.len().min(SHOWN_BYTES)].to_vec(),
            problem,
        };
        let room = |sheet: &Sheet, rows: u32| {
            let page = sheet.height().saturating_add(rows);
            if page > MAX_PAGE_DOTS {
                Err(error(Problem::TooLong { max: MAX_PAGE_DOTS }))
            } else if earlier.saturating_add(page) > MAX_STREAM_DOTS {
                Err(error(Problem::StreamTooLong {
                    max: MAX_STREAM_DOTS,
                }))
            } else {
                Ok(())
            }
        };
        match command.op {
            // ESC @ resets the modes, not the paper.
            Op::Init => align = Align::Left,
            Op::Justify(to) => align = to,
            Op::Raster { stride, rows } => {
                let width = stride as u32 * 8;
                if width > paper.dots() {
                    return Err(error(Problem::TooWide {
                        width,
                        paper: paper.dots(),
                    }));
                }
                room(&sheet, (rows.len() / stride) as u32)?;
                sheet.print(align, stride, rows);
            }
            Op::FeedDots(dots) => {
                room(&sheet, dots)?;
                sheet.feed(dots);
            }
            Op::FeedLines(lines) => {
                room(&sheet, lines * LINE_DOTS)?;
                sheet.feed(lines * LINE_DOTS);
            }
            Op::Cut { feed } => {
                room(&sheet, feed)?;
                sheet.feed(feed);
                earlier += sheet.height();
                pages.push(sheet.take(true));
            }
            Op::Status => {}
        }
    }
    if !sheet.is_blank() {
        pages.push(sheet.take(false));
    }
    Ok(pages)
}

struct Hex<'a>(&'a [u8]);

impl fmt::Display for Hex<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, byte) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(" ")?;
            }
            write!(f, "{byte:02X}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests;
