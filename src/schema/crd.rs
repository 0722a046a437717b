//! CustomResourceDefinitions as schemas, converted as openapi2jsonschema converts them.
//!
//! The conversion is the one behind Flux's `crd-schemas.tar.gz` and most CI scripts: every
//! nested object schema that lists `properties` and says nothing about `additionalProperties`
//! becomes closed (the document root stays open, and nothing inside JSON arrays is touched), and
//! a schema with `format: int-or-string` becomes "string or integer".

use serde_json::{Map, Value as Json};

use super::location::schema_file_name;
use crate::resource::Gvk;
use crate::validate::node_to_json;
use crate::yaml::Node;

/// One schema per served version of the CRD in `crd`, in the order the CRD lists them.
///
/// Versions without a schema are left out (as openapi2jsonschema leaves them out). Errors name
/// what is missing: a CRD without `spec.group`, `spec.names.kind` or any version.
pub fn crd_schemas(crd: &Node) -> Result<Vec<(Gvk, Json)>, String> {
    let spec = crd
        .get_path(&["spec"])
        .ok_or("a CustomResourceDefinition needs spec")?;
    let group = spec
        .str_at(&["group"])
        .ok_or("a CustomResourceDefinition needs spec.group")?;
    let kind = spec
        .str_at(&["names", "kind"])
        .ok_or("a CustomResourceDefinition needs spec.names.kind")?;
    // apiextensions v1beta1 kept one schema for every version under spec.validation.
    let legacy = spec.get_path(&["validation", "openAPIV3Schema"]);
    let mut names: Vec<(String, Option<&Node>)> = Vec::new();
    if let Some(versions) = spec.get_path(&["versions"]).and_then(Node::as_seq) {
        for v in versions {
            let Some(name) = v.str_at(&["name"]) else {
                continue;
            };
            let schema = v.get_path(&["schema", "openAPIV3Schema"]).or(legacy);
            names.push((name.to_string(), schema));
        }
    } else if let Some(v) = spec.str_at(&["version"]) {
        names.push((v.to_string(), legacy));
    }
    if names.is_empty() {
        return Err("a CustomResourceDefinition needs spec.versions".into());
    }
    Ok(names
        .into_iter()
        .filter_map(|(version, schema)| {
            let schema = schema?;
            let gvk = Gvk {
                group: group.to_string(),
                version,
                kind: kind.to_string(),
            };
            Some((gvk, convert(node_to_json(schema))))
        })
        .collect())
}

/// Every CRD in a YAML stream (a file or a download), as kubeconform-named schema files:
/// `(file name, contents)` in document and version order, ready for `schemas import`.
/// Documents of other kinds are ignored; a stream with no CRD at all is an error.
pub fn import_crds(bytes: &[u8], display: &str) -> Result<Vec<(String, String)>, String> {
    let mut out = Vec::new();
    for crd in crd_documents(bytes, display)? {
        for (gvk, schema) in crd_schemas(&crd)? {
            out.push((crd_file_name(&gvk), to_schema_file(&schema)));
        }
    }
    Ok(out)
}

/// The CustomResourceDefinition documents of a YAML stream; an error when there is none.
pub fn crd_documents(bytes: &[u8], display: &str) -> Result<Vec<Node>, String> {
    let docs = crate::yaml::parse_file(
        bytes,
        display,
        crate::yaml::Profile::Kubernetes,
        crate::yaml::Limits::default(),
    )
    .map_err(|e| e.to_string())?;
    let crds: Vec<Node> = docs
        .into_iter()
        .filter(|d| {
            d.str_at(&["kind"]) == Some("CustomResourceDefinition")
                && d.str_at(&["apiVersion"])
                    .is_some_and(|a| a.starts_with("apiextensions.k8s.io/"))
        })
        .collect();
    if crds.is_empty() {
        return Err(format!("{display}: no CustomResourceDefinition found"));
    }
    Ok(crds)
}

/// The kubeconform file name of a CRD version's schema (`helmrelease-helm-v2.json`).
pub fn crd_file_name(gvk: &Gvk) -> String {
    schema_file_name(gvk)
}

/// Applies openapi2jsonschema's two rewrites to one version's `openAPIV3Schema`.
pub fn convert(mut schema: Json) -> Json {
    close_objects(&mut schema, true);
    replace_int_or_string(&mut schema);
    schema
}

