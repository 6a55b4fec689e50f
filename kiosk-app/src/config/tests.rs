//! Every rule of the loader, through the one-line messages a technician reads.

use super::checks::check_url;
use super::*;

/// A valid configuration whose paths exist wherever the tests run: relative to a bare
/// `config.toml` they resolve against the working directory.
const VALID: &str = r#"kiosk_id = "test-kiosk"
mode = "onestop"

[card_reader]
backend = "simulated"

[camera]
backend = "replay"
path = "."

[printer]
backend = "file"
path = "receipts.escpos"

[backend]
onestop_url = "http://127.0.0.1:8750"
"#;

fn parse(text: &str) -> Result<Config, ConfigError> {
    from_toml_str(text, Path::new("config.toml"))
}

/// The error for `text`, checked to be a single line.
fn error_for(text: &str) -> String {
    let message = match parse(text) {
        Ok(config) => panic!("accepted:\n{text}\nas {config:?}"),
        Err(error) => error.to_string(),
    };
    assert!(!message.contains(['\n', '\r']), "not one line: {message}");
    message
}

/// `VALID` with the first line starting with `old` replaced by `new` (which may hold
/// several lines, or none).
fn edited(old: &str, new: &str) -> String {
    let mut lines: Vec<&str> = VALID.lines().collect();
    let Some(at) = lines.iter().position(|line| line.starts_with(old)) else {
        panic!("no line starts with {old:?}");
    };
    lines[at] = new;
    lines.join("\n")
}

fn assert_contains_all(message: &str, parts: &[&str]) {
    for part in parts {
        assert!(message.contains(part), "{message:?} lacks {part:?}");
    }
}

fn repository_file(relative: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join(relative)
}

#[test]
fn the_valid_sample_loads_with_defaults_filled_in() {
    let config = parse(VALID).expect("valid");
    assert_eq!(config.language, Language::Vietnamese);
    assert_eq!(config.idle_timeout(), Duration::from_secs(90));
    assert!(!config.demo);
    assert_eq!(
        config.card_reader,
        CardReaderConfig::Simulated {
            reader_name: "Simulated CCCD reader".to_owned()
        }
    );
    assert_eq!(
        config.camera,
        CameraConfig::Replay {
            path: PathBuf::from("."),
            fps: 10.0
        }
    );
    assert_eq!(config.backend.request_timeout(), Duration::from_secs(15));
}

#[test]
fn every_config_in_the_repository_loads() {
    let folder = repository_file("config");
    let mut checked = 0;
    for entry in fs::read_dir(&folder).expect("config folder") {
        let path = entry.expect("entry").path();
        if path.extension().is_some_and(|ext| ext == "toml") {
            // Appliance examples name devices this machine lacks; see the tests below
            // for the demo, which must load with its devices checked.
            if let Err(error) = load_with(&path, DeviceCheck::Skip) {
                panic!("{error}");
            }
            checked += 1;
        }
    }
    assert!(
        checked >= 2,
        "found only {checked} files in {}",
        folder.display()
    );
}

#[test]
fn the_demo_config_loads_with_devices_checked_and_matches_the_built_in_demo() {
    let file = repository_file("config/demo.toml");
    let config = load(&file).unwrap_or_else(|error| panic!("{error}"));
    let built_in = Config::demo_default(Path::new("var"));
    assert_eq!(config.mode, built_in.mode);
    assert_eq!(config.language, built_in.language);
    assert_eq!(config.idle_timeout_secs, built_in.idle_timeout_secs);
    assert!(config.demo && built_in.demo);
    assert_eq!(config.card_reader, built_in.card_reader);
    assert_eq!(config.backend, built_in.backend);
    // The relative replay folder is resolved against config/, not the working directory.
    let CameraConfig::Replay { path, fps } = &config.camera else {
        panic!("{:?}", config.camera);
    };
    assert_eq!(*path, repository_file("config/../tests/fixtures/camera"));
    assert!(path.is_dir());
    assert_eq!(*fps, 10.0);
}

