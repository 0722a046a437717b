//! Versions and constraints with the grammar of Masterminds/semver v3, which Helm and Flux use
//! for `spec.chart.spec.version`, OCIRepository `ref.semver` and ImagePolicy `semver.range`.
//!
//! Cargo's semver crate cannot stand in: there a bare `1.2.3` means `^1.2.3`, here it is exact,
//! and the pre-release and wildcard rules differ.

use regex::Regex;
use std::cmp::Ordering;
use std::sync::LazyLock;

/// A version constraint's version: each component may be a wildcard (`x`, `X`, `*`).
const CV: &str = r"v?[0-9xX*]+(?:\.[0-9xX*]+)?(?:\.[0-9xX*]+)?(?:-[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?(?:\+[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?";
/// Operators; the empty alternative is a bare version. Order matters for leftmost-first matching
/// only where the regex is unanchored, and there each operator is tried until the version fits.
const OPS: &str = r"=|!=|>|<|>=|=>|<=|=<|~|~>|\^|";

/// Masterminds refuses longer versions to bound the work done on untrusted input.
const MAX_LEN: usize = 256;

static VERSION_RE: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"^v?([0-9]+)(?:\.([0-9]+))?(?:\.([0-9]+))?(?:-([0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*))?(?:\+([0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*))?$",
    )
});
static RANGE_RE: LazyLock<Regex> = LazyLock::new(|| re(&format!(r"\s*({CV})\s+-\s+({CV})\s*")));
static ONE_RE: LazyLock<Regex> = LazyLock::new(|| {
    re(&format!(
        r"^\s*({OPS})\s*v?([0-9xX*]+)(?:\.([0-9xX*]+))?(?:\.([0-9xX*]+))?(-[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?(?:\+[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?\s*$"
    ))
});
static FIND_RE: LazyLock<Regex> = LazyLock::new(|| re(&format!(r"(?:{OPS})\s*(?:{CV})")));
static VALID_RE: LazyLock<Regex> = LazyLock::new(|| {
    re(&format!(
        r"^(?:\s*(?:{OPS})\s*(?:{CV})\s*)(?:(?:\s+|,\s*)(?:{OPS})\s*(?:{CV})\s*)*$"
    ))
});
static OP_ONLY_RE: LazyLock<Regex> = LazyLock::new(|| re(&format!(r"^(?:{OPS})$")));
static CV_ONLY_RE: LazyLock<Regex> = LazyLock::new(|| re(&format!(r"^(?:{CV})$")));
static TOKEN_RE: LazyLock<Regex> = LazyLock::new(|| re(&format!(r"^(?:{OPS})(?:{CV})$")));

#[allow(clippy::expect_used)]
fn re(pattern: &str) -> Regex {
    // The patterns are constants of this module, so a failure is a programming error.
    // Go's `\s` is ASCII whitespace without \v; Rust's would also match Unicode spaces.
    Regex::new(&pattern.replace(r"\s", r"[\t\n\f\r ]")).expect("constant regex compiles")
}

/// A semantic version as Masterminds/semver reads it. Equality and order ignore build
/// metadata, as precedence does.
#[derive(Debug, Clone)]
pub struct Version {
    /// Major component.
    pub major: u64,
    /// Minor component (0 when the input omitted it).
    pub minor: u64,
    /// Patch component (0 when the input omitted it).
    pub patch: u64,
    /// Pre-release without its `-`; empty for a release.
    pub pre: String,
    /// Build metadata without its `+`; never takes part in comparisons.
    pub build: String,
}

fn num(s: &str, what: &str, input: &str) -> Result<u64, String> {
    s.parse::<u64>()
        .map_err(|_| format!("invalid version {input:?}: {what} {s:?} is out of range"))
}

fn check_pre(pre: &str, input: &str) -> Result<(), String> {
    for part in pre.split('.') {
        if part.len() > 1 && part.starts_with('0') && part.bytes().all(|b| b.is_ascii_digit()) {
            return Err(format!(
                "invalid version {input:?}: numeric pre-release identifier {part:?} has a leading zero"
            ));
        }
    }
    Ok(())
}

