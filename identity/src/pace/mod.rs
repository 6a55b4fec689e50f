//! PACE (ICAO 9303-11 §4.4): being written.
