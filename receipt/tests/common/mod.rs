//! Receipts the tests share, as the application will compose them, and the golden-picture
//! comparison.

#![allow(dead_code)]

use std::path::PathBuf;

use kiosk_receipt::{Page, Receipt, Text};

pub const DOSSIER_QR: &str = "VNKIOSK:1:HS:000.00.00.H01-241203-0001";

/// The one-stop counter's receipt for a filed application.
pub fn dossier_receipt() -> Receipt {
    Receipt::new()
        .title("BIÊN NHẬN HỒ SƠ")
        .text(Text::new("UBND Phường Đông Hưng Thuận\nBộ phận Một cửa").centred())
        .separator()
        .row("Mã hồ sơ", "000.00.00.H01-241203-0001")
        .row("Thủ tục", "Đăng ký thường trú")
        .row("Người nộp", "Nguyễn Thị Hồng Nhung")
        .row(
            "Địa chỉ",
            "Phường Đông Hưng Thuận, Quận 12, Thành phố Hồ Chí Minh",
        )
        .row("Ngày nộp", "03/12/2024 09:41")
        .row("Ngày hẹn trả", "10/12/2024")
        .row("Lệ phí", "20\u{a0}000\u{a0}đ")
        .separator()
        .qr(DOSSIER_QR, Some("Quét để tra cứu hồ sơ"))
        .space(2)
        .text(Text::new("Quý khách vui lòng giữ biên nhận để nhận kết quả.").centred())
}

/// The hospital's queue ticket.
pub fn queue_ticket() -> Receipt {
    Receipt::new()
        .title("PHIẾU KHÁM BỆNH")
        .text(Text::new("Bệnh viện Đa khoa Tỉnh").centred())
        .separator()
        .text(Text::new("Số thứ tự").centred())
        .text(Text::new("A-042").centred().large().bold())
        .row("Phòng khám", "P.105 – Nội tổng quát")
        .row("Đối tượng", "BHYT")
        .separator()
        .text(Text::new("In lúc 07:58 03/12/2024").right())
}

/// Everything a careless caller could send: marks given separately, characters Noto Sans
/// lacks, control characters, a word longer than the line, blank lines, and a second
/// piece of paper.
pub fn edge_cases() -> Receipt {
    Receipt::new()
        .title("Nguye\u{302}\u{303}n Thi\u{323} Ho\u{302}\u{300}ng Nhung")
        .text("Thiếu chữ: 😀 中文 \u{7} tab\there")
        .text("Mã:000000000000000000000000000000000000000000000000000000000000")
        .text(Text::new("dòng một\n\ndòng ba").bold())
        .row("", "")
        .row(
            "Một khóa rất dài, dài hơn cả một dòng giấy in khổ tám mươi milimét",
            "1",
        )
        .cut()
        .text(Text::new("Liên 2").centred())
        .qr("x", None)
        .cut()
}

/// Compares a page with `tests/golden/<name>.png` dot for dot. `KIOSK_BLESS=1` writes the
/// page there instead.
pub fn assert_golden(name: &str, page: &Page) {
    let golden = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/golden")
        .join(format!("{name}.png"));
    let png = page.to_png().expect("a printed page has rows");
    if std::env::var_os("KIOSK_BLESS").is_some_and(|value| value == "1") {
        std::fs::write(&golden, png).expect("golden picture written");
        return;
    }
    let expected = std::fs::read(&golden)
        .ok()
        .and_then(|file| read_luma(&file));
    let actual = page.to_luma();
    let difference = match &expected {
        None => Some("there is no golden picture".to_owned()),
        Some((width, height, _)) if (*width, *height) != (page.width(), page.height()) => {
            Some(format!(
                "the golden picture is {width}x{height}, the page {}x{}",
                page.width(),
                page.height()
            ))
        }
        Some((width, _, pixels)) => {
            let wrong: Vec<usize> = (0..actual.len())
                .filter(|&i| actual[i] != pixels[i])
                .collect();
            wrong.first().map(|&first| {
                let width = *width as usize;
                format!(
                    "{} dots differ, the first at x {} y {}",
                    wrong.len(),
                    first % width,
                    first / width
                )
            })
        }
    };
    if let Some(difference) = difference {
        let folder = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("receipt-golden");
        std::fs::create_dir_all(&folder).expect("target/tmp writable");
        let written = folder.join(format!("{name}.png"));
        std::fs::write(&written, page.to_png().expect("a printed page has rows"))
            .expect("actual picture written");
        panic!(
            "{name}: {difference}.\n  golden: {}\n  actual: {}\nIf the change is meant, look at \
             the actual picture, then rewrite the golden ones with\n  KIOSK_BLESS=1 cargo test \
             -p kiosk-receipt --test golden\nand commit them.",
            golden.display(),
            written.display()
        );
    }
}

/// A PNG file as one grey byte a pixel.
fn read_luma(file: &[u8]) -> Option<(u32, u32, Vec<u8>)> {
    let mut decoder = png::Decoder::new(std::io::Cursor::new(file));
    decoder.set_transformations(png::Transformations::EXPAND);
    let mut reader = decoder.read_info().ok()?;
    let mut pixels = vec![0; reader.output_buffer_size()?];
    let frame = reader.next_frame(&mut pixels).ok()?;
    if frame.color_type != png::ColorType::Grayscale || frame.bit_depth != png::BitDepth::Eight {
        return None;
    }
    pixels.truncate(frame.buffer_size());
    Some((frame.width, frame.height, pixels))
}
