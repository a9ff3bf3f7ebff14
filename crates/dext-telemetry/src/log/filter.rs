//! Log filters: a default level and per-target levels.

use super::Level;
use std::fmt;

/// A default level and per-target levels (`None`: off).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Filter {
    default: Option<Level>,
    /// (target prefix, level), longest prefix first.
    targets: Vec<(String, Option<Level>)>,
}

/// A directive that is not `level`, `target` or `target=level`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FilterError {
    /// The directive.
    pub directive: String,
}

impl fmt::Display for FilterError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "invalid log directive {:?}", self.directive)
    }
}

impl std::error::Error for FilterError {}

fn level(s: &str) -> Result<Option<Level>, ()> {
    Ok(Some(match s.to_ascii_lowercase().as_str() {
        "off" => return Ok(None),
        "error" => Level::Error,
        "warn" => Level::Warn,
        "info" => Level::Info,
        "debug" => Level::Debug,
        "trace" => Level::Trace,
        _ => return Err(()),
    }))
}

impl Filter {
    /// Everything at `level` and more severe.
    pub fn new(level: Option<Level>) -> Filter {
        Filter { default: level, targets: Vec::new() }
    }

    /// Sets the level of `target` and the targets under it (`a::b` covers `a::b::c`, not
    /// `a::bc`).
    pub fn target(mut self, target: &str, level: Option<Level>) -> Filter {
        self.targets.retain(|(t, _)| t != target);
        self.targets.push((target.into(), level));
        self.targets.sort_by_key(|t| std::cmp::Reverse(t.0.len()));
        self
    }

    /// Parses comma-separated directives: `level` sets the default, `target` alone enables
    /// everything there (trace), `target=level` sets a target's level. Levels are `off`,
    /// `error`, `warn`, `info`, `debug`, `trace`, in any case. Later directives win.
    pub fn parse(spec: &str) -> Result<Filter, FilterError> {
        let mut f = Filter::new(None);
        for d in spec.split(',').map(str::trim).filter(|d| !d.is_empty()) {
            let err = || FilterError { directive: d.into() };
            match d.split_once('=') {
                Some((t, l)) => {
                    let t = t.trim();
                    if t.is_empty() {
                        return Err(err());
                    }
                    f = f.target(t, level(l.trim()).map_err(|_| err())?);
                }
                None => match level(d) {
                    Ok(l) => f.default = l,
                    Err(())
                        if d.chars().all(|c| c.is_alphanumeric() || c == '_' || c == ':' || c == '-' || c == '.') =>
                    {
                        f = f.target(d, Some(Level::Trace));
                    }
                    Err(()) => return Err(err()),
                },
            }
        }
        Ok(f)
    }

    /// The level in force at `target`.
    pub fn level_for(&self, target: &str) -> Option<Level> {
        for (t, l) in &self.targets {
            if let Some(rest) = target.strip_prefix(t.as_str()) {
                if rest.is_empty() || rest.starts_with("::") {
                    return *l;
                }
            }
        }
        self.default
    }

    /// Whether `level` at `target` passes.
    pub fn enabled(&self, level: Level, target: &str) -> bool {
        self.level_for(target).is_some_and(|max| level <= max)
    }

    /// The most verbose level any directive enables.
    pub fn max_level(&self) -> Option<Level> {
        self.targets.iter().filter_map(|(_, l)| *l).chain(self.default).max()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(spec: &str, cases: &[(Level, &str, bool)]) {
        let f = Filter::parse(spec).unwrap();
        for &(level, target, want) in cases {
            assert_eq!(f.enabled(level, target), want, "{spec:?}: {level:?} at {target}");
        }
    }

    #[test]
    fn directives() {
        use Level::*;
        check("", &[(Error, "a", false)]);
        check("info", &[(Info, "a", true), (Debug, "a", false), (Error, "a::b", true)]);
        check(
            "warn,dext_server=debug,dext_server::conn=off",
            &[
                (Info, "app", false),
                (Warn, "app", true),
                (Debug, "dext_server", true),
                (Debug, "dext_server::body", true),
                (Trace, "dext_server::body", false),
                (Error, "dext_server::conn", false),
                (Error, "dext_server::conn::x", false),
                // A prefix counts only at a `::` boundary.
                (Debug, "dext_serverx", false),
                (Error, "dext_server::connx", true),
            ],
        );
        check("my_app", &[(Trace, "my_app::x", true), (Error, "other", false)]);
        check("INFO,a=TRACE,a=error", &[(Info, "a", false), (Error, "a", true), (Info, "b", true)]);
        assert_eq!(Filter::parse("info,a=debug").unwrap().max_level(), Some(Level::Debug));
        assert_eq!(Filter::parse("off").unwrap().max_level(), None);
        assert_eq!(Filter::parse("a=verbose").unwrap_err().directive, "a=verbose");
        assert!(Filter::parse("=info").is_err());
        assert!(Filter::parse("what ever").is_err());
    }
}
