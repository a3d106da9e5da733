//! Themes: the built-in dark and light palettes and custom ones. The engine resolves a theme to
//! its full palette, so every viewer (browser or native) draws from the same colours.

use serde::Serialize;
use serde_json::Value;

use super::error::{invalid_option, EngineResult};
use super::validate::validate_color;

/// The palette a custom theme starts from.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ThemeBase {
    /// Light text on a dark background.
    #[default]
    Dark,
    /// Dark text on a light background.
    Light,
}

/// A resolved theme: its name and every colour.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Theme {
    /// `"dark"`, `"light"` or `"custom"`.
    pub name: String,
    /// The built-in palette it starts from.
    pub base: ThemeBase,
    /// Page background.
    pub background: String,
    /// Cards, header and sidebar.
    pub surface: String,
    /// Lines between things.
    pub border: String,
    /// Main accent: lines, highlights.
    pub primary: String,
    /// Second accent.
    pub secondary: String,
    /// Good news.
    pub success: String,
    /// Warning level.
    pub warning: String,
    /// Critical level, errors.
    pub error: String,
    /// Text.
    pub text: String,
    /// Secondary text, axes.
    pub text_muted: String,
    /// CSS font family list.
    pub font_family: String,
}

/// Keys a custom theme may set.
pub const THEME_KEYS: [&str; 11] = [
    "background",
    "surface",
    "border",
    "primary",
    "secondary",
    "success",
    "warning",
    "error",
    "text",
    "text_muted",
    "font_family",
];

const DEFAULT_FONT: &str = "Inter, \"Segoe UI\", system-ui, -apple-system, sans-serif";

impl Default for Theme {
    fn default() -> Self {
        Self::dark()
    }
}

impl Theme {
    /// The built-in dark theme.
    pub fn dark() -> Self {
        Self::palette(
            "dark",
            ThemeBase::Dark,
            [
                "#0b1220", "#131c2e", "#22304a", "#00d4ff", "#a855f7", "#22c55e", "#eab308",
                "#ef4444", "#e2e8f0", "#8a99b3",
            ],
        )
    }

    /// The built-in light theme.
    pub fn light() -> Self {
        Self::palette(
            "light",
            ThemeBase::Light,
            [
                "#f4f6fa", "#ffffff", "#dde3ec", "#0077b6", "#7c3aed", "#16a34a", "#ca8a04",
                "#dc2626", "#1e293b", "#64748b",
            ],
        )
    }

    fn palette(name: &str, base: ThemeBase, c: [&str; 10]) -> Self {
        Self {
            name: name.into(),
            base,
            background: c[0].into(),
            surface: c[1].into(),
            border: c[2].into(),
            primary: c[3].into(),
            secondary: c[4].into(),
            success: c[5].into(),
            warning: c[6].into(),
            error: c[7].into(),
            text: c[8].into(),
            text_muted: c[9].into(),
            font_family: DEFAULT_FONT.into(),
        }
    }

