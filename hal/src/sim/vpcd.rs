//! Serves a [`VirtualCard`] to pcscd through vsmartcard's virtual reader driver, vpcd, so
//! the real PC/SC stack (pcscd, libpcsclite, the `pcsc` crate, [`PcscCardReader`]) can be
//! tested with a card that exists only in software.
//!
//! # The vpcd protocol
//!
//! From vsmartcard's `virtualsmartcard/src/vpcd/vpcd.c` and `ifd.c` (the Debian package
//! `vsmartcard-vpcd`): the driver, loaded by pcscd, listens on TCP (port 35963 for its first
//! slot, 35964 for the second, set by `CHANNELID` in `/etc/reader.conf.d/vpcd`), and the
//! virtual card *connects* to it. A connected card is a card in the reader; closing the
//! connection takes it out. Every message, both ways, is a 2-byte big-endian length and
//! that many bytes. From the driver, a 1-byte message is a control code that gets no answer
//! except "get ATR":
//!
//! | byte | meaning | answer |
//! |---|---|---|
//! | 0 | power off | none |
//! | 1 | power on | none |
//! | 2 | reset | none |
//! | 4 | get ATR | the ATR |
//!
//! Any longer message is a command APDU, answered with the response APDU. The driver asks
//! for the ATR every time pcscd polls the reader for a card (several times a second), so
//! the bridge answers it whatever the power state.
//!
//! A length is at most 65 535, so one 64 KiB buffer holds any message; a message the
//! driver cuts short, an empty one or an unknown control code ends the connection with a
//! [`VpcdError`] (the card is then out of the reader), never a panic.
//!
//! [`PcscCardReader`]: crate::PcscCardReader

use std::io::{self, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpStream, ToSocketAddrs};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::Duration;

use crate::card::VirtualCard;
use crate::error::{Error, ErrorKind};

/// vpcd's default port for its first slot (`VPCDPORT`, 0x8C7B).
pub const DEFAULT_PORT: u16 = 35963;

/// The longest message a 2-byte length can announce.
const MAX_MESSAGE: usize = u16::MAX as usize;

const POWER_OFF: u8 = 0;
const POWER_ON: u8 = 1;
const RESET: u8 = 2;
const GET_ATR: u8 = 4;

/// ISO/IEC 7816-4 §5.6 "no precise diagnosis": the answer when the card's own answer is
/// too long for a vpcd message.
const NO_PRECISE_DIAGNOSIS: [u8; 2] = [0x6F, 0x00];

/// How long connecting to the driver may take; it is on this machine or the next.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// Why a connection to vpcd ended on its own.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum VpcdError {
    #[error("vpcd connection: {0}")]
    Io(#[from] io::Error),
    #[error("vpcd closed the connection inside a message ({received} of {expected} bytes)")]
    Truncated { expected: usize, received: usize },
    #[error("vpcd sent an empty message")]
    EmptyMessage,
    #[error("vpcd sent the unknown control code {0:#04x}")]
    UnknownControl(u8),
}

impl Error for VpcdError {
    fn kind(&self) -> ErrorKind {
        match self {
            VpcdError::Io(error) => match error.kind() {
                io::ErrorKind::ConnectionRefused | io::ErrorKind::NotFound => ErrorKind::NotPresent,
                io::ErrorKind::TimedOut | io::ErrorKind::WouldBlock => ErrorKind::Timeout,
                _ => ErrorKind::Disconnected,
            },
            VpcdError::Truncated { .. } => ErrorKind::Disconnected,
            VpcdError::EmptyMessage | VpcdError::UnknownControl(_) => ErrorKind::InvalidInput,
        }
    }
}

/// A card taken out of the virtual reader.
pub struct Ejected {
    pub card: Box<dyn VirtualCard>,
    /// Why the connection had already ended, if the driver ended it before the card was
    /// taken out.
    pub ended: Option<VpcdError>,
}

impl std::fmt::Debug for Ejected {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Ejected")
            .field("ended", &self.ended)
            .finish_non_exhaustive()
    }
}

/// A card in vpcd's reader: one TCP connection served by a thread of its own.
struct Connection {
    /// A second handle on the socket, to shut it down under the serving thread.
    stream: TcpStream,
    ejecting: Arc<AtomicBool>,
    thread: JoinHandle<(Box<dyn VirtualCard>, Result<(), VpcdError>)>,
}

/// Puts virtual cards into vpcd's reader and takes them out again.
pub struct VpcdBridge {
    addr: SocketAddr,
    connection: Option<Connection>,
}