#[test]
fn the_appliance_example_describes_real_devices() {
    let file = repository_file("config/kiosk.example.toml");
    let config = load_with(&file, DeviceCheck::Skip).unwrap_or_else(|error| panic!("{error}"));
    assert!(!config.demo);
    assert_eq!(
        config.card_reader,
        CardReaderConfig::Pcsc {
            reader: Some("ACS ACR1281".to_owned())
        }
    );
    assert_eq!(
        config.camera,
        CameraConfig::V4l2 {
            device: Some(PathBuf::from("/dev/video0")),
            name: None,
            format: CameraEncoding::Auto,
            width: 1280,
            height: 720,
            fps: 30
        }
    );
    assert_eq!(
        config.printer,
        PrinterConfig::Serial {
            device: PathBuf::from("/dev/ttyUSB0"),
            baud: 115_200,
            paper_width_mm: 80,
            flow_control: FlowControl::None,
            status_timeout_ms: 1000,
            write_timeout_ms: 5000,
        }
    );
}

#[test]
fn real_devices_that_exist_are_accepted() {
    let text = edited("backend = \"replay\"", "backend = \"v4l2\"")
        .replace(
            "path = \".\"",
            "device = \"/dev/null\"\nwidth = 640\nheight = 480\nfps = 15",
        )
        .replace(
            "backend = \"file\"\npath = \"receipts.escpos\"",
            "backend = \"serial\"\ndevice = \"/dev/null\"\npaper_width_mm = 58\n\
             flow_control = \"hardware\"\nstatus_timeout_ms = 400\nwrite_timeout_ms = 2000",
        );
    let config = parse(&text).unwrap_or_else(|error| panic!("{error}"));
    assert_eq!(
        config.printer,
        PrinterConfig::Serial {
            device: PathBuf::from("/dev/null"),
            baud: 115_200,
            paper_width_mm: 58,
            flow_control: FlowControl::Hardware,
            status_timeout_ms: 400,
            write_timeout_ms: 2000,
        }
    );
}

#[test]
fn an_unknown_variant_names_file_position_key_value_and_choices() {
    let message = error_for(&edited("mode", "mode = \"shop\""));
    assert_eq!(
        message,
        r#"config.toml:2:8: mode = "shop": unknown variant, expected "onestop" or "hospital""#
    );
}

#[test]
fn an_unknown_key_points_at_the_key_and_lists_the_allowed_ones() {
    let message = error_for(&edited("path = \".\"", "path = \".\"\ncolour = \"red\""));
    assert_contains_all(
        &message,
        &[
            "config.toml:10:1: camera.colour = \"red\"",
            "unknown key for backend = \"replay\"",
            "\"path\"",
            "\"fps\"",
        ],
    );
    let message = error_for(&format!("colour = 1\n{VALID}"));
    assert_contains_all(
        &message,
        &["config.toml:1:1: colour = 1: unknown key", "\"kiosk_id\""],
    );
}

#[test]
fn an_unknown_backend_lists_the_backends() {
    let message = error_for(&edited("backend = \"replay\"", "backend = \"usb\""));
    assert_contains_all(
        &message,
        &[
            "config.toml:8:11: camera.backend = \"usb\"",
            "\"replay\" or \"v4l2\"",
        ],
    );
    let message = error_for(&edited("backend = \"replay\"", ""));
    assert_contains_all(
        &message,
        &["camera.backend: missing", "\"replay\" or \"v4l2\""],
    );
}

#[test]
fn numbers_out_of_range_name_the_range() {
    let message = error_for(&format!("idle_timeout_secs = 5\n{VALID}"));
    assert_contains_all(
        &message,
        &["config.toml:1:21: idle_timeout_secs = 5", "15 to 600"],
    );
    let message = error_for(&format!("idle_timeout_secs = -5\n{VALID}"));
    assert_contains_all(
        &message,
        &[
            "idle_timeout_secs = -5",
            "invalid value",
            "whole number from 0",
        ],
    );
    let message = error_for(&edited("path = \".\"", "path = \".\"\nfps = 0"));
    assert_contains_all(&message, &["camera.fps = 0", "more than 0 and at most 120"]);
    let message = error_for(&format!("{VALID}request_timeout_secs = 600\n"));
    assert_contains_all(
        &message,
        &["backend.request_timeout_secs = 600", "1 to 120"],
    );
}

