//! Picture files and raw frames from outside: a corrupt or hostile file is an error, and
//! every preprocessing step keeps its size promises on any picture.
#![no_main]

use kiosk_qr::preprocess::{self, Region};
use kiosk_qr::{LumaImage, decode_picture};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = decode_picture(data);
    // The first two bytes give a small frame's size; the rest are its pixels.
    let [w, h, pixels @ ..] = data else { return };
    let (width, height) = (*w as u32 % 64 + 1, *h as u32 % 64 + 1);
    let needed = (width * height) as usize;
    if pixels.len() < needed {
        return;
    }
    let image = LumaImage::new(width, height, &pixels[..needed]).expect("sized to fit");
    assert_eq!(preprocess::invert(&image).pixels().len(), needed);
    assert_eq!(preprocess::sharpen(&image).pixels().len(), needed);
    assert_eq!(preprocess::binarise_adaptive(&image, 9).pixels().len(), needed);
    let large = preprocess::upscale2(&image);
    assert_eq!((large.width(), large.height()), (width * 2, height * 2));
    let small = preprocess::downscale(&image, 3);
    assert!(small.width() >= 1 && small.height() >= 1);
    let corners = [(pixels[0] as f32 - 20.0, pixels[1 % needed] as f32 * 0.7)];
    if let Some(region) = Region::around(&corners, 0.6, width, height) {
        let part = preprocess::crop(&image, region);
        assert_eq!(part.width(), region.width);
    }
});
