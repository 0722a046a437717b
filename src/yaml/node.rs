//! The spanned YAML data model.
//!
//! A [`Node`] is a resolved YAML value (the JSON data model plus integers and floats kept apart)
//! that remembers the [`Span`] where a person wrote it. Kustomize funnels every resource through
//! JSON before printing it, so this model is all a build needs; comments and styles are not kept.

use std::fmt;
use std::sync::Arc;

pub use compact_str::CompactString;

/// Where a node was written: a file and a 1-based line and column (columns count characters).
///
/// A line of 0 means "somewhere in this file" (used for generated content that has no better
/// place, and for errors about a whole file).
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Span {
    /// The file, as a path the user can open (relative to where fluxval runs, or absolute).
    pub file: Arc<str>,
    /// 1-based line, 0 when unknown.
    pub line: u32,
    /// 1-based column in characters, 0 when unknown.
    pub col: u32,
}

impl Span {
    /// A span at a known line and column.
    pub fn new(file: Arc<str>, line: u32, col: u32) -> Span {
        Span { file, line, col }
    }

    /// A span naming a whole file.
    pub fn file(file: Arc<str>) -> Span {
        Span {
            file,
            line: 0,
            col: 0,
        }
    }
}

impl fmt::Display for Span {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.line == 0 {
            write!(f, "{}", self.file)
        } else {
            write!(f, "{}:{}:{}", self.file, self.line, self.col)
        }
    }
}

/// A YAML value with the place it came from.
#[derive(Clone, Debug, PartialEq)]
pub struct Node {
    /// The value.
    pub value: Value,
    /// Where it was written; `None` for values fluxval made up with no better origin.
    pub span: Option<Span>,
}

/// A resolved YAML value.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    /// `null`, `~`, or an empty value.
    Null,
    /// A boolean.
    Bool(bool),
    /// An integer. `i128` holds both Go's `int64` and `uint64` ranges.
    Int(i128),
    /// A floating-point number.
    Float(f64),
    /// A string (short ones, most keys and values of a manifest, are stored inline).
    Str(CompactString),
    /// A sequence.
    Seq(Vec<Node>),
    /// A mapping, in the order it was written.
    Map(Mapping),
}

/// One `key: value` pair of a [`Mapping`].
#[derive(Clone, Debug, PartialEq)]
pub struct Entry {
    /// The key, as text (Kubernetes objects only have string keys; short ones are inline).
    pub key: CompactString,
    /// Where the key was written.
    pub key_span: Option<Span>,
    /// The value.
    pub value: Node,
}

/// An ordered mapping with unique string keys.
///
/// The entries are shared copy-on-write: cloning a mapping is O(1), and the first mutation of a
/// shared one copies only that level. Overlays clone their bases' resources and change a few
/// fields, so a repository's many near-identical builds share most of their trees (this is what
/// keeps peak memory proportional to what the files say rather than to overlays × bases).
#[derive(Clone, Debug, Default)]
pub struct Mapping {
    entries: Arc<Vec<Entry>>,
}

impl PartialEq for Mapping {
    fn eq(&self, other: &Mapping) -> bool {
        Arc::ptr_eq(&self.entries, &other.entries) || self.entries == other.entries
    }
}

impl Mapping {
    /// An empty mapping.
    pub fn new() -> Mapping {
        Mapping::default()
    }

    /// Drops spare capacity: a finished mapping is rarely grown again, and a small one's
    /// doubling slack is most of its size.
    pub fn shrink_to_fit(&mut self) {
        if self.entries.capacity() > self.entries.len() {
            self.entries_mut().shrink_to_fit();
        }
    }

    /// The entries in order.
    pub fn entries(&self) -> &[Entry] {
        &self.entries
    }

    /// The entries in order, mutably (unsharing them). Keys must stay unique.
    pub fn entries_mut(&mut self) -> &mut Vec<Entry> {
        Arc::make_mut(&mut self.entries)
    }

    /// Room for one more entry. Transformers add a key or two to mappings parsed at their
    /// exact size; growing by a quarter (still amortised O(1)) keeps the slack of the many
    /// small mappings of a build far below a doubling's.
    fn reserve_one(&mut self) {
        let v = self.entries_mut();
        if v.len() == v.capacity() {
            v.reserve_exact((v.len() / 4).max(1));
        }
    }

    /// Number of entries.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether there are no entries.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The entry for `key`.
    pub fn entry(&self, key: &str) -> Option<&Entry> {
        self.entries.iter().find(|e| e.key == key)
    }

    /// The value for `key`.
    pub fn get(&self, key: &str) -> Option<&Node> {
        self.entry(key).map(|e| &e.value)
    }

    /// The value for `key`, mutably.
    pub fn get_mut(&mut self, key: &str) -> Option<&mut Node> {
        // Looked up first, so asking for a key that is absent does not unshare.
        let i = self.entries.iter().position(|e| e.key == key)?;
        Some(&mut self.entries_mut()[i].value)
    }