#[test]
fn a_wrong_type_names_the_type_expected() {
    let message = error_for(&edited("path = \".\"", "path = \".\"\nfps = \"fast\""));
    assert_contains_all(
        &message,
        &["camera.fps = \"fast\"", "wrong type, expected a number"],
    );
    let message = error_for(&edited("mode", "mode = 5"));
    assert_contains_all(
        &message,
        &["mode = 5: wrong type", "\"onestop\" or \"hospital\""],
    );
    let no_camera_table = VALID.replace("[camera]\nbackend = \"replay\"\npath = \".\"\n", "");
    let message = error_for(&format!("camera = 3\n{no_camera_table}"));
    assert_contains_all(
        &message,
        &["config.toml:1:10: camera = 3: wrong type", "backend"],
    );
}

#[test]
fn a_multi_line_value_is_shown_on_one_line() {
    let message = error_for(&edited("kiosk_id", "kiosk_id = [\n  \"a\",\n  \"b\",\n]"));
    assert_contains_all(&message, &["kiosk_id = [ \"a\", \"b\", ]", "wrong type"]);
}

#[test]
fn a_missing_required_key_is_named_with_its_table() {
    let message = error_for(&edited("kiosk_id", ""));
    assert_eq!(message, "config.toml: kiosk_id: missing, required");
    let message = error_for(&with_v4l2_camera("device = \"/dev/null\"\nwidth = 640"));
    assert_eq!(
        message,
        "config.toml:7:2: camera.height: missing, required for backend = \"v4l2\""
    );
}

/// `VALID` with a V4L2 camera whose section holds `keys` (from line 9 on).
fn with_v4l2_camera(keys: &str) -> String {
    VALID.replace(
        "backend = \"replay\"\npath = \".\"",
        &format!("backend = \"v4l2\"\n{keys}"),
    )
}

const SIZE_AND_RATE: &str = "width = 1280\nheight = 720\nfps = 30";

#[test]
fn a_v4l2_camera_is_chosen_by_device_or_by_name() {
    let by_device = parse(&with_v4l2_camera(&format!(
        "device = \"/dev/null\"\n{SIZE_AND_RATE}"
    )))
    .unwrap_or_else(|error| panic!("{error}"));
    assert_eq!(
        by_device.camera,
        CameraConfig::V4l2 {
            device: Some(PathBuf::from("/dev/null")),
            name: None,
            format: CameraEncoding::Auto,
            width: 1280,
            height: 720,
            fps: 30
        }
    );
    // A name is matched against the cameras when the kiosk starts, so loading with devices
    // checked accepts it on a machine without that camera.
    let by_name = parse(&with_v4l2_camera(&format!(
        "name = \"HD USB Camera\"\nformat = \"yuyv\"\n{SIZE_AND_RATE}"
    )))
    .unwrap_or_else(|error| panic!("{error}"));
    assert_eq!(
        by_name.camera,
        CameraConfig::V4l2 {
            device: None,
            name: Some("HD USB Camera".to_owned()),
            format: CameraEncoding::Yuyv,
            width: 1280,
            height: 720,
            fps: 30
        }
    );
}

#[test]
fn a_v4l2_camera_needs_exactly_one_of_device_and_name() {
    let both = with_v4l2_camera(&format!(
        "device = \"/dev/null\"\nname = \"HD USB Camera\"\n{SIZE_AND_RATE}"
    ));
    assert_eq!(
        error_for(&both),
        "config.toml:10:8: camera.name = \"HD USB Camera\": given together with device; \
         expected either device or name, not both"
    );
    let neither = with_v4l2_camera(SIZE_AND_RATE);
    assert_eq!(
        error_for(&neither),
        "config.toml:7:2: camera.device: missing, required for backend = \"v4l2\" unless name \
         is given; expected a device node such as \"/dev/video0\""
    );
    let empty = with_v4l2_camera(&format!("name = \" \"\n{SIZE_AND_RATE}"));
    assert_contains_all(
        &error_for(&empty),
        &[
            "config.toml:9:8: camera.name = \" \": must not be empty",
            "v4l2-ctl --list-devices",
        ],
    );
    let missing = with_v4l2_camera(&format!(
        "device = \"/dev/video-kiosk-absent\"\n{SIZE_AND_RATE}"
    ));
    assert_contains_all(
        &error_for(&missing),
        &["config.toml:9:10: camera.device = \"/dev/video-kiosk-absent\": no such device"],
    );
}

