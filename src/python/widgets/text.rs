//! `Text` and `Markdown`: one piece of text, replaced by each `send` (or call).

use pyo3::prelude::*;
use pyo3::types::PyString;

use super::target::Target;
use crate::engine::{validate_text, Update};
use crate::python::convert::type_name;
use crate::python::errors::{type_error, Result};

macro_rules! text_widget {
    ($class:ident, $name:literal) => {
        /// A widget showing one piece of text; calling it is the same as `send`.
        #[pyclass(module = "stream_viz._core", name = $name, frozen)]
        pub struct $class {
            pub(super) target: Target,
        }

        common_methods!($class);

        #[pymethods]
        impl $class {
            /// Replace the content.
            fn send(&self, text: &Bound<'_, PyAny>) -> Result<bool> {
                let runtime = self.target.check_live()?;
                let Ok(text) = text.cast::<PyString>() else {
                    return Err(type_error(format!(
                        "{:?} takes str, not {}",
                        self.target.id,
                        type_name(text)
                    )));
                };
                let text = text.to_str()?;
                validate_text(&self.target.id, text)?;
                Ok(self.target.queue(
                    runtime,
                    Update::Text {
                        widget: self.target.widget,
                        text: text.into(),
                    },
                ))
            }

            fn __call__(&self, text: &Bound<'_, PyAny>) -> Result<bool> {
                self.send(text)
            }
        }
    };
}

text_widget!(Text, "Text");
text_widget!(Markdown, "Markdown");
