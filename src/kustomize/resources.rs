//! Turning a resource file into [`Resource`]s: documents, `List` expansion, basic shape checks.

use std::sync::Arc;

use crate::error::{Error, Result};
use crate::resource::Resource;
use crate::yaml::{self, Limits, Node, Profile, Span, Value};

/// Parses the documents of a resource file. Empty documents are skipped, `*List` kinds with
/// `items` are expanded, and every document must be an object with a kind and a name.
pub fn parse_resources(bytes: &[u8], display: &str) -> Result<Vec<Resource>> {
    let limits = Limits {
        kyaml_refold: true,
        ..Limits::default()
    };
    let docs = yaml::parse_file(bytes, display, Profile::Kustomize, limits)?;
    let mut out = Vec::new();
    for doc in docs {
        push_doc(doc, display, &mut out)?;
    }
    Ok(out)
}

fn push_doc(doc: Node, display: &str, out: &mut Vec<Resource>) -> Result<()> {
    let span = doc
        .span
        .clone()
        .unwrap_or_else(|| Span::file(Arc::from(display)));
    match &doc.value {
        Value::Null => return Ok(()),
        Value::Map(m) if m.is_empty() => return Ok(()),
        Value::Map(_) => {}
        _ => {
            return Err(Error::new(
                span,
                format!("a resource must be a mapping, not a {}", doc.type_name()),
            ));
        }
    }
    let kind = doc.str_at(&["kind"]).unwrap_or_default();
    if kind.ends_with("List")
        && let Some(items) = doc.get_path(&["items"])
    {
        let Value::Seq(items) = &items.value else {
            return Err(Error::new(span, format!("{kind}.items must be a list")));
        };
        for item in items {
            push_doc(item.clone(), display, out)?;
        }
        return Ok(());
    }
    if kind.is_empty() {
        return Err(Error::new(span, "resource has no kind"));
    }
    if doc.str_at(&["metadata", "name"]).is_none_or(str::is_empty)
        && doc.str_at(&["metadata", "generateName"]).is_none()
    {
        return Err(Error::new(span, format!("{kind} has no metadata.name")));
    }
    out.push(Resource::new(doc, span));
    Ok(())
}