#[test]
fn the_camera_format_is_one_of_three_words() {
    for (word, encoding) in [
        ("auto", CameraEncoding::Auto),
        ("mjpeg", CameraEncoding::Mjpeg),
        ("yuyv", CameraEncoding::Yuyv),
    ] {
        let text = with_v4l2_camera(&format!(
            "name = \"Cam\"\nformat = \"{word}\"\n{SIZE_AND_RATE}"
        ));
        let config = parse(&text).unwrap_or_else(|error| panic!("{error}"));
        let CameraConfig::V4l2 { format, .. } = config.camera else {
            panic!("{:?}", config.camera);
        };
        assert_eq!(format, encoding);
    }
    let unknown = with_v4l2_camera(&format!(
        "name = \"Cam\"\nformat = \"h264\"\n{SIZE_AND_RATE}"
    ));
    assert_eq!(
        error_for(&unknown),
        r#"config.toml:10:10: camera.format = "h264": unknown variant, expected one of "auto", "mjpeg", "yuyv""#
    );
    let number = with_v4l2_camera(&format!("name = \"Cam\"\nformat = 5\n{SIZE_AND_RATE}"));
    assert_eq!(
        error_for(&number),
        r#"config.toml:10:10: camera.format = 5: wrong type, expected one of "auto", "mjpeg", "yuyv""#
    );
}

#[test]
fn the_mode_requires_its_back_end_url() {
    let message = error_for(&edited(
        "onestop_url",
        "his_url = \"https://his.example.vn\"",
    ));
    assert_contains_all(
        &message,
        &[
            "backend.onestop_url: missing",
            "mode = \"onestop\"",
            "http://",
        ],
    );
    let hospital = edited("mode", "mode = \"hospital\"");
    assert_contains_all(&error_for(&hospital), &["backend.his_url: missing"]);
}

#[test]
fn bad_urls_are_refused_with_the_rule() {
    for url in [
        "ftp://example.vn",
        "http://",
        "https:///path",
        "dichvucong.example.gov.vn",
        "https://user:secret@example.vn",
        "http://example.vn:99999",
        "http://exa mple.vn",
        "http://a:b:80/",
        "http://[example.vn]/",
    ] {
        let message = error_for(&edited("onestop_url", &format!("onestop_url = \"{url}\"")));
        assert_contains_all(&message, &[&format!("backend.onestop_url = \"{url}\"")]);
        assert!(
            message.contains("http://") || message.contains("port"),
            "{message}"
        );
    }
    for url in [
        "https://dichvucong.example.gov.vn/api",
        "http://127.0.0.1:8750",
        "HTTPS://HIS.example.vn:8443/fhir?x=1",
        "http://[::1]:8750/",
    ] {
        assert_eq!(check_url(url), Ok(()), "{url}");
    }
}

#[test]
fn missing_devices_are_named_unless_skipped() {
    let serial = edited("backend = \"file\"", "backend = \"serial\"").replace(
        "path = \"receipts.escpos\"",
        "device = \"/dev/ttyUSB9-absent\"",
    );
    let message = error_for(&serial);
    assert_contains_all(
        &message,
        &["config.toml:13:10: printer.device = \"/dev/ttyUSB9-absent\": no such device"],
    );
    assert!(from_toml_str_with(&serial, Path::new("config.toml"), DeviceCheck::Skip).is_ok());

    let message = error_for(&edited("path = \".\"", "path = \"no-such-folder/frames\""));
    assert_contains_all(
        &message,
        &["camera.path = \"no-such-folder/frames\"", "no such file"],
    );

    let message = error_for(&edited(
        "path = \"receipts",
        "path = \"no-such-folder/r.bin\"",
    ));
    assert_contains_all(
        &message,
        &["printer.path = \"no-such-folder/r.bin\"", "no such folder"],
    );

    let not_a_device = serial.replace("/dev/ttyUSB9-absent", "Cargo.toml");
    assert_contains_all(
        &error_for(&not_a_device),
        &["printer.device", "is not a device"],
    );
}

#[test]
fn a_bad_kiosk_id_states_the_rule() {
    let message = error_for(&edited("kiosk_id", "kiosk_id = \"quầy 3\""));
    assert_contains_all(&message, &["kiosk_id = \"quầy 3\"", "1 to 64 characters"]);
    let long = "k".repeat(65);
    assert_contains_all(
        &error_for(&edited("kiosk_id", &format!("kiosk_id = \"{long}\""))),
        &["…"],
    );
}

