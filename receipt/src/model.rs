//! What a receipt says, in the order it is printed, with no notion of dots yet.

/// Where a line of text sits between the margins.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Align {
    #[default]
    Left,
    Centre,
    Right,
}

/// A paragraph: wrapped to the paper, each of its lines aligned the same way.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Text {
    pub(crate) content: String,
    pub(crate) align: Align,
    pub(crate) bold: bool,
    pub(crate) large: bool,
}

impl Text {
    /// Body-size, regular, left-aligned text. `\n` starts a new line.
    pub fn new(content: impl Into<String>) -> Text {
        Text {
            content: content.into(),
            align: Align::Left,
            bold: false,
            large: false,
        }
    }

    /// For an alignment chosen at run time; [`Text::centred`] and [`Text::right`] read
    /// better for a fixed one.
    pub fn align(mut self, align: Align) -> Text {
        self.align = align;
        self
    }

    pub fn centred(self) -> Text {
        self.align(Align::Centre)
    }

    pub fn right(self) -> Text {
        self.align(Align::Right)
    }

    pub fn bold(mut self) -> Text {
        self.bold = true;
        self
    }

    /// Several times the body size, for what is read from across a room: a queue number,
    /// a room.
    pub fn large(mut self) -> Text {
        self.large = true;
        self
    }
}

impl From<&str> for Text {
    fn from(content: &str) -> Text {
        Text::new(content)
    }
}

impl From<String> for Text {
    fn from(content: String) -> Text {
        Text::new(content)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Block {
    Title(String),
    Text(Text),
    /// A label and its value: on one line when both fit, the value on its own lines below
    /// otherwise.
    Row {
        key: String,
        value: String,
    },
    Separator,
    Qr {
        payload: String,
        caption: Option<String>,
    },
    /// Blank paper, in millimetres.
    Space(u32),
    /// Ends one piece of paper; what follows starts the next (a second copy, a stub).
    Cut,
}

/// A receipt as the application composes it, block after block:
///
/// ```
/// use kiosk_receipt::{Receipt, Text};
///
/// let receipt = Receipt::new()
///     .title("BIÊN NHẬN HỒ SƠ")
///     .row("Mã hồ sơ", "000.00.00.H01-241203-0001")
///     .row("Ngày hẹn trả", "10/12/2024")
///     .separator()
///     .qr("VNKIOSK:1:HS:000.00.00.H01-241203-0001", Some("Quét để tra cứu hồ sơ"))
///     .text(Text::new("Cảm ơn quý khách").centred());
/// ```
///
/// The paper is always cut after the last block; [`Receipt::cut`] cuts in between too.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Receipt {
    pub(crate) blocks: Vec<Block>,
    pub(crate) demo: bool,
}

impl Receipt {
    pub fn new() -> Receipt {
        Receipt::default()
    }

    /// Large bold centred text, at the head of a receipt.
    pub fn title(self, title: impl Into<String>) -> Receipt {
        self.with(Block::Title(title.into()))
    }

    /// A paragraph: plain text (`.text("…")`) or styled (`.text(Text::new("…").bold())`).
    pub fn text(self, text: impl Into<Text>) -> Receipt {
        self.with(Block::Text(text.into()))
    }

    /// A label on the left and its value on the right.
    pub fn row(self, key: impl Into<String>, value: impl Into<String>) -> Receipt {
        self.with(Block::Row {
            key: key.into(),
            value: value.into(),
        })
    }

    /// A rule across the paper between sections.
    pub fn separator(self) -> Receipt {
        self.with(Block::Separator)
    }

    /// A QR code centred on the paper, with an optional line under it saying what it is for.
    pub fn qr(self, payload: impl Into<String>, caption: Option<&str>) -> Receipt {
        self.with(Block::Qr {
            payload: payload.into(),
            caption: caption.map(str::to_owned),
        })
    }

    /// Blank paper, `mm` millimetres of it.
    pub fn space(self, mm: u32) -> Receipt {
        self.with(Block::Space(mm))
    }

    /// Cuts the paper here; the blocks after it come out as a second piece.
    pub fn cut(self) -> Receipt {
        self.with(Block::Cut)
    }

    /// A demo receipt carries a DEMO banner at the top and the bottom of every piece of
    /// paper, so that it cannot pass for a real one.
    pub fn demo(mut self, demo: bool) -> Receipt {
        self.demo = demo;
        self
    }

    pub fn is_demo(&self) -> bool {
        self.demo
    }

    /// Overwrites every text of the receipt and empties it. A receipt names the citizen;
    /// the application wipes it when the visit ends, as it wipes everything else about them.
    pub fn wipe(&mut self) {
        use zeroize::Zeroize;
        for block in &mut self.blocks {
            match block {
                Block::Title(text) => text.zeroize(),
                Block::Text(text) => text.content.zeroize(),
                Block::Row { key, value } => {
                    key.zeroize();
                    value.zeroize();
                }
                Block::Qr { payload, caption } => {
                    payload.zeroize();
                    caption.zeroize();
                }
                Block::Separator | Block::Space(_) | Block::Cut => {}
            }
        }
        self.blocks.clear();
    }

    fn with(mut self, block: Block) -> Receipt {
        self.blocks.push(block);
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_wiped_receipt_says_nothing() {
        let mut receipt = Receipt::new()
            .title("BIÊN NHẬN")
            .row("Người nộp", "Nguyễn Thị Hồng Nhung")
            .text(Text::new("Phường Đông Hưng Thuận").bold())
            .qr("VNKIOSK:1:TAM:K-1", Some("Quét"))
            .demo(true);
        receipt.wipe();
        assert!(receipt.blocks.is_empty());
        assert!(receipt.is_demo(), "the demo mark is not personal data");
    }
}
