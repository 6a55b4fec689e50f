//! Chip Authentication and Active Authentication (ICAO 9303-11 §6): being written.
