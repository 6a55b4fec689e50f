//! Finding the camera's device node, by its path or by part of its name.
//!
//! nokhwa opens a V4L2 camera by its number N, always as `/dev/videoN`, so every way of
//! naming the camera ends in such a node. A configured path is resolved through links
//! first: the stable `/dev/v4l/by-id/…-video-index0` names udev makes are links to a
//! `/dev/videoN` whose number changes with the order cameras are plugged in.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use nokhwa::utils::ApiBackend;

use super::error::{History, V4l2Error};

/// How the configuration names the camera.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CameraSelector {
    /// A device node such as `/dev/video0`, or a link to one such as
    /// `/dev/v4l/by-id/usb-…-video-index0`.
    Path(PathBuf),
    /// Part of the camera's name as the driver reports it (what `v4l2-ctl --list-devices`
    /// shows), e.g. `"HD USB Camera"`; letter case counts.
    Name(String),
}

/// A V4L2 video node, `/dev/videoN`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct VideoNode {
    /// N, which is what nokhwa opens.
    pub index: u32,
    pub path: PathBuf,
}

impl VideoNode {
    fn with_index(index: u32) -> VideoNode {
        VideoNode {
            index,
            path: PathBuf::from(format!("/dev/video{index}")),
        }
    }

    /// Whether the node is still there; an unplugged camera's node disappears.
    pub fn exists(&self) -> bool {
        self.path.exists()
    }
}

/// N for a path that is exactly `/dev/videoN`.
pub(super) fn node_index(path: &Path) -> Option<u32> {
    let digits = path
        .strip_prefix("/dev")
        .ok()?
        .to_str()?
        .strip_prefix("video")?;
    if digits.is_empty() || !digits.bytes().all(|byte| byte.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok()
}

/// The node a configured path leads to.
pub(super) fn node_at(path: &Path, device: &str, history: History) -> Result<VideoNode, V4l2Error> {
    let real = fs::canonicalize(path).map_err(|error| {
        let detail = format!("{}: {error}", path.display());
        match error.kind() {
            io::ErrorKind::NotFound => V4l2Error::gone(device, detail, history),
            io::ErrorKind::PermissionDenied => V4l2Error::PermissionDenied {
                device: device.to_owned(),
                detail,
            },
            _ => V4l2Error::Driver {
                device: device.to_owned(),
                operation: "find the device",
                detail,
            },
        }
    })?;
    let index = node_index(&real).ok_or_else(|| V4l2Error::NotAVideoNode {
        path: path.to_owned(),
    })?;
    Ok(VideoNode::with_index(index))
}

/// A camera nokhwa's query found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct FoundCamera {
    pub name: String,
    pub node: VideoNode,
}

/// Every V4L2 node nokhwa finds, in node order.
pub(super) fn list_cameras() -> Result<Vec<FoundCamera>, V4l2Error> {
    // nokhwa's query (through the v4l crate) unwraps while it parses `/dev/video*` names, so
    // an odd entry there would panic; the capture thread must survive that and report it.
    let query = std::panic::catch_unwind(|| nokhwa::query(ApiBackend::Video4Linux))
        .map_err(|_| V4l2Error::Query {
            detail: "nokhwa's device query panicked on an unexpected /dev/video* entry".to_owned(),
        })?
        .map_err(|error| V4l2Error::Query {
            detail: error.to_string(),
        })?;
    let mut cameras: Vec<FoundCamera> = query
        .iter()
        .filter_map(|info| {
            let index = info.index().as_index().ok()?;
            Some(FoundCamera {
                name: info.human_name(),
                node: VideoNode::with_index(index),
            })
        })
        .collect();
    cameras.sort_by_key(|camera| camera.node.index);
    Ok(cameras)
}

/// The nodes of the cameras whose name contains `wanted`, in node order.
///
/// A UVC camera has two nodes with the same name, the picture and a metadata stream, so
/// there can be several; the caller tries them in order (the picture node comes first).
pub(super) fn nodes_named(wanted: &str) -> Result<Vec<VideoNode>, V4l2Error> {
    let cameras = list_cameras()?;
    let matching: Vec<VideoNode> = cameras
        .iter()
        .filter(|camera| camera.name.contains(wanted))
        .map(|camera| camera.node.clone())
        .collect();
    if matching.is_empty() {
        return Err(V4l2Error::NoCameraNamed {
            name: wanted.to_owned(),
            available: cameras
                .iter()
                .map(|camera| format!("\"{}\" ({})", camera.name, camera.node.path.display()))
                .collect(),
        });
    }
    Ok(matching)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::{Error as _, ErrorKind};

    #[test]
    fn only_dev_video_with_a_number_is_a_node() {
        assert_eq!(node_index(Path::new("/dev/video0")), Some(0));
        assert_eq!(node_index(Path::new("/dev/video12")), Some(12));
        for path in [
            "/dev/video",
            "/dev/video-1",
            "/dev/videox",
            "/dev/null",
            "/dev/v4l/video0",
            "/tmp/video0",
            "video0",
        ] {
            assert_eq!(node_index(Path::new(path)), None, "{path}");
        }
    }

    #[test]
    fn an_absent_node_is_not_present_with_its_path() {
        let error = node_at(
            Path::new("/dev/video99"),
            "/dev/video99",
            History::NeverOpened,
        )
        .expect_err("absent");
        assert_eq!(error.kind(), ErrorKind::NotPresent);
        assert!(error.to_string().contains("/dev/video99"), "{error}");
        let error = node_at(Path::new("/dev/video99"), "/dev/video99", History::Opened)
            .expect_err("absent");
        assert_eq!(error.kind(), ErrorKind::Disconnected);
    }

    #[test]
    fn a_device_that_is_no_video_node_is_refused() {
        let error =
            node_at(Path::new("/dev/null"), "/dev/null", History::NeverOpened).expect_err("null");
        assert_eq!(
            error,
            V4l2Error::NotAVideoNode {
                path: "/dev/null".into()
            }
        );
        assert_eq!(error.kind(), ErrorKind::InvalidInput);
    }

    #[test]
    fn a_link_is_followed_to_its_node() {
        // A link to a file named like a node but outside /dev is not taken for /dev/videoN.
        let dir = tempfile::tempdir().expect("tempdir");
        let fake = dir.path().join("video0");
        fs::write(&fake, b"").expect("write");
        let link = dir.path().join("by-id-camera");
        std::os::unix::fs::symlink(&fake, &link).expect("symlink");
        let error = node_at(&link, "camera", History::NeverOpened).expect_err("not /dev");
        assert_eq!(error, V4l2Error::NotAVideoNode { path: link });
    }

    #[test]
    fn a_name_that_matches_nothing_lists_the_cameras() {
        let cameras = list_cameras().expect("query");
        let error = nodes_named("No Such Camera 4c1d").expect_err("no match");
        assert_eq!(error.kind(), ErrorKind::NotPresent);
        let text = error.to_string();
        assert!(text.contains("\"No Such Camera 4c1d\""), "{text}");
        if cameras.is_empty() {
            assert!(text.ends_with("cameras here: none"), "{text}");
        }
        for camera in cameras {
            assert!(text.contains(&camera.name), "{text}");
        }
    }
}
