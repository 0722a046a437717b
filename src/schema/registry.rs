//! The registry: finds the schema of a kind, compiles it once, and shares it across threads.
//!
//! Lookup order: schemas from CustomResourceDefinitions given to [`Registry::add_crd`] (they are
//! what the cluster will serve), then each location in order, as kubeconform tries them: a
//! missing file or a 404 falls through, as does a body that is not JSON or not a schema; any other
//! failure of the source stops the run.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex, OnceLock, RwLock};

use serde_json::Value as Json;

use super::location::{Location, render, schema_file_name};
use super::source::{SchemaError, SchemaSource};
use crate::resource::Gvk;
use crate::validate::cel::CelTree;
use crate::yaml::Node;

/// How to find schemas.
#[derive(Clone, Debug)]
pub struct RegistryOptions {
    /// Locations in kubeconform's syntax, tried in order (aliases allowed). Empty means
    /// [`super::location::default_locations`].
    pub locations: Vec<String>,
    /// `--kubernetes-version`: `master` or `x.y.z`.
    pub kubernetes_version: String,
    /// Pick the `-strict` variant of templated locations (`{{ .StrictSuffix }}`).
    pub strict: bool,
    /// Compile schemas exactly as kubeconform does, without the API-server corrections of
    /// [`Schema::compile`] (for the kubeconform drop-in). Patterns keep Go RE2 meaning either way.
    pub exact_kubeconform: bool,
}

impl Default for RegistryOptions {
    fn default() -> RegistryOptions {
        RegistryOptions {
            locations: Vec::new(),
            kubernetes_version: "master".into(),
            strict: true,
            exact_kubeconform: false,
        }
    }
}

/// Reads a schema tarball in memory: file name → bytes (supplied by the network layer).
pub type TarballReader = fn(&[u8], &str) -> Result<BTreeMap<String, Vec<u8>>, SchemaError>;

/// A compiled schema and what validation needs to know about it.
pub struct Schema {
    validator: jsonschema::Validator,
    /// The schema document as compiled (after the API-server relaxations and RE2 pattern
    /// rewriting of [`Schema::compile`]).
    pub json: Json,
    /// Where it came from (URL, path, tarball entry or CRD).
    pub location: String,
    pub(crate) cel: Option<CelTree>,
    /// Patterns as the schema wrote them, by their rewritten form: messages quote the original.
    patterns: HashMap<String, String>,
}

impl std::fmt::Debug for Schema {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Schema")
            .field("location", &self.location)
            .finish_non_exhaustive()
    }
}

impl Schema {
    /// Compiles `json` as kubeconform would: draft 4 when `$schema` names none (formats
    /// asserted, `duration` as Go or ISO 8601), 2020-12 for kubeconform's
    /// `http://json-schema.org/schema#` (formats not asserted), RE2-like patterns.
    ///
    /// Where openapi2jsonschema's output says less than the API server accepts, the API server
    /// wins: `x-kubernetes-preserve-unknown-fields` objects stay open and `nullable: true` admits
    /// `null` (see [`Schema::compile_exact`] for kubeconform's reading).
    pub fn compile(json: Json, location: impl Into<String>) -> Result<Schema, String> {
        Schema::compile_with(json, location, true)
    }

    /// [`Schema::compile`] without the API-server corrections: what kubeconform enforces.
    pub fn compile_exact(json: Json, location: impl Into<String>) -> Result<Schema, String> {
        Schema::compile_with(json, location, false)
    }

    fn compile_with(
        mut json: Json,
        location: impl Into<String>,
        as_api_server: bool,
    ) -> Result<Schema, String> {
        let mut patterns = HashMap::new();
        prepare(&mut json, as_api_server, &mut patterns);
        let declared = json.get("$schema").and_then(Json::as_str).unwrap_or("");
        let (draft, formats) = draft_of(declared);
        let mut stripped;
        let to_build = if json.get("$schema").is_some() {
            // The crate does not know every spelling kubeconform's library accepts; the draft
            // is chosen here instead.
            stripped = json.clone();
            if let Some(m) = stripped.as_object_mut() {
                m.remove("$schema");
            }
            &stripped
        } else {
            &json
        };
        let validator = jsonschema::options()
            .with_draft(draft)
            .should_validate_formats(formats)
            .with_format("duration", valid_duration)
            .with_pattern_options(jsonschema::PatternOptions::regex())
            .build(to_build)
            .map_err(|e| e.to_string())?;
        let cel = CelTree::from_schema(&json);
        Ok(Schema {
            validator,
            json,
            location: location.into(),
            cel,
            patterns,
        })
    }

