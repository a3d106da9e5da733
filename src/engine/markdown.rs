//! Markdown to HTML that is safe to insert into a page: raw HTML in the source is shown as text,
//! and links or images whose address is not http(s), mailto, relative or an anchor are neutralised.

use pulldown_cmark::{html, CowStr, Event, Options, Parser, Tag};

pub(crate) fn safe_url(url: CowStr<'_>) -> CowStr<'_> {
    let lower = url.trim_start().to_ascii_lowercase();
    let scheme_end = lower.find([':', '/', '?', '#']);
    let has_scheme = matches!(scheme_end, Some(i) if lower.as_bytes()[i] == b':');
    if !has_scheme
        || lower.starts_with("http:")
        || lower.starts_with("https:")
        || lower.starts_with("mailto:")
    {
        url
    } else {
        CowStr::Borrowed("#")
    }
}

/// Render `source` to HTML with raw HTML escaped and unsafe link schemes removed.
pub fn markdown_to_safe_html(source: &str) -> String {
    let options =
        Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH | Options::ENABLE_TASKLISTS;
    let events = Parser::new_ext(source, options).map(|event| match event {
        Event::Html(raw) | Event::InlineHtml(raw) => Event::Text(raw),
        Event::Start(Tag::Link {
            link_type,
            dest_url,
            title,
            id,
        }) => Event::Start(Tag::Link {
            link_type,
            dest_url: safe_url(dest_url),
            title,
            id,
        }),
        Event::Start(Tag::Image {
            link_type,
            dest_url,
            title,
            id,
        }) => Event::Start(Tag::Image {
            link_type,
            dest_url: safe_url(dest_url),
            title,
            id,
        }),
        other => other,
    });
    let mut out = String::with_capacity(source.len() * 3 / 2);
    html::push_html(&mut out, events);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_markdown() {
        let html = markdown_to_safe_html("## Status\n- **Source**: Kafka");
        assert!(html.contains("<h2>Status</h2>"), "{html}");
        assert!(html.contains("<strong>Source</strong>"), "{html}");
    }

    #[test]
    fn raw_html_and_script_urls_are_neutralised() {
        let html = markdown_to_safe_html("<script>alert(1)</script>\n\n<img src=x onerror=alert(1)> [x](javascript:alert(1)) [ok](https://example.com)");
        assert!(!html.contains("<script"), "{html}");
        assert!(!html.contains("<img"), "{html}");
        assert!(html.contains("&lt;script&gt;"), "{html}");
        assert!(!html.contains("javascript:"), "{html}");
        assert!(html.contains("href=\"https://example.com\""), "{html}");
    }
}
