//! The engine's theme as egui colours and visuals, and the number and time formats the browser
//! dashboard uses, so both viewers read the same.

use chrono::{Local, TimeZone};
use egui::{Color32, CornerRadius, Stroke, Visuals};

use crate::engine::{Theme, ThemeBase};

/// A theme's colours, resolved once per configuration change.
#[derive(Debug, Clone, PartialEq)]
pub struct Palette {
    /// Dark or light base.
    pub dark: bool,
    /// Page background.
    pub background: Color32,
    /// Card background.
    pub surface: Color32,
    /// Card borders and grid lines.
    pub border: Color32,
    /// Accent and first series.
    pub primary: Color32,
    /// Second series.
    pub secondary: Color32,
    /// Good.
    pub success: Color32,
    /// Warning level.
    pub warning: Color32,
    /// Critical level.
    pub error: Color32,
    /// Text.
    pub text: Color32,
    /// Secondary text.
    pub text_muted: Color32,
}

impl Palette {
    /// The palette of `theme`; a colour egui cannot read (which the engine's validation makes
    /// rare, e.g. `hsl()` with odd units) falls back to the base theme's.
    pub fn from_theme(theme: &Theme) -> Self {
        let base = match theme.base {
            ThemeBase::Dark => Theme::dark(),
            ThemeBase::Light => Theme::light(),
        };
        let pick = |value: &str, fallback: &str| {
            parse_color(value)
                .or_else(|| parse_color(fallback))
                .unwrap_or(Color32::GRAY)
        };
        Self {
            dark: theme.base == ThemeBase::Dark,
            background: pick(&theme.background, &base.background),
            surface: pick(&theme.surface, &base.surface),
            border: pick(&theme.border, &base.border),
            primary: pick(&theme.primary, &base.primary),
            secondary: pick(&theme.secondary, &base.secondary),
            success: pick(&theme.success, &base.success),
            warning: pick(&theme.warning, &base.warning),
            error: pick(&theme.error, &base.error),
            text: pick(&theme.text, &base.text),
            text_muted: pick(&theme.text_muted, &base.text_muted),
        }
    }

    /// Series colours in order: primary, secondary, success, warning, error, then egui's
    /// automatic hues.
    pub fn series_color(&self, index: usize) -> Color32 {
        let fixed = [
            self.primary,
            self.secondary,
            self.success,
            self.warning,
            self.error,
        ];
        fixed.get(index).copied().unwrap_or_else(|| {
            let hue = (index as f32 * 0.618_034).fract();
            egui::ecolor::Hsva::new(hue, 0.7, if self.dark { 0.9 } else { 0.6 }, 1.0).into()
        })
    }

    /// egui visuals painted with this palette.
    pub fn visuals(&self) -> Visuals {
        let mut visuals = if self.dark {
            Visuals::dark()
        } else {
            Visuals::light()
        };
        visuals.panel_fill = self.background;
        visuals.window_fill = self.surface;
        visuals.extreme_bg_color = self.background;
        visuals.faint_bg_color = blend(self.surface, self.border, 0.35);
        visuals.hyperlink_color = self.primary;
        visuals.warn_fg_color = self.warning;
        visuals.error_fg_color = self.error;
        visuals.selection.bg_fill = self.primary.gamma_multiply(0.45);
        visuals.selection.stroke = Stroke::new(1.0, self.primary);
        visuals.window_stroke = Stroke::new(1.0, self.border);
        visuals.widgets.noninteractive.bg_fill = self.surface;
        visuals.widgets.noninteractive.bg_stroke = Stroke::new(1.0, self.border);
        visuals.widgets.noninteractive.fg_stroke = Stroke::new(1.0, self.text);
        visuals.widgets.inactive.fg_stroke = Stroke::new(1.0, self.text);
        visuals.widgets.hovered.fg_stroke = Stroke::new(1.5, self.text);
        // Strong text stands out from the body text in either direction.
        visuals.widgets.active.fg_stroke = Stroke::new(
            2.0,
            if self.dark {
                Color32::WHITE
            } else {
                Color32::BLACK
            },
        );
        for state in [
            &mut visuals.widgets.inactive,
            &mut visuals.widgets.hovered,
            &mut visuals.widgets.active,
            &mut visuals.widgets.open,
        ] {
            state.corner_radius = CornerRadius::same(4);
        }
        visuals.widgets.inactive.weak_bg_fill = blend(self.surface, self.border, 0.6);
        visuals.widgets.inactive.bg_fill = blend(self.surface, self.border, 0.6);
        visuals.widgets.hovered.weak_bg_fill = self.border;
        visuals.widgets.hovered.bg_fill = self.border;
        visuals
    }
}