    /// Sets `key` to `value`, keeping the key's position (and key span) when it exists.
    pub fn insert(&mut self, key: impl Into<CompactString>, value: Node) {
        let key = key.into();
        if let Some(i) = self.entries.iter().position(|e| e.key == key) {
            // Setting what is already there keeps the entries shared.
            if self.entries[i].value != value {
                self.entries_mut()[i].value = value;
            }
        } else {
            self.reserve_one();
            self.entries_mut().push(Entry {
                key,
                key_span: None,
                value,
            });
        }
    }

    /// Appends an entry whose key is known not to be present yet.
    pub fn push(&mut self, entry: Entry) {
        debug_assert!(self.entry(&entry.key).is_none());
        self.reserve_one();
        self.entries_mut().push(entry);
    }

    /// [`Mapping::push`] with a Vec's doubling growth, for building a mapping that is then
    /// finished with [`Mapping::shrink_to_fit`] (the parser).
    pub fn push_growing(&mut self, entry: Entry) {
        debug_assert!(self.entry(&entry.key).is_none());
        self.entries_mut().push(entry);
    }

    /// Removes `key`, returning its value.
    pub fn remove(&mut self, key: &str) -> Option<Node> {
        let i = self.entries.iter().position(|e| e.key == key)?;
        Some(self.entries_mut().remove(i).value)
    }

    /// Whether `key` is present.
    pub fn contains_key(&self, key: &str) -> bool {
        self.entry(key).is_some()
    }

    /// The keys in order.
    pub fn keys(&self) -> impl Iterator<Item = &str> {
        self.entries.iter().map(|e| e.key.as_str())
    }
}

impl Node {
    /// A node without an origin.
    pub fn new(value: Value) -> Node {
        Node { value, span: None }
    }

    /// A node with an origin.
    pub fn spanned(value: Value, span: Option<Span>) -> Node {
        Node { value, span }
    }

    /// A string node without an origin.
    pub fn string(s: impl Into<CompactString>) -> Node {
        Node::new(Value::Str(s.into()))
    }

    /// An empty mapping node without an origin.
    pub fn map() -> Node {
        Node::new(Value::Map(Mapping::new()))
    }

    /// The string, if this is a string.
    pub fn as_str(&self) -> Option<&str> {
        match &self.value {
            Value::Str(s) => Some(s),
            _ => None,
        }
    }

    /// The mapping, if this is a mapping.
    pub fn as_map(&self) -> Option<&Mapping> {
        match &self.value {
            Value::Map(m) => Some(m),
            _ => None,
        }
    }

    /// The mapping, mutably, if this is a mapping.
    pub fn as_map_mut(&mut self) -> Option<&mut Mapping> {
        match &mut self.value {
            Value::Map(m) => Some(m),
            _ => None,
        }
    }

    /// The sequence, if this is a sequence.
    pub fn as_seq(&self) -> Option<&Vec<Node>> {
        match &self.value {
            Value::Seq(s) => Some(s),
            _ => None,
        }
    }

    /// The sequence, mutably, if this is a sequence.
    pub fn as_seq_mut(&mut self) -> Option<&mut Vec<Node>> {
        match &mut self.value {
            Value::Seq(s) => Some(s),
            _ => None,
        }
    }

    /// Whether this is `null`.
    pub fn is_null(&self) -> bool {
        matches!(self.value, Value::Null)
    }

    /// The value at a path of mapping keys.
    pub fn get_path(&self, path: &[&str]) -> Option<&Node> {
        let mut cur = self;
        for k in path {
            cur = cur.as_map()?.get(k)?;
        }
        Some(cur)
    }

    /// The string at a path of mapping keys.
    pub fn str_at(&self, path: &[&str]) -> Option<&str> {
        self.get_path(path).and_then(Node::as_str)
    }

    /// The value at a path of mapping keys, mutably.
    pub fn get_path_mut(&mut self, path: &[&str]) -> Option<&mut Node> {
        // A path that is not there must not unshare the mappings on the way to it.
        self.get_path(path)?;
        let mut cur = self;
        for k in path {
            cur = cur.as_map_mut()?.get_mut(k)?;
        }
        Some(cur)
    }

    /// A short name of the value's type, for error messages ("string", "mapping", ...).
    pub fn type_name(&self) -> &'static str {
        match self.value {
            Value::Null => "null",
            Value::Bool(_) => "boolean",
            Value::Int(_) => "integer",
            Value::Float(_) => "number",
            Value::Str(_) => "string",
            Value::Seq(_) => "sequence",
            Value::Map(_) => "mapping",
        }
    }

    /// Sets the span of this node and every node below it that has none.
    pub fn fill_spans(&mut self, span: &Span) {
        let mut stack = vec![self];
        while let Some(n) = stack.pop() {
            if n.span.is_none() {
                n.span = Some(span.clone());
            }
            match &mut n.value {
                Value::Seq(items) => stack.extend(items.iter_mut()),
                Value::Map(m) => stack.extend(m.entries_mut().iter_mut().map(|e| &mut e.value)),
                _ => {}
            }
        }
    }
}
