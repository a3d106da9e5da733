//! An alert rule as declared (`sv.alert`, a push's `alerts`, `streamviz serve --alerts`) and as
//! checked once: its condition, recovery, pending and keep-firing periods, no-data period,
//! severity and message template. Everything wrong with a rule is refused here, before anything
//! changes.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::engine::error::{invalid_option, EngineError, EngineResult};
use crate::engine::limits::MAX_LABEL_BYTES;
use crate::engine::spec::WidgetKind;
use crate::engine::validate::check_str;
use crate::engine::window::parse_duration_ms;

/// Longest message template, in bytes.
pub const MAX_MESSAGE_BYTES: usize = 1024;

/// How urgent a rule is: the colour viewers give a firing widget and the `severity` label.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// Red.
    Critical,
    /// Amber (the default).
    #[default]
    Warning,
    /// Blue.
    Info,
}

impl Severity {
    /// The name used in the protocol and labels.
    pub fn name(self) -> &'static str {
        match self {
            Severity::Critical => "critical",
            Severity::Warning => "warning",
            Severity::Info => "info",
        }
    }
}

/// A rule as declared: the JSON shape of `config.alerts[]` and of a push's `alerts[]`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AlertRule {
    /// The rule's name (its identity: declaring the same name again replaces the rule).
    /// Default: made from the widget and the condition, e.g. `"cpu above 90"`.
    #[serde(default)]
    pub name: String,
    /// The widget watched: a metric, stat, gauge or line chart.
    pub widget: String,
    /// For a line chart, the series watched (required there, refused elsewhere).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub series: Option<String>,
    /// Fires while values are above this.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub above: Option<f64>,
    /// Fires while values are below this.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub below: Option<f64>,
    /// Fires while values are outside `[low, high]`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outside: Option<[f64; 2]>,
    /// How long the condition must hold (by event time) before the rule fires. Default: `0s`.
    #[serde(default, rename = "for", skip_serializing_if = "Option::is_none")]
    pub for_: Option<String>,
    /// Once firing (`above`), only values below this end it. Default: `above` itself.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recover_below: Option<f64>,
    /// Once firing (`below`), only values above this end it. Default: `below` itself.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recover_above: Option<f64>,
    /// How long a recovered rule keeps firing (by event time) before it resolves. Default: `0s`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub keep_firing_for: Option<String>,
    /// Critical, warning (default) or info.
    #[serde(default)]
    pub severity: Severity,
    /// What a notification says; `{value}`, `{value:.1f}`, `{widget}`, `{series}`, `{rule}`,
    /// `{severity}`, `{threshold}` and `{state}` are filled in. Default: made from the rule.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// Fire when the widget gets no point for this long (wall clock). Default: never.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub no_data: Option<String>,
    /// Where this rule's notifications go besides the global webhook (`http://` or
    /// `https://`). Never sent to viewers or stored: such URLs often hold a secret.
    #[serde(default, skip_serializing)]
    pub webhook: Option<String>,
}

/// When values are wrong.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Condition {
    /// No threshold: a no-data rule only.
    Never,
    /// `value > threshold`.
    Above(f64),
    /// `value < threshold`.
    Below(f64),
    /// `value < low || value > high`.
    Outside(f64, f64),
}

impl Condition {
    /// Whether `value` meets the condition (NaN never does).
    #[inline]
    pub fn holds(self, value: f64) -> bool {
        match self {
            Condition::Never => false,
            Condition::Above(t) => value > t,
            Condition::Below(t) => value < t,
            Condition::Outside(low, high) => value < low || value > high,
        }
    }
}

/// When a firing rule's values are right again.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Recovery {
    /// When the condition no longer holds.
    NotCondition,
    /// `value < threshold` (after `above`).
    Below(f64),
    /// `value > threshold` (after `below`).
    Above(f64),
}

/// A rule checked and ready to evaluate.
#[derive(Debug, Clone, PartialEq)]
pub struct Rule {
    /// The rule as declared, its name filled in.
    pub spec: AlertRule,
    /// When values are wrong.
    pub condition: Condition,
    /// When they are right again.
    pub recovery: Recovery,
    /// The pending period, ms.
    pub for_ms: f64,
    /// The keep-firing period, ms.
    pub keep_ms: f64,
    /// The no-data period, ms, if any.
    pub no_data_ms: Option<f64>,
    /// The message template, parsed.
    pub template: Vec<Piece>,
}

impl Rule {
    /// Whether a firing rule with `value` is right again.
    #[inline]
    pub fn recovered(&self, value: f64) -> bool {
        match self.recovery {
            Recovery::NotCondition => !self.condition.holds(value),
            Recovery::Below(t) => value < t,
            Recovery::Above(t) => value > t,
        }
    }

