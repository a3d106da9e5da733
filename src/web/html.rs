//! HTML the server writes itself (the not-found page of an embed, the sign-in page): text made
//! safe to place in it.

/// `text` safe inside HTML text and double-quoted attributes.
pub fn html_escape(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    // Writing to a String cannot fail.
    let _ = pulldown_cmark_escape::escape_html(&mut escaped, text);
    escaped
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markup_and_quotes_are_escaped() {
        assert_eq!(
            html_escape(r#"<b a="1">&</b>"#),
            "&lt;b a=&quot;1&quot;&gt;&amp;&lt;/b&gt;"
        );
    }
}