/// Closes every object below the root that has `properties` and no `additionalProperties`.
/// Like the Python original it descends through every object value (also the `properties` map
/// itself) but never into arrays.
fn close_objects(v: &mut Json, root: bool) {
    let Json::Object(m) = v else { return };
    if !root && m.contains_key("properties") && !m.contains_key("additionalProperties") {
        m.insert("additionalProperties".into(), Json::Bool(false));
    }
    for (_, child) in m.iter_mut() {
        close_objects(child, false);
    }
}

fn replace_int_or_string(v: &mut Json) {
    match v {
        Json::Object(m) => {
            for (_, child) in m.iter_mut() {
                if is_int_or_string(child) {
                    *child = int_or_string();
                } else {
                    replace_int_or_string(child);
                }
            }
        }
        Json::Array(items) => items.iter_mut().for_each(replace_int_or_string),
        _ => {}
    }
}

fn is_int_or_string(v: &Json) -> bool {
    v.get("format").and_then(Json::as_str) == Some("int-or-string")
}

fn int_or_string() -> Json {
    let branch = |t: &str| {
        let mut m = Map::new();
        m.insert("type".into(), Json::String(t.into()));
        Json::Object(m)
    };
    let mut m = Map::new();
    m.insert(
        "oneOf".into(),
        Json::Array(vec![branch("string"), branch("integer")]),
    );
    Json::Object(m)
}

/// The schema as openapi2jsonschema writes it: `json.dumps(indent=2)`, non-ASCII escaped, no
/// trailing newline.
pub fn to_schema_file(schema: &Json) -> String {
    let pretty = serde_json::to_string_pretty(schema).unwrap_or_default();
    let mut out = String::with_capacity(pretty.len());
    for c in pretty.chars() {
        if c.is_ascii() {
            out.push(c);
        } else {
            let mut buf = [0u16; 2];
            for unit in c.encode_utf16(&mut buf) {
                out.push_str(&format!("\\u{unit:04x}"));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::yaml::{Limits, Profile, parse_str};

    const CRD: &str = r#"
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: widgets.example.com}
spec:
  group: example.com
  names: {kind: Widget, plural: widgets}
  versions:
  - name: v1
    schema:
      openAPIV3Schema:
        type: object
        properties:
          spec:
            type: object
            properties:
              port: {format: int-or-string}
              labels: {type: object, additionalProperties: {type: string}}
              items:
                type: array
                items: {type: object, properties: {a: {type: string}}}
              either:
                anyOf: [{type: object, properties: {b: {type: string}}}]
  - name: v0
"#;

    #[test]
    fn converts_like_openapi2jsonschema() {
        let doc = parse_str(CRD, "crd.yaml", Profile::Kubernetes, Limits::default()).unwrap();
        let out = crd_schemas(&doc[0]).unwrap();
        assert_eq!(out.len(), 1, "v0 has no schema");
        let (gvk, s) = &out[0];
        assert_eq!(crd_file_name(gvk), "widget-example-v1.json");
        assert!(s.get("additionalProperties").is_none(), "root stays open");
        let spec = &s["properties"]["spec"];
        assert_eq!(spec["additionalProperties"], Json::Bool(false));
        assert_eq!(spec["properties"]["port"]["oneOf"][1]["type"], "integer");
        assert_eq!(
            spec["properties"]["labels"]["additionalProperties"]["type"],
            "string"
        );
        assert_eq!(
            spec["properties"]["items"]["items"]["additionalProperties"],
            Json::Bool(false)
        );
        // Inside arrays nothing is closed, as in the Python original.
        assert!(
            spec["properties"]["either"]["anyOf"][0]
                .get("additionalProperties")
                .is_none()
        );
        assert!(to_schema_file(s).starts_with("{\n  \"type\": \"object\""));
    }

    #[test]
    fn import_writes_kubeconform_named_files() {
        let files = import_crds(CRD.as_bytes(), "crd.yaml").unwrap();
        assert_eq!(files.len(), 1);
        assert_eq!(files[0].0, "widget-example-v1.json");
        assert!(!files[0].1.ends_with('\n'));
        assert!(import_crds(b"apiVersion: v1\nkind: ConfigMap\n", "cm.yaml").is_err());
    }

    #[test]
    fn incomplete_crds_are_errors() {
        let doc = parse_str(
            "spec: {group: x}",
            "c.yaml",
            Profile::Kubernetes,
            Limits::default(),
        )
        .unwrap();
        assert!(
            crd_schemas(&doc[0])
                .unwrap_err()
                .contains("spec.names.kind")
        );
    }
}