    /// Parse and check a rule from its JSON shape.
    pub fn from_json(value: Value) -> EngineResult<Self> {
        let spec: AlertRule = serde_json::from_value(value)
            .map_err(|err| invalid_option("alerts", format!("{err}")))?;
        Self::new(spec)
    }

    /// Check a rule: one condition (or a no-data period), a recovery threshold on the side
    /// that ends it, durations, the message's fields.
    pub fn new(mut spec: AlertRule) -> EngineResult<Self> {
        let thresholds = [
            spec.above.is_some(),
            spec.below.is_some(),
            spec.outside.is_some(),
        ];
        let given = thresholds.iter().filter(|x| **x).count();
        if given > 1 {
            return Err(invalid_option(
                "alert",
                "give one of above, below or outside (outside=(low, high) for a band)",
            ));
        }
        let number = |option: &str, x: Option<f64>| -> EngineResult<Option<f64>> {
            match x {
                Some(x) if !x.is_finite() => Err(invalid_option(
                    format!("alert.{option}"),
                    "must be a finite number",
                )),
                _ => Ok(x),
            }
        };
        let above = number("above", spec.above)?;
        let below = number("below", spec.below)?;
        let recover_below = number("recover_below", spec.recover_below)?;
        let recover_above = number("recover_above", spec.recover_above)?;
        let condition = match (above, below, spec.outside) {
            (Some(t), _, _) => Condition::Above(t),
            (_, Some(t), _) => Condition::Below(t),
            (_, _, Some([low, high])) => {
                number("outside", Some(low))?;
                number("outside", Some(high))?;
                if low >= high {
                    return Err(invalid_option(
                        "alert.outside",
                        format!("({low}, {high}) is not a band: low must be below high"),
                    ));
                }
                Condition::Outside(low, high)
            }
            _ => Condition::Never,
        };
        let recovery = match (condition, recover_below, recover_above) {
            (_, Some(_), Some(_)) => {
                return Err(invalid_option(
                    "alert",
                    "give recover_below (after above) or recover_above (after below), not both",
                ))
            }
            (Condition::Above(t), Some(r), None) => {
                if r > t {
                    return Err(invalid_option(
                        "alert.recover_below",
                        format!("{r} is above the threshold {t}: a rule firing above {t} recovers below it"),
                    ));
                }
                Recovery::Below(r)
            }
            (Condition::Below(t), None, Some(r)) => {
                if r < t {
                    return Err(invalid_option(
                        "alert.recover_above",
                        format!("{r} is below the threshold {t}: a rule firing below {t} recovers above it"),
                    ));
                }
                Recovery::Above(r)
            }
            (_, Some(_), None) => {
                return Err(invalid_option(
                    "alert.recover_below",
                    "goes with above= (a rule firing above a threshold recovers below another)",
                ))
            }
            (_, None, Some(_)) => {
                return Err(invalid_option(
                    "alert.recover_above",
                    "goes with below= (a rule firing below a threshold recovers above another)",
                ))
            }
            (_, None, None) => Recovery::NotCondition,
        };
        let duration = |option: &str, text: &Option<String>, zero: bool| {
            text.as_deref()
                .map(|t| parse_duration_ms(&format!("alert.{option}"), t, zero))
                .transpose()
        };
        let for_ms = duration("for", &spec.for_, true)?.unwrap_or(0) as f64;
        let keep_ms = duration("keep_firing_for", &spec.keep_firing_for, true)?.unwrap_or(0) as f64;
        let no_data_ms = duration("no_data", &spec.no_data, false)?.map(|ms| ms as f64);
        if condition == Condition::Never && no_data_ms.is_none() {
            return Err(invalid_option(
                "alert",
                "give a condition: above=, below=, outside=(low, high) or no_data=\"2m\"",
            ));
        }
        if condition == Condition::Never && (spec.for_.is_some() || spec.keep_firing_for.is_some())
        {
            return Err(invalid_option(
                "alert",
                "for and keep_firing_for go with a threshold (above, below or outside)",
            ));
        }
        if let Some(url) = &spec.webhook {
            check_webhook(url).map_err(|reason| invalid_option("alert.webhook", reason))?;
        }
        if spec.widget.is_empty() {
            return Err(invalid_option("alert.widget", "name the widget watched"));
        }
        if spec.name.is_empty() {
            spec.name = default_name(&spec, condition);
        }
        check_str("alert.name", &spec.name, MAX_LABEL_BYTES)?;
        if spec.name.chars().any(char::is_control) {
            return Err(invalid_option("alert.name", "no control characters"));
        }
        let template = match &spec.message {
            Some(message) => {
                check_str("alert.message", message, MAX_MESSAGE_BYTES)?;
                parse_template(message)?
            }
            None => parse_template(default_message(condition))?,
        };
        Ok(Self {
            spec,
            condition,
            recovery,
            for_ms,
            keep_ms,
            no_data_ms,
            template,
        })
    }

