//! Which files and objects a batch command takes: include/exclude patterns (in command-line
//! order, the first that matches decides), sizes and modification times.
//!
//! Patterns: `*` matches within one segment, `**` across `/`, `?` one character of a
//! segment, `[abc]`/`[a-z]`/`[!abc]` one character of a set; `\` escapes. A pattern without
//! `/` is matched against the last segment of the name; one with `/` against the whole
//! name relative to the command's base (a leading `/` is ignored), and a pattern ending with
//! `/` matches everything under that directory. A name no rule matches is taken, unless
//! all the rules are includes (`--include '*.jpg'` alone takes only the JPEGs;
//! `--include keep.log --exclude '*.log'` takes everything but the logs, and keep.log).

use std::path::Path;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crate::args::FilterArgs;
use crate::error::CliError;
use crate::format::parse_time;

/// Whether a rule takes or leaves out what it matches, and where its patterns come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RuleKind {
    /// `--include PATTERN`.
    Include,
    /// `--exclude PATTERN`.
    Exclude,
    /// `--include-from FILE`.
    IncludeFrom,
    /// `--exclude-from FILE`.
    ExcludeFrom,
}

/// One include/exclude option as given.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rule {
    /// Which option.
    pub kind: RuleKind,
    /// The pattern, or the file of patterns.
    pub value: String,
}

/// A compiled pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Pattern {
    include: bool,
    /// Matched against the last segment only.
    base_name: bool,
    /// Matches everything under the directory it names.
    dir: bool,
    tokens: Vec<Token>,
    text: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Token {
    Literal(char),
    /// `?`
    One,
    /// `*`
    Star,
    /// `**`
    DoubleStar,
    /// `[...]`: ranges, negated.
    Class(Vec<(char, char)>, bool),
}

fn compile(text: &str, include: bool) -> Result<Pattern, String> {
    let mut body = text.strip_prefix('/').unwrap_or(text);
    let dir = body.ends_with('/') && body.len() > 1;
    if dir {
        body = &body[..body.len() - 1];
    }
    if body.is_empty() {
        return Err(format!("the pattern {text:?} is empty"));
    }
    let base_name = !text.contains('/');
    let mut tokens = Vec::new();
    let chars: Vec<char> = body.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        match chars[i] {
            '\\' => {
                i += 1;
                let c = *chars
                    .get(i)
                    .ok_or_else(|| format!("the pattern {text:?} ends with a lone \\"))?;
                tokens.push(Token::Literal(c));
            }
            '?' => tokens.push(Token::One),
            '*' if chars.get(i + 1) == Some(&'*') => {
                i += 1;
                tokens.push(Token::DoubleStar);
            }
            '*' => tokens.push(Token::Star),
            '[' => {
                let mut j = i + 1;
                let negated = matches!(chars.get(j), Some('!') | Some('^'));
                if negated {
                    j += 1;
                }
                let mut ranges = Vec::new();
                let mut first = true;
                loop {
                    let Some(&c) = chars.get(j) else {
                        return Err(format!("the pattern {text:?} has an unclosed ["));
                    };
                    if c == ']' && !first {
                        break;
                    }
                    first = false;
                    if chars.get(j + 1) == Some(&'-') && chars.get(j + 2).is_some_and(|&e| e != ']')
                    {
                        ranges.push((c, chars[j + 2]));
                        j += 3;
                    } else {
                        ranges.push((c, c));
                        j += 1;
                    }
                }
                tokens.push(Token::Class(ranges, negated));
                i = j;
            }
            c => tokens.push(Token::Literal(c)),
        }
        i += 1;
    }
    Ok(Pattern {
        include,
        base_name,
        dir,
        tokens,
        text: text.to_string(),
    })
}