/// A CSS colour (name, hex, `rgb()`, `hsl()`, …) as egui's; `None` when it cannot be read.
pub fn parse_color(css: &str) -> Option<Color32> {
    let color = csscolorparser::parse(css).ok()?;
    let [r, g, b, a] = color.to_rgba8();
    Some(Color32::from_rgba_unmultiplied(r, g, b, a))
}

/// `a` moved a fraction `t` of the way to `b`.
pub fn blend(a: Color32, b: Color32, t: f32) -> Color32 {
    let mix = |x: u8, y: u8| (f32::from(x) + (f32::from(y) - f32::from(x)) * t).round() as u8;
    Color32::from_rgba_unmultiplied(
        mix(a.r(), b.r()),
        mix(a.g(), b.g()),
        mix(a.b(), b.b()),
        mix(a.a(), b.a()),
    )
}

/// Decimals shown of a number of this size without a format (the browser's `sizeDigits`): none
/// from 1,000, one from 100, two from 1, and below 1 at least four and enough for three
/// significant digits (0.000123).
fn size_digits(abs: f64) -> usize {
    if abs >= 1000.0 {
        0
    } else if abs >= 100.0 {
        1
    } else if abs >= 1.0 {
        2
    } else if abs > 0.0 {
        ((-abs.log10()).ceil() as usize + 2).clamp(4, 12)
    } else {
        4
    }
}

/// A number as the browser shows it: `format` is the d3-style subset `[,][.N][f|d|%]`
/// (grouping, fixed decimals, integer, percent); without one, decimals by magnitude
/// ([`size_digits`]).
pub fn format_number(value: f64, format: Option<&str>) -> String {
    if !value.is_finite() {
        return "–".to_owned();
    }
    if let Some(spec) = format.and_then(parse_format) {
        let shown = if spec.percent { value * 100.0 } else { value };
        let digits = spec.digits.unwrap_or(if spec.integer { 0 } else { 6 });
        let mut text = format!("{shown:.digits$}");
        if spec.digits.is_none() && !spec.integer {
            trim_zeros(&mut text);
        }
        if spec.grouping {
            text = group_thousands(&text);
        }
        if spec.percent {
            text.push('%');
        }
        return text;
    }
    let digits = size_digits(value.abs());
    let mut text = format!("{value:.digits$}");
    trim_zeros(&mut text);
    group_thousands(&text)
}

struct FormatSpec {
    grouping: bool,
    digits: Option<usize>,
    integer: bool,
    percent: bool,
}

fn parse_format(format: &str) -> Option<FormatSpec> {
    let (grouping, rest) = match format.strip_prefix(',') {
        Some(rest) => (true, rest),
        None => (false, format),
    };
    let (rest, kind) = match rest.chars().last() {
        Some(c @ ('f' | 'd' | '%')) => (&rest[..rest.len() - 1], Some(c)),
        _ => (rest, None),
    };
    let digits = match rest.strip_prefix('.') {
        Some(n) if !n.is_empty() => Some(n.parse::<usize>().ok()?.min(20)),
        Some(_) => return None,
        None if rest.is_empty() => None,
        None => return None,
    };
    Some(FormatSpec {
        grouping,
        digits,
        integer: kind == Some('d'),
        percent: kind == Some('%'),
    })
}

fn trim_zeros(text: &mut String) {
    if text.contains('.') {
        while text.ends_with('0') {
            text.pop();
        }
        if text.ends_with('.') {
            text.pop();
        }
    }
    if text == "-0" {
        *text = "0".to_owned();
    }
}

fn group_thousands(text: &str) -> String {
    let (sign, rest) = match text.strip_prefix('-') {
        Some(rest) => ("-", rest),
        None => ("", text),
    };
    let (int, frac) = match rest.find('.') {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, ""),
    };
    let mut grouped = String::with_capacity(text.len() + int.len() / 3);
    for (i, c) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(c);
    }
    format!("{sign}{grouped}{frac}")
}

