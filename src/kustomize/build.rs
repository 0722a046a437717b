//! The build: kustomize's accumulate-then-transform pipeline, in its order.
//!
//! For each kustomization: resources (files and sub-builds, in order), transformer configs,
//! generators, components, then the built-in transformers in kustomize's fixed order. At the top
//! level only: hash suffixes, name-reference fix-up, dropping local-config objects, sorting.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use rayon::prelude::*;

use crate::error::{Error, Result};
use crate::resource::{Gvk, Resource};
use crate::yaml::{self, Limits, Profile, Span};

use super::buildmeta::{self, BuildMeta};
use super::config::TransformerConfig;
use super::kustomization::{KustKind, Kustomization};
use super::load::{Loader, Location};
use super::plugins::{self, PluginConfig};
use super::resources::parse_resources;
use super::sort::SortOrder;
use super::{generators, patches, transformers};

/// Options of one build.
#[derive(Clone, Debug, Default)]
pub struct BuildOptions {
    /// kustomize's `--load-restrictor`.
    pub load_restrictor: super::LoadRestrictor,
}

/// The result of building one kustomize root.
#[derive(Debug)]
pub struct Build {
    /// The resources, in output order.
    pub resources: Vec<Resource>,
    /// Warnings kustomize would print (deprecated fields).
    pub warnings: Vec<String>,
    /// Entries of `patches`/`patchesJson6902` whose `target` selected no resource: kustomize
    /// skips them silently. Sorted, each place once (also when a base is included twice).
    pub unmatched_patches: Vec<Span>,
}

impl Build {
    /// The build as `kustomize build` prints it.
    pub fn to_yaml(&self) -> Result<String> {
        yaml::emit_documents(self.resources.iter().map(|r| &r.node))
    }
}

/// Builds the kustomization in `dir`, reading nothing outside `repo_root`.
pub fn build(dir: &Path, repo_root: &Path, options: &BuildOptions) -> Result<Build> {
    let loader = Loader::new(repo_root, options.load_restrictor)?;
    build_with(&loader, dir, &BuildCache::default())
}

/// Builds several roots of one repository in parallel. A base shared by several of them is
/// built once. Results come back in the order of `dirs`.
pub fn build_all(
    dirs: &[PathBuf],
    repo_root: &Path,
    options: &BuildOptions,
) -> Result<Vec<Result<Build>>> {
    build_all_with(dirs, repo_root, options, BaseUses::new())
}

/// How many kustomizations include each base directory (by canonical path): after that many
/// uses a finished base is dropped from the cache instead of being kept to the end of the run.
pub type BaseUses = HashMap<PathBuf, usize>;

/// [`build_all`], releasing each base after the last of its `uses`. A count that is too low
/// only costs a rebuild; a base without a count is kept until every root is built.
pub fn build_all_with(
    dirs: &[PathBuf],
    repo_root: &Path,
    options: &BuildOptions,
    uses: BaseUses,
) -> Result<Vec<Result<Build>>> {
    let loader = Loader::new(repo_root, options.load_restrictor)?;
    let cache = BuildCache::with_uses(uses);
    Ok(dirs
        .par_iter()
        .map(|d| build_with(&loader, d, &cache))
        .collect())
}

/// Finished sub-builds (bases), keyed by canonical directory, shared between root builds.
///
/// A base's result depends only on its directory and the loader, so overlays can share it. Two
/// threads may race to build the same base; both results are equal and one is kept. Nothing
/// blocks on another thread's build, so a cycle can never deadlock.
#[derive(Default)]
pub struct BuildCache {
    bases: Mutex<HashMap<PathBuf, CacheSlot>>,
}

/// A cached base and the uses it has left (`None`: unknown, kept to the end).
#[derive(Default)]
struct CacheSlot {
    base: Option<Arc<CachedBase>>,
    left: Option<usize>,
}

impl BuildCache {
    fn with_uses(uses: BaseUses) -> BuildCache {
        let slots = uses
            .into_iter()
            .map(|(dir, n)| {
                let slot = CacheSlot {
                    base: None,
                    left: Some(n),
                };
                (dir, slot)
            })
            .collect();
        BuildCache {
            bases: Mutex::new(slots),
        }
    }