    /// The compiled validator.
    pub fn validator(&self) -> &jsonschema::Validator {
        &self.validator
    }

    /// The `pattern` as the schema wrote it, given the form the validator compiled (and reports
    /// in its errors).
    pub fn original_pattern<'a>(&'a self, compiled: &'a str) -> &'a str {
        self.patterns.get(compiled).map_or(compiled, String::as_str)
    }
}

/// Gives patterns Go RE2 meaning, and with `as_api_server` undoes what openapi2jsonschema gets
/// wrong about CRD schemas, where kubeconform reports errors the API server never does: an
/// object marked `x-kubernetes-preserve-unknown-fields` keeps unknown fields even when it lists
/// `properties` (the converter closed it anyway), and `nullable: true` admits `null`.
fn prepare(v: &mut Json, as_api_server: bool, patterns: &mut HashMap<String, String>) {
    let Json::Object(m) = v else { return };
    if as_api_server
        && m.get("x-kubernetes-preserve-unknown-fields") == Some(&Json::Bool(true))
        && m.get("additionalProperties") == Some(&Json::Bool(false))
    {
        m.remove("additionalProperties");
    }
    if as_api_server
        && m.get("nullable") == Some(&Json::Bool(true))
        && let Some(Json::String(t)) = m.get("type")
    {
        let t = Json::Array(vec![Json::String(t.clone()), Json::String("null".into())]);
        m.insert("type".into(), t);
    }
    // Patterns are Go RE2; give them that meaning on the regex crate.
    if let Some(Json::String(p)) = m.get_mut("pattern") {
        let rewritten = super::re2::re2_to_rust(p);
        if rewritten != *p {
            patterns.insert(rewritten.clone(), p.clone());
        }
        *p = rewritten;
    }
    // Only subschemas: `default`, `enum` and the like hold values, left as written.
    for (k, child) in m.iter_mut() {
        match k.as_str() {
            "properties" | "patternProperties" | "definitions" | "$defs" | "dependencies" => {
                if let Json::Object(children) = child {
                    children
                        .values_mut()
                        .for_each(|c| prepare(c, as_api_server, patterns));
                }
            }
            "items" | "additionalItems" | "allOf" | "anyOf" | "oneOf" => match child {
                Json::Array(list) => list
                    .iter_mut()
                    .for_each(|c| prepare(c, as_api_server, patterns)),
                other => prepare(other, as_api_server, patterns),
            },
            "additionalProperties"
            | "not"
            | "contains"
            | "propertyNames"
            | "if"
            | "then"
            | "else" => prepare(child, as_api_server, patterns),
            _ => {}
        }
    }
}

fn draft_of(declared: &str) -> (jsonschema::Draft, bool) {
    use jsonschema::Draft;
    let d = declared.trim_end_matches('#');
    if d.is_empty() || d.ends_with("draft-04/schema") {
        (Draft::Draft4, true)
    } else if d.ends_with("draft-06/schema") {
        (Draft::Draft6, true)
    } else if d.ends_with("draft-07/schema") {
        (Draft::Draft7, true)
    } else if d.contains("2019-09") {
        (Draft::Draft201909, false)
    } else {
        (Draft::Draft202012, false)
    }
}

/// kubeconform's `duration` format: a Go duration (`1h30m`) or an ISO 8601 one (`PT1H30M`).
pub fn valid_duration(s: &str) -> bool {
    go_duration(s) || iso_duration(s)
}

