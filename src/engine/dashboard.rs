//! Dashboard-wide settings: the title, the theme, the default ring capacity and the branding
//! images, and the partial changes `sv.configure` and pushes make to them.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::error::{invalid_option, EngineResult};
use super::limits::DEFAULT_CAPACITY_POINTS;
use super::theme::{BrandImage, Theme};
use super::validate::{check_capacity, check_label};
use super::window::{parse_duration_ms, MAX_WINDOW_MS};

/// Dashboard-wide settings.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DashboardConfig {
    /// Page title.
    pub title: String,
    /// Colour theme.
    pub theme: Theme,
    /// Ring-buffer capacity for series that set no `max_points`.
    pub buffer_size: usize,
    /// The browser tab icon, when one was given.
    #[serde(skip)]
    pub favicon: Option<BrandImage>,
    /// The header logo, when one was given.
    #[serde(skip)]
    pub logo: Option<BrandImage>,
    /// The time range every viewer opens with: the last this many ms (`None`: everything).
    pub default_time_range_ms: Option<u64>,
    /// Whether charts follow live data when a viewer opens (false: it opens paused).
    pub auto_refresh: bool,
}

impl Default for DashboardConfig {
    fn default() -> Self {
        Self {
            title: "StreamViz".to_owned(),
            theme: Theme::dark(),
            buffer_size: DEFAULT_CAPACITY_POINTS,
            favicon: None,
            logo: None,
            default_time_range_ms: None,
            auto_refresh: true,
        }
    }
}

/// A partial change to [`DashboardConfig`]; absent fields stay as they are.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ConfigPatch {
    /// New page title.
    pub title: Option<String>,
    /// New theme.
    pub theme: Option<Theme>,
    /// New default capacity (applies to series declared afterwards).
    pub buffer_size: Option<usize>,
    /// New initial time range (`Some(None)`: everything).
    pub default_time_range_ms: Option<Option<u64>>,
    /// Whether charts follow live data when a viewer opens.
    pub auto_refresh: Option<bool>,
}

impl ConfigPatch {
    /// Parse a JSON object of dashboard options: `title`, `theme` (`"dark"`, `"light"` or a
    /// dict of colours, see [`Theme::from_json`]), `buffer_size`, `default_time_range` (a
    /// duration such as `"5m"`, or `"all"`; or `default_time_range_ms`, as `config` carries it)
    /// and `auto_refresh`.
    pub fn from_json(value: Value) -> EngineResult<Self> {
        #[derive(Deserialize)]
        #[serde(deny_unknown_fields)]
        struct Raw {
            title: Option<String>,
            theme: Option<Value>,
            buffer_size: Option<usize>,
            #[serde(default)]
            default_time_range: Option<Value>,
            #[serde(default)]
            default_time_range_ms: Option<Value>,
            auto_refresh: Option<bool>,
        }
        let raw: Raw = serde_json::from_value(value)
            .map_err(|err| invalid_option("configure", err.to_string()))?;
        check_label("title", &raw.title)?;
        check_capacity("buffer_size", raw.buffer_size)?;
        let default_time_range_ms = match (raw.default_time_range, raw.default_time_range_ms) {
            (Some(Value::String(text)), None) if text == "all" => Some(None),
            (Some(Value::String(text)), None) => {
                Some(Some(parse_duration_ms("default_time_range", &text, false)?))
            }
            (None, Some(Value::Number(ms))) => Some(Some(
                ms.as_u64()
                    .filter(|ms| (1..=MAX_WINDOW_MS).contains(ms))
                    .ok_or_else(|| {
                        invalid_option("default_time_range_ms", "must be 1 ms to 366 days")
                    })?,
            )),
            (None, Some(Value::Null)) => Some(None),
            (None, None) => None,
            _ => {
                return Err(invalid_option(
                    "default_time_range",
                    "is a duration such as \"5m\" or \"1h\", or \"all\"",
                ))
            }
        };
        Ok(Self {
            default_time_range_ms,
            auto_refresh: raw.auto_refresh,
            title: raw.title,
            theme: raw
                .theme
                .filter(|t| !t.is_null())
                .map(|t| Theme::from_json(&t))
                .transpose()?,
            buffer_size: raw.buffer_size,
        })
    }
}