impl Version {
    /// Parses as Masterminds' `NewVersion`: an optional leading `v`, minor and patch may be
    /// missing (they become 0), then an optional pre-release and build metadata.
    pub fn parse(s: &str) -> Result<Version, String> {
        if s.len() > MAX_LEN {
            return Err(format!(
                "invalid semantic version: longer than {MAX_LEN} bytes"
            ));
        }
        let caps = VERSION_RE
            .captures(s)
            .ok_or_else(|| format!("invalid semantic version {s:?}"))?;
        let get = |i: usize| caps.get(i).map_or("", |m| m.as_str());
        let pre = get(4).to_string();
        check_pre(&pre, s)?;
        Ok(Version {
            major: num(get(1), "major", s)?,
            minor: if get(2).is_empty() {
                0
            } else {
                num(get(2), "minor", s)?
            },
            patch: if get(3).is_empty() {
                0
            } else {
                num(get(3), "patch", s)?
            },
            pre,
            build: get(5).to_string(),
        })
    }

    /// Parses as Masterminds' `StrictNewVersion`: exactly `MAJOR.MINOR.PATCH` with no `v` and
    /// no leading zeros, then an optional pre-release and build metadata.
    pub fn parse_strict(s: &str) -> Result<Version, String> {
        if s.starts_with('v') {
            return Err(format!(
                "invalid semantic version {s:?}: strict versions have no 'v' prefix"
            ));
        }
        let v = Version::parse(s)?;
        let core = s.split(['-', '+']).next().unwrap_or("");
        let parts: Vec<&str> = core.split('.').collect();
        if parts.len() != 3 {
            return Err(format!(
                "invalid semantic version {s:?}: expected MAJOR.MINOR.PATCH"
            ));
        }
        if let Some(p) = parts.iter().find(|p| p.len() > 1 && p.starts_with('0')) {
            return Err(format!(
                "invalid semantic version {s:?}: component {p:?} has a leading zero"
            ));
        }
        Ok(v)
    }

    fn cmp_version(&self, o: &Version) -> Ordering {
        (self.major, self.minor, self.patch)
            .cmp(&(o.major, o.minor, o.patch))
            .then_with(|| match (self.pre.is_empty(), o.pre.is_empty()) {
                (true, true) => Ordering::Equal,
                (true, false) => Ordering::Greater,
                (false, true) => Ordering::Less,
                (false, false) => cmp_pre(&self.pre, &o.pre),
            })
    }
}

impl PartialEq for Version {
    fn eq(&self, other: &Self) -> bool {
        self.cmp_version(other) == Ordering::Equal
    }
}

impl Eq for Version {}

impl PartialOrd for Version {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp_version(other))
    }
}

/// Pre-release order (SemVer 2.0 as Masterminds v3 implements it): identifiers compared
/// pairwise, numbers numerically and below words, a shorter list below a longer one; a number
/// too large for u64 counts as a word.
fn cmp_pre(a: &str, b: &str) -> Ordering {
    let (xs, ys): (Vec<&str>, Vec<&str>) = (a.split('.').collect(), b.split('.').collect());
    for i in 0..xs.len().max(ys.len()) {
        let x = xs.get(i).copied().unwrap_or("");
        let y = ys.get(i).copied().unwrap_or("");
        let o = cmp_part(x, y);
        if o != Ordering::Equal {
            return o;
        }
    }
    Ordering::Equal
}