fn go_duration(s: &str) -> bool {
    let s = s.strip_prefix(['-', '+']).unwrap_or(s);
    if s == "0" {
        return true;
    }
    if s.is_empty() {
        return false;
    }
    let b = s.as_bytes();
    let mut i = 0;
    while i < b.len() {
        let start = i;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        let int_digits = i - start;
        let mut frac_digits = 0;
        if i < b.len() && b[i] == b'.' {
            i += 1;
            let f = i;
            while i < b.len() && b[i].is_ascii_digit() {
                i += 1;
            }
            frac_digits = i - f;
        }
        if int_digits == 0 && frac_digits == 0 {
            return false;
        }
        let rest = &s[i..];
        let unit = ["ns", "us", "µs", "μs", "ms", "s", "m", "h"]
            .iter()
            .filter(|u| rest.starts_with(**u))
            .max_by_key(|u| u.len());
        match unit {
            Some(u) => i += u.len(),
            None => return false,
        }
    }
    true
}

fn iso_duration(s: &str) -> bool {
    let Some(s) = s.strip_prefix('P') else {
        return false;
    };
    if s.is_empty() {
        return false;
    }
    if let Some(w) = s.strip_suffix('W') {
        return !w.is_empty() && w.bytes().all(|b| b.is_ascii_digit());
    }
    let all_units = ["YMD", "HMS"];
    for (i, part) in s.split('T').enumerate() {
        if i != 0 && part.is_empty() {
            return false;
        }
        let Some(units) = all_units.get(i) else {
            return false;
        };
        let mut units = *units;
        let mut p = part;
        while !p.is_empty() {
            let digits = p.bytes().take_while(u8::is_ascii_digit).count();
            if digits == 0 {
                return false;
            }
            p = &p[digits..];
            let Some(unit) = p.chars().next() else {
                return false;
            };
            let Some(j) = units.find(unit) else {
                return false;
            };
            units = &units[j + 1..];
            p = &p[unit.len_utf8()..];
        }
    }
    true
}

/// The answer of a lookup.
#[derive(Clone, Debug)]
pub enum Lookup {
    /// The kind's schema.
    Found(Arc<Schema>),
    /// No location has a schema for the kind.
    NotFound,
    /// No schema was found, and at least one location could not be asked (e.g. offline and not
    /// cached); the reason says which.
    Unavailable(String),
}

type Slot = Arc<OnceLock<Result<Lookup, SchemaError>>>;

/// Finds, compiles and caches schemas. Send + Sync: share one across validation threads.
pub struct Registry {
    locations: Vec<Location>,
    options: RegistryOptions,
    source: Arc<dyn SchemaSource>,
    tarball_reader: Option<TarballReader>,
    crds: RwLock<HashMap<Gvk, Arc<Schema>>>,
    lookups: Mutex<HashMap<Gvk, Slot>>,
    tarballs: Mutex<HashMap<String, Arc<OnceLock<TarballResult>>>>,
}

type TarballResult = Result<Option<Arc<BTreeMap<String, Vec<u8>>>>, SchemaError>;

