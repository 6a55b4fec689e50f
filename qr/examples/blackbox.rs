//! ZXing's public QR test images (zxing/zxing `core/src/test/resources/blackbox/qrcode-1` to
//! `qrcode-6`) through the kiosk's decoder stack and through each of its decoders alone, on
//! one thread, every image turned 0, 90, 180 and 270 degrees clockwise as ZXing's own
//! `AbstractBlackBoxTestCase` turns it.
//!
//! `cargo run --release -p kiosk-qr --example blackbox -- CORPUS_DIR`, where CORPUS_DIR holds
//! the `qrcode-N` folders. `cargo xtask bench-qr` checks the folder against its manifest, runs
//! this beside zxing-cpp and zbar (tools/qr-bench) and sums the three up.
//!
//! Prints one JSON line per decoder, image and rotation:
//! `{"tool":"kiosk-qr","file":"qrcode-1/1.png","rotation":90,"decoded":true,"correct":true,"micros":812.4}`
//! `micros` times the decode call alone, the only call of that decoder on that picture (see
//! `run` for why); loading, grey conversion and rotation happen before the clock starts.
//! `correct` means one of the codes read has exactly the expected text; a wrong read also
//! carries the `text` it gave, and a decoder that panicked (caught, counted as not read)
//! `"panicked":true`.

use std::fmt::Write as _;
use std::fs;
use std::io::{self, BufWriter, Write};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use image::imageops::{flip_horizontal, rotate90, rotate180, rotate270};
use image::{GrayImage, Luma};
use kiosk_qr::decoder::{RqrrDecoder, RxingDecoder};
use kiosk_qr::{DecodeError, DecodedQr, DecoderStack, LumaImage, QrDecoder};

/// The folders ZXing's `QRCodeBlackBox1TestCase` to `QRCodeBlackBox6TestCase` read.
const FOLDERS: [&str; 6] = [
    "qrcode-1", "qrcode-2", "qrcode-3", "qrcode-4", "qrcode-5", "qrcode-6",
];

/// What is measured: the kiosk's whole stack, or one of its decoders on the picture as it is,
/// to see what the stack's extra passes buy.
enum Contender {
    Stack(DecoderStack),
    Alone {
        name: &'static str,
        decoder: Box<dyn QrDecoder>,
    },
}

impl Contender {
    fn all() -> Vec<Contender> {
        vec![
            Contender::Stack(DecoderStack::default()),
            Contender::alone("rxing", RxingDecoder::default()),
            Contender::alone("rxing-try-harder", RxingDecoder { try_harder: true }),
            Contender::alone("rqrr", RqrrDecoder),
        ]
    }

    fn alone(name: &'static str, decoder: impl QrDecoder + 'static) -> Contender {
        Contender::Alone {
            name,
            decoder: Box::new(decoder),
        }
    }

    fn name(&self) -> &'static str {
        match self {
            Contender::Stack(_) => "kiosk-qr",
            Contender::Alone { name, .. } => name,
        }
    }

    /// The stack contains its decoders' panics itself; a lone decoder's is caught here the
    /// same way (rqrr has assertions that some of these pictures trip).
    fn decode(&self, image: &LumaImage<'_>) -> Result<Vec<DecodedQr>, DecodeError> {
        match self {
            Contender::Stack(stack) => stack.decode(image),
            Contender::Alone { decoder, .. } => {
                catch_unwind(AssertUnwindSafe(|| decoder.decode(image))).unwrap_or(Err(
                    DecodeError::Panicked {
                        decoder: decoder.name(),
                    },
                ))
            }
        }
    }
}

/// One test image and the text its code holds.
struct Sample {
    /// `qrcode-N/NAME`, as the manifest and the JSON lines name it.
    file: String,
    path: PathBuf,
    expected: String,
}

