//! The Prometheus text exposition format (0.0.4) and OpenMetrics 1.0 text, from a metrics
//! `Snapshot`.
//!
//! Names follow OTel's Prometheus compatibility rules: characters outside `[a-zA-Z0-9_:]`
//! become `_` (runs of them one `_`), the unit is appended as a word (`s` → `_seconds`,
//! `By` → `_bytes`, annotations in braces dropped), and counters end in `_total`.
//! Up-down counters are gauges. Exponential histograms are rendered as classic histograms
//! with one `le` bucket per populated exponential bucket. When two scopes register the
//! same name, their samples are told apart by an `otel_scope_name` label; a later family
//! whose type conflicts with the first of its name is left out.

use std::fmt::Write;

use crate::attr::Value;
use crate::metrics::{Family, InstrumentKind, Point, PointValue, Snapshot};

/// Which text format to write.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// Prometheus text format 0.0.4.
    Text,
    /// OpenMetrics 1.0 text.
    OpenMetrics,
}

impl Format {
    /// The `Content-Type` of a scrape response in this format.
    pub fn content_type(self) -> &'static str {
        match self {
            Format::Text => "text/plain; version=0.0.4; charset=utf-8",
            Format::OpenMetrics => "application/openmetrics-text; version=1.0.0; charset=utf-8",
        }
    }

    /// The format a scraper asked for in its `Accept` header: OpenMetrics when it names
    /// `application/openmetrics-text`, else the Prometheus text format.
    pub fn negotiate(accept: &[u8]) -> Format {
        if accept.windows(28).any(|w| w.eq_ignore_ascii_case(b"application/openmetrics-text")) {
            Format::OpenMetrics
        } else {
            Format::Text
        }
    }
}

/// Appends `snapshot` in `format` to `out`.
pub fn render(snapshot: &Snapshot, format: Format, out: &mut String) {
    let names: Vec<String> = snapshot.families.iter().map(|f| base_name(f, format)).collect();
    let mut done = vec![false; names.len()];
    for i in 0..names.len() {
        if done[i] {
            continue;
        }
        let first = &snapshot.families[i];
        let kind = type_of(first.kind);
        let group: Vec<usize> =
            (i..names.len()).filter(|&j| names[j] == names[i] && type_of(snapshot.families[j].kind) == kind).collect();
        for j in i..names.len() {
            // Same name: merged if of the same type, else dropped.
            if names[j] == names[i] {
                done[j] = true;
            }
        }
        let scoped = group.iter().any(|&j| snapshot.families[j].scope != first.scope);
        header(first, &names[i], format, out);
        for &j in &group {
            let f = &snapshot.families[j];
            let scope = if scoped { Some(f.scope.name.as_str()) } else { None };
            for p in &f.points {
                samples(p, &names[i], scope, format, out);
            }
        }
    }
    if format == Format::OpenMetrics {
        out.push_str("# EOF\n");
    }
}

fn type_of(kind: InstrumentKind) -> &'static str {
    match kind {
        InstrumentKind::Counter => "counter",
        InstrumentKind::UpDownCounter | InstrumentKind::Gauge | InstrumentKind::ObservableGauge => "gauge",
        InstrumentKind::Histogram | InstrumentKind::ExponentialHistogram => "histogram",
    }
}

/// The family's name: sanitized, with its unit; with `_total` for a counter in the text
/// format (OpenMetrics names the family without it and adds it to the sample).
fn base_name(f: &Family, format: Format) -> String {
    let mut name = sanitize(&f.name, true);
    let counter = f.kind == InstrumentKind::Counter;
    if counter {
        if let Some(stem) = name.strip_suffix("_total") {
            name.truncate(stem.len());
        }
    }
    if let Some(unit) = unit_word(&f.unit, f.kind) {
        if !name.ends_with(&format!("_{unit}")) {
            name.push('_');
            name.push_str(&unit);
        }
    }
    if counter && format == Format::Text {
        name.push_str("_total");
    }
    name
}

/// Characters outside the metric (or label) name alphabet become `_`, runs of `_` one,
/// and a leading digit gets a `_` in front.
fn sanitize(s: &str, metric: bool) -> String {
    let mut out = String::with_capacity(s.len() + 1);
    for c in s.chars() {
        let ok = c.is_ascii_alphanumeric() || c == '_' || (metric && c == ':');
        let c = if ok { c } else { '_' };
        if c == '_' && out.ends_with('_') {
            continue;
        }
        out.push(c);
    }
    if out.is_empty() || out.starts_with(|c: char| c.is_ascii_digit()) {
        out.insert(0, '_');
    }
    out
}

/// The unit as a Prometheus name word, or `None` for none (or only annotations).
fn unit_word(unit: &str, kind: InstrumentKind) -> Option<String> {
    // `{request}` and the like are annotations, not units.
    let mut u = String::new();
    let mut depth = 0;
    for c in unit.chars() {
        match c {
            '{' => depth += 1,
            '}' => depth = (depth - 1_i32).max(0),
            _ if depth == 0 => u.push(c),
            _ => {}
        }
    }
    let u = u.trim();
    if u.is_empty() {
        return None;
    }
    if u == "1" {
        return (kind != InstrumentKind::Counter && type_of(kind) == "gauge").then(|| "ratio".into());
    }
    let word = |w: &str| -> String {
        let known = match w {
            "d" => "days",
            "h" => "hours",
            "min" => "minutes",
            "s" => "seconds",
            "ms" => "milliseconds",
            "us" => "microseconds",
            "ns" => "nanoseconds",
            "By" => "bytes",
            "KiBy" => "kibibytes",
            "MiBy" => "mebibytes",
            "GiBy" => "gibibytes",
            "KBy" => "kilobytes",
            "MBy" => "megabytes",
            "GBy" => "gigabytes",
            "bit" => "bits",
            "m" => "meters",
            "V" => "volts",
            "A" => "amperes",
            "J" => "joules",
            "W" => "watts",
            "g" => "grams",
            "Cel" => "celsius",
            "Hz" => "hertz",
            "%" => "percent",
            other => return sanitize(other, false).trim_matches('_').to_string(),
        };
        known.to_string()
    };
    let w = match u.split_once('/') {
        Some((a, b)) => {
            let per = match b {
                "s" => "second".to_string(),
                "m" => "minute".to_string(),
                "h" => "hour".to_string(),
                "d" => "day".to_string(),
                other => word(other),
            };
            format!("{}_per_{per}", word(a))
        }
        None => word(u),
    };
    (!w.is_empty()).then_some(w)
}

