//! Markdown drawn natively from pulldown-cmark events: headings, paragraphs with emphasis,
//! strong, strikethrough and inline code, links (only the schemes the browser allows), lists,
//! block quotes, code blocks and rules. Raw HTML is shown as text, as in the browser.

use egui::{RichText, Ui};
use pulldown_cmark::{Event, HeadingLevel, Options, Parser, Tag, TagEnd};

use crate::engine::markdown::safe_url;
use crate::engine::WidgetSpec;
use crate::gui::frame::Frame;
use crate::gui::style::Palette;

#[derive(Default, Clone, Copy)]
struct Inline {
    strong: bool,
    emphasis: bool,
    strike: bool,
    heading: Option<HeadingLevel>,
    quote: bool,
}

enum Span {
    Text(RichText),
    Link(RichText, String),
}

/// A markdown widget: its source drawn into `ui`.
pub fn ui(ui: &mut Ui, frame: &mut Frame<'_>, _spec: &WidgetSpec, source: &str, _height: f32) {
    show(ui, frame.palette, source);
}

/// Draw `source` into `ui`.
fn show(ui: &mut Ui, palette: &Palette, source: &str) {
    let options =
        Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH | Options::ENABLE_TASKLISTS;
    let mut style = Inline::default();
    let mut spans: Vec<Span> = Vec::new();
    let mut link: Option<String> = None;
    let mut lists: Vec<Option<u64>> = Vec::new();
    let mut code_block: Option<String> = None;
    let flush = |ui: &mut Ui, spans: &mut Vec<Span>, indent: usize| {
        if spans.is_empty() {
            return;
        }
        ui.horizontal_wrapped(|ui| {
            ui.add_space(indent as f32 * 16.0);
            ui.spacing_mut().item_spacing.x = 0.0;
            for span in spans.drain(..) {
                match span {
                    Span::Text(text) => {
                        ui.label(text);
                    }
                    Span::Link(text, url) => {
                        ui.hyperlink_to(text, url);
                    }
                }
            }
        });
    };
    let styled = |text: &str, style: Inline, link: bool| {
        let mut rich = RichText::new(text);
        if let Some(level) = style.heading {
            let size = match level {
                HeadingLevel::H1 => 24.0,
                HeadingLevel::H2 => 20.0,
                HeadingLevel::H3 => 17.0,
                _ => 15.0,
            };
            rich = rich.size(size).strong();
        }
        if style.strong {
            rich = rich.strong();
        }
        if link {
            rich = rich.color(palette.primary).underline();
        }
        if style.emphasis {
            rich = rich.italics();
        }
        if style.strike {
            rich = rich.strikethrough();
        }
        if style.quote {
            rich = rich.color(palette.text_muted);
        }
        rich
    };
    for event in Parser::new_ext(source, options) {
        match event {
            Event::Start(tag) => match tag {
                Tag::Heading { level, .. } => style.heading = Some(level),
                Tag::Strong => style.strong = true,
                Tag::Emphasis => style.emphasis = true,
                Tag::Strikethrough => style.strike = true,
                Tag::BlockQuote(_) => style.quote = true,
                Tag::Link { dest_url, .. } => link = Some(safe_url(dest_url).to_string()),
                Tag::List(start) => {
                    flush(ui, &mut spans, lists.len());
                    lists.push(start);
                }
                Tag::Item => {
                    flush(ui, &mut spans, lists.len());
                    let bullet = match lists.last_mut() {
                        Some(Some(n)) => {
                            *n += 1;
                            format!("{}. ", *n - 1)
                        }
                        _ => "• ".to_owned(),
                    };
                    spans.push(Span::Text(RichText::new(bullet).color(palette.text_muted)));
                }
                Tag::CodeBlock(_) => {
                    flush(ui, &mut spans, lists.len());
                    code_block = Some(String::new());
                }
                _ => {}
            },
            Event::End(tag) => match tag {
                TagEnd::Heading(_) => {
                    flush(ui, &mut spans, lists.len());
                    style.heading = None;
                    ui.add_space(4.0);
                }
                TagEnd::Paragraph => {
                    flush(ui, &mut spans, lists.len().saturating_sub(1));
                    ui.add_space(4.0);
                }
                TagEnd::Strong => style.strong = false,
                TagEnd::Emphasis => style.emphasis = false,
                TagEnd::Strikethrough => style.strike = false,
                TagEnd::BlockQuote(_) => {
                    flush(ui, &mut spans, lists.len() + 1);
                    style.quote = false;
                }
                TagEnd::Link => link = None,
                TagEnd::Item => flush(ui, &mut spans, lists.len().saturating_sub(1)),
                TagEnd::List(_) => {
                    flush(ui, &mut spans, lists.len());
                    lists.pop();
                }
                TagEnd::CodeBlock => {
                    if let Some(code) = code_block.take() {
                        egui::Frame::new()
                            .fill(palette.background)
                            .corner_radius(4)
                            .inner_margin(8)
                            .show(ui, |ui| {
                                ui.set_width(ui.available_width());
                                ui.label(RichText::new(code.trim_end()).monospace());
                            });
                    }
                }
                _ => {}
            },
            Event::Text(text) | Event::Html(text) | Event::InlineHtml(text) => {
                if let Some(code) = code_block.as_mut() {
                    code.push_str(&text);
                } else {
                    let rich = styled(&text, style, link.is_some());
                    spans.push(match &link {
                        Some(url) => Span::Link(rich, url.clone()),
                        None => Span::Text(rich),
                    });
                }
            }
            Event::Code(code) => {
                spans.push(Span::Text(
                    RichText::new(code.as_ref())
                        .monospace()
                        .background_color(palette.background),
                ));
            }
            Event::SoftBreak => spans.push(Span::Text(RichText::new(" "))),
            Event::HardBreak => flush(ui, &mut spans, lists.len()),
            Event::Rule => {
                flush(ui, &mut spans, lists.len());
                ui.separator();
            }
            Event::TaskListMarker(done) => {
                spans.push(Span::Text(RichText::new(if done {
                    "☑ "
                } else {
                    "☐ "
                })));
            }
            _ => {}
        }
    }
    flush(ui, &mut spans, 0);
}
