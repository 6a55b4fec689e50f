//! Camera frames from outside through the whole decoder stack: whatever the pixels, a code,
//! no code or a typed error, and no decoder panics (the stack would contain one, but it
//! counts it, and a count here is a bug to find in our code or rxing's).
#![no_main]

use kiosk_qr::{DecoderStack, LumaImage};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // The first two bytes give the frame's size (up to 160 x 160, enough for the decoders'
    // 40-pixel minimum blocks and a small code); the pixels repeat the rest of the input.
    let [w, h, pixels @ ..] = data else { return };
    if pixels.is_empty() {
        return;
    }
    let (width, height) = (*w as u32 % 160 + 1, *h as u32 % 160 + 1);
    let frame: Vec<u8> = pixels.iter().copied().cycle().take((width * height) as usize).collect();
    let image = LumaImage::new(width, height, frame).expect("sized to fit");
    let stack = DecoderStack::default();
    let _ = stack.decode(&image);
    let panics = stack.stats().panics;
    assert!(
        panics.iter().all(|(decoder, _)| *decoder == "rqrr"),
        "a decoder other than rqrr (whose assertions are known) panicked: {panics:?}"
    );
});
