//! Markdown rendering for the browser: whatever the source, the HTML holds no tag the renderer
//! did not make itself (raw HTML is shown as text) and no link or image to an address other
//! than http(s), mailto, a relative one or an anchor — checked as a browser would read the
//! attribute (entities decoded, tabs and newlines removed).
#![no_main]

use libfuzzer_sys::fuzz_target;
use streamviz::engine::markdown_to_safe_html;

/// Tags pulldown-cmark writes for the options the renderer enables.
const TAGS: &[&str] = &[
    "p",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "em",
    "strong",
    "del",
    "a",
    "img",
    "code",
    "pre",
    "ul",
    "ol",
    "li",
    "blockquote",
    "hr",
    "br",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
    "input",
];

fn decode_entities(text: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(at) = rest.find('&') {
        out.push_str(&rest[..at]);
        rest = &rest[at..];
        let end = rest.find(';').filter(|&e| e < 12);
        let decoded = end.and_then(|end| {
            let entity = &rest[1..end];
            let code = if let Some(hex) = entity.strip_prefix("#x").or(entity.strip_prefix("#X")) {
                u32::from_str_radix(hex, 16).ok()
            } else if let Some(dec) = entity.strip_prefix('#') {
                dec.parse().ok()
            } else {
                match entity {
                    "amp" => Some(u32::from('&')),
                    "lt" => Some(u32::from('<')),
                    "gt" => Some(u32::from('>')),
                    "quot" => Some(u32::from('"')),
                    "colon" => Some(u32::from(':')),
                    _ => None,
                }
            };
            code.and_then(char::from_u32).map(|c| (c, end))
        });
        match decoded {
            Some((c, end)) => {
                out.push(c);
                rest = &rest[end + 1..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

fn safe_address(value: &str) -> bool {
    let address: String = decode_entities(value)
        .chars()
        .filter(|c| !matches!(c, '\t' | '\n' | '\r'))
        .collect();
    let address = address
        .trim_start_matches(|c: char| c <= ' ')
        .to_ascii_lowercase();
    match address.find([':', '/', '?', '#']) {
        Some(at) if address.as_bytes()[at] == b':' => {
            address.starts_with("http:")
                || address.starts_with("https:")
                || address.starts_with("mailto:")
        }
        _ => true,
    }
}

/// The `name="value"` attributes of a tag's inside (`a href="x" title="y"`), as the renderer
/// writes them (values double-quoted, `"` escaped inside).
fn attributes(tag: &str) -> Vec<(&str, &str)> {
    let mut found = Vec::new();
    let mut rest = tag.trim_start_matches('/');
    rest = rest.trim_start_matches(|c: char| c.is_ascii_alphanumeric());
    loop {
        rest = rest.trim_start();
        let name_end = rest
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '-'))
            .unwrap_or(rest.len());
        if name_end == 0 {
            return found;
        }
        let name = &rest[..name_end];
        rest = &rest[name_end..];
        if let Some(value) = rest.strip_prefix("=\"") {
            let close = value.find('"').expect("a quoted attribute is closed");
            found.push((name, &value[..close]));
            rest = &value[close + 1..];
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let Ok(source) = std::str::from_utf8(data) else {
        return;
    };
    let html = markdown_to_safe_html(source);
    let mut rest = html.as_str();
    while let Some(at) = rest.find('<') {
        rest = &rest[at + 1..];
        let name: String = rest
            .trim_start_matches('/')
            .chars()
            .take_while(char::is_ascii_alphanumeric)
            .collect();
        assert!(
            TAGS.contains(&name.as_str()),
            "a tag the renderer did not make: <{name} in {html:?}"
        );
        let end = rest.find('>').expect("a tag is closed");
        let tag = &rest[..end];
        for (name, value) in attributes(tag) {
            if name == "href" || name == "src" {
                assert!(
                    safe_address(value),
                    "an unsafe address {value:?} in {html:?}"
                );
            }
        }
    }
});
