//! Saving a widget's data (CSV, JSON) or a picture of it (PNG): through the native save dialog
//! (rfd, on a thread of its own so the window keeps drawing) when one can be shown, else straight
//! into the export directory under a name that does not overwrite anything, saying why.
//!
//! On Linux and the BSDs rfd shows its dialog through the desktop portal
//! (`org.freedesktop.portal.FileChooser` on the D-Bus session bus), else through `zenity`; with
//! neither it returns at once as if the user had cancelled. So before showing a dialog the viewer
//! asks the session bus whether the portal's file chooser is there ([`dialog_unavailable`]).

use std::path::{Path, PathBuf};

use crossbeam_channel::Sender;

use super::options::ViewerOptions;

/// How an export ended; shown in the header.
#[derive(Debug, Clone, PartialEq)]
pub enum Saved {
    /// Written to this file, where the user chose in the dialog.
    Written(PathBuf),
    /// Written into the export directory because no dialog could be shown (the reason).
    WrittenWithoutDialog(PathBuf, String),
    /// The user closed the dialog.
    Cancelled,
    /// Could not be written.
    Failed(String),
}

/// Why rfd cannot show a save dialog with the session bus at `bus_address` and the program
/// search path `search_path` (as `PATH`), or `None` when it can: a portal with a file chooser
/// answers on the bus, or `zenity` is on the path.
#[cfg(all(unix, not(target_os = "macos")))]
pub fn dialog_unavailable(
    bus_address: Option<&str>,
    search_path: Option<&std::ffi::OsStr>,
) -> Option<String> {
    if search_path
        .is_some_and(|path| std::env::split_paths(path).any(|dir| dir.join("zenity").is_file()))
    {
        return None;
    }
    let Some(address) = bus_address.filter(|a| !a.is_empty()) else {
        return Some("no D-Bus session bus (DBUS_SESSION_BUS_ADDRESS is not set)".to_owned());
    };
    portal_file_chooser(address)
        .err()
        .map(|reason| format!("no desktop portal file chooser ({reason})"))
}

/// Native dialogs are always there on macOS and Windows.
#[cfg(not(all(unix, not(target_os = "macos"))))]
pub fn dialog_unavailable(
    _bus_address: Option<&str>,
    _search_path: Option<&std::ffi::OsStr>,
) -> Option<String> {
    None
}

/// Ask the portal for its file chooser's version: an error unless the portal service exists
/// (it may be started on demand) and has a file-chooser backend.
#[cfg(all(unix, not(target_os = "macos")))]
fn portal_file_chooser(address: &str) -> Result<(), String> {
    let connection = zbus::blocking::connection::Builder::address(address)
        .and_then(|builder| {
            builder
                .method_timeout(std::time::Duration::from_secs(20))
                .build()
        })
        .map_err(|err| err.to_string())?;
    connection
        .call_method(
            Some("org.freedesktop.portal.Desktop"),
            "/org/freedesktop/portal/desktop",
            Some("org.freedesktop.DBus.Properties"),
            "Get",
            &("org.freedesktop.portal.FileChooser", "version"),
        )
        .map(|_| ())
        .map_err(|err| err.to_string())
}

/// [`dialog_unavailable`] for this process's session bus and `PATH`, asked at each export (a
/// few milliseconds; a portal installed meanwhile is found).
fn dialog_unavailable_here() -> Option<String> {
    let address = std::env::var("DBUS_SESSION_BUS_ADDRESS").ok();
    dialog_unavailable(address.as_deref(), std::env::var_os("PATH").as_deref())
}

/// Save `bytes` as `name`: ask where with a dialog when `options.dialogs` and one can be shown,
/// else write into the export directory. The outcome arrives on `saved`; `ctx` is asked to
/// repaint then.
pub fn save(
    options: &ViewerOptions,
    saved: &Sender<Saved>,
    ctx: &egui::Context,
    name: String,
    bytes: Vec<u8>,
) {
    if !options.dialogs {
        let _ = saved.send(write_unique(&options.export_dir, &name, &bytes));
        ctx.request_repaint();
        return;
    }
    let failed = (saved.clone(), ctx.clone());
    let (saved, ctx, dir) = (saved.clone(), ctx.clone(), options.export_dir.clone());
    let spawned = std::thread::Builder::new()
        .name("streamviz-save".into())
        .spawn(move || {
            let outcome = match dialog_unavailable_here() {
                None => save_with_dialog(&dir, &name, &bytes),
                Some(reason) => match write_unique(&dir, &name, &bytes) {
                    Saved::Written(path) => Saved::WrittenWithoutDialog(path, reason),
                    other => other,
                },
            };
            let _ = saved.send(outcome);
            ctx.request_repaint();
        });
    if let Err(err) = spawned {
        let _ = failed
            .0
            .send(Saved::Failed(format!("cannot start a thread: {err}")));
        failed.1.request_repaint();
    }
}

