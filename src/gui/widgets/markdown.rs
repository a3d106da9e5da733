//! Markdown drawn natively from pulldown-cmark events: headings, paragraphs with emphasis,
//! strong, strikethrough and inline code, links (only the schemes the browser allows), lists,
//! block quotes, code blocks and rules. Raw HTML is shown as text, as in the browser. Sizes,
//! line heights and the margins between blocks (collapsing, as CSS's do) are the browser's
//! (`.sv-markdown`: 14 px text, 1.55 line height), so a card is as tall in both viewers.

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

/// The browser's text size and line height in markdown.
const TEXT_SIZE: f32 = 14.0;
const LINE_HEIGHT: f32 = 1.55;
/// Margin above and below paragraphs, lists, code blocks and quotes (1em).
const BLOCK_MARGIN: f32 = TEXT_SIZE;
/// Indentation of a list level (the browser's 40 px padding) and the bullet's share of it.
const LIST_INDENT: f32 = 40.0;
const BULLET_WIDTH: f32 = 14.0;

fn heading_size(level: HeadingLevel) -> f32 {
    match level {
        HeadingLevel::H1 => 2.0 * TEXT_SIZE,
        HeadingLevel::H2 => 1.5 * TEXT_SIZE,
        HeadingLevel::H3 => 1.17 * TEXT_SIZE,
        _ => TEXT_SIZE,
    }
}

/// Space between blocks: the larger of the margin below the last block and above the next.
fn open_block(ui: &mut Ui, pending: &mut f32, top: f32) {
    ui.add_space(pending.max(top));
    *pending = 0.0;
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
    let mut pending: f32 = 0.0;
    ui.spacing_mut().item_spacing.y = 0.0;
    let flush = |ui: &mut Ui, spans: &mut Vec<Span>, indent: usize| {
        if spans.is_empty() {
            return;
        }
        ui.horizontal_wrapped(|ui| {
            if indent > 0 {
                ui.add_space(indent as f32 * LIST_INDENT - BULLET_WIDTH);
            }
            ui.spacing_mut().item_spacing = egui::Vec2::ZERO;
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
        let size = style.heading.map_or(TEXT_SIZE, heading_size);
        let mut rich = RichText::new(text)
            .size(size)
            .line_height(Some(size * LINE_HEIGHT));
        if style.heading.is_some() || style.strong {
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
                Tag::Heading { level, .. } => {
                    open_block(ui, &mut pending, 0.3 * heading_size(level));
                    style.heading = Some(level);
                }
                Tag::Paragraph => open_block(ui, &mut pending, BLOCK_MARGIN),
                Tag::Strong => style.strong = true,
                Tag::Emphasis => style.emphasis = true,
                Tag::Strikethrough => style.strike = true,
                Tag::BlockQuote(_) => {
                    open_block(ui, &mut pending, BLOCK_MARGIN);
                    style.quote = true;
                }
                Tag::Link { dest_url, .. } => link = Some(safe_url(dest_url).to_string()),
                Tag::List(start) => {
                    flush(ui, &mut spans, lists.len());
                    if lists.is_empty() {
                        open_block(ui, &mut pending, BLOCK_MARGIN);
                    }
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
                    spans.push(Span::Text(
                        RichText::new(bullet)
                            .size(TEXT_SIZE)
                            .line_height(Some(TEXT_SIZE * LINE_HEIGHT))
                            .color(palette.text_muted),
                    ));
                }
                Tag::CodeBlock(_) => {
                    flush(ui, &mut spans, lists.len());
                    open_block(ui, &mut pending, BLOCK_MARGIN);
                    code_block = Some(String::new());
                }
                _ => {}
            },
            Event::End(tag) => match tag {
                TagEnd::Heading(level) => {
                    flush(ui, &mut spans, lists.len());
                    style.heading = None;
                    pending = 0.3 * heading_size(level);
                }
                TagEnd::Paragraph => {
                    flush(ui, &mut spans, lists.len());
                    pending = BLOCK_MARGIN;
                }
                TagEnd::Strong => style.strong = false,
                TagEnd::Emphasis => style.emphasis = false,
                TagEnd::Strikethrough => style.strike = false,
                TagEnd::BlockQuote(_) => {
                    flush(ui, &mut spans, lists.len() + 1);
                    style.quote = false;
                    pending = BLOCK_MARGIN;
                }
                TagEnd::Link => link = None,
                TagEnd::Item => flush(ui, &mut spans, lists.len()),
                TagEnd::List(_) => {
                    flush(ui, &mut spans, lists.len());
                    lists.pop();
                    if lists.is_empty() {
                        pending = BLOCK_MARGIN;
                    }
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
                        pending = BLOCK_MARGIN;
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
                        .size(0.9 * TEXT_SIZE)
                        .line_height(Some(TEXT_SIZE * LINE_HEIGHT))
                        .background_color(palette.background),
                ));
            }
            Event::SoftBreak => spans.push(Span::Text(styled(" ", style, false))),
            Event::HardBreak => flush(ui, &mut spans, lists.len()),
            Event::Rule => {
                flush(ui, &mut spans, lists.len());
                open_block(ui, &mut pending, BLOCK_MARGIN / 2.0);
                ui.separator();
                pending = BLOCK_MARGIN / 2.0;
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
    ui.add_space(pending);
}
