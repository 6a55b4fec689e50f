//! Passive authentication (ICAO 9303-11 §5.1): being written.
