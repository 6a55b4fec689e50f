//! Whole-appliance tests live in `tests/`. This library holds what several of them share:
//! [`Pcscd`], a real pcscd with vsmartcard's virtual reader (vpcd) for the tests that drive
//! the PC/SC stack with a virtual card.
//!
//! # How the tests get a pcscd
//!
//! pcsc-lite 1.9.9 (Debian 12) serves one socket per machine: the daemon always listens on
//! `/run/pcscd/pcscd.comm` (it ignores `PCSCLITE_CSOCK_NAME`, which only the client library
//! reads), so two daemons cannot run side by side. Therefore:
//!
//! - when nothing serves that socket (a CI container without systemd), [`Pcscd::start`]
//!   runs `pcscd --foreground --auto-exit --config DIR` as a child, where `DIR` holds a
//!   private `reader.conf.d` whose only reader is vpcd on a free port pair, and stops it
//!   when dropped (`--auto-exit` ends a daemon orphaned by a killed test run within a
//!   minute). pcscd must be able to create `/run/pcscd`, so this runs as root, as
//!   `cargo xtask test` does in CI;
//! - when a pcscd already serves it (systemd's `pcscd.socket` on a workstation), that daemon
//!   is used with the vpcd reader of `/etc/reader.conf.d/vpcd` (port 35963), which the
//!   socket-activated daemon reads each time it starts.
//!
//! Tests in one process take turns through a lock; cargo runs test binaries one after
//! another. A missing pcscd or vpcd driver fails the test with what to install.

use std::fs::{self, File};
use std::io;
use std::net::{SocketAddr, TcpListener};
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

use kiosk_hal::pcsc::PcscCardReader;
use kiosk_hal::sim::VpcdBridge;
use kiosk_hal::sim::vpcd::DEFAULT_PORT;
use kiosk_hal::{CardEvent, CardReader, VirtualCard};

/// What to do when the PC/SC tools are missing.
pub const INSTALL_HINT: &str = "install pcscd and vsmartcard-vpcd (cargo xtask setup)";

/// Part of the name pcscd gives vsmartcard's virtual readers.
pub const VPCD_READER_FILTER: &str = "Virtual PCD";

/// A bound on waiting for pcscd to notice a change (it polls vpcd a few times a second),
/// so a broken stack fails a test instead of hanging it. Not a performance assertion.
pub const EVENT_DEADLINE: Duration = Duration::from_secs(20);

/// Opens the kiosk's PC/SC reader on vpcd's readers, or fails naming what to install.
pub fn open_vpcd_reader() -> PcscCardReader {
    PcscCardReader::open(Some(VPCD_READER_FILTER.to_owned()))
        .unwrap_or_else(|error| panic!("open the PC/SC reader: {error}; {INSTALL_HINT}"))
}

/// Waits for an event matching `wanted`; returns it with every other event seen on the way.
/// Fails with pcscd's log when none comes within [`EVENT_DEADLINE`].
pub fn wait_for_event(
    reader: &mut PcscCardReader,
    pcscd: &Pcscd,
    what: &str,
    wanted: impl Fn(&CardEvent) -> bool,
) -> (CardEvent, Vec<CardEvent>) {
    let deadline = Instant::now() + EVENT_DEADLINE;
    let mut seen = Vec::new();
    while Instant::now() < deadline {
        match reader.wait_event(Duration::from_millis(500)) {
            Ok(Some(event)) if wanted(&event) => return (event, seen),
            Ok(Some(event)) => seen.push(event),
            Ok(None) => {}
            Err(error) => panic!("wait_event while waiting for {what}: {error}"),
        }
    }
    panic!(
        "no {what} within {EVENT_DEADLINE:?}; events seen: {seen:?}. pcscd's log:\n{}",
        pcscd.log()
    );
}

/// The socket pcsc-lite's daemon and clients meet on (`PCSCLITE_CSOCK_NAME` at build time).
pub const PCSCD_SOCKET: &str = "/run/pcscd/pcscd.comm";

/// vpcd's IFD handler, as Debian's `vsmartcard-vpcd` installs it.
pub const VPCD_DRIVER: &str = "/usr/lib/pcsc/drivers/serial/libifdvpcd.so";

/// How long pcscd and vpcd get to come up before the test fails instead of hanging. Not a
/// performance bound: on an idle machine both are ready in well under a second.
pub const STARTUP_DEADLINE: Duration = Duration::from_secs(20);