    /// `"dark"`, `"light"`, or an object of colours (keys of [`THEME_KEYS`], plus optional
    /// `"base": "dark" | "light"`) laid over the base palette. Unknown keys, bad colours and
    /// font lists that could escape CSS are refused.
    pub fn from_json(value: &Value) -> EngineResult<Self> {
        match value {
            Value::String(name) => match name.as_str() {
                "dark" => Ok(Self::dark()),
                "light" => Ok(Self::light()),
                other => Err(invalid_option(
                    "theme",
                    format!("{other:?} is not \"dark\", \"light\" or a dict of colours"),
                )),
            },
            Value::Object(map) => {
                let base = match map.get("base").and_then(Value::as_str) {
                    None | Some("dark") => ThemeBase::Dark,
                    Some("light") => ThemeBase::Light,
                    Some(other) => {
                        return Err(invalid_option(
                            "theme.base",
                            format!("{other:?} is not \"dark\" or \"light\""),
                        ))
                    }
                };
                let mut theme = match base {
                    ThemeBase::Dark => Self::dark(),
                    ThemeBase::Light => Self::light(),
                };
                theme.name = "custom".into();
                for (key, value) in map {
                    if key == "base" || key == "name" {
                        continue;
                    }
                    let Some(text) = value.as_str() else {
                        return Err(invalid_option(
                            format!("theme.{key}"),
                            format!("a theme value is a string, not {value}"),
                        ));
                    };
                    let slot = match key.as_str() {
                        "background" => &mut theme.background,
                        "surface" => &mut theme.surface,
                        "border" => &mut theme.border,
                        "primary" => &mut theme.primary,
                        "secondary" => &mut theme.secondary,
                        "success" => &mut theme.success,
                        "warning" => &mut theme.warning,
                        "error" => &mut theme.error,
                        "text" => &mut theme.text,
                        "text_muted" => &mut theme.text_muted,
                        "font_family" => {
                            check_font_family(text)?;
                            theme.font_family = text.to_owned();
                            continue;
                        }
                        other => {
                            return Err(invalid_option(
                                "theme",
                                format!(
                                    "{other:?} is not a theme key; use {}",
                                    THEME_KEYS.join(", ")
                                ),
                            ))
                        }
                    };
                    validate_color(&format!("theme.{key}"), text)?;
                    *slot = text.to_owned();
                }
                // A built-in theme as a config carries it stays that built-in theme.
                for builtin in [Self::dark(), Self::light()] {
                    let same = Self {
                        name: builtin.name.clone(),
                        ..theme.clone()
                    };
                    if map.get("name").and_then(Value::as_str) == Some(&builtin.name)
                        && same == builtin
                    {
                        return Ok(builtin);
                    }
                }
                Ok(theme)
            }
            other => Err(invalid_option(
                "theme",
                format!("{other} is not \"dark\", \"light\" or a dict of colours"),
            )),
        }
    }
}

/// Largest favicon or logo, in bytes.
pub const MAX_IMAGE_BYTES: usize = 512 * 1024;

/// Which branding image.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImageSlot {
    /// The browser tab icon.
    Favicon,
    /// Shown in the header before the title.
    Logo,
}

impl ImageSlot {
    /// `"favicon"` or `"logo"`.
    pub fn name(self) -> &'static str {
        match self {
            ImageSlot::Favicon => "favicon",
            ImageSlot::Logo => "logo",
        }
    }

    /// The slot with this name.
    pub fn from_name(name: &str) -> Option<Self> {
        match name {
            "favicon" => Some(ImageSlot::Favicon),
            "logo" => Some(ImageSlot::Logo),
            _ => None,
        }
    }
}

/// A favicon or logo: its bytes, type from its content, and a version that changes with it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BrandImage {
    /// `image/png`, `image/jpeg`, `image/gif`, `image/x-icon`, `image/webp` or `image/svg+xml`.
    pub content_type: &'static str,
    /// The file.
    pub bytes: std::sync::Arc<[u8]>,
    /// Bumped by [`crate::engine::Engine::set_image`] on every change, so URLs can be cached
    /// forever.
    pub version: u32,
}

impl BrandImage {
    /// Check the bytes are an image of a supported type and not too large.
    pub fn new(slot: ImageSlot, bytes: &[u8]) -> EngineResult<Self> {
        let option = slot.name();
        if bytes.len() > MAX_IMAGE_BYTES {
            return Err(invalid_option(
                option,
                format!(
                    "the image is {} bytes; the limit is {MAX_IMAGE_BYTES}",
                    bytes.len()
                ),
            ));
        }
        let head = &bytes[..bytes.len().min(512)];
        let text = String::from_utf8_lossy(head);
        let trimmed = text.trim_start_matches('\u{feff}').trim_start();
        let content_type = if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
            "image/png"
        } else if bytes.starts_with(&[0xff, 0xd8, 0xff]) {
            "image/jpeg"
        } else if bytes.starts_with(b"GIF87a") || bytes.starts_with(b"GIF89a") {
            "image/gif"
        } else if bytes.starts_with(&[0, 0, 1, 0]) {
            "image/x-icon"
        } else if bytes.len() > 12 && &bytes[..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
            "image/webp"
        } else if trimmed.starts_with("<svg")
            || (trimmed.starts_with("<?xml") && text.contains("<svg"))
        {
            "image/svg+xml"
        } else {
            return Err(invalid_option(
                option,
                "the file is not a PNG, JPEG, GIF, ICO, WebP or SVG image",
            ));
        };
        Ok(Self {
            content_type,
            bytes: bytes.into(),
            version: 0,
        })
    }
}