#[test]
fn other_enumerated_values_are_checked() {
    let serial = edited("backend = \"file\"", "backend = \"serial\"").replace(
        "path = \"receipts.escpos\"",
        "device = \"/dev/null\"\nbaud = 1234",
    );
    assert_contains_all(&error_for(&serial), &["printer.baud = 1234", "115200"]);
    let paper = serial.replace("baud = 1234", "paper_width_mm = 57");
    assert_contains_all(
        &error_for(&paper),
        &["printer.paper_width_mm = 57", "58 or 80"],
    );
    let flow = serial.replace("baud = 1234", "flow_control = \"rts\"");
    assert_contains_all(
        &error_for(&flow),
        &[
            "printer.flow_control = \"rts\"",
            "\"none\", \"hardware\", \"software\"",
        ],
    );
    let slow = serial.replace("baud = 1234", "status_timeout_ms = 20000");
    assert_contains_all(
        &error_for(&slow),
        &["printer.status_timeout_ms = 20000", "50 to 10000"],
    );
    let stuck = serial.replace("baud = 1234", "write_timeout_ms = 0");
    assert_contains_all(
        &error_for(&stuck),
        &["printer.write_timeout_ms = 0", "100 to 60000"],
    );
    let file_paper = edited(
        "backend = \"file\"",
        "backend = \"file\"\npaper_width_mm = 100",
    );
    assert_contains_all(
        &error_for(&file_paper),
        &["printer.paper_width_mm = 100", "58 or 80"],
    );
    let language = edited("mode", "mode = \"onestop\"\nlanguage = \"fr\"");
    assert_contains_all(
        &error_for(&language),
        &["language = \"fr\"", "\"vi\" or \"en\""],
    );
}

#[test]
fn the_language_is_a_ui_language_code() {
    let english = edited("mode", "mode = \"onestop\"\nlanguage = \"en\"");
    let config = parse(&english).unwrap_or_else(|error| panic!("{error}"));
    assert_eq!(config.language, Language::English);
    let message = error_for(&edited("mode", "mode = \"onestop\"\nlanguage = \"fr\""));
    assert_eq!(
        message,
        r#"config.toml:3:12: language = "fr": unknown variant, expected "vi" or "en""#
    );
    let message = error_for(&edited("mode", "mode = \"onestop\"\nlanguage = 5"));
    assert_eq!(
        message,
        r#"config.toml:3:12: language = 5: wrong type, expected "vi" or "en""#
    );
    for code in LANGUAGE_CODES {
        assert_eq!(code.parse::<Language>().map(Language::code), Ok(*code));
    }
}

#[test]
fn syntax_errors_have_a_position_and_one_line() {
    let message = error_for(&edited("mode", "mode = "));
    assert!(message.starts_with("config.toml:2:"), "{message}");
    let message = error_for("kiosk_id = \"unterminated\n");
    assert!(message.starts_with("config.toml:1:"), "{message}");
}

#[test]
fn unreadable_files_name_the_file_and_the_reason() {
    let folder = tempfile::tempdir().expect("tempdir");
    let missing = folder.path().join("config.toml");
    let message = load(&missing).expect_err("missing").to_string();
    assert_eq!(
        message,
        format!(
            "{}: cannot read: No such file or directory (os error 2)",
            missing.display()
        )
    );
    let message = load(folder.path()).expect_err("a folder").to_string();
    assert_contains_all(
        &message,
        &[&format!("{}: cannot read: ", folder.path().display())],
    );
}

#[test]
fn no_input_makes_the_loader_panic_or_print_several_lines() {
    // Every prefix of a valid file, and every prefix with a stray quote appended, covers
    // cut-off keys, values, strings and table headers.
    let full = fs::read_to_string(repository_file("config/kiosk.example.toml")).expect("read");
    for (end, _) in full.char_indices() {
        for text in [full[..end].to_owned(), format!("{}\"\n", &full[..end])] {
            let result = from_toml_str_with(&text, Path::new("k.toml"), DeviceCheck::Skip);
            if let Err(error) = result {
                let message = error.to_string();
                assert!(!message.contains(['\n', '\r']), "{message}");
                assert!(message.starts_with("k.toml"), "{message}");
            }
        }
    }
}