fn cmp_part(x: &str, y: &str) -> Ordering {
    if x == y {
        return Ordering::Equal;
    }
    let (nx, ny) = (x.parse::<u64>().ok(), y.parse::<u64>().ok());
    if y.is_empty() {
        return if nx.is_some() {
            Ordering::Greater
        } else {
            Ordering::Less
        };
    }
    if x.is_empty() {
        return if ny.is_some() {
            Ordering::Less
        } else {
            Ordering::Greater
        };
    }
    match (nx, ny) {
        (Some(a), Some(b)) => a.cmp(&b),
        (None, Some(_)) => Ordering::Greater,
        (Some(_), None) => Ordering::Less,
        (None, None) => x.cmp(y),
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    Eq,
    Ne,
    Gt,
    Lt,
    Ge,
    Le,
    Tilde,
    Caret,
}

/// One comparator; `dirty` = some component was a wildcard or missing, and which one decides
/// how wide the range is.
#[derive(Debug, Clone)]
struct Comparator {
    op: Op,
    con: Version,
    dirty: bool,
    major_dirty: bool,
    minor_dirty: bool,
    patch_dirty: bool,
}

/// A parsed constraint: OR (`||`) of AND groups of comparators.
#[derive(Debug, Clone)]
pub struct Constraints {
    /// Each AND group, with whether some comparator in it names a pre-release: only then may
    /// a pre-release version satisfy the group.
    groups: Vec<(Vec<Comparator>, bool)>,
}

/// Masterminds' bounds on untrusted constraint strings.
const MAX_CONSTRAINT_LEN: usize = 512;
const MAX_GROUPS: usize = 32;

fn is_x(s: &str) -> bool {
    matches!(s, "x" | "X" | "*")
}

fn parse_comparator(text: &str) -> Result<Comparator, String> {
    let caps = ONE_RE
        .captures(text)
        .ok_or_else(|| format!("invalid constraint {:?}", text.trim()))?;
    let get = |i: usize| caps.get(i).map_or("", |m| m.as_str());
    let op = match get(1) {
        "" | "=" => Op::Eq,
        "!=" => Op::Ne,
        ">" => Op::Gt,
        "<" => Op::Lt,
        ">=" | "=>" => Op::Ge,
        "<=" | "=<" => Op::Le,
        "~" | "~>" => Op::Tilde,
        _ => Op::Caret,
    };
    let (maj, min, pat, pre) = (get(2), get(3), get(4), get(5));
    let major_dirty = is_x(maj);
    let minor_dirty = !major_dirty && (min.is_empty() || is_x(min));
    let patch_dirty = !major_dirty && !minor_dirty && (pat.is_empty() || is_x(pat));
    let core = if major_dirty {
        "0.0.0".to_string()
    } else if minor_dirty {
        format!("{maj}.0.0")
    } else if patch_dirty {
        format!("{maj}.{min}.0")
    } else {
        format!("{maj}.{min}.{pat}")
    };
    // A wildcard or stray character inside a number (`1x`, `x1`) is not a version.
    let con = Version::parse(&format!("{core}{pre}"))
        .map_err(|e| format!("invalid constraint {:?}: {e}", text.trim()))?;
    if [maj, min, pat]
        .iter()
        .any(|p| p.len() > 1 && p.contains(['x', 'X', '*']))
    {
        return Err(format!(
            "invalid constraint {:?}: mixed digits and wildcard",
            text.trim()
        ));
    }
    Ok(Comparator {
        op,
        con,
        dirty: major_dirty || minor_dirty || patch_dirty,
        major_dirty,
        minor_dirty,
        patch_dirty,
    })
}

/// Names the first whitespace- or comma-separated piece of `seg` that is not an operator
/// followed by a version, so the message points at what the person wrote wrong.
fn offending_part(seg: &str) -> String {
    let toks: Vec<&str> = seg
        .split([' ', '\t', ','])
        .filter(|t| !t.is_empty())
        .collect();
    let mut i = 0;
    while i < toks.len() {
        if TOKEN_RE.is_match(toks[i]) {
            i += 1;
        } else if OP_ONLY_RE.is_match(toks[i])
            && toks.get(i + 1).is_some_and(|t| CV_ONLY_RE.is_match(t))
        {
            i += 2;
        } else if OP_ONLY_RE.is_match(toks[i]) {
            return format!("operator {:?} is not followed by a version", toks[i]);
        } else {
            return format!("{:?} is not an operator and version", toks[i]);
        }
    }
    "empty constraint".to_string()
}

impl Constraints {
    /// Parses as Masterminds' `NewConstraint`.
    pub fn parse(s: &str) -> Result<Constraints, String> {
        if s.len() > MAX_CONSTRAINT_LEN {
            return Err(format!(
                "invalid semver constraint: longer than {MAX_CONSTRAINT_LEN} bytes"
            ));
        }
        if s.matches("||").count() >= MAX_GROUPS {
            return Err(format!(
                "invalid semver constraint {s:?}: more than {MAX_GROUPS} '||' alternatives"
            ));
        }
        let rewritten = RANGE_RE.replace_all(s, " >= $1, <= $2 ");
        let mut groups = Vec::new();
        for seg in rewritten.split("||") {
            if !VALID_RE.is_match(seg) {
                return Err(format!(
                    "invalid semver constraint {s:?}: {}",
                    offending_part(seg)
                ));
            }
            let group = FIND_RE
                .find_iter(seg)
                .map(|m| parse_comparator(m.as_str()))
                .collect::<Result<Vec<_>, _>>()
                .map_err(|e| format!("invalid semver constraint {s:?}: {e}"))?;
            let has_pre = group.iter().any(|c| !c.con.pre.is_empty());
            groups.push((group, has_pre));
        }
        Ok(Constraints { groups })
    }

    /// Whether `v` satisfies any OR group, every comparator of the group accepting it.
    pub fn check(&self, v: &Version) -> bool {
        self.groups
            .iter()
            .any(|(g, has_pre)| g.iter().all(|c| c.check(v, *has_pre)))
    }
}

impl Comparator {
    fn check(&self, v: &Version, include_pre: bool) -> bool {
        // A pre-release is only considered when its AND group names one, so that `>=1.0`
        // never picks up `2.0.0-rc.1` while `>=1.0.0-0 <2` does.
        if !v.pre.is_empty() && !include_pre {
            return false;
        }
        let c = &self.con;
        let ord = v.cmp_version(c);
        match self.op {
            Op::Eq if self.dirty => self.tilde(v),
            Op::Eq => ord == Ordering::Equal,
            Op::Ne => self.not_equal(v, ord),
            Op::Gt if !self.dirty => ord == Ordering::Greater,
            Op::Gt => match v.major.cmp(&c.major) {
                Ordering::Greater => true,
                Ordering::Less => false,
                // `>1` needs 2.0.0 or later; `>1.1` needs 1.2.0 or later.
                Ordering::Equal if self.minor_dirty => false,
                Ordering::Equal if self.patch_dirty => v.minor > c.minor,
                Ordering::Equal => ord == Ordering::Greater,
            },
            Op::Lt => ord == Ordering::Less,
            Op::Ge => ord != Ordering::Less,
            Op::Le if !self.dirty => ord != Ordering::Greater,
            Op::Le => {
                !(v.major > c.major
                    || (v.major == c.major && v.minor > c.minor && !self.minor_dirty))
            }
            Op::Tilde => self.tilde(v),
            Op::Caret => self.caret(v, ord),
        }
    }

    fn not_equal(&self, v: &Version, ord: Ordering) -> bool {
        let c = &self.con;
        if self.minor_dirty || self.patch_dirty {
            if c.major != v.major {
                return true;
            }
            if self.minor_dirty {
                return false;
            }
            if c.minor != v.minor {
                return true;
            }
            // Patch wildcard: differing pre-releases still make the versions differ.
            return (!v.pre.is_empty() || !c.pre.is_empty())
                && cmp_pre(&v.pre, &c.pre) != Ordering::Equal;
        }
        ord != Ordering::Equal
    }

    fn tilde(&self, v: &Version) -> bool {
        let c = &self.con;
        if v.cmp_version(c) == Ordering::Less {
            return false;
        }
        if self.major_dirty
            || (c.major == 0
                && c.minor == 0
                && c.patch == 0
                && !self.minor_dirty
                && !self.patch_dirty)
        {
            return true;
        }
        v.major == c.major && (self.minor_dirty || v.minor == c.minor)
    }

    fn caret(&self, v: &Version, ord: Ordering) -> bool {
        let c = &self.con;
        if ord == Ordering::Less {
            return false;
        }
        // `^*` lands here with 0.0.0 and no minor wildcard, so it only admits 0.0.0: Masterminds'
        // code does that although its comment calls `^*` "any".
        if c.major > 0 || self.minor_dirty {
            return v.major == c.major;
        }
        if v.major > 0 {
            return false;
        }
        if c.minor > 0 || self.patch_dirty {
            return v.minor == c.minor;
        }
        v.minor == 0 && v.patch == c.patch
    }
}

#[cfg(test)]
mod tests;