/// `HH:MM:SS` in local time.
pub fn format_time(ts_ms: f64) -> String {
    local(ts_ms).map_or_else(String::new, |t| t.format("%H:%M:%S").to_string())
}

/// `YYYY-MM-DD HH:MM:SS.mmm` in local time: the exact instant of a point.
pub fn format_exact_time(ts_ms: f64) -> String {
    local(ts_ms).map_or_else(
        || format!("{ts_ms} ms"),
        |t| t.format("%Y-%m-%d %H:%M:%S%.3f").to_string(),
    )
}

/// A table's date-time cell: epoch milliseconds or an RFC 3339 string, in local time.
pub fn format_datetime(value: &serde_json::Value) -> String {
    match value {
        serde_json::Value::Number(n) => n.as_f64().and_then(local).map_or_else(
            || n.to_string(),
            |t| t.format("%Y-%m-%d %H:%M:%S").to_string(),
        ),
        serde_json::Value::String(s) => chrono::DateTime::parse_from_rfc3339(s).map_or_else(
            |_| s.clone(),
            |t| {
                t.with_timezone(&Local)
                    .format("%Y-%m-%d %H:%M:%S")
                    .to_string()
            },
        ),
        other => cell_text(other),
    }
}

/// A JSON value as plain cell text (strings without quotes).
/// A table cell of a column without a number type, as shown: whole numbers as they are (ids,
/// years), other numbers to a sensible precision ([`format_number`]; exports keep every
/// digit), anything else as [`cell_text`] gives it.
pub fn shown_text(value: &serde_json::Value) -> String {
    match value.as_f64() {
        Some(v) if value.is_f64() && v.fract() != 0.0 => format_number(v, None),
        _ => cell_text(value),
    }
}

/// A cell's text as it is (filtering and sorting read it).
pub fn cell_text(value: &serde_json::Value) -> String {
    match value {
        serde_json::Value::String(s) => s.clone(),
        serde_json::Value::Null => String::new(),
        other => other.to_string(),
    }
}

fn local(ts_ms: f64) -> Option<chrono::DateTime<Local>> {
    if !ts_ms.is_finite() {
        return None;
    }
    Local.timestamp_millis_opt(ts_ms.round() as i64).single()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_read_as_in_the_browser() {
        assert_eq!(format_number(1234.5678, None), "1,235");
        assert_eq!(format_number(12.3456, None), "12.35");
        assert_eq!(format_number(0.012345, None), "0.0123");
        assert_eq!(format_number(0.000123456, None), "0.000123");
        assert_eq!(format_number(-0.0000050505, None), "-0.00000505");
        assert_eq!(format_number(0.0, None), "0");
        assert_eq!(format_number(-2.0, None), "-2");
        assert_eq!(format_number(1234567.891, Some(",.2f")), "1,234,567.89");
        assert_eq!(format_number(0.256, Some(".1%")), "25.6%");
        assert_eq!(format_number(42.7, Some("d")), "43");
        assert_eq!(format_number(f64::NAN, None), "–");
        assert_eq!(shown_text(&serde_json::json!(59.159909909909906)), "59.16");
        assert_eq!(shown_text(&serde_json::json!(2026)), "2026");
        assert_eq!(shown_text(&serde_json::json!(0.000123456)), "0.000123");
        assert_eq!(shown_text(&serde_json::json!("x")), "x");
        assert_eq!(
            format_number(3.0, Some("nonsense")),
            "3",
            "an unknown format falls back"
        );
    }

    #[test]
    fn css_colours_of_every_accepted_form_parse() {
        assert_eq!(parse_color("#00d4ff"), Some(Color32::from_rgb(0, 212, 255)));
        assert_eq!(parse_color("red"), Some(Color32::from_rgb(255, 0, 0)));
        assert_eq!(
            parse_color("rgb(0, 128, 0)"),
            Some(Color32::from_rgb(0, 128, 0))
        );
        assert_eq!(parse_color("#fff"), Some(Color32::WHITE));
        assert_eq!(parse_color("nope"), None);
        let light = Palette::from_theme(&Theme::light());
        assert!(!light.dark);
        assert_eq!(light.surface, Color32::WHITE);
    }
}
