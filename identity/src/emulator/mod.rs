//! The CCCD chip emulator: being written.
