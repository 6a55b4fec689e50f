//! A 1-bit picture in the printer's own layout: rows of bytes, the leftmost dot in the top
//! bit, 1 for a black dot. That is exactly the data of `GS v 0`, so a band of a picture is
//! a slice of its bytes and nothing is converted between layout, encoding and decoding.

use std::fmt;

#[derive(Clone, PartialEq, Eq)]
pub(crate) struct Raster {
    width: u32,
    height: u32,
    /// Bytes per row.
    stride: usize,
    bits: Vec<u8>,
}

impl Raster {
    /// A white picture.
    pub(crate) fn new(width: u32, height: u32) -> Raster {
        let stride = width.div_ceil(8) as usize;
        Raster {
            width,
            height,
            stride,
            bits: vec![0; stride * height as usize],
        }
    }

    pub(crate) fn width(&self) -> u32 {
        self.width
    }

    pub(crate) fn height(&self) -> u32 {
        self.height
    }

    pub(crate) fn stride(&self) -> usize {
        self.stride
    }

    /// Rows `top..top + rows`, packed.
    pub(crate) fn rows(&self, top: u32, rows: u32) -> &[u8] {
        let start = top as usize * self.stride;
        &self.bits[start..start + rows as usize * self.stride]
    }

    pub(crate) fn row_is_white(&self, y: u32) -> bool {
        self.rows(y, 1).iter().all(|&byte| byte == 0)
    }

    /// Whether the dot is black; outside the picture is white paper.
    pub(crate) fn is_black(&self, x: u32, y: u32) -> bool {
        if x >= self.width || y >= self.height {
            return false;
        }
        self.bits[y as usize * self.stride + x as usize / 8] & (0x80 >> (x % 8)) != 0
    }

    /// Sets one dot; dots outside the picture are dropped, so a glyph that overhangs the
    /// line is clipped rather than a panic.
    pub(crate) fn set(&mut self, x: i32, y: i32, black: bool) {
        let (Ok(x), Ok(y)) = (u32::try_from(x), u32::try_from(y)) else {
            return;
        };
        if x >= self.width || y >= self.height {
            return;
        }
        let byte = &mut self.bits[y as usize * self.stride + x as usize / 8];
        let mask = 0x80 >> (x % 8);
        if black {
            *byte |= mask;
        } else {
            *byte &= !mask;
        }
    }

    pub(crate) fn fill(&mut self, x: u32, y: u32, width: u32, height: u32, black: bool) {
        for row in y..y.saturating_add(height).min(self.height) {
            for column in x..x.saturating_add(width).min(self.width) {
                self.set(column as i32, row as i32, black);
            }
        }
    }

    /// Adds `rows` white rows at the bottom and returns the first of them, for a block to
    /// draw into.
    pub(crate) fn grow(&mut self, rows: u32) -> u32 {
        let top = self.height;
        self.height += rows;
        self.bits.resize(self.stride * self.height as usize, 0);
        top
    }

    /// Prints packed rows (`stride` bytes each, the format of `GS v 0`) below the picture,
    /// their left edge `x` dots in, the way the print head lays them on paper. Dots that
    /// would fall past the right edge are dropped.
    pub(crate) fn print_rows(&mut self, x: u32, stride: usize, data: &[u8]) {
        if stride == 0 {
            return;
        }
        let top = self.grow((data.len() / stride) as u32);
        let shift = x % 8;
        for (row, source) in data.chunks_exact(stride).enumerate() {
            let start = (top as usize + row) * self.stride;
            let target = &mut self.bits[start..start + self.stride];
            let first = x as usize / 8;
            for (i, &byte) in source.iter().enumerate() {
                if let Some(slot) = target.get_mut(first + i) {
                    *slot |= byte >> shift;
                }
                if shift != 0
                    && let Some(slot) = target.get_mut(first + i + 1)
                {
                    *slot |= byte << (8 - shift);
                }
            }
        }
        self.clear_past_width(top);
    }

    /// Keeps the unused bits of each row's last byte white from row `top` on, so two
    /// pictures of the same dots compare equal.
    fn clear_past_width(&mut self, top: u32) {
        let used = self.width % 8;
        if used == 0 || self.stride == 0 {
            return;
        }
        let mask = 0xffu8 << (8 - used);
        for row in top..self.height {
            let last = row as usize * self.stride + self.stride - 1;
            self.bits[last] &= mask;
        }
    }
}

impl fmt::Debug for Raster {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let black = self.bits.iter().map(|b| b.count_ones()).sum::<u32>();
        write!(f, "Raster({}x{}, {black} black)", self.width, self.height)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dots_are_packed_leftmost_in_the_top_bit() {
        let mut raster = Raster::new(12, 2);
        raster.set(0, 0, true);
        raster.set(9, 1, true);
        assert_eq!(raster.rows(0, 2), [0x80, 0x00, 0x00, 0x40]);
        assert!(raster.is_black(9, 1));
        assert!(!raster.is_black(8, 1));
        assert!(!raster.is_black(100, 100));
    }

    #[test]
    fn dots_outside_are_dropped() {
        let mut raster = Raster::new(8, 1);
        raster.set(-1, 0, true);
        raster.set(8, 0, true);
        raster.set(0, 1, true);
        assert_eq!(raster.rows(0, 1), [0]);
    }

    #[test]
    fn rows_print_at_any_dot_offset() {
        let mut page = Raster::new(24, 0);
        page.print_rows(4, 1, &[0xff, 0x81]);
        assert_eq!(page.height(), 2);
        assert_eq!(page.rows(0, 2), [0x0f, 0xf0, 0x00, 0x08, 0x10, 0x00]);
        page.print_rows(16, 1, &[0xff]);
        assert_eq!(page.rows(2, 1), [0x00, 0x00, 0xff]);
    }

    #[test]
    fn rows_past_the_right_edge_are_dropped() {
        let mut page = Raster::new(12, 0);
        page.print_rows(4, 2, &[0xff, 0xff]);
        assert_eq!(page.rows(0, 1), [0x0f, 0xf0]);
    }
}