impl VpcdBridge {
    /// Connects to the vpcd driver at `addr` (`127.0.0.1:35963` for the default slot) and
    /// serves `card` there, which pcscd then reports inserted.
    pub fn connect(addr: impl ToSocketAddrs, card: Box<dyn VirtualCard>) -> io::Result<Self> {
        let addr = addr.to_socket_addrs()?.next().ok_or_else(|| {
            io::Error::new(io::ErrorKind::InvalidInput, "no address to reach vpcd at")
        })?;
        let mut bridge = Self {
            addr,
            connection: None,
        };
        bridge.insert(card)?;
        Ok(bridge)
    }

    /// The driver's address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Places `card` in the reader (connects to vpcd), taking out any card already there.
    /// If vpcd cannot be reached, the card is dropped with the error.
    pub fn insert(&mut self, card: Box<dyn VirtualCard>) -> io::Result<Option<Ejected>> {
        let previous = self.remove();
        let stream = TcpStream::connect_timeout(&self.addr, CONNECT_TIMEOUT)?;
        // APDUs are small request/response pairs; Nagle's delay would only slow them.
        stream.set_nodelay(true)?;
        let control = stream.try_clone()?;
        let ejecting = Arc::new(AtomicBool::new(false));
        let thread = std::thread::Builder::new()
            .name("vpcd-card".into())
            .spawn(move || {
                let mut stream = stream;
                let mut card = card;
                let outcome = serve(&mut stream, card.as_mut());
                // Whatever ended the exchange, the card leaves the reader now.
                let _ = stream.shutdown(Shutdown::Both);
                (card, outcome)
            })?;
        self.connection = Some(Connection {
            stream: control,
            ejecting,
            thread,
        });
        Ok(previous)
    }

    /// Takes the card out of the reader (closes the connection; vpcd then reports no card)
    /// and hands it back. `None` when no card was in.
    pub fn remove(&mut self) -> Option<Ejected> {
        let connection = self.connection.take()?;
        connection.ejecting.store(true, Ordering::SeqCst);
        // Unblocks the serving thread's read; it may already have ended.
        let _ = connection.stream.shutdown(Shutdown::Both);
        Self::join(connection)
    }

    /// Waits until the driver ends the connection by itself (pcscd stopped, or it broke
    /// the protocol) and hands the card back with the reason. `None` when no card was in.
    pub fn wait_closed(&mut self) -> Option<Ejected> {
        let connection = self.connection.take()?;
        Self::join(connection)
    }

    /// Whether a card is in the reader and its connection is still open.
    pub fn is_inserted(&self) -> bool {
        self.connection
            .as_ref()
            .is_some_and(|connection| !connection.thread.is_finished())
    }

    fn join(connection: Connection) -> Option<Ejected> {
        match connection.thread.join() {
            Ok((card, outcome)) => {
                // Errors after our own shutdown are the shutdown, not the driver's doing.
                let ended = match outcome {
                    Err(error) if !connection.ejecting.load(Ordering::SeqCst) => Some(error),
                    _ => None,
                };
                Some(Ejected { card, ended })
            }
            // The card panicked while answering; it is gone with its thread.
            Err(_) => None,
        }
    }
}

impl Drop for VpcdBridge {
    fn drop(&mut self) {
        self.remove();
    }
}

impl std::fmt::Debug for VpcdBridge {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("VpcdBridge")
            .field("addr", &self.addr)
            .field("inserted", &self.is_inserted())
            .finish()
    }
}

/// Answers the driver until it closes the connection or breaks the protocol.
fn serve(stream: &mut TcpStream, card: &mut dyn VirtualCard) -> Result<(), VpcdError> {
    let mut buffer = vec![0u8; MAX_MESSAGE];
    loop {
        let mut length = [0u8; 2];
        match read_full(stream, &mut length)? {
            0 => return Ok(()),
            2 => {}
            received => {
                return Err(VpcdError::Truncated {
                    expected: 2,
                    received,
                });
            }
        }
        let expected = usize::from(u16::from_be_bytes(length));
        let Some(message) = buffer.get_mut(..expected) else {
            // Unreachable by construction (a u16 length fits the buffer), kept total.
            return Err(VpcdError::Truncated {
                expected,
                received: 0,
            });
        };
        let received = read_full(stream, message)?;
        if received < expected {
            return Err(VpcdError::Truncated { expected, received });
        }
        match &*message {
            [] => return Err(VpcdError::EmptyMessage),
            [POWER_OFF] => tracing::debug!("vpcd: power off"),
            // A card powered up or reset loses its session state (ISO/IEC 7816-3 §6.2).
            [POWER_ON] | [RESET] => card.reset(),
            [GET_ATR] => write_message(stream, card.atr().as_bytes())?,
            [code] => return Err(VpcdError::UnknownControl(*code)),
            command => {
                let response = card.process_apdu(command);
                if response.len() > MAX_MESSAGE {
                    tracing::warn!(
                        len = response.len(),
                        "virtual card answered more than a vpcd message carries"
                    );
                    write_message(stream, &NO_PRECISE_DIAGNOSIS)?;
                } else {
                    write_message(stream, &response)?;
                }
            }
        }
    }
}