fn header(f: &Family, name: &str, format: Format, out: &mut String) {
    let kind = type_of(f.kind);
    let _ = writeln!(out, "# TYPE {name} {kind}");
    if format == Format::OpenMetrics {
        if let Some(unit) = unit_word(&f.unit, f.kind) {
            if name.ends_with(&format!("_{unit}")) {
                let _ = writeln!(out, "# UNIT {name} {unit}");
            }
        }
    }
    // Without a description, the instrument's own name is the most useful help text
    // (and a family without help is a lint error to `promtool check metrics`).
    let help = if f.description.is_empty() { &f.name } else { &f.description };
    {
        let _ = write!(out, "# HELP {name} ");
        for c in help.chars() {
            match c {
                '\\' => out.push_str("\\\\"),
                '\n' => out.push_str("\\n"),
                '"' if format == Format::OpenMetrics => out.push_str("\\\""),
                c => out.push(c),
            }
        }
        out.push('\n');
    }
}

/// One sample line: `name{labels} value`.
fn line(
    out: &mut String,
    name: &str,
    suffix: &str,
    p: &Point,
    scope: Option<&str>,
    extra: Option<(&str, &str)>,
    value: &dyn std::fmt::Display,
) {
    out.push_str(name);
    out.push_str(suffix);
    let attrs = p.attributes();
    if !attrs.is_empty() || scope.is_some() || extra.is_some() {
        out.push('{');
        let mut first = true;
        let mut label = |out: &mut String, k: &str, v: &dyn std::fmt::Display| {
            if !first {
                out.push(',');
            }
            first = false;
            out.push_str(k);
            out.push_str("=\"");
            let mut s = String::new();
            let _ = write!(s, "{v}");
            for c in s.chars() {
                match c {
                    '\\' => out.push_str("\\\\"),
                    '"' => out.push_str("\\\""),
                    '\n' => out.push_str("\\n"),
                    c => out.push(c),
                }
            }
            out.push('"');
        };
        for a in attrs.iter() {
            let v: &dyn std::fmt::Display = match &a.value {
                Value::F64(f) => &Num(*f),
                v => v,
            };
            label(out, &sanitize(a.key, false), v);
        }
        if let Some(s) = scope {
            label(out, "otel_scope_name", &s);
        }
        if let Some((k, v)) = extra {
            label(out, k, &v);
        }
        out.push('}');
    }
    let _ = writeln!(out, " {value}");
}

/// A float as both formats read it: `NaN`, `+Inf`, `-Inf`, else Rust's shortest form that
/// round-trips (`0.005`, `1.0`, `1e-7`).
struct Num(f64);

impl std::fmt::Display for Num {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let v = self.0;
        if v.is_nan() {
            f.write_str("NaN")
        } else if v == f64::INFINITY {
            f.write_str("+Inf")
        } else if v == f64::NEG_INFINITY {
            f.write_str("-Inf")
        } else {
            write!(f, "{v:?}")
        }
    }
}

fn samples(p: &Point, name: &str, scope: Option<&str>, format: Format, out: &mut String) {
    let om = format == Format::OpenMetrics;
    match &p.value {
        PointValue::Counter(v) => line(out, name, if om { "_total" } else { "" }, p, scope, None, v),
        PointValue::UpDownCounter(v) => line(out, name, "", p, scope, None, v),
        PointValue::Gauge(v) => line(out, name, "", p, scope, None, &Num(*v)),
        PointValue::Histogram(h) => {
            let mut cum = 0u64;
            for (i, c) in h.counts.iter().enumerate() {
                cum = cum.wrapping_add(*c);
                let le = match h.bounds.get(i) {
                    Some(b) => Num(*b).to_string(),
                    None => "+Inf".into(),
                };
                line(out, name, "_bucket", p, scope, Some(("le", &le)), &cum);
            }
            line(out, name, "_sum", p, scope, None, &Num(h.sum));
            line(out, name, "_count", p, scope, None, &h.count);
        }
        PointValue::Exponential(e) => {
            let base = |i: i32| 2f64.powf(f64::from(i) * 2f64.powi(-e.scale));
            let mut cum = e.zero_count;
            line(out, name, "_bucket", p, scope, Some(("le", &Num(e.zero_threshold).to_string())), &cum);
            for (i, c) in e.counts.iter().enumerate() {
                cum = cum.wrapping_add(*c);
                // Bucket `offset + i` ends at base^(offset + i + 1), inclusive.
                let upper = base(e.offset + i as i32 + 1);
                if *c != 0 && upper > e.zero_threshold {
                    line(out, name, "_bucket", p, scope, Some(("le", &Num(upper).to_string())), &cum);
                }
            }
            line(out, name, "_bucket", p, scope, Some(("le", "+Inf")), &e.count);
            line(out, name, "_sum", p, scope, None, &Num(e.sum));
            line(out, name, "_count", p, scope, None, &e.count);
        }
    }
}

#[cfg(test)]
mod tests;