    /// The threshold the rule compares with (the band's nearer end for `outside`).
    pub fn threshold(&self, value: f64) -> f64 {
        match self.condition {
            Condition::Never => f64::NAN,
            Condition::Above(t) | Condition::Below(t) => t,
            Condition::Outside(low, high) => {
                if value < low {
                    low
                } else {
                    high
                }
            }
        }
    }
}

/// Longest webhook URL, in bytes.
pub const MAX_URL_BYTES: usize = 2048;

/// Why a webhook URL cannot be used, if it cannot.
pub fn check_webhook(url: &str) -> Result<(), String> {
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))
        .ok_or_else(|| "an http:// or https:// URL".to_owned())?;
    if url.len() > MAX_URL_BYTES {
        return Err(format!("at most {MAX_URL_BYTES} bytes"));
    }
    if rest.is_empty()
        || rest.starts_with('/')
        || url.chars().any(|c| c.is_whitespace() || c.is_control())
    {
        return Err("an http:// or https:// URL with a host and no spaces".into());
    }
    Ok(())
}

fn default_name(spec: &AlertRule, condition: Condition) -> String {
    let target = match &spec.series {
        Some(series) => format!("{}.{series}", spec.widget),
        None => spec.widget.clone(),
    };
    match condition {
        Condition::Above(t) => format!("{target} above {t}"),
        Condition::Below(t) => format!("{target} below {t}"),
        Condition::Outside(low, high) => format!("{target} outside {low}..{high}"),
        Condition::Never => format!("{target} no data"),
    }
}

fn default_message(condition: Condition) -> &'static str {
    match condition {
        Condition::Above(_) => "{widget} is {value} (above {threshold})",
        Condition::Below(_) => "{widget} is {value} (below {threshold})",
        Condition::Outside(..) => "{widget} is {value} (outside the band, past {threshold})",
        Condition::Never => "{widget} sent no data",
    }
}

/// A piece of a message template.
#[derive(Debug, Clone, PartialEq)]
pub enum Piece {
    /// Text as it is.
    Text(String),
    /// A field, with the digits after the point for numbers (`{value:.1f}`).
    Field(Field, Option<usize>),
}

/// What a message can name.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Field {
    /// The value that moved the rule.
    Value,
    /// The widget's id.
    Widget,
    /// The series (line charts), or empty.
    Series,
    /// The rule's name.
    Rule,
    /// The rule's severity.
    Severity,
    /// The threshold crossed.
    Threshold,
    /// The state the rule went to.
    State,
}

fn parse_template(text: &str) -> EngineResult<Vec<Piece>> {
    let bad = |reason: String| invalid_option("alert.message", reason);
    let mut pieces = Vec::new();
    let mut literal = String::new();
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '{' if chars.peek() == Some(&'{') => {
                chars.next();
                literal.push('{');
            }
            '}' if chars.peek() == Some(&'}') => {
                chars.next();
                literal.push('}');
            }
            '}' => return Err(bad("a lone '}' (write '}}' for a brace)".into())),
            '{' => {
                let mut inner = String::new();
                loop {
                    match chars.next() {
                        Some('}') => break,
                        Some(c) => inner.push(c),
                        None => return Err(bad("a '{' is never closed".into())),
                    }
                }
                let (name, format) = match inner.split_once(':') {
                    Some((name, format)) => (name, Some(format)),
                    None => (inner.as_str(), None),
                };
                let field = match name.trim() {
                    "value" => Field::Value,
                    "widget" => Field::Widget,
                    "series" => Field::Series,
                    "rule" => Field::Rule,
                    "severity" => Field::Severity,
                    "threshold" => Field::Threshold,
                    "state" => Field::State,
                    other => {
                        return Err(bad(format!(
                            "unknown field {{{other}}}: use value, widget, series, rule, severity, threshold or state"
                        )))
                    }
                };
                let digits = match format {
                    None | Some("") => None,
                    Some(f) => {
                        let digits = f
                            .strip_prefix('.')
                            .and_then(|f| f.strip_suffix('f'))
                            .and_then(|d| d.parse::<usize>().ok())
                            .filter(|d| *d <= 12)
                            .ok_or_else(|| {
                                bad(format!(
                                    "{{{inner}}}: the only format is digits after the point, as in {{value:.1f}}"
                                ))
                            })?;
                        Some(digits)
                    }
                };
                if !literal.is_empty() {
                    pieces.push(Piece::Text(std::mem::take(&mut literal)));
                }
                pieces.push(Piece::Field(field, digits));
            }
            c => literal.push(c),
        }
    }
    if !literal.is_empty() {
        pieces.push(Piece::Text(literal));
    }
    Ok(pieces)
}