/// Reads until `buffer` is full or the peer closes; returns how many bytes came.
fn read_full(stream: &mut TcpStream, buffer: &mut [u8]) -> io::Result<usize> {
    let mut filled = 0;
    while filled < buffer.len() {
        let Some(rest) = buffer.get_mut(filled..) else {
            break;
        };
        match stream.read(rest) {
            Ok(0) => break,
            Ok(count) => filled += count,
            Err(error) if error.kind() == io::ErrorKind::Interrupted => {}
            Err(error) => return Err(error),
        }
    }
    Ok(filled)
}

/// Sends one length-prefixed message in a single write.
fn write_message(stream: &mut TcpStream, payload: &[u8]) -> Result<(), VpcdError> {
    let length = u16::try_from(payload.len()).map_err(|_| {
        VpcdError::Io(io::Error::new(
            io::ErrorKind::InvalidInput,
            "message longer than 65 535 bytes",
        ))
    })?;
    let mut frame = Vec::with_capacity(payload.len() + 2);
    frame.extend_from_slice(&length.to_be_bytes());
    frame.extend_from_slice(payload);
    stream.write_all(&frame)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::net::TcpListener;
    use std::sync::atomic::AtomicUsize;

    use super::*;
    use crate::card::Atr;
    use crate::sim::BlankCard;

    /// Echoes each command followed by 90 00 and counts its resets.
    struct EchoCard {
        resets: Arc<AtomicUsize>,
        answer_len: Option<usize>,
    }

    impl EchoCard {
        fn boxed() -> (Box<dyn VirtualCard>, Arc<AtomicUsize>) {
            let resets = Arc::new(AtomicUsize::new(0));
            let card = EchoCard {
                resets: Arc::clone(&resets),
                answer_len: None,
            };
            (Box::new(card), resets)
        }
    }

    impl VirtualCard for EchoCard {
        fn atr(&self) -> Atr {
            BlankCard.atr()
        }

        fn process_apdu(&mut self, command: &[u8]) -> Vec<u8> {
            if let Some(len) = self.answer_len {
                return vec![0x61; len];
            }
            let mut response = command.to_vec();
            response.extend_from_slice(&[0x90, 0x00]);
            response
        }

        fn reset(&mut self) {
            self.resets.fetch_add(1, Ordering::SeqCst);
        }
    }

    /// A listener acting as the vpcd driver, and the bridge connected to it.
    fn driver_and_bridge(card: Box<dyn VirtualCard>) -> (TcpStream, VpcdBridge) {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind fake vpcd");
        let addr = listener.local_addr().expect("local addr");
        let bridge = VpcdBridge::connect(addr, card).expect("connect to fake vpcd");
        let (driver, _) = listener.accept().expect("accept the card");
        (driver, bridge)
    }

    fn send(driver: &mut TcpStream, payload: &[u8]) {
        let length = u16::try_from(payload.len()).expect("test message fits");
        driver
            .write_all(&length.to_be_bytes())
            .expect("send length");
        driver.write_all(payload).expect("send payload");
    }

    fn receive(driver: &mut TcpStream) -> Vec<u8> {
        let mut length = [0u8; 2];
        driver.read_exact(&mut length).expect("answer length");
        let mut payload = vec![0u8; usize::from(u16::from_be_bytes(length))];
        driver.read_exact(&mut payload).expect("answer payload");
        payload
    }

    fn closed_by_bridge(driver: &mut TcpStream) -> bool {
        let mut byte = [0u8; 1];
        matches!(driver.read(&mut byte), Ok(0) | Err(_))
    }

    #[test]
    fn power_atr_and_apdus_follow_the_vpcd_protocol() {
        let (card, resets) = EchoCard::boxed();
        let (mut driver, mut bridge) = driver_and_bridge(card);
        send(&mut driver, &[POWER_ON]);
        send(&mut driver, &[GET_ATR]);
        assert_eq!(receive(&mut driver), BlankCard::ATR);
        let select = [0x00, 0xA4, 0x04, 0x0C, 0x02, 0xA0, 0x00];
        send(&mut driver, &select);
        let mut expected = select.to_vec();
        expected.extend_from_slice(&[0x90, 0x00]);
        assert_eq!(receive(&mut driver), expected);
        send(&mut driver, &[RESET]);
        send(&mut driver, &[POWER_OFF]);
        // The ATR is answered even with the power off: vpcd polls presence that way.
        send(&mut driver, &[GET_ATR]);
        assert_eq!(receive(&mut driver), BlankCard::ATR);
        assert_eq!(resets.load(Ordering::SeqCst), 2);
        assert!(bridge.is_inserted());

        let ejected = bridge.remove().expect("a card was in");
        assert!(ejected.ended.is_none(), "{:?}", ejected.ended);
        assert!(closed_by_bridge(&mut driver));
        assert!(!bridge.is_inserted());
        assert!(bridge.remove().is_none());
    }

    #[test]
    fn a_message_cut_short_ends_the_connection_with_a_typed_error() {
        let (card, _) = EchoCard::boxed();
        let (mut driver, mut bridge) = driver_and_bridge(card);
        driver
            .write_all(&[0xFF, 0xFF, 0x00, 0xA4, 0x04])
            .expect("send");
        driver.shutdown(Shutdown::Write).expect("close");
        let ejected = bridge.wait_closed().expect("the card comes back");
        let error = ejected.ended.expect("the driver broke the protocol");
        assert!(
            matches!(
                error,
                VpcdError::Truncated {
                    expected: 65_535,
                    received: 3
                }
            ),
            "{error:?}"
        );
        assert_eq!(error.kind(), ErrorKind::Disconnected);
    }

    #[test]
    fn half_a_length_is_truncated_too() {
        let (card, _) = EchoCard::boxed();
        let (mut driver, mut bridge) = driver_and_bridge(card);
        driver.write_all(&[0x00]).expect("send");
        driver.shutdown(Shutdown::Write).expect("close");
        let error = bridge.wait_closed().and_then(|e| e.ended);
        assert!(
            matches!(
                error,
                Some(VpcdError::Truncated {
                    expected: 2,
                    received: 1
                })
            ),
            "{error:?}"
        );
    }

    #[test]
    fn unknown_control_codes_and_empty_messages_close_the_connection() {
        for (payload, expected_code) in [(&[3u8][..], Some(3u8)), (&[][..], None)] {
            let (card, _) = EchoCard::boxed();
            let (mut driver, mut bridge) = driver_and_bridge(card);
            send(&mut driver, payload);
            assert!(closed_by_bridge(&mut driver));
            let error = bridge.wait_closed().and_then(|e| e.ended);
            match (expected_code, &error) {
                (Some(code), Some(VpcdError::UnknownControl(seen))) => assert_eq!(*seen, code),
                (None, Some(VpcdError::EmptyMessage)) => {}
                _ => panic!("unexpected outcome {error:?} for {payload:?}"),
            }
            assert_eq!(error.map(|e| e.kind()), Some(ErrorKind::InvalidInput));
        }
    }

    #[test]
    fn an_answer_too_long_for_vpcd_becomes_no_precise_diagnosis() {
        let card = EchoCard {
            resets: Arc::new(AtomicUsize::new(0)),
            answer_len: Some(MAX_MESSAGE + 1),
        };
        let (mut driver, _bridge) = driver_and_bridge(Box::new(card));
        send(&mut driver, &[0x00, 0xB0, 0x00, 0x00, 0x00, 0x00, 0x00]);
        assert_eq!(receive(&mut driver), NO_PRECISE_DIAGNOSIS);
    }

    #[test]
    fn inserting_again_reconnects_and_returns_the_previous_card() {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind fake vpcd");
        let addr = listener.local_addr().expect("local addr");
        let (first, _) = EchoCard::boxed();
        let mut bridge = VpcdBridge::connect(addr, first).expect("connect");
        let (mut first_driver, _) = listener.accept().expect("first card");
        let (second, second_resets) = EchoCard::boxed();
        let previous = bridge.insert(second).expect("reconnect");
        assert!(previous.is_some_and(|ejected| ejected.ended.is_none()));
        assert!(closed_by_bridge(&mut first_driver));
        let (mut second_driver, _) = listener.accept().expect("second card");
        send(&mut second_driver, &[POWER_ON]);
        send(&mut second_driver, &[GET_ATR]);
        assert_eq!(receive(&mut second_driver), BlankCard::ATR);
        assert_eq!(second_resets.load(Ordering::SeqCst), 1);
    }

    #[test]
    fn nothing_listening_is_a_connection_error() {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let addr = listener.local_addr().expect("local addr");
        drop(listener);
        let error = VpcdBridge::connect(addr, Box::new(BlankCard)).expect_err("nobody listens");
        assert_eq!(error.kind(), io::ErrorKind::ConnectionRefused);
        assert_eq!(VpcdError::from(error).kind(), ErrorKind::NotPresent);
    }
}