fn main() -> ExitCode {
    let Some(corpus) = std::env::args_os().nth(1).map(PathBuf::from) else {
        eprintln!("usage: blackbox CORPUS_DIR (the folder holding qrcode-1 to qrcode-6)");
        return ExitCode::FAILURE;
    };
    match run(&corpus) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("blackbox: {message}");
            ExitCode::FAILURE
        }
    }
}

fn run(corpus: &Path) -> Result<(), String> {
    // Caught panics are expected here (see `Contender::decode`) and marked in the JSON lines;
    // the default hook would print a backtrace for each.
    std::panic::set_hook(Box::new(|_| {}));
    let samples = samples(corpus)?;
    let mut pictures = Vec::with_capacity(4 * samples.len());
    for sample in &samples {
        let upright = grey(&sample.path)?;
        for (rotation, picture) in [
            (0, upright.clone()),
            (90, rotate90(&upright)),
            (180, rotate180(&upright)),
            (270, rotate270(&upright)),
        ] {
            pictures.push((sample, rotation, picture));
        }
    }
    // One-off set-up (rxing's lazily built tables) is paid here, untimed, on a picture that is
    // never timed (a mirrored one), by contenders of their own so the measured stack's
    // counters show each picture once.
    let mirrored = flip_horizontal(&pictures.first().ok_or("the corpus has no images")?.2);
    for contender in Contender::all() {
        let _ = contender.decode(&luma(&mirrored)?);
    }
    let contenders = Contender::all();
    let mut out = BufWriter::new(io::stdout().lock());
    // One contender after the other over the whole corpus, one call per picture. A decoder
    // reads a picture it has just read faster (rxing here: a sixth the second time, 40 % by
    // the eighth, even from a fresh copy: the branch predictors learn it), and the stack and
    // the lone rxing run the same code, so taking turns on each picture would flatter
    // whichever comes second.
    for contender in &contenders {
        for (sample, rotation, picture) in &pictures {
            let image = luma(picture)?;
            let started = Instant::now();
            let result = contender.decode(&image);
            let micros = started.elapsed().as_secs_f64() * 1e6;
            let line = json_line(contender.name(), sample, *rotation, &result, micros);
            writeln!(out, "{line}").map_err(|error| format!("cannot write: {error}"))?;
        }
    }
    out.flush()
        .map_err(|error| format!("cannot write: {error}"))?;
    if let Some(Contender::Stack(stack)) = contenders.first() {
        let stats = stack.stats();
        eprintln!(
            "kiosk-qr stack: {} of {} pictures read; first reads by pass {:?}; decoder panics {:?}",
            stats.decoded, stats.pictures, stats.reads_by_pass, stats.panics
        );
    }
    Ok(())
}

/// The images of every folder, each with its expected text, in the folders' numeric order.
fn samples(corpus: &Path) -> Result<Vec<Sample>, String> {
    let mut samples = Vec::new();
    for folder in FOLDERS {
        let dir = corpus.join(folder);
        let entries = fs::read_dir(&dir)
            .map_err(|error| format!("cannot list {}: {error}", dir.display()))?;
        let mut names: Vec<String> = entries
            .filter_map(|entry| entry.ok()?.file_name().into_string().ok())
            .filter(|name| is_image(name))
            .collect();
        names.sort_by_key(|name| (leading_number(name), name.clone()));
        for name in names {
            samples.push(Sample {
                file: format!("{folder}/{name}"),
                path: dir.join(&name),
                expected: expected_text(&dir, &name)?,
            });
        }
    }
    Ok(samples)
}

/// ZXing's test also takes GIF; the `image` crate here reads PNG and JPEG only, and the
/// manifest of the corpus lists PNG alone.
fn is_image(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    [".png", ".jpg", ".jpeg"]
        .iter()
        .any(|extension| lower.ends_with(extension))
}

fn leading_number(name: &str) -> u64 {
    let digits: String = name.chars().take_while(char::is_ascii_digit).collect();
    digits.parse().unwrap_or(u64::MAX)
}