/// A number as a message shows it: with `digits` after the point, or as short as it is exact.
pub fn format_number(value: f64, digits: Option<usize>) -> String {
    if value.is_nan() {
        return "no data".into();
    }
    match digits {
        Some(d) => format!("{value:.d$}"),
        None => format!("{value}"),
    }
}

/// Build an [`EngineError`] for a rule whose widget cannot carry it.
fn bad_target(rule: &AlertRule, reason: impl Into<String>) -> EngineError {
    invalid_option(format!("alert {:?}", rule.name), reason)
}

/// Whether a widget of `kind` can carry the rule (`None`: there is no such widget).
pub fn check_target(rule: &AlertRule, kind: Option<WidgetKind>) -> EngineResult<()> {
    let Some(kind) = kind else {
        return Err(bad_target(
            rule,
            format!("unknown widget {:?}", rule.widget),
        ));
    };
    match (kind, &rule.series) {
        (WidgetKind::Metric | WidgetKind::Stat | WidgetKind::Gauge, None)
        | (WidgetKind::LineChart, Some(_)) => Ok(()),
        (WidgetKind::LineChart, None) => Err(bad_target(
            rule,
            format!(
                "{:?} is a line chart: name the series watched (series=...)",
                rule.widget
            ),
        )),
        (WidgetKind::Metric | WidgetKind::Stat | WidgetKind::Gauge, Some(_)) => Err(bad_target(
            rule,
            format!(
                "{:?} is a {} with one series: give no series",
                rule.widget,
                kind.name()
            ),
        )),
        (kind, _) => Err(bad_target(
            rule,
            format!(
                "{:?} is a {}: alerts watch metrics, stats, gauges and line-chart series",
                rule.widget,
                kind.name()
            ),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn refused(value: Value) -> String {
        Rule::from_json(value).expect_err("refused").to_string()
    }

    #[test]
    fn bad_rules_say_what_is_wrong() {
        assert!(refused(json!({"widget": "cpu", "above": 1, "below": 0})).contains("one of above"));
        assert!(
            refused(json!({"widget": "cpu", "above": 90, "recover_below": 95}))
                .contains("recovers below")
        );
        assert!(
            refused(json!({"widget": "cpu", "below": 10, "recover_above": 5}))
                .contains("recovers above")
        );
        assert!(
            refused(json!({"widget": "cpu", "below": 10, "recover_below": 5}))
                .contains("goes with above")
        );
        assert!(refused(json!({"widget": "cpu", "above": 1, "for": "soon"})).contains("duration"));
        assert!(refused(json!({"widget": "cpu"})).contains("give a condition"));
        assert!(refused(json!({"widget": "cpu", "outside": [5, 1]})).contains("not a band"));
        assert!(
            refused(json!({"widget": "cpu", "above": 1, "message": "{oops}"}))
                .contains("unknown field")
        );
        assert!(refused(json!({"widget": "cpu", "above": 1, "colour": "red"})).contains("colour"));
        assert!(refused(json!({"widget": "cpu", "no_data": "0s"})).contains("at least 1ms"));
    }

    #[test]
    fn a_rule_gets_a_name_and_its_periods() {
        let rule = Rule::from_json(json!({
            "widget": "cpu", "above": 90, "for": "30s", "recover_below": 85,
            "keep_firing_for": "1m", "severity": "critical",
            "message": "CPU {value:.0f}% on {widget} {{x}}"
        }))
        .expect("rule");
        assert_eq!(rule.spec.name, "cpu above 90");
        assert_eq!((rule.for_ms, rule.keep_ms), (30_000.0, 60_000.0));
        assert_eq!(rule.recovery, Recovery::Below(85.0));
        assert!(!rule.recovered(87.0) && rule.recovered(84.0));
        assert_eq!(
            rule.template,
            vec![
                Piece::Text("CPU ".into()),
                Piece::Field(Field::Value, Some(0)),
                Piece::Text("% on ".into()),
                Piece::Field(Field::Widget, None),
                Piece::Text(" {x}".into()),
            ]
        );
    }
}
