//! How the fake printer reads the stream: real-time queries found anywhere, commands framed
//! just enough to skip raster images, and the answer bytes from its state.

use super::FakeState;
use crate::printer::PrinterStatus;

const DLE: u8 = 0x10;
const EOT: u8 = 0x04;
const GS: u8 = 0x1D;
const XON: u8 = 0x11;
const XOFF: u8 = 0x13;

/// How the fake printer takes bytes in.
#[derive(Default)]
pub(super) struct Engine {
    real_time: RealTimeScanner,
    framer: CommandFramer,
    /// Bytes received while the printer could not print, in order.
    held: Vec<u8>,
    /// Whether the last flow control character sent was XOFF.
    holding_off_sent: bool,
}

impl Engine {
    /// What a panel change means on the line: XON/XOFF, and held bytes printed.
    pub(super) fn take_in_panel(&mut self, state: &mut FakeState, out: &mut Vec<u8>) {
        if state.holding_off != self.holding_off_sent {
            out.push(if state.holding_off { XOFF } else { XON });
            self.holding_off_sent = state.holding_off;
        }
        if state.status.can_print() && !self.held.is_empty() {
            let mut held = std::mem::take(&mut self.held).into_iter();
            while state.status.can_print() {
                let Some(byte) = held.next() else { break };
                self.print(byte, state, out);
            }
            self.held.extend(held);
        }
    }

    /// Takes one byte from the kiosk; `false` when the far end vanishes after it.
    pub(super) fn receive(&mut self, byte: u8, state: &mut FakeState, out: &mut Vec<u8>) -> bool {
        state.received.push(byte);
        // Real-time commands are executed on receipt, whatever else the byte is part of.
        if let Some(n) = self.real_time.feed(byte)
            && !state.silent
        {
            out.push(
                state
                    .wrong_answer
                    .unwrap_or_else(|| real_time_answer(n, state.status)),
            );
        }
        if state.status.can_print() && self.held.is_empty() {
            self.print(byte, state, out);
        } else {
            self.held.push(byte);
        }
        match &mut state.vanish_after {
            Some(left) if *left <= 1 => {
                state.vanish_after = None;
                false
            }
            Some(left) => {
                *left -= 1;
                true
            }
            None => true,
        }
    }

    fn print(&mut self, byte: u8, state: &mut FakeState, out: &mut Vec<u8>) {
        if self.framer.feed(byte) == Some(Command::TransmitPaperSensorStatus) && !state.silent {
            out.push(paper_sensor_answer(state.status));
            state.confirmations += 1;
        }
        if let Some(left) = &mut state.paper_left {
            *left = left.saturating_sub(1);
            if *left == 0 {
                state.paper_left = None;
                state.status = PrinterStatus::PaperOut;
            }
        }
    }
}

/// Finds `DLE EOT n`, n = 1..4, anywhere in the stream.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
enum RealTimeScanner {
    #[default]
    Idle,
    Dle,
    DleEot,
}

