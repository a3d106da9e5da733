//! The checks every declaration shares: ids, labels and option strings, CSS colours, finite
//! numbers, ring capacities, container ids and text sizes. Widget specs, layout containers,
//! themes and dashboard settings all validate with these, so one input gets one rule everywhere.

use super::error::{invalid_option, EngineError, EngineResult};
use super::limits::{MAX_CAPACITY_POINTS, MAX_ID_BYTES, MAX_LABEL_BYTES, MAX_TEXT_BYTES};

/// Longest container id, in bytes (ids are derived from the nesting of `with` blocks).
pub const MAX_CONTAINER_ID_BYTES: usize = 512;

/// Check that `id` is a usable widget id: 1 to 64 bytes of `[A-Za-z0-9_.-]`, so it can stand in a
/// URL path (`/embed/{id}`) unescaped.
pub fn validate_id(id: &str) -> EngineResult<()> {
    let fail = |reason: &str| {
        Err(EngineError::InvalidId {
            id: id.chars().take(80).collect(),
            reason: reason.to_owned(),
        })
    };
    if id.is_empty() {
        return fail("it is empty");
    }
    if id.len() > MAX_ID_BYTES {
        return fail(&format!("it is longer than {MAX_ID_BYTES} bytes"));
    }
    if !id
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.'))
    {
        return fail("only letters, digits, '_', '-' and '.' are allowed");
    }
    if id == "." || id == ".." {
        return fail("'.' and '..' are not ids");
    }
    Ok(())
}

pub(super) fn check_label(option: &str, value: &Option<String>) -> EngineResult<()> {
    if let Some(text) = value {
        check_str(option, text, MAX_LABEL_BYTES)?;
    }
    Ok(())
}

pub(super) fn check_str(option: &str, text: &str, max_bytes: usize) -> EngineResult<()> {
    if text.len() > max_bytes {
        return Err(invalid_option(
            option,
            format!("longer than {max_bytes} bytes"),
        ));
    }
    Ok(())
}

/// Check a CSS colour: a name, `#rgb`/`#rrggbb`/`#rrggbbaa`, or `rgb(...)`/`rgba(...)`/`hsl(...)`.
/// Only characters that cannot escape a CSS value are allowed.
pub fn validate_color(option: &str, color: &str) -> EngineResult<()> {
    let allowed =
        |c: char| c.is_ascii_alphanumeric() || matches!(c, '#' | '(' | ')' | ',' | '.' | '%' | ' ');
    if color.is_empty() || color.len() > 64 || !color.chars().all(allowed) {
        return Err(invalid_option(
            option,
            format!(
                "{color:?} is not a CSS colour (e.g. \"red\", \"#00d4ff\", \"rgb(0,212,255)\")"
            ),
        ));
    }
    if let Some(hex) = color.strip_prefix('#') {
        if !matches!(hex.len(), 3 | 4 | 6 | 8) || !hex.chars().all(|c| c.is_ascii_hexdigit()) {
            return Err(invalid_option(
                option,
                format!("{color:?} is not a hex colour"),
            ));
        }
    }
    Ok(())
}

pub(super) fn check_color(option: &str, color: &Option<String>) -> EngineResult<()> {
    match color {
        Some(color) => validate_color(option, color),
        None => Ok(()),
    }
}

pub(super) fn check_finite(option: &str, value: Option<f64>) -> EngineResult<()> {
    match value {
        Some(v) if !v.is_finite() => Err(invalid_option(option, "must be a finite number")),
        _ => Ok(()),
    }
}

pub(super) fn check_capacity(option: &str, capacity: Option<usize>) -> EngineResult<()> {
    match capacity {
        Some(0) => Err(invalid_option(option, "must be at least 1")),
        Some(n) if n > MAX_CAPACITY_POINTS => Err(invalid_option(
            option,
            format!("{n} is more than the limit of {MAX_CAPACITY_POINTS}"),
        )),
        _ => Ok(()),
    }
}

pub(super) fn check_format(format: &Option<String>) -> EngineResult<()> {
    if let Some(format) = format {
        check_str("format", format, 32)?;
    }
    Ok(())
}

pub(super) fn check_labels(option: &str, labels: &[String], max: usize) -> EngineResult<()> {
    if labels.len() > max {
        return Err(invalid_option(option, format!("at most {max} entries")));
    }
    for label in labels {
        check_str(option, label, MAX_LABEL_BYTES)?;
    }
    Ok(())
}

/// Check that text content fits [`MAX_TEXT_BYTES`].
pub fn validate_text(widget: &str, text: &str) -> EngineResult<()> {
    if text.len() > MAX_TEXT_BYTES {
        return Err(EngineError::TooLarge(format!(
            "text for {widget:?} is {} bytes; the limit is {MAX_TEXT_BYTES}",
            text.len()
        )));
    }
    Ok(())
}

/// Check a container id (a widget's `parent`, a container's own): 1 to
/// [`MAX_CONTAINER_ID_BYTES`] bytes without control characters.
pub fn check_container_id(id: &str) -> EngineResult<()> {
    if id.is_empty() || id.len() > MAX_CONTAINER_ID_BYTES || id.chars().any(char::is_control) {
        return Err(EngineError::Layout(format!(
            "container id {:?} must be 1 to {MAX_CONTAINER_ID_BYTES} bytes without control characters",
            id.chars().take(80).collect::<String>()
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_must_be_url_safe_and_bounded() {
        assert!(validate_id("cpu.load_1-m").is_ok());
        for bad in ["", "a b", "a/b", "ü", "..", &"x".repeat(65)] {
            assert!(
                matches!(validate_id(bad), Err(EngineError::InvalidId { .. })),
                "{bad:?}"
            );
        }
    }
}
