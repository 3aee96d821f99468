//! Handlebars templates embedded in the binary (read from `templates/` on disk in debug
//! builds, so a page reloads without recompiling), in strict mode so a typo is an error
//! instead of blank text.

use handlebars::{
    Context, Handlebars, Helper, HelperResult, Output, RenderContext, RenderErrorReason,
};
use rust_embed::RustEmbed;
use serde::Serialize;

use crate::web::assets;

#[derive(RustEmbed)]
#[folder = "templates/"]
#[include = "*.hbs"]
struct TemplateFiles;

pub struct Templates {
    registry: Handlebars<'static>,
    /// The same templates with nothing escaped, for plain-text mail.
    text: Handlebars<'static>,
}

impl Templates {
    pub fn load() -> Result<Self, handlebars::TemplateError> {
        let mut registry = Handlebars::new();
        registry.set_strict_mode(true);
        // A partial placed on an indented line must not indent every line it outputs: text
        // kept with its line breaks (an address, a note) would gain spaces.
        registry.set_prevent_indent(true);
        registry.set_dev_mode(cfg!(debug_assertions));
        registry.register_helper("asset", Box::new(asset_helper));
        registry.register_embed_templates_with_extension::<TemplateFiles>(".hbs")?;
        let mut text = registry.clone();
        text.register_escape_fn(handlebars::no_escape);
        Ok(Self { registry, text })
    }

    /// Renders a plain-text template (mail): nothing is HTML-escaped.
    pub fn render_text<T: Serialize>(
        &self,
        name: &str,
        data: &T,
    ) -> Result<String, handlebars::RenderError> {
        self.text.render(name, data)
    }

    pub fn render<T: Serialize>(
        &self,
        name: &str,
        data: &T,
    ) -> Result<String, handlebars::RenderError> {
        self.registry.render(name, data)
    }
}

/// `{{asset "css/convene.css"}}`: the versioned URL of an embedded asset.
fn asset_helper(
    h: &Helper,
    _: &Handlebars,
    _: &Context,
    _: &mut RenderContext,
    out: &mut dyn Output,
) -> HelperResult {
    let path = h
        .param(0)
        .and_then(|p| p.value().as_str())
        .ok_or(RenderErrorReason::ParamNotFoundForIndex("asset", 0))?;
    let url = assets::versioned_url(path)
        .ok_or_else(|| RenderErrorReason::Other(format!("there is no asset {path:?}")))?;
    out.write(&url)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_template_compiles() {
        let templates = Templates::load().expect("templates compile");
        for name in [
            "layout",
            "home",
            "error",
            "partials/site-header",
            "partials/site-footer",
            "partials/empty-state",
            "auth/signin",
            "auth/dev",
            "auth/profile",
            "admin/users",
            "admin/audit",
            "admin/moderation",
            "events/list",
            "events/show",
            "events/form",
            "events/mine",
            "calendar/page",
            "partials/event-card",
            "partials/field-error",
        ] {
            assert!(
                templates.registry.has_template(name),
                "missing template {name}"
            );
        }
    }
}