impl Registry {
    /// A registry reading through `source`. Errors when a location is not a valid template.
    pub fn new(
        options: RegistryOptions,
        source: Arc<dyn SchemaSource>,
    ) -> Result<Registry, SchemaError> {
        let given = if options.locations.is_empty() {
            super::location::default_locations()
        } else {
            options.locations.clone()
        };
        let locations = given
            .iter()
            .map(|l| Location::parse(l).map_err(|e| SchemaError::new(l.clone(), e)))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Registry {
            locations,
            options,
            source,
            tarball_reader: Some(super::tarball::read_schema_tarball),
            crds: RwLock::new(HashMap::new()),
            lookups: Mutex::new(HashMap::new()),
            tarballs: Mutex::new(HashMap::new()),
        })
    }

    /// Sets the function that unpacks `.tar.gz` locations (default: the size-capped
    /// [`super::tarball::read_schema_tarball`]).
    pub fn with_tarball_reader(mut self, reader: TarballReader) -> Registry {
        self.tarball_reader = Some(reader);
        self
    }

    /// The locations, aliases expanded, in lookup order.
    pub fn locations(&self) -> &[Location] {
        &self.locations
    }

    /// Adds the schemas of a CustomResourceDefinition; they win over every location. Returns
    /// the kinds added.
    pub fn add_crd(&self, crd: &Node) -> Result<Vec<Gvk>, String> {
        let schemas = super::crd::crd_schemas(crd)?;
        let name = crd.str_at(&["metadata", "name"]).unwrap_or("(unnamed)");
        let mut added = Vec::new();
        for (gvk, json) in schemas {
            let schema = Schema::compile(json, format!("CustomResourceDefinition {name}"))
                .map_err(|e| {
                    format!(
                        "the schema of {} {} does not compile: {e}",
                        gvk.api_version(),
                        gvk.kind
                    )
                })?;
            self.add_schema(gvk.clone(), schema);
            added.push(gvk);
        }
        Ok(added)
    }

    /// Adds every CRD of a YAML stream (`--crd FILE|URL`). Errors when it holds none, or one
    /// cannot be converted.
    pub fn add_crd_documents(&self, bytes: &[u8], display: &str) -> Result<Vec<Gvk>, String> {
        let mut added = Vec::new();
        for crd in super::crd::crd_documents(bytes, display)? {
            added.extend(self.add_crd(&crd).map_err(|e| format!("{display}: {e}"))?);
        }
        Ok(added)
    }

    /// Adds a compiled schema for `gvk`, winning over every location.
    pub fn add_schema(&self, gvk: Gvk, schema: Schema) {
        if let Ok(mut crds) = self.crds.write() {
            crds.insert(gvk.clone(), Arc::new(schema));
        }
        // A lookup made before must not hide the new schema.
        if let Ok(mut l) = self.lookups.lock() {
            l.remove(&gvk);
        }
    }

    /// The schema of `gvk`. Each kind is looked up and compiled once.
    pub fn lookup(&self, gvk: &Gvk) -> Result<Lookup, SchemaError> {
        if let Some(s) = self.crds.read().ok().and_then(|c| c.get(gvk).cloned()) {
            return Ok(Lookup::Found(s));
        }
        let slot = {
            let Ok(mut map) = self.lookups.lock() else {
                return self.find(gvk);
            };
            map.entry(gvk.clone()).or_default().clone()
        };
        slot.get_or_init(|| self.find(gvk)).clone()
    }

    fn find(&self, gvk: &Gvk) -> Result<Lookup, SchemaError> {
        let mut unavailable: Option<String> = None;
        for loc in &self.locations {
            let (bytes, from) = match loc {
                Location::Template(t) => {
                    let path = render(
                        t,
                        gvk,
                        &self.options.kubernetes_version,
                        self.options.strict,
                    )
                    .map_err(|e| SchemaError::new(t.clone(), e))?;
                    match self.source.get(&path)? {
                        Some(b) => (b, path),
                        None => {
                            if let Some(why) = self.source.unavailable(&path) {
                                unavailable.get_or_insert(why);
                            }
                            continue;
                        }
                    }
                }
                Location::Tarball(url) => {
                    let Some(entries) = self.tarball(url)? else {
                        if let Some(why) = self.source.unavailable(url) {
                            unavailable.get_or_insert(why);
                        }
                        continue;
                    };
                    let name = schema_file_name(gvk);
                    match entries.get(&name) {
                        Some(b) => (b.clone(), format!("{url}#{name}")),
                        None => continue,
                    }
                }
            };
            // kubeconform moves on when a body is not JSON or not a schema it can compile.
            let Ok(json) = serde_json::from_slice::<Json>(&bytes) else {
                continue;
            };
            let compiled = if self.options.exact_kubeconform {
                Schema::compile_exact(json, from)
            } else {
                Schema::compile(json, from)
            };
            match compiled {
                Ok(s) => return Ok(Lookup::Found(Arc::new(s))),
                Err(_) => continue,
            }
        }
        Ok(match unavailable {
            Some(why) => Lookup::Unavailable(why),
            None => Lookup::NotFound,
        })
    }

    fn tarball(&self, url: &str) -> TarballResult {
        let slot = {
            let Ok(mut map) = self.tarballs.lock() else {
                return Err(SchemaError::new(url, "schema cache lock poisoned"));
            };
            map.entry(url.to_string()).or_default().clone()
        };
        slot.get_or_init(|| {
            let Some(reader) = self.tarball_reader else {
                return Err(SchemaError::new(
                    url,
                    "schema tarballs need the network schema source (no tarball reader configured)",
                ));
            };
            match self.source.get(url)? {
                Some(bytes) => Ok(Some(Arc::new(reader(&bytes, url)?))),
                None => Ok(None),
            }
        })
        .clone()
    }
}

#[cfg(test)]
mod tests;
