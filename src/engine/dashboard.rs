//! Dashboard-wide settings: the title, the theme, the default ring capacity and the branding
//! images, and the partial changes `sv.configure` and pushes make to them.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::error::{invalid_option, EngineResult};
use super::limits::DEFAULT_CAPACITY_POINTS;
use super::theme::{BrandImage, Theme};
use super::validate::{check_capacity, check_label};

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
}

impl Default for DashboardConfig {
    fn default() -> Self {
        Self {
            title: "StreamViz".to_owned(),
            theme: Theme::dark(),
            buffer_size: DEFAULT_CAPACITY_POINTS,
            favicon: None,
            logo: None,
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
}

impl ConfigPatch {
    /// Parse a JSON object of dashboard options: `title`, `theme` (`"dark"`, `"light"` or a
    /// dict of colours, see [`Theme::from_json`]) and `buffer_size`.
    pub fn from_json(value: Value) -> EngineResult<Self> {
        #[derive(Deserialize)]
        #[serde(deny_unknown_fields)]
        struct Raw {
            title: Option<String>,
            theme: Option<Value>,
            buffer_size: Option<usize>,
        }
        let raw: Raw = serde_json::from_value(value)
            .map_err(|err| invalid_option("configure", err.to_string()))?;
        check_label("title", &raw.title)?;
        check_capacity("buffer_size", raw.buffer_size)?;
        Ok(Self {
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