/// Whether `tokens` match all of `name`.
fn matches(tokens: &[Token], name: &[char]) -> bool {
    match tokens.split_first() {
        None => name.is_empty(),
        Some((Token::Star, rest)) => {
            let mut i = 0;
            loop {
                if matches(rest, &name[i..]) {
                    return true;
                }
                if i == name.len() || name[i] == '/' {
                    return false;
                }
                i += 1;
            }
        }
        Some((Token::DoubleStar, rest)) => (0..=name.len()).any(|i| matches(rest, &name[i..])),
        Some((t, rest)) => {
            let Some((&c, tail)) = name.split_first() else {
                return false;
            };
            let ok = match t {
                Token::Literal(l) => *l == c,
                Token::One => c != '/',
                Token::Class(ranges, negated) => {
                    c != '/' && ranges.iter().any(|(a, b)| *a <= c && c <= *b) != *negated
                }
                Token::Star | Token::DoubleStar => false,
            };
            ok && matches(rest, tail)
        }
    }
}

impl Pattern {
    fn is_match(&self, rel: &str) -> bool {
        if self.base_name {
            let name = rel.trim_end_matches('/').rsplit('/').next().unwrap_or(rel);
            let name: Vec<char> = name.chars().collect();
            return matches(&self.tokens, &name);
        }
        let chars: Vec<char> = rel.chars().collect();
        if matches(&self.tokens, &chars) {
            return true;
        }
        // A directory pattern matches everything below the directories it matches.
        self.dir
            && chars
                .iter()
                .enumerate()
                .filter(|(_, c)| **c == '/')
                .any(|(i, _)| matches(&self.tokens, &chars[..i]))
    }
}

/// What a batch command takes.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    patterns: Vec<Pattern>,
    /// What no pattern matches is left out (there are include rules and no exclude rule).
    only_included: bool,
    min_size: Option<u64>,
    max_size: Option<u64>,
    min_mtime: Option<i64>,
    max_mtime: Option<i64>,
}

impl Filter {
    /// The filter of the command-line options (pattern files are read here).
    pub fn from_args(args: &FilterArgs) -> Result<Filter, CliError> {
        let mut patterns = Vec::new();
        let bad = |e: String| CliError::usage(e);
        for rule in &args.rules {
            match rule.kind {
                RuleKind::Include => patterns.push(compile(&rule.value, true).map_err(bad)?),
                RuleKind::Exclude => patterns.push(compile(&rule.value, false).map_err(bad)?),
                RuleKind::IncludeFrom | RuleKind::ExcludeFrom => {
                    let include = rule.kind == RuleKind::IncludeFrom;
                    for p in read_list(Path::new(&rule.value))? {
                        patterns.push(compile(&p, include).map_err(bad)?);
                    }
                }
            }
        }
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or(Duration::ZERO)
            .as_secs() as i64;
        let time = |v: &Option<String>, flag: &str| -> Result<Option<i64>, CliError> {
            v.as_deref()
                .map(|t| parse_time(t).map_err(|e| CliError::usage(format!("{flag}: {e}"))))
                .transpose()
        };
        let mut min_mtime = time(&args.min_mtime, "--min-mtime")?;
        let mut max_mtime = time(&args.max_mtime, "--max-mtime")?;
        // --min-age: older than the age, so modified before now - age.
        if let Some(age) = args.min_age {
            let t = now - age.as_secs() as i64;
            max_mtime = Some(max_mtime.map_or(t, |m| m.min(t)));
        }
        if let Some(age) = args.max_age {
            let t = now - age.as_secs() as i64;
            min_mtime = Some(min_mtime.map_or(t, |m| m.max(t)));
        }
        Ok(Filter {
            only_included: patterns.iter().any(|p| p.include) && patterns.iter().all(|p| p.include),
            patterns,
            min_size: args.min_size,
            max_size: args.max_size,
            min_mtime,
            max_mtime,
        })
    }

    /// Whether the name (relative to the command's base) passes the patterns.
    pub fn name_passes(&self, rel: &str) -> bool {
        match self.patterns.iter().find(|p| p.is_match(rel)) {
            Some(p) => p.include,
            None => !self.only_included,
        }
    }

    /// Whether an entry of `size` bytes modified at `mtime` (Unix seconds) is taken.
    pub fn passes(&self, rel: &str, size: u64, mtime: Option<i64>) -> bool {
        if self.min_size.is_some_and(|m| size < m) || self.max_size.is_some_and(|m| size > m) {
            return false;
        }
        if let Some(t) = mtime {
            if self.min_mtime.is_some_and(|m| t < m) || self.max_mtime.is_some_and(|m| t >= m) {
                return false;
            }
        } else if self.min_mtime.is_some() || self.max_mtime.is_some() {
            return false;
        }
        self.name_passes(rel)
    }
}

