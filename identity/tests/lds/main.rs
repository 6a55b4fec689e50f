//! The LDS parsers against hand-assembled files: known answers, every wrapping the CCCD
//! is known to use, and hostile or truncated input.

mod dg1;
mod dg13;
mod dg2;
mod ef_com;
