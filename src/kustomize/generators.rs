//! Running `configMapGenerator` and `secretGenerator` entries against the accumulator.

use crate::error::Result;
use crate::resource::Behavior;

use super::build::{Accumulator, same_id};
use super::generator::{self, GeneratedKind};
use super::kustomization::Kustomization;
use super::load::{Loader, Location};

/// Generates every ConfigMap, then every Secret, and adds them by their `behavior`.
pub(crate) fn run(
    loader: &Loader,
    dir: &Location,
    kust: &Kustomization,
    acc: &mut Accumulator,
) -> Result<()> {
    let global = match kust.field("generatorOptions") {
        Some(n) => Some(generator::parse_generator_options(n)?),
        None => None,
    };
    for (field, kind) in [
        ("configMapGenerator", GeneratedKind::ConfigMap),
        ("secretGenerator", GeneratedKind::Secret),
    ] {
        for entry in kust.list(field)? {
            let args = generator::parse_generator_args(entry, kind)?;
            let mut read =
                |path: &str, span: &crate::yaml::Span| -> Result<(Vec<u8>, std::sync::Arc<str>)> {
                    let loc = loader.resolve(dir, dir, path, span)?;
                    let bytes = loader.read(&loc, span)?;
                    Ok((bytes, std::sync::Arc::from(loc.display.as_str())))
                };
            let res = generator::generate(&args, kind, global.as_ref(), &mut read)?;
            let span = kust.span_of(entry);
            let behavior = args.behavior;
            let id = res.id();
            let existing = acc.resources.iter().position(|r| {
                same_id(&r.id(), &id) || r.previous_ids.iter().any(|p| same_id(p, &id))
            });
            match (behavior, existing) {
                (Behavior::Create, Some(_)) => return Err(generator::exists_error(&id, span)),
                (Behavior::Create, None) => acc.resources.push(res),
                (_, Some(i)) => generator::merge_into(&mut acc.resources[i], res)?,
                (_, None) => return Err(generator::missing_error(&id, span)),
            }
        }
    }
    Ok(())
}