/// The non-blank, non-comment lines of a list file (patterns, or names for
/// `--files-from`).
pub fn read_list(path: &Path) -> Result<Vec<String>, CliError> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| CliError::usage(format!("cannot read {}: {e}", path.display())))?;
    Ok(text
        .lines()
        .map(|l| l.trim_end_matches('\r'))
        .filter(|l| !l.trim().is_empty() && !l.trim_start().starts_with('#'))
        .map(str::to_string)
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn filter(rules: &[(RuleKind, &str)]) -> Filter {
        let args = FilterArgs {
            rules: rules
                .iter()
                .map(|(k, v)| Rule {
                    kind: *k,
                    value: v.to_string(),
                })
                .collect(),
            ..Default::default()
        };
        Filter::from_args(&args).unwrap()
    }

    #[test]
    fn patterns() {
        let m = |p: &str, name: &str| compile(p, true).unwrap().is_match(name);
        assert!(m("*.jpg", "a/b/photo.jpg"));
        assert!(!m("*.jpg", "a/b/photo.jpeg"));
        assert!(m("a/*.txt", "a/x.txt"));
        assert!(!m("a/*.txt", "a/b/x.txt"));
        assert!(m("a/**.txt", "a/b/x.txt"));
        assert!(m("**/x.txt", "a/b/x.txt"));
        assert!(m("/a/?.txt", "a/x.txt"));
        assert!(m("file[0-9].log", "dir/file7.log"));
        assert!(!m("file[!0-9].log", "dir/file7.log"));
        assert!(m("logs/", "logs/2024/a.log"));
        assert!(!m("logs/", "other/logs.txt"));
        assert!(m("\\*literal", "*literal"));
        assert!(compile("[abc", true).is_err());
        assert!(compile("", true).is_err());
    }

    #[test]
    fn first_matching_rule_decides() {
        let f = filter(&[
            (RuleKind::Exclude, "*.tmp"),
            (RuleKind::Include, "keep.tmp"),
        ]);
        assert!(!f.name_passes("keep.tmp"));
        assert!(f.name_passes("a.txt"));
        let f = filter(&[
            (RuleKind::Include, "keep.tmp"),
            (RuleKind::Exclude, "*.tmp"),
        ]);
        assert!(f.name_passes("keep.tmp"));
        assert!(!f.name_passes("b.tmp"));
        assert!(f.name_passes("a.txt"));
        // Includes alone take only what they match.
        let f = filter(&[(RuleKind::Include, "*.jpg")]);
        assert!(f.name_passes("x/a.jpg"));
        assert!(!f.name_passes("x/a.png"));
    }

    #[test]
    fn sizes_and_times() {
        let args = FilterArgs {
            min_size: Some(10),
            max_size: Some(100),
            min_mtime: Some("1000".into()),
            max_mtime: Some("2000".into()),
            ..Default::default()
        };
        let f = Filter::from_args(&args).unwrap();
        assert!(f.passes("a", 10, Some(1000)));
        assert!(!f.passes("a", 9, Some(1000)));
        assert!(!f.passes("a", 101, Some(1000)));
        assert!(!f.passes("a", 50, Some(999)));
        assert!(!f.passes("a", 50, Some(2000)));
        assert!(!f.passes("a", 50, None));
        let args = FilterArgs {
            min_age: Some(Duration::from_secs(3600)),
            ..Default::default()
        };
        let f = Filter::from_args(&args).unwrap();
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_secs() as i64;
        assert!(f.passes("a", 1, Some(now - 7200)));
        assert!(!f.passes("a", 1, Some(now - 60)));
    }

    #[test]
    fn pattern_files() {
        let dir = tempfile::tempdir().unwrap();
        let list = dir.path().join("ex.txt");
        std::fs::write(&list, "# comment\n*.bak\n\n  \ncache/\n").unwrap();
        let f = filter(&[(RuleKind::ExcludeFrom, list.to_str().unwrap())]);
        assert!(!f.name_passes("x.bak"));
        assert!(!f.name_passes("cache/a/b"));
        assert!(f.name_passes("x.txt"));
    }
}