static TURN: Mutex<()> = Mutex::new(());

/// A pcscd serving vpcd's virtual reader, for the duration of one test.
pub struct Pcscd {
    /// Our own daemon; `None` when an already running one is used.
    child: Option<Child>,
    vpcd_port: u16,
    /// The private `reader.conf.d` and the daemon's log.
    workdir: tempfile::TempDir,
    _turn: MutexGuard<'static, ()>,
}

impl Pcscd {
    /// Starts (or finds) pcscd with the vpcd reader. Panics, naming what to install or
    /// fix, when that is not possible: these tests never skip.
    pub fn start() -> Self {
        let turn = TURN.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let workdir = tempfile::tempdir().unwrap_or_else(|error| panic!("temp dir: {error}"));
        if !Path::new(VPCD_DRIVER).exists() {
            panic!("vpcd driver {VPCD_DRIVER} is missing: {INSTALL_HINT}");
        }
        if socket_is_served() {
            eprintln!(
                "kiosk-tests: a pcscd already serves {PCSCD_SOCKET}; using it with the vpcd \
                 reader of /etc/reader.conf.d/vpcd"
            );
            return Self {
                child: None,
                vpcd_port: system_vpcd_port(),
                workdir,
                _turn: turn,
            };
        }
        let Some(pcscd) = find_pcscd() else {
            panic!("no pcscd program found: {INSTALL_HINT}");
        };
        let vpcd_port = free_port_pair();
        let config = workdir.path().join("reader.conf.d");
        write_vpcd_config(&config, vpcd_port)
            .unwrap_or_else(|error| panic!("cannot write {}: {error}", config.display()));
        let log_path = workdir.path().join("pcscd.log");
        let log = File::create(&log_path)
            .and_then(|log| Ok((log.try_clone()?, log)))
            .unwrap_or_else(|error| panic!("cannot create {}: {error}", log_path.display()));
        let child = Command::new(&pcscd)
            .args(["--foreground", "--auto-exit", "--debug", "--config"])
            .arg(&config)
            .stdin(Stdio::null())
            .stdout(log.0)
            .stderr(log.1)
            .spawn()
            .unwrap_or_else(|error| {
                panic!("cannot start {}: {error}; {INSTALL_HINT}", pcscd.display())
            });
        let mut pcscd = Self {
            child: Some(child),
            vpcd_port,
            workdir,
            _turn: turn,
        };
        pcscd.wait_until_ready();
        pcscd
    }

    /// vpcd logs when it listens for its card (`ifd.c`, `IFDHCreateChannel`); a card
    /// connecting before that would be refused, and probing the port with a throwaway
    /// connection would itself look like a card.
    fn vpcd_is_listening(&self) -> bool {
        self.log().contains(&format!(
            "Waiting for virtual ICC on port {}",
            self.vpcd_port
        ))
    }

