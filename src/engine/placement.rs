//! Where a widget goes and how big it is: the layout keys of its options (`parent`, `width`,
//! `height`), checked at declaration.

use serde::{Deserialize, Serialize};

use super::error::{EngineError, EngineResult};
use super::validate::check_container_id;

/// Where a widget goes and how big it is.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Placement {
    /// The enclosing container; `None` is the first page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent: Option<String>,
    /// Grid columns the widget spans in a responsive grid (1 to 4).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub width: Option<u8>,
    /// Height of its chart or table area in pixels (80 to 2000).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub height: Option<u32>,
}

impl Placement {
    /// True when nothing is set.
    pub fn is_default(&self) -> bool {
        *self == Self::default()
    }

    /// Check the size hints.
    pub fn validate(&self) -> EngineResult<()> {
        if let Some(width) = self.width {
            if !(1..=4).contains(&width) {
                return Err(EngineError::Layout(format!(
                    "width is a span of 1 to 4 grid columns, not {width}"
                )));
            }
        }
        if let Some(height) = self.height {
            if !(80..=2000).contains(&height) {
                return Err(EngineError::Layout(format!(
                    "height is 80 to 2000 pixels, not {height}"
                )));
            }
        }
        if let Some(parent) = &self.parent {
            check_container_id(parent)?;
        }
        Ok(())
    }
}
