//! Whole-appliance tests live in `tests/`.