fn save_with_dialog(dir: &Path, name: &str, bytes: &[u8]) -> Saved {
    let extension = Path::new(name)
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or("");
    let chosen = rfd::FileDialog::new()
        .set_title(format!("Export {name}"))
        .set_directory(dir)
        .set_file_name(name)
        .add_filter(extension.to_uppercase(), &[extension])
        .save_file();
    match chosen {
        Some(path) => match std::fs::write(&path, bytes) {
            Ok(()) => Saved::Written(path),
            Err(err) => Saved::Failed(format!("{}: {err}", path.display())),
        },
        None => Saved::Cancelled,
    }
}

/// Write `bytes` into `dir` as `name`, or `stem-2.ext`, `stem-3.ext`, … if taken.
pub fn write_unique(dir: &Path, name: &str, bytes: &[u8]) -> Saved {
    let path = Path::new(name);
    let stem = path
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or("export");
    let extension = path.extension().and_then(|e| e.to_str()).unwrap_or("");
    for n in 1..10_000 {
        let file = if n == 1 {
            name.to_owned()
        } else {
            format!("{stem}-{n}.{extension}")
        };
        let candidate = dir.join(file);
        match std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&candidate)
        {
            Ok(mut out) => {
                return match std::io::Write::write_all(&mut out, bytes) {
                    Ok(()) => Saved::Written(candidate),
                    Err(err) => Saved::Failed(format!("{}: {err}", candidate.display())),
                };
            }
            Err(err) if err.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(err) => return Saved::Failed(format!("{}: {err}", candidate.display())),
        }
    }
    Saved::Failed(format!("{}: too many files named {name}", dir.display()))
}

/// The part of a screenshot under `rect` (in points) as PNG bytes.
pub fn png_of_region(
    image: &egui::ColorImage,
    rect: egui::Rect,
    pixels_per_point: f32,
) -> Result<Vec<u8>, String> {
    let [width, height] = image.size;
    let x0 = ((rect.left() * pixels_per_point).floor().max(0.0) as usize).min(width);
    let y0 = ((rect.top() * pixels_per_point).floor().max(0.0) as usize).min(height);
    let x1 = ((rect.right() * pixels_per_point).ceil().max(0.0) as usize).min(width);
    let y1 = ((rect.bottom() * pixels_per_point).ceil().max(0.0) as usize).min(height);
    if x1 <= x0 || y1 <= y0 {
        return Err("the widget is not on screen".to_owned());
    }
    let mut rgba = Vec::with_capacity((x1 - x0) * (y1 - y0) * 4);
    for y in y0..y1 {
        for pixel in &image.pixels[y * width + x0..y * width + x1] {
            rgba.extend_from_slice(&pixel.to_srgba_unmultiplied());
        }
    }
    let mut png = Vec::new();
    {
        let mut encoder = png::Encoder::new(&mut png, (x1 - x0) as u32, (y1 - y0) as u32);
        encoder.set_color(png::ColorType::Rgba);
        encoder.set_depth(png::BitDepth::Eight);
        let mut writer = encoder.write_header().map_err(|e| e.to_string())?;
        writer.write_image_data(&rgba).map_err(|e| e.to_string())?;
    }
    Ok(png)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exports_never_overwrite_and_a_region_becomes_a_png() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(
            write_unique(dir.path(), "cpu.csv", b"a"),
            Saved::Written(dir.path().join("cpu.csv"))
        );
        assert_eq!(
            write_unique(dir.path(), "cpu.csv", b"b"),
            Saved::Written(dir.path().join("cpu-2.csv"))
        );
        assert_eq!(std::fs::read(dir.path().join("cpu.csv")).unwrap(), b"a");
        assert!(matches!(
            write_unique(&dir.path().join("missing"), "x.csv", b""),
            Saved::Failed(_)
        ));

        let mut image = egui::ColorImage::filled([40, 20], egui::Color32::BLACK);
        image.pixels[5 * 40 + 10] = egui::Color32::RED;
        let rect = egui::Rect::from_min_max(egui::pos2(5.0, 2.5), egui::pos2(10.0, 5.0));
        let png = png_of_region(&image, rect, 2.0).unwrap();
        let decoder = png::Decoder::new(std::io::Cursor::new(png));
        let mut reader = decoder.read_info().unwrap();
        let mut buffer = vec![0; reader.output_buffer_size().unwrap()];
        let info = reader.next_frame(&mut buffer).unwrap();
        assert_eq!((info.width, info.height), (10, 5));
        assert_eq!(
            &buffer[0..4],
            &[255, 0, 0, 255],
            "the red pixel is the region's first"
        );
        assert!(png_of_region(
            &image,
            egui::Rect::from_min_max(egui::pos2(30.0, 30.0), egui::pos2(40.0, 40.0)),
            1.0
        )
        .is_err());
    }
}