/// What ZXing's `AbstractBlackBoxTestCase.testBlackBox` expects: `BASE.txt` read as UTF-8,
/// or when there is none `BASE.bin` read as ISO-8859-1, BASE being the image's name up to
/// its first dot. Content is compared as is: several files hold CR LF line ends, and a few a
/// final newline, which the codes really contain. (`BASE.metadata.txt` asks ZXing for
/// error-correction counts and a symbology identifier, which no compared tool reports alike;
/// it is not checked.)
fn expected_text(dir: &Path, image_name: &str) -> Result<String, String> {
    let base = image_name.split('.').next().unwrap_or(image_name);
    let text = dir.join(format!("{base}.txt"));
    if let Ok(bytes) = fs::read(&text) {
        return Ok(String::from_utf8_lossy(&bytes).into_owned());
    }
    let binary = dir.join(format!("{base}.bin"));
    let bytes = fs::read(&binary).map_err(|error| {
        format!(
            "no expected text for {}: neither {} nor {} ({error})",
            image_name,
            text.display(),
            binary.display()
        )
    })?;
    // ISO-8859-1 maps each byte to the code point of the same value.
    Ok(bytes.into_iter().map(char::from).collect())
}

/// The picture in grey by Rec. 709's weights in integers, which tools/qr-bench/external.py
/// repeats bit for bit so that every tool decodes the same pixels. (`to_luma8` computes in
/// floating point through the picture's colour space, which numpy would only approximate.)
fn grey(path: &Path) -> Result<GrayImage, String> {
    let picture =
        image::open(path).map_err(|error| format!("cannot read {}: {error}", path.display()))?;
    // Alpha is dropped. ZXing's test reads fully transparent pixels as white; the corpus'
    // only see-through picture (qrcode-2/8.png) has white ones, so that comes to the same.
    let rgb = picture.to_rgb8();
    Ok(GrayImage::from_fn(rgb.width(), rgb.height(), |x, y| {
        let [red, green, blue] = rgb.get_pixel(x, y).0.map(u32::from);
        // At most 255 * 10000 / 10000: always fits a byte.
        Luma([((2126 * red + 7152 * green + 722 * blue) / 10_000) as u8])
    }))
}

fn luma(picture: &GrayImage) -> Result<LumaImage<'_>, String> {
    LumaImage::try_from(picture).map_err(|error| error.to_string())
}

fn json_line(
    tool: &str,
    sample: &Sample,
    rotation: u32,
    result: &Result<Vec<DecodedQr>, DecodeError>,
    micros: f64,
) -> String {
    let codes = result.as_deref().unwrap_or_default();
    let decoded = !codes.is_empty();
    let correct = codes.iter().any(|code| code.text == sample.expected);
    let mut line = format!(
        r#"{{"tool":{},"file":{},"rotation":{rotation},"decoded":{decoded},"correct":{correct},"micros":{micros:.1}"#,
        json_string(tool),
        json_string(&sample.file),
    );
    if let (false, [first, ..]) = (correct, codes) {
        let _ = write!(line, r#","text":{}"#, json_string(&first.text));
    }
    if let Err(DecodeError::Panicked { .. }) = result {
        line.push_str(r#","panicked":true"#);
    }
    line.push('}');
    line
}

/// A JSON string literal (RFC 8259 §7), written by hand to keep the example free of a JSON
/// dependency.
fn json_string(text: &str) -> String {
    let mut quoted = String::with_capacity(text.len() + 2);
    quoted.push('"');
    for character in text.chars() {
        match character {
            '"' => quoted.push_str("\\\""),
            '\\' => quoted.push_str("\\\\"),
            '\n' => quoted.push_str("\\n"),
            '\r' => quoted.push_str("\\r"),
            '\t' => quoted.push_str("\\t"),
            control if u32::from(control) < 0x20 => {
                let _ = write!(quoted, "\\u{:04x}", u32::from(control));
            }
            other => quoted.push(other),
        }
    }
    quoted.push('"');
    quoted
}