fn check_font_family(font: &str) -> EngineResult<()> {
    let allowed = |c: char| c.is_alphanumeric() || matches!(c, ' ' | ',' | '-' | '_' | '"' | '\'');
    if font.trim().is_empty() || font.len() > 200 || !font.chars().all(allowed) {
        return Err(invalid_option(
            "theme.font_family",
            format!("{font:?} is not a list of font names (e.g. \"Inter, sans-serif\")"),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// The page's stylesheet carries the built-in palettes too (for the first paint and for
    /// `?theme=` on embeds); they must be the engine's.
    #[test]
    fn the_stylesheet_palettes_are_the_engine_palettes() {
        let css = include_str!("../../assets/style.css");
        let block = |selector: &str| -> Vec<(String, String)> {
            let start = css.find(selector).expect("selector") + selector.len();
            let body = &css[start..start + css[start..].find('}').expect("block end")];
            body.split(';')
                .filter_map(|decl| {
                    let (name, value) = decl.split_once(':')?;
                    let name = name.trim().strip_prefix("--sv-")?.replace('-', "_");
                    Some((name, value.trim().to_owned()))
                })
                .collect()
        };
        for (selector, theme) in [
            (":root, [data-theme=\"dark\"] {", Theme::dark()),
            ("[data-theme=\"light\"] {", Theme::light()),
        ] {
            let declared = block(selector);
            assert!(declared.len() >= 10, "{selector}: {declared:?}");
            let value = serde_json::to_value(&theme).unwrap();
            for (name, css_value) in declared {
                assert_eq!(
                    value[&name].as_str(),
                    Some(css_value.as_str()),
                    "{selector} {name}"
                );
            }
        }
    }

    #[test]
    fn custom_themes_lay_colours_over_a_base_and_refuse_what_is_not_a_colour() {
        let theme = Theme::from_json(
            &json!({"background": "#1a1a2e", "primary": "rgb(0, 212, 255)",
            "font_family": "Inter, sans-serif", "base": "light"}),
        )
        .unwrap();
        assert_eq!(theme.name, "custom");
        assert_eq!(theme.background, "#1a1a2e");
        assert_eq!(theme.primary, "rgb(0, 212, 255)");
        assert_eq!(
            theme.text,
            Theme::light().text,
            "unset keys come from the base"
        );
        // What a config carries parses back to the same theme (persistence stores it so).
        let stored = serde_json::to_value(&theme).unwrap();
        assert_eq!(Theme::from_json(&stored).unwrap(), theme);
        assert_eq!(Theme::from_json(&json!("light")).unwrap(), Theme::light());
        let light = serde_json::to_value(Theme::light()).unwrap();
        assert_eq!(Theme::from_json(&light).unwrap(), Theme::light());
        for bad in [
            json!({"backgroud": "#fff"}),
            json!({"primary": "red; background: url(x)"}),
            json!({"primary": "#12"}),
            json!({"text": 3}),
            json!({"font_family": "x}</style><script>"}),
            json!({"base": "blue"}),
            json!("solarized"),
            json!(7),
        ] {
            assert!(Theme::from_json(&bad).is_err(), "{bad}");
        }
    }
}