    /// The cached base for `dir`, counting one use.
    fn take(&self, dir: &Path) -> Option<Arc<CachedBase>> {
        let mut m = self.bases.lock().ok()?;
        let slot = m.get_mut(dir)?;
        let base = slot.base.clone()?;
        if let Some(left) = &mut slot.left {
            *left = left.saturating_sub(1);
            if *left == 0 {
                slot.base = None;
            }
        }
        Some(base)
    }

    /// Caches a base just built for one use, unless that was its last.
    fn put(&self, dir: &Path, base: &Arc<CachedBase>) {
        let Ok(mut m) = self.bases.lock() else { return };
        let slot = m.entry(dir.to_path_buf()).or_default();
        match &mut slot.left {
            // Its uses are spent (the count was low): a later user rebuilds it.
            Some(0) => {}
            Some(left) => {
                *left -= 1;
                if *left > 0 {
                    slot.base = Some(base.clone());
                }
            }
            None => slot.base = Some(base.clone()),
        }
    }

    /// How many bases are held right now.
    #[cfg(test)]
    fn held(&self) -> usize {
        self.bases
            .lock()
            .map(|m| m.values().filter(|s| s.base.is_some()).count())
            .unwrap_or(0)
    }
}

struct CachedBase {
    resources: Vec<Resource>,
    config: Arc<TransformerConfig>,
    vars: Vec<super::vars::Var>,
    warnings: Vec<String>,
    unmatched_patches: Vec<Span>,
}

fn build_with(loader: &Loader, dir: &Path, cache: &BuildCache) -> Result<Build> {
    let start = loader.start(dir)?;
    let mut b = Builder {
        loader,
        stack: Vec::new(),
        warnings: Vec::new(),
        cache,
        meta: BuildMeta::default(),
        origin_path: String::new(),
    };
    let span = Span::file(start.display.as_str().into());
    let (acc, kust) = b.accumulate(&start, Expect::Either, &span)?;
    let mut resources = acc.resources;
    super::finish::finish(&mut resources, &acc.config, &acc.vars, b.meta)?;
    let order = match kust.field("sortOptions") {
        Some(n) => SortOrder::parse(n, &kust.file)?,
        None => SortOrder::default(),
    };
    order.sort(&mut resources);
    // Every root's result is kept until the checks have run; most hold a handful of objects.
    resources.shrink_to_fit();
    let mut unmatched_patches = acc.unmatched_patches;
    unmatched_patches.sort();
    unmatched_patches.dedup();
    Ok(Build {
        resources,
        warnings: b.warnings,
        unmatched_patches,
    })
}

/// The name of a kustomization's file (`kustomization.yaml`, `.yml` or `Kustomization`).
fn kust_file_name(kust: &Kustomization) -> &str {
    kust.file
        .rsplit(['/', '\\'])
        .next()
        .unwrap_or("kustomization.yaml")
}

/// What kind of kustomization a directory must hold.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Expect {
    /// The root of the build: either kind.
    Either,
    /// A `resources`/`bases` entry: not a Component.
    Kustomization,
}

/// Resources and transformer configuration gathered so far.
pub(crate) struct Accumulator {
    pub(crate) resources: Vec<Resource>,
    /// Shared with the bases and the defaults until a kustomization changes it: the table is
    /// large, and copying it per kustomization was a seventh of a build's time.
    pub(crate) config: Arc<TransformerConfig>,
    /// `vars:` of this kustomization and everything it includes.
    pub(crate) vars: Vec<super::vars::Var>,
    /// Targeted patches (here and in what was included) that selected nothing.
    pub(crate) unmatched_patches: Vec<Span>,
}

impl Accumulator {
    /// Appends resources, refusing an id that is already present (kustomize's rule).
    pub(crate) fn append(&mut self, new: Vec<Resource>, span: &Span) -> Result<()> {
        let mut seen = self.ids();
        self.append_to(new, span, &mut seen)
    }

    /// The [`IdKey`]s of the resources gathered so far, for a run of [`Accumulator::append_to`].
    pub(crate) fn ids(&self) -> HashSet<IdKey> {
        self.resources.iter().map(|r| id_key(r.id())).collect()
    }

