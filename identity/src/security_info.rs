//! SecurityInfos of EF.CardAccess and DG14 (ICAO 9303-11 §9.2): being written.
