"""zxing-cpp and zbar on ZXing's QR blackbox images, measured as qr/examples/blackbox.rs
measures the kiosk's decoders, so `cargo xtask bench-qr` can set them side by side.

    python external.py CORPUS_DIR > external.jsonl

One JSON line per tool, image and rotation, in the example's format:
{"tool": "zxing-cpp", "file": "qrcode-1/1.png", "rotation": 90, "decoded": true,
 "correct": true, "micros": 640.2}
plus "text" on a wrong read. One thread; only the library call is timed, once per tool and
picture (blackbox.rs says why).

Settings, each the library's default except where said:
- zxing-cpp: read_barcodes(formats=QRCode) with try_rotate=True, try_downscale=True,
  try_invert=True, binarizer=LocalAverage, is_pure=False; try_harder is no parameter of
  the binding, so zxing-cpp's ReaderOptions default (true) applies. text_mode=Plain instead
  of the default HRI, which escapes control characters (qrcode-2/33 starts with U+0001) and
  so would misreport a right read; it changes the text only, not the search.
- zbar: pyzbar.decode restricted to QR symbols, zbar's own configuration otherwise; zbar
  turns the code's bytes into UTF-8 itself, as given.
"""

import functools
import json
import sys
import time
from pathlib import Path

import numpy as np
import zxingcpp
from PIL import Image
from pyzbar import pyzbar

# The folders ZXing's QRCodeBlackBox1TestCase to QRCodeBlackBox6TestCase read.
FOLDERS = [f"qrcode-{number}" for number in range(1, 7)]
# ZXing's test also takes GIF; the Rust side reads PNG and JPEG, and the manifest lists PNG alone.
IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg"}


def grey(path):
    """The picture in grey bit for bit as blackbox.rs makes it (Rec. 709 weights in
    integers, truncated; alpha dropped), so every tool decodes the same pixels."""
    picture = Image.open(path)
    if picture.mode == "L":
        return np.asarray(picture)
    rgb = np.asarray(picture.convert("RGB"), dtype=np.uint32)
    return ((rgb @ np.array([2126, 7152, 722], dtype=np.uint32)) // 10000).astype(np.uint8)


def rotated(picture, degrees):
    """Turned clockwise, as ZXing's test and `image::imageops::rotate90` turn it (numpy's
    rot90 turns anticlockwise for positive k), in a buffer of its own as in Rust."""
    return np.ascontiguousarray(np.rot90(picture, k=-(degrees // 90)))


def expected_text(folder, image_name):
    """BASE.txt as UTF-8, else BASE.bin as ISO-8859-1, as ZXing's AbstractBlackBoxTestCase."""
    base = image_name.split(".")[0]
    text = folder / f"{base}.txt"
    if text.exists():
        return text.read_bytes().decode("utf-8", errors="replace")
    return (folder / f"{base}.bin").read_bytes().decode("iso-8859-1")


def zxing_cpp(picture):
    """The call to time on `picture`, and how to get the texts from what it returns."""
    read = functools.partial(
        zxingcpp.read_barcodes,
        picture,
        formats=zxingcpp.BarcodeFormat.QRCode,
        text_mode=zxingcpp.TextMode.Plain,
    )
    return read, lambda barcodes: [barcode.text for barcode in barcodes]


def zbar(picture):
    """The call to time on `picture`, and how to get the texts from what it returns."""
    height, width = picture.shape
    # Bytes, not the array: pyzbar would copy an array into bytes inside the timed call.
    read = functools.partial(
        pyzbar.decode, (picture.tobytes(), width, height), symbols=[pyzbar.ZBarSymbol.QRCODE]
    )
    return read, lambda symbols: [symbol.data.decode("utf-8", "replace") for symbol in symbols]


TOOLS = {"zxing-cpp": zxing_cpp, "zbar": zbar}


def timed(read):
    """What `read` returns, and how long it took in microseconds."""
    started = time.perf_counter_ns()
    result = read()
    return result, round((time.perf_counter_ns() - started) / 1000, 1)


def samples(corpus):
    for folder_name in FOLDERS:
        folder = corpus / folder_name
        images = [path for path in folder.iterdir() if path.suffix.lower() in IMAGE_SUFFIXES]
        for path in sorted(images, key=lambda path: (int(path.name.split(".")[0]), path.name)):
            yield f"{folder_name}/{path.name}", path, expected_text(folder, path.name)


def main(corpus):
    pictures = []
    for file, path, expected in samples(corpus):
        upright = grey(path)
        for rotation in (0, 90, 180, 270):
            pictures.append((file, expected, rotation, rotated(upright, rotation)))
    # As in blackbox.rs: one-off set-up untimed on a picture never timed (a mirrored one), then
    # one tool after the other over the whole corpus, one call per picture.
    for prepare in TOOLS.values():
        read, _ = prepare(np.ascontiguousarray(np.fliplr(pictures[0][3])))
        read()
    for tool, prepare in TOOLS.items():
        for file, expected, rotation, picture in pictures:
            read, texts_of = prepare(picture)
            result, micros = timed(read)
            texts = texts_of(result)
            record = {
                "tool": tool,
                "file": file,
                "rotation": rotation,
                "decoded": bool(texts),
                "correct": expected in texts,
                "micros": micros,
            }
            if texts and expected not in texts:
                record["text"] = texts[0]
            print(json.dumps(record))


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: external.py CORPUS_DIR")
    main(Path(sys.argv[1]))