    /// [`Accumulator::append`] with the ids already gathered, kept up to date: a kustomization
    /// listing thousands of files would otherwise compare every resource with every other.
    /// `seen` must be [`Accumulator::ids`] of the resources as they are (nothing renamed since).
    pub(crate) fn append_to(
        &mut self,
        new: Vec<Resource>,
        span: &Span,
        seen: &mut HashSet<IdKey>,
    ) -> Result<()> {
        for r in new {
            let id = r.id();
            if !seen.insert(id_key(id.clone())) {
                return Err(Error::new(
                    span.clone(),
                    format!("may not add resource with an already registered id: {id}"),
                ));
            }
            self.resources.push(r);
        }
        Ok(())
    }
}

/// What [`same_id`] compares, as a hashable key: two ids are the same exactly when their keys
/// are equal.
pub(crate) type IdKey = (Gvk, String, String);

/// The [`IdKey`] of `id`.
pub(crate) fn id_key(id: crate::resource::ResId) -> IdKey {
    let ns = if id.namespace.is_empty() {
        "default".to_string()
    } else {
        id.namespace
    };
    (id.gvk, id.name, ns)
}

/// kustomize's id equality: an empty namespace equals "default".
pub(crate) fn same_id(a: &crate::resource::ResId, b: &crate::resource::ResId) -> bool {
    let ns = |s: &str| {
        if s.is_empty() {
            "default".to_string()
        } else {
            s.to_string()
        }
    };
    a.gvk == b.gvk && a.name == b.name && ns(&a.namespace) == ns(&b.namespace)
}

struct Builder<'a> {
    loader: &'a Loader,
    cache: &'a BuildCache,
    /// Canonical directories being built, for cycle detection.
    stack: Vec<Location>,
    warnings: Vec<String>,
    /// The top kustomization's `buildMetadata`, which holds for the whole build.
    meta: BuildMeta,
    /// Where the kustomization being run is, as kustomize's origin path: the entries that led
    /// to it from the top, joined.
    origin_path: String,
}

