//! Words shared by the maintenance messages, in both languages.

use crate::{Lang, Role};

/// Hard limit on free text (titles, notes, comments, answers), in characters.
pub const MAX_TEXT_CHARS: usize = 4000;

/// "a technician" / "un técnico": a role with its indefinite article.
pub(crate) fn role_with_article(role: Role, lang: Lang) -> &'static str {
    match (lang, role) {
        (Lang::En, Role::Admin) => "an admin",
        (Lang::En, Role::Supervisor) => "a supervisor",
        (Lang::En, Role::Technician) => "a technician",
        (Lang::En, Role::Operator) => "an operator",
        (Lang::En, Role::Guest) => "a guest",
        (Lang::Es, Role::Admin) => "un administrador",
        (Lang::Es, Role::Supervisor) => "un supervisor",
        (Lang::Es, Role::Technician) => "un técnico",
        (Lang::Es, Role::Operator) => "un operador",
        (Lang::Es, Role::Guest) => "un invitado",
    }
}

/// Trim free text; `None` when nothing is left.
pub(crate) fn clean(text: Option<&str>) -> Option<String> {
    text.map(str::trim)
        .filter(|t| !t.is_empty())
        .map(str::to_owned)
}

/// Whether a text is within [`MAX_TEXT_CHARS`].
pub(crate) fn fits(text: &str) -> bool {
    text.chars().count() <= MAX_TEXT_CHARS
}

/// The word for an asset kind.
pub(crate) fn asset_kind_label(kind: crate::AssetKind, lang: Lang) -> &'static str {
    use crate::AssetKind;
    match (lang, kind) {
        (Lang::Es, AssetKind::Well) => "pozo",
        (Lang::Es, AssetKind::Pump) => "bomba",
        (Lang::Es, AssetKind::Motor) => "motor",
        (Lang::Es, AssetKind::FlowMeter) => "caudalímetro",
        (Lang::Es, AssetKind::LevelSensor) => "sensor de nivel",
        (Lang::Es, AssetKind::Gateway) => "gateway",
        (Lang::Es, AssetKind::Other) => "otro",
        (Lang::En, AssetKind::FlowMeter) => "flow meter",
        (Lang::En, AssetKind::LevelSensor) => "level sensor",
        (Lang::En, k) => k.as_str(),
    }
}