impl RealTimeScanner {
    fn feed(&mut self, byte: u8) -> Option<u8> {
        let (next, query) = match (*self, byte) {
            (RealTimeScanner::DleEot, 1..=4) => (RealTimeScanner::Idle, Some(byte)),
            (RealTimeScanner::Dle, EOT) => (RealTimeScanner::DleEot, None),
            (_, DLE) => (RealTimeScanner::Dle, None),
            _ => (RealTimeScanner::Idle, None),
        };
        *self = next;
        query
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Command {
    TransmitPaperSensorStatus,
}

/// Where the printer is in the command stream: only as much framing as it takes to skip
/// raster images and see `GS r`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
enum CommandFramer {
    #[default]
    Data,
    Gs,
    GsV,
    /// `GS v 0` seen; `m xL xH yL yH` being read.
    RasterHeader {
        header: [u8; 5],
        filled: usize,
    },
    Raster {
        left: u64,
    },
    GsR,
}

impl CommandFramer {
    fn feed(&mut self, byte: u8) -> Option<Command> {
        let mut command = None;
        *self = match *self {
            CommandFramer::Data if byte == GS => CommandFramer::Gs,
            CommandFramer::Data => CommandFramer::Data,
            CommandFramer::Gs => match byte {
                b'v' => CommandFramer::GsV,
                b'r' => CommandFramer::GsR,
                GS => CommandFramer::Gs,
                _ => CommandFramer::Data,
            },
            CommandFramer::GsV => match byte {
                b'0' => CommandFramer::RasterHeader {
                    header: [0; 5],
                    filled: 0,
                },
                GS => CommandFramer::Gs,
                _ => CommandFramer::Data,
            },
            CommandFramer::RasterHeader { mut header, filled } => {
                if let Some(slot) = header.get_mut(filled) {
                    *slot = byte;
                }
                match header {
                    [_, x_low, x_high, y_low, y_high] if filled + 1 >= header.len() => {
                        let width_bytes = u64::from(x_low) + 256 * u64::from(x_high);
                        let height_dots = u64::from(y_low) + 256 * u64::from(y_high);
                        match width_bytes * height_dots {
                            0 => CommandFramer::Data,
                            left => CommandFramer::Raster { left },
                        }
                    }
                    _ => CommandFramer::RasterHeader {
                        header,
                        filled: filled + 1,
                    },
                }
            }
            CommandFramer::Raster { left } if left <= 1 => CommandFramer::Data,
            CommandFramer::Raster { left } => CommandFramer::Raster { left: left - 1 },
            CommandFramer::GsR => {
                // GS r n: n = 1 or 49 asks for the paper sensor status.
                if byte == 1 || byte == b'1' {
                    command = Some(Command::TransmitPaperSensorStatus);
                }
                CommandFramer::Data
            }
        };
        command
    }
}

/// The answer to `DLE EOT n` in `status`: fixed bits 0xx1xx10, and the bits of Epson's
/// table for each n. Written out here, apart from the backend's decoding, so the two check
/// each other.
fn real_time_answer(n: u8, status: PrinterStatus) -> u8 {
    const FIXED: u8 = 0b0001_0010;
    let bits = match n {
        // Printer status: bit 3, offline.
        1 if !status.can_print() => 0b0000_1000,
        // Offline cause: bit 2 cover open, bit 5 stopped by paper end, bit 6 error.
        2 => match status {
            PrinterStatus::CoverOpen => 0b0000_0100,
            PrinterStatus::PaperOut => 0b0010_0000,
            PrinterStatus::Offline => 0b0100_0000,
            _ => 0,
        },
        // Error cause: bit 3, autocutter error.
        3 if status == PrinterStatus::Offline => 0b0000_1000,
        // Roll paper sensor: bits 2 and 3 near end, bits 5 and 6 paper end.
        4 => match status {
            PrinterStatus::PaperNearEnd => 0b0000_1100,
            PrinterStatus::PaperOut => 0b0110_1100,
            _ => 0,
        },
        _ => 0,
    };
    FIXED | bits
}

/// The answer to `GS r 1`: bits 0 and 1 near end, bits 2 and 3 paper end; bits 4 and 7
/// fixed at 0.
fn paper_sensor_answer(status: PrinterStatus) -> u8 {
    match status {
        PrinterStatus::PaperNearEnd => 0b0000_0011,
        PrinterStatus::PaperOut => 0b0000_1111,
        _ => 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn commands_in(bytes: &[u8]) -> usize {
        let mut framer = CommandFramer::default();
        bytes
            .iter()
            .filter(|&&byte| framer.feed(byte).is_some())
            .count()
    }

    #[test]
    fn real_time_queries_are_found_anywhere() {
        let mut scanner = RealTimeScanner::default();
        let stream = [
            0x10, 0x10, 0x04, 0x01, 0x1D, 0x10, 0x04, 0x04, 0x10, 0x04, 0x05,
        ];
        let found: Vec<u8> = stream.iter().filter_map(|&b| scanner.feed(b)).collect();
        assert_eq!(found, [1, 4]);
    }

    #[test]
    fn gs_r_inside_a_raster_image_is_image_data() {
        // GS v 0, m = 0, 2 bytes wide, 3 dots high: six image bytes holding GS r 1.
        let image = [
            0x1D, b'v', b'0', 0, 2, 0, 3, 0, 0x1D, b'r', 1, 0x1D, b'r', 1,
        ];
        assert_eq!(commands_in(&image), 0);
        let mut with_query = image.to_vec();
        with_query.extend_from_slice(&[0x1D, b'r', 1]);
        assert_eq!(commands_in(&with_query), 1);
        // An image of zero size has no payload.
        assert_eq!(
            commands_in(&[0x1D, b'v', b'0', 0, 0, 0, 0, 0, 0x1D, b'r', b'1']),
            1
        );
    }

    #[test]
    fn answers_carry_their_fixed_bits() {
        for status in [
            PrinterStatus::Ready,
            PrinterStatus::PaperNearEnd,
            PrinterStatus::PaperOut,
            PrinterStatus::CoverOpen,
            PrinterStatus::Offline,
        ] {
            for n in 1..=4 {
                assert_eq!(real_time_answer(n, status) & 0b1001_0011, 0b0001_0010);
            }
            assert_eq!(paper_sensor_answer(status) & 0b1001_0000, 0);
        }
    }
}