    fn wait_until_ready(&mut self) {
        let deadline = Instant::now() + STARTUP_DEADLINE;
        loop {
            if socket_is_served() && self.vpcd_is_listening() {
                return;
            }
            if let Some(child) = &mut self.child
                && let Ok(Some(status)) = child.try_wait()
            {
                panic!(
                    "pcscd exited ({status}) before serving {PCSCD_SOCKET}. It must be able \
                     to create /run/pcscd (run the tests as root, as `cargo xtask test` does \
                     in CI). Its log:\n{}",
                    self.log()
                );
            }
            if Instant::now() >= deadline {
                panic!(
                    "pcscd did not serve {PCSCD_SOCKET} with vpcd listening on port {} within \
                     {STARTUP_DEADLINE:?} ({INSTALL_HINT}). Its log:\n{}",
                    self.vpcd_port,
                    self.log()
                );
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Where the virtual card connects to put itself into the reader.
    pub fn vpcd_addr(&self) -> SocketAddr {
        SocketAddr::from(([127, 0, 0, 1], self.vpcd_port))
    }

    /// Whether this is our own daemon (and so can be stopped by the test).
    pub fn is_private(&self) -> bool {
        self.child.is_some()
    }

    /// What our own pcscd logged so far (empty for a daemon we did not start).
    pub fn log(&self) -> String {
        fs::read_to_string(self.workdir.path().join("pcscd.log")).unwrap_or_default()
    }

    /// Puts `card` into vpcd's reader.
    pub fn insert_card(&self, card: Box<dyn VirtualCard>) -> VpcdBridge {
        VpcdBridge::connect(self.vpcd_addr(), card).unwrap_or_else(|error| {
            panic!(
                "cannot connect to vpcd at {} ({error}); {INSTALL_HINT}. pcscd's log:\n{}",
                self.vpcd_addr(),
                self.log()
            )
        })
    }

    /// Stops our own pcscd (SIGTERM, so it removes its socket) and waits for it.
    pub fn stop(&mut self) {
        let Some(mut child) = self.child.take() else {
            return;
        };
        let terminated = Command::new("kill")
            .args(["-TERM", &child.id().to_string()])
            .status()
            .is_ok_and(|status| status.success());
        let deadline = Instant::now() + STARTUP_DEADLINE;
        while terminated && Instant::now() < deadline {
            if let Ok(Some(_)) = child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = child.kill();
        let _ = child.wait();
    }
}

impl Drop for Pcscd {
    fn drop(&mut self) {
        self.stop();
    }
}

fn socket_is_served() -> bool {
    UnixStream::connect(PCSCD_SOCKET).is_ok()
}

/// `pcscd` from PATH, or from /usr/sbin, which a non-root PATH often lacks.
fn find_pcscd() -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .chain([PathBuf::from("/usr/sbin"), PathBuf::from("/sbin")])
        .map(|dir| dir.join("pcscd"))
        .find(|candidate| candidate.is_file())
}

/// vpcd opens two slots, on `port` and `port + 1`, on every interface; both must be free.
fn free_port_pair() -> u16 {
    for _ in 0..50 {
        let Ok(first) = TcpListener::bind(("0.0.0.0", 0)) else {
            continue;
        };
        let Ok(port) = first.local_addr().map(|addr| addr.port()) else {
            continue;
        };
        if port < u16::MAX && TcpListener::bind(("0.0.0.0", port + 1)).is_ok() {
            return port;
        }
    }
    panic!("no two free consecutive TCP ports for vpcd");
}

/// A `reader.conf` entry like Debian's `/etc/reader.conf.d/vpcd`: vpcd takes its TCP port
/// from `CHANNELID`.
fn write_vpcd_config(dir: &Path, port: u16) -> io::Result<()> {
    fs::create_dir_all(dir)?;
    fs::write(
        dir.join("vpcd"),
        format!(
            "FRIENDLYNAME \"Virtual PCD\"\nDEVICENAME   /dev/null:0x{port:04X}\n\
             LIBPATH      {VPCD_DRIVER}\nCHANNELID    0x{port:04X}\n"
        ),
    )
}

/// The port of the system's vpcd reader: `CHANNELID` in `/etc/reader.conf.d/vpcd`.
fn system_vpcd_port() -> u16 {
    fs::read_to_string("/etc/reader.conf.d/vpcd")
        .ok()
        .and_then(|config| parse_channel_id(&config))
        .unwrap_or(DEFAULT_PORT)
}

fn parse_channel_id(config: &str) -> Option<u16> {
    let value = config
        .lines()
        .map(str::trim)
        .find_map(|line| line.strip_prefix("CHANNELID"))?
        .trim();
    match value
        .strip_prefix("0x")
        .or_else(|| value.strip_prefix("0X"))
    {
        Some(hex) => u16::from_str_radix(hex, 16).ok(),
        None => value.parse().ok(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn channel_id_is_read_in_hex_or_decimal() {
        let debian = "FRIENDLYNAME \"Virtual PCD\"\nDEVICENAME   /dev/null:0x8C7B\n\
                      LIBPATH      /usr/lib/pcsc/drivers/serial/libifdvpcd.so\n\
                      CHANNELID    0x8C7B\n";
        assert_eq!(parse_channel_id(debian), Some(35963));
        assert_eq!(parse_channel_id("CHANNELID 40000"), Some(40000));
        assert_eq!(parse_channel_id("CHANNELID 0xZZ"), None);
        assert_eq!(parse_channel_id("LIBPATH x"), None);
    }

    #[test]
    fn the_private_config_names_the_port_twice() {
        let dir = tempfile::tempdir().expect("temp dir");
        write_vpcd_config(dir.path(), 0x9000).expect("write");
        let config = fs::read_to_string(dir.path().join("vpcd")).expect("read");
        assert_eq!(parse_channel_id(&config), Some(0x9000));
        assert!(config.contains("DEVICENAME   /dev/null:0x9000"), "{config}");
    }
}