impl Builder<'_> {
    fn load_kustomization(
        &mut self,
        dir: &Location,
        span: &Span,
    ) -> Result<(Location, Kustomization)> {
        let file = self.loader.kustomization_file(dir, span)?;
        let bytes = self.loader.read(&file, span)?;
        // kustomize decodes its own file with sigs.k8s.io/yaml (YAML 1.1), where a repeated key
        // silently wins; we build the same but say so.
        let mut docs = match yaml::parse_file(
            &bytes,
            &file.display,
            Profile::Kubernetes,
            Limits::default(),
        ) {
            Err(e) if e.message.starts_with("duplicate key") => {
                self.warnings.push(format!(
                    "{}: warning: {} (kustomize keeps the last one)",
                    e.span, e.message
                ));
                let lenient = Limits {
                    allow_duplicate_keys: true,
                    ..Limits::default()
                };
                yaml::parse_file(&bytes, &file.display, Profile::Kubernetes, lenient)?
            }
            other => other?,
        };
        if docs.len() > 1 {
            return Err(Error::in_file(
                &file.display,
                "a kustomization file must hold one YAML document",
            ));
        }
        let root = docs
            .pop()
            .unwrap_or_else(|| yaml::Node::new(yaml::Value::Null));
        let root = if root.span.is_none() {
            yaml::Node::spanned(
                root.value.clone(),
                Some(Span::file(file.display.as_str().into())),
            )
        } else {
            root
        };
        let mut kust = Kustomization::from_node(root, &file.display)?;
        kust.source = String::from_utf8_lossy(&bytes).into();
        self.warnings.extend(kust.warnings.iter().cloned());
        Ok((file, kust))
    }

    fn enter(&mut self, dir: &Location, span: &Span) -> Result<()> {
        self.check_cycle(dir, span)?;
        self.stack.push(dir.clone());
        Ok(())
    }

    fn check_cycle(&self, dir: &Location, span: &Span) -> Result<()> {
        if let Some(visited) = self.stack.iter().find(|d| d.canonical == dir.canonical) {
            return Err(Error::new(
                span.clone(),
                format!(
                    "cycle detected: candidate root '{}' contains visited root '{}'",
                    dir.display, visited.display
                ),
            ));
        }
        Ok(())
    }

    /// A base (a directory under `resources:`), from the cache or built now.
    fn base(&mut self, dir: &Location, span: &Span) -> Result<Arc<CachedBase>> {
        self.check_cycle(dir, span)?;
        // With build metadata a base's output depends on the path that led to it.
        let cacheable = !self.meta.tracking();
        let cached = cacheable.then(|| self.cache.take(&dir.canonical)).flatten();
        if let Some(hit) = cached {
            return Ok(hit);
        }
        let outer = std::mem::take(&mut self.warnings);
        let built = self.accumulate(dir, Expect::Kustomization, span);
        let warnings = std::mem::replace(&mut self.warnings, outer);
        let (acc, _) = built?;
        let mut resources = acc.resources;
        resources.shrink_to_fit();
        let base = Arc::new(CachedBase {
            resources,
            config: acc.config,
            vars: acc.vars,
            warnings,
            unmatched_patches: acc.unmatched_patches,
        });
        if cacheable {
            self.cache.put(&dir.canonical, &base);
        }
        Ok(base)
    }

    fn accumulate(
        &mut self,
        dir: &Location,
        expect: Expect,
        span: &Span,
    ) -> Result<(Accumulator, Kustomization)> {
        let top = self.stack.is_empty();
        self.enter(dir, span)?;
        let (_, kust) = self.load_kustomization(dir, span)?;
        if top {
            self.meta = BuildMeta::of(&kust);
        }
        if expect == Expect::Kustomization && kust.kind == KustKind::Component {
            return Err(Error::new(
                span.clone(),
                format!(
                    "{} is a Component: list it under components:, not resources:",
                    dir.display
                ),
            ));
        }
        let mut acc = Accumulator {
            resources: Vec::new(),
            config: Arc::default(),
            vars: Vec::new(),
            unmatched_patches: Vec::new(),
        };
        self.run(dir, &kust, &mut acc)?;
        self.stack.pop();
        Ok((acc, kust))
    }

    /// Runs one kustomization (or component) against an accumulator.
    fn run(&mut self, dir: &Location, kust: &Kustomization, acc: &mut Accumulator) -> Result<()> {
        // 1. resources, then the deprecated bases, in order.
        let mut entries = kust.string_list("resources")?;
        entries.extend(kust.string_list("bases")?);
        // Nothing renames resources until the entries are all read.
        let mut seen = acc.ids();
        for (entry, span) in entries {
            let loc = self.loader.resolve(dir, dir, entry, &span)?;
            if loc.path.is_dir() {
                let outer = self.origin_path.clone();
                self.origin_path = buildmeta::join(&outer, entry);
                let base = self.base(&loc, &span);
                self.origin_path = outer;
                let base = base?;
                if *acc.config == TransformerConfig::default() {
                    acc.config = base.config.clone();
                } else if !Arc::ptr_eq(&acc.config, &base.config) && acc.config != base.config {
                    Arc::make_mut(&mut acc.config).merge((*base.config).clone(), &span)?;
                }
                self.warnings.extend(base.warnings.iter().cloned());
                acc.append_to(base.resources.clone(), &span, &mut seen)?;
                acc.unmatched_patches
                    .extend(base.unmatched_patches.iter().cloned());
                for v in &base.vars {
                    if acc.vars.iter().any(|o| o.name == v.name) {
                        return Err(Error::new(
                            span.clone(),
                            format!("var '{}' already encountered", v.name),
                        ));
                    }
                    acc.vars.push(v.clone());
                }
            } else {
                let bytes = self.loader.read(&loc, &span)?;
                let mut res = parse_resources(&bytes, &loc.display)?;
                if self.meta.tracking() {
                    let origin = buildmeta::file_origin(&buildmeta::join(&self.origin_path, entry));
                    for r in &mut res {
                        buildmeta::set_origin(r, origin.clone());
                    }
                }
                acc.append_to(res, &span, &mut seen)?;
            }
        }
        // 2. transformer configurations: the defaults with this kustomization's files, merged
        // into what the bases brought (kustomize merges in this order; see same_field).
        let mut custom = TransformerConfig::default();
        for (entry, span) in kust.string_list("configurations")? {
            let loc = self.loader.resolve(dir, dir, entry, &span)?;
            let bytes = self.loader.read(&loc, &span)?;
            for doc in
                yaml::parse_file(&bytes, &loc.display, Profile::Kubernetes, Limits::default())?
            {
                if !doc.is_null() {
                    custom.merge(super::config::parse_config_file(&doc)?, &span)?;
                }
            }
        }
        let empty = TransformerConfig::default();
        let standard = super::defaults::merged_defaults();
        if custom == empty && *acc.config == empty {
            acc.config = standard;
        } else if custom == empty && (Arc::ptr_eq(&acc.config, &standard) || acc.config == standard)
        {
            // Merging the defaults into themselves changes nothing; every overlay of a base
            // would otherwise pay for it again (quadratic in the number of field specs).
        } else {
            let mut own = super::defaults::defaults();
            own.merge(custom, &kust.field_span("configurations"))?;
            Arc::make_mut(&mut acc.config).merge(own, &kust.field_span("configurations"))?;
        }
        if let Some(n) = kust.field("openapi") {
            super::crds::openapi_is_builtin(n, &kust.span_of(n))?;
        }
        // kustomize merges the custom types' field specs after this kustomization's own.
        let mut crd_config = TransformerConfig::default();
        for (entry, span) in kust.string_list("crds")? {
            let loc = self.loader.resolve(dir, dir, entry, &span)?;
            let bytes = self.loader.read(&loc, &span)?;
            for doc in
                yaml::parse_file(&bytes, &loc.display, Profile::Kubernetes, Limits::default())?
            {
                if !doc.is_null() {
                    crd_config.merge(super::crds::config_from_crds(&doc, &span)?, &span)?;
                }
            }
        }
        if crd_config != TransformerConfig::default() {
            Arc::make_mut(&mut acc.config).merge(crd_config, &kust.field_span("crds"))?;
        }
        // 3. generators, then builtin generator plugins.
        generators::run(self.loader, dir, kust, acc)?;
        let configured_in = buildmeta::join(&self.origin_path, kust_file_name(kust));
        if self.meta.tracking() {
            for (kind, generator) in [
                ("ConfigMap", "ConfigMapGenerator"),
                ("Secret", "SecretGenerator"),
            ] {
                buildmeta::generated(&mut acc.resources, &configured_in, kind, generator);
                // A replacing generator's output takes over the origin of what it replaced.
                let field = if kind == "ConfigMap" {
                    "configMapGenerator"
                } else {
                    "secretGenerator"
                };
                for entry in kust.list(field)? {
                    if entry.str_at(&["behavior"]) != Some("replace") {
                        continue;
                    }
                    let id = crate::resource::ResId {
                        gvk: crate::resource::Gvk::from_api_version("v1", kind),
                        name: entry.str_at(&["name"]).unwrap_or_default().to_string(),
                        namespace: entry.str_at(&["namespace"]).unwrap_or_default().to_string(),
                    };
                    for r in acc.resources.iter_mut().filter(|r| {
                        same_id(&r.id(), &id) || r.previous_ids.iter().any(|p| same_id(p, &id))
                    }) {
                        buildmeta::replace_origin(r, &configured_in, generator);
                    }
                }
            }
        }
        for cfg in self.plugin_configs(dir, kust, "generators")? {
            plugins::generate(self.loader, dir, &cfg, acc)?;
            if self.meta.tracking() {
                buildmeta::plugin_ran(&mut acc.resources, &cfg.origin_path, &cfg.res, false);
            }
        }
        // 4. components, into this same accumulator.
        for (entry, span) in kust.string_list("components")? {
            let loc = self.loader.resolve(dir, dir, entry, &span)?;
            if !loc.path.is_dir() {
                return Err(Error::new(
                    span,
                    format!("component {} must be a directory", loc.display),
                ));
            }
            self.enter(&loc, &span)?;
            let (_, comp) = self.load_kustomization(&loc, &span)?;
            let outer = self.origin_path.clone();
            self.origin_path = buildmeta::join(&outer, entry);
            if comp.kind != KustKind::Component {
                return Err(Error::new(
                    span,
                    format!(
                        "expected kind 'Component' for path '{}' but got 'Kustomization'",
                        loc.display
                    ),
                ));
            }
            let ran = self.run(&loc, &comp, acc);
            self.origin_path = outer;
            ran?;
            self.stack.pop();
        }
        // 5. built-in transformers in kustomize's fixed order.
        patches::patches_strategic_merge(self.loader, dir, kust, acc)?;
        patches::patches(self.loader, dir, kust, acc)?;
        transformers::run(kust, acc)?;
        patches::patches_json6902(self.loader, dir, kust, acc)?;
        transformers::replicas_and_images(kust, acc)?;
        let list = kust.list("replacements")?;
        if !list.is_empty() {
            let mut read = |path: &str, span: &Span| -> Result<(Vec<u8>, Arc<str>)> {
                let loc = self.loader.resolve(dir, dir, path, span)?;
                let bytes = self.loader.read(&loc, span)?;
                Ok((bytes, Arc::from(loc.display.as_str())))
            };
            let reps = super::replacements::parse_replacements(list, &kust.file, &mut read)?;
            super::replacements::apply_replacements(&mut acc.resources, &reps)?;
        }
        // Vars are collected at every level and resolved once, at the top.
        for v in super::vars::parse_vars(kust.list("vars")?, &kust.file)? {
            if acc.vars.iter().any(|o| o.name == v.name) {
                return Err(Error::new(
                    kust.field_span("vars"),
                    format!("var '{}' already encountered", v.name),
                ));
            }
            acc.vars.push(v);
        }
        if self.meta.tracking() {
            for kind in buildmeta::transformer_kinds(kust) {
                buildmeta::transformed(&mut acc.resources, &configured_in, kind);
            }
        }
        // 6. builtin transformer plugins, after all of the above.
        for cfg in self.plugin_configs(dir, kust, "transformers")? {
            plugins::transform(self.loader, dir, &cfg, acc)?;
            if self.meta.tracking() {
                buildmeta::plugin_ran(&mut acc.resources, &cfg.origin_path, &cfg.res, true);
            }
        }
        Ok(())
    }

    /// The plugin configurations a `generators:` or `transformers:` list names: inline YAML
    /// objects, files, or kustomizations whose output is the configurations. As in kustomize,
    /// all inline configurations come first, then those read from paths.
    fn plugin_configs(
        &mut self,
        dir: &Location,
        kust: &Kustomization,
        field: &str,
    ) -> Result<Vec<PluginConfig>> {
        let mut out = Vec::new();
        let mut paths = Vec::new();
        for (entry, span) in kust.string_list(field)? {
            // kustomize first tries the entry as YAML objects; a path is not one.
            if entry.contains(':')
                && let Ok(res) = parse_resources(entry.as_bytes(), &kust.file)
                && !res.is_empty()
            {
                let at = buildmeta::join(&self.origin_path, kust_file_name(kust));
                // Spans inside the entry count from its own first line; point at the entry.
                let res = res.into_iter().map(|mut r| {
                    plugins::respan(&mut r.node, &span);
                    r.origin = span.clone();
                    r
                });
                out.extend(res.map(|res| PluginConfig {
                    res,
                    file: kust.file.clone(),
                    source: kust.source.clone(),
                    origin_path: at.clone(),
                }));
                continue;
            }
            paths.push((entry, span));
        }
        for (entry, span) in paths {
            let loc = self.loader.resolve(dir, dir, entry, &span)?;
            let at = buildmeta::join(&self.origin_path, entry);
            if loc.path.is_dir() {
                let outer = std::mem::replace(&mut self.origin_path, at.clone());
                let base = self.base(&loc, &span);
                self.origin_path = outer;
                out.extend(base?.resources.iter().map(|res| PluginConfig {
                    res: res.clone(),
                    file: res.origin.file.to_string(),
                    source: "".into(),
                    origin_path: buildmeta::config_path(res, at.clone()),
                }));
            } else {
                let bytes = self.loader.read(&loc, &span)?;
                let source: Arc<str> = String::from_utf8_lossy(&bytes).into();
                for res in parse_resources(&bytes, &loc.display)? {
                    out.push(PluginConfig {
                        res,
                        file: loc.display.clone(),
                        source: source.clone(),
                        origin_path: at.clone(),
                    });
                }
            }
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_resource_with_a_registered_id_is_refused_at_its_entry() {
        let dir = tempfile::tempdir().expect("temp dir");
        let cm = |ns: &str| format!("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n{ns}");
        std::fs::write(dir.path().join("a.yaml"), cm("")).unwrap();
        // An empty namespace is `default`, so this is the same object.
        std::fs::write(dir.path().join("b.yaml"), cm("  namespace: default\n")).unwrap();
        std::fs::write(dir.path().join("c.yaml"), cm("  namespace: other\n")).unwrap();
        let kust = |files: &str| {
            std::fs::write(
                dir.path().join("kustomization.yaml"),
                format!("resources:\n{files}"),
            )
            .unwrap()
        };
        kust("- a.yaml\n- c.yaml\n");
        let built = build(dir.path(), dir.path(), &BuildOptions::default()).expect("builds");
        assert_eq!(built.resources.len(), 2);
        kust("- a.yaml\n- c.yaml\n- b.yaml\n");
        let Err(err) = build(dir.path(), dir.path(), &BuildOptions::default()) else {
            panic!("b.yaml repeats a.yaml, the build must fail");
        };
        let text = err.to_string();
        assert!(
            text.contains(
                "may not add resource with an already registered id: ConfigMap.v1.[noGrp]/a.default"
            ),
            "{text}"
        );
        assert!(text.contains(":4:"), "located at the third entry: {text}");
    }

    /// A base and two overlays that patch it differently.
    fn overlays(root: &Path) -> [PathBuf; 2] {
        let w = |p: &str, t: &str| {
            let p = root.join(p);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, t).unwrap();
        };
        w(
            "base/kustomization.yaml",
            "namespace: apps\nresources:\n- cm.yaml\n",
        );
        w(
            "base/cm.yaml",
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\ndata:\n  env: base\n  keep: \"1\"\n",
        );
        for env in ["staging", "production"] {
            w(
                &format!("{env}/kustomization.yaml"),
                "resources:\n- ../base\npatches:\n- path: patch.yaml\n",
            );
            w(
                &format!("{env}/patch.yaml"),
                &format!(
                    "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\ndata:\n  env: {env}\n"
                ),
            );
        }
        [root.join("staging"), root.join("production")]
    }

    #[test]
    fn a_base_is_released_after_its_last_use_and_overlays_do_not_see_each_other() {
        let dir = tempfile::tempdir().expect("temp dir");
        let roots = overlays(dir.path());
        let loader =
            Loader::new(dir.path(), super::super::LoadRestrictor::RootOnly).expect("loader");
        let base = dir.path().join("base").canonicalize().unwrap();
        let expected: Vec<String> = roots
            .iter()
            .map(|r| {
                build(r, dir.path(), &BuildOptions::default())
                    .unwrap()
                    .to_yaml()
                    .unwrap()
            })
            .collect();
        // Two uses: the base is built once, shared, and gone after the second overlay. One
        // use (an undercount): the second overlay rebuilds it. No count: it stays cached.
        for (uses, held) in [(Some(2), 0), (Some(1), 0), (None, 1)] {
            let cache =
                BuildCache::with_uses(uses.map(|n| (base.clone(), n)).into_iter().collect());
            for (root, want) in roots.iter().zip(&expected) {
                let got = build_with(&loader, root, &cache)
                    .unwrap()
                    .to_yaml()
                    .unwrap();
                assert_eq!(&got, want, "uses {uses:?}");
            }
            assert_eq!(cache.held(), held, "uses {uses:?}");
        }
        assert!(expected[0].contains("env: staging") && expected[0].contains("keep: \"1\""));
        assert!(expected[1].contains("env: production") && !expected[1].contains("staging"));
    }
}
