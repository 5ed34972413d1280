//! Checklists: templates of items, filled instances, validation with an
//! error per item, corrective follow-ups and the daily report.
//!
//! # Items
//!
//! An item ([`TemplateItem`]) is one of: pass/flag/fail ([`Verdict`]), a
//! number with optional limits (inclusive) and a unit, free text, a meter
//! reading (run-hours, m³, starts) or a photo reference. An item may be
//! *required*, and may be *critical* (a critical item is always required).
//!
//! # Instances
//!
//! An instance hangs on a work order or stands alone (a daily round). The
//! answers are checked against the template ([`validate`]); a refused
//! submission names every item that is wrong, not just the first. The
//! checked instance keeps a copy of each item's label and limits, so
//! editing a template later does not change what was filled.
//!
//! Operators, technicians, supervisors and admins fill checklists; guests
//! do not. (A technician fills the checklist of their own order: the wiring
//! checks [`WorkOrder::visible_to`](crate::maintenance::work_order::WorkOrder::visible_to).)
//!
//! # Follow-up orders (Atlas CMMS issue #56)
//!
//! A failed critical item, or a number outside its limits (critical or
//! not), raises exactly one corrective request, keyed
//! `checklist:{instance}:item:{key}` ([`ChecklistInstance::follow_ups`]).
//! The store inserts them with `ON CONFLICT DO NOTHING` when the
//! checklist is submitted, and the 20:00 job proposes them again for the
//! day's instances ([`daily_report`]): whichever runs first creates the
//! order, the other does nothing. A flag, or a failed item that is not
//! critical, raises no order; the daily report shows it.
//!
//! # Daily report (the 20:00 job)
//!
//! [`daily_report`] covers the checklists filled on one local date: counts,
//! every item with a problem (fail, flag or out of limits) per asset, and
//! **repeat failures**: an item with a problem today on an asset where the
//! same item had a problem at least twice within the window (default 7
//! days, today included).

mod report;

pub use report::{DailyReport, ProblemCounts, ReportLine, daily_report};

use crate::maintenance::ids::{ChecklistId, TemplateId};
use crate::maintenance::text::{MAX_TEXT_CHARS, fits};
use crate::maintenance::work_order::{Actor, NewWorkOrder, Origin, Priority, WorkKind, WorkState};
use crate::vocab::vocabulary;
use crate::{AssetId, Lang, MeterKind, Role, SiteId, UserId, UtcMillis, WorkOrderId};

/// The key of an item in its template: 1 to 40 of `a-z`, `0-9`, `_`.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ItemKey(String);

impl ItemKey {
    /// Check the spelling.
    ///
    /// # Errors
    /// [`TemplateError::Key`] with the input.
    pub fn parse(s: &str) -> Result<ItemKey, TemplateError> {
        let ok = (1..=40).contains(&s.len())
            && s.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
        if ok {
            Ok(ItemKey(s.to_owned()))
        } else {
            Err(TemplateError::Key(s.to_owned()))
        }
    }

    /// The key.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for ItemKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

vocabulary!(
    /// The answer to a pass/flag/fail item.
    Verdict {
        /// As it should be.
        Pass => "pass",
        /// Worth watching; no order.
        Flag => "flag",
        /// Not as it should be.
        Fail => "fail",
    }
);

impl Verdict {
    /// The word shown to people.
    #[must_use]
    pub fn label(self, lang: Lang) -> &'static str {
        match (lang, self) {
            (Lang::Es, Verdict::Pass) => "conforme",
            (Lang::Es, Verdict::Flag) => "observado",
            (Lang::Es, Verdict::Fail) => "no conforme",
            (Lang::En, v) => v.as_str(),
        }
    }
}

/// What an item asks for.
#[derive(Clone, Debug, PartialEq)]
pub enum ItemKind {
    /// Pass, flag or fail.
    Verdict,
    /// A number, with inclusive limits.
    Number {
        /// Unit shown next to the number ("bar", "A", "m").
        unit: String,
        /// Lowest acceptable value.
        min: Option<f64>,
        /// Highest acceptable value.
        max: Option<f64>,
    },
    /// Free text.
    Text,
    /// A reading of one of the asset's meters.
    Meter(MeterKind),
    /// A reference to a stored photo.
    Photo,
}

impl ItemKind {
    fn expects(&self, lang: Lang) -> &'static str {
        match (lang, self) {
            (Lang::En, ItemKind::Verdict) => "pass, flag or fail",
            (Lang::En, ItemKind::Number { .. }) => "a number",
            (Lang::En, ItemKind::Text) => "a text",
            (Lang::En, ItemKind::Meter(_)) => "a meter reading",
            (Lang::En, ItemKind::Photo) => "a photo reference",
            (Lang::Es, ItemKind::Verdict) => "conforme, observado o no conforme",
            (Lang::Es, ItemKind::Number { .. }) => "un número",
            (Lang::Es, ItemKind::Text) => "un texto",
            (Lang::Es, ItemKind::Meter(_)) => "una lectura de medidor",
            (Lang::Es, ItemKind::Photo) => "una referencia de foto",
        }
    }
}

/// An item of a template.
#[derive(Clone, Debug, PartialEq)]
pub struct TemplateItem {
    /// Its key.
    pub key: ItemKey,
    /// What the person reads ("Nivel de aceite").
    pub label: String,
    /// What it asks for.
    pub kind: ItemKind,
    /// A failure raises a corrective order.
    pub critical: bool,
    /// Must be answered (always, when critical).
    pub required: bool,
}

/// A checklist template that passed [`ChecklistTemplate::new`].
#[derive(Clone, Debug, PartialEq)]
pub struct ChecklistTemplate {
    id: TemplateId,
    name: String,
    items: Vec<TemplateItem>,
}

/// A template that cannot be used.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum TemplateError {
    /// A key that does not follow the spelling rule.
    #[error("item key `{0}` must be 1 to 40 lowercase letters, digits or `_`")]
    Key(String),
    /// A template has a name and at least one item.
    #[error("a checklist template needs a name and at least one item")]
    Empty,
    /// Keys are unique in a template.
    #[error("item key `{0}` appears more than once")]
    DuplicateKey(ItemKey),
    /// Every item has a label.
    #[error("item `{0}` needs a label of at most 4000 characters")]
    Label(ItemKey),
    /// Limits must be finite and in order.
    #[error("item `{key}` has limits that are not finite or not in order")]
    Limits {
        /// The item.
        key: ItemKey,
    },
}

impl ChecklistTemplate {
    /// Validate a template. A critical item is made required.
    ///
    /// # Errors
    /// [`TemplateError`] naming the first problem.
    pub fn new(
        id: TemplateId,
        name: &str,
        mut items: Vec<TemplateItem>,
    ) -> Result<ChecklistTemplate, TemplateError> {
        let name = name.trim();
        if name.is_empty() || !fits(name) || items.is_empty() {
            return Err(TemplateError::Empty);
        }
        for item in &mut items {
            item.label = item.label.trim().to_owned();
            if item.label.is_empty() || !fits(&item.label) {
                return Err(TemplateError::Label(item.key.clone()));
            }
            if let ItemKind::Number { min, max, .. } = &item.kind {
                let finite = min.is_none_or(f64::is_finite) && max.is_none_or(f64::is_finite);
                let ordered = match (min, max) {
                    (Some(a), Some(b)) => a <= b,
                    _ => true,
                };
                if !(finite && ordered) {
                    return Err(TemplateError::Limits {
                        key: item.key.clone(),
                    });
                }
            }
            if item.critical {
                item.required = true;
            }
        }
        let mut keys: Vec<&ItemKey> = items.iter().map(|i| &i.key).collect();
        keys.sort();
        if let Some(w) = keys.windows(2).find(|w| w[0] == w[1]) {
            return Err(TemplateError::DuplicateKey(w[0].clone()));
        }
        Ok(ChecklistTemplate {
            id,
            name: name.to_owned(),
            items,
        })
    }

    /// The row id.
    #[must_use]
    pub fn id(&self) -> TemplateId {
        self.id
    }

    /// The name.
    #[must_use]
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The items, in order.
    #[must_use]
    pub fn items(&self) -> &[TemplateItem] {
        &self.items
    }
}

/// An answer as submitted.
#[derive(Clone, Debug, PartialEq)]
pub enum Answer {
    /// Pass, flag or fail.
    Verdict(Verdict),
    /// A number.
    Number(f64),
    /// Free text.
    Text(String),
    /// A meter reading.
    Meter(f64),
    /// A photo reference.
    Photo(String),
}

/// Where an instance hangs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Attachment {
    /// On a work order.
    WorkOrder(WorkOrderId),
    /// On its own (a daily round).
    Round,
}

/// A filled checklist as submitted.
#[derive(Clone, Debug, PartialEq)]
pub struct Submission {
    /// Where it hangs.
    pub attached: Attachment,
    /// The asset checked.
    pub asset: AssetId,
    /// Its site.
    pub site: SiteId,
    /// Who filled it.
    pub filled_by: UserId,
    /// In which role.
    pub role: Role,
    /// When.
    pub at: UtcMillis,
    /// The answers, by item key.
    pub answers: Vec<(String, Answer)>,
}

/// How an answer compares with its item.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Outcome {
    /// Verdict pass.
    Pass,
    /// Verdict flag.
    Flag,
    /// Verdict fail.
    Fail,
    /// A number within its limits.
    Within,
    /// A number below its minimum.
    Below {
        /// The minimum.
        min: f64,
    },
    /// A number above its maximum.
    Above {
        /// The maximum.
        max: f64,
    },
    /// Text, a meter reading or a photo: recorded.
    Recorded,
    /// An optional item left unanswered.
    Unanswered,
}

impl Outcome {
    /// A fail or a number out of its limits.
    #[must_use]
    pub fn is_failure(&self) -> bool {
        matches!(
            self,
            Outcome::Fail | Outcome::Below { .. } | Outcome::Above { .. }
        )
    }

    /// A failure or a flag: what the daily report lists.
    #[must_use]
    pub fn is_problem(&self) -> bool {
        self.is_failure() || *self == Outcome::Flag
    }
}

/// A checked answer, with a copy of its item as it was when filled.
#[derive(Clone, Debug, PartialEq)]
pub struct CheckedAnswer {
    /// The item's key.
    pub key: ItemKey,
    /// The item's label.
    pub label: String,
    /// Whether the item was critical.
    pub critical: bool,
    /// The unit, for numbers.
    pub unit: Option<String>,
    /// The answer, if any.
    pub answer: Option<Answer>,
    /// How it compares.
    pub outcome: Outcome,
}

/// What an item's answer got wrong.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ItemProblem {
    /// A required item has no answer.
    Missing,
    /// The answer is of another type than the item asks.
    WrongType,
    /// A number that is not finite.
    NotFinite,
    /// A negative meter reading.
    NegativeMeter,
    /// Empty text or photo reference.
    Empty,
    /// Text over the length limit.
    TooLong,
    /// No such item in the template.
    Unknown,
    /// The item is answered twice.
    Duplicate,
}

/// An item's answer that was refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ItemError {
    /// The item's key, as submitted.
    pub key: String,
    /// The item's label, where the item exists.
    pub label: Option<String>,
    /// What is wrong.
    pub problem: ItemProblem,
    /// What the item expects (for [`ItemProblem::WrongType`]), in English and Spanish.
    expects: Option<(&'static str, &'static str)>,
}

impl ItemError {
    /// The message shown to people.
    #[must_use]
    pub fn message(&self, lang: Lang) -> String {
        let k = &self.key;
        let named = match (&self.label, lang) {
            (Some(l), Lang::En) => format!("item `{k}` ({l})"),
            (Some(l), Lang::Es) => format!("el ítem «{k}» ({l})"),
            (None, Lang::En) => format!("item `{k}`"),
            (None, Lang::Es) => format!("el ítem «{k}»"),
        };
        let (en, es) = self.expects.unwrap_or(("", ""));
        match (lang, self.problem) {
            (Lang::En, ItemProblem::Missing) => format!("{named} is required and has no answer"),
            (Lang::En, ItemProblem::WrongType) => format!("{named} expects {en}"),
            (Lang::En, ItemProblem::NotFinite) => format!("{named}: the number is not finite"),
            (Lang::En, ItemProblem::NegativeMeter) => {
                format!("{named}: a meter reading cannot be negative")
            }
            (Lang::En, ItemProblem::Empty) => format!("{named}: the answer is empty"),
            (Lang::En, ItemProblem::TooLong) => {
                format!("{named}: the answer is longer than {MAX_TEXT_CHARS} characters")
            }
            (Lang::En, ItemProblem::Unknown) => format!("there is no {named} in this checklist"),
            (Lang::En, ItemProblem::Duplicate) => format!("{named} is answered more than once"),
            (Lang::Es, ItemProblem::Missing) => {
                format!("{named} es obligatorio y no tiene respuesta")
            }
            (Lang::Es, ItemProblem::WrongType) => format!("{named} espera {es}"),
            (Lang::Es, ItemProblem::NotFinite) => format!("{named}: el número no es finito"),
            (Lang::Es, ItemProblem::NegativeMeter) => {
                format!("{named}: una lectura de medidor no puede ser negativa")
            }
            (Lang::Es, ItemProblem::Empty) => format!("{named}: la respuesta está vacía"),
            (Lang::Es, ItemProblem::TooLong) => {
                format!("{named}: la respuesta supera los {MAX_TEXT_CHARS} caracteres")
            }
            (Lang::Es, ItemProblem::Unknown) => format!("no existe {named} en este checklist"),
            (Lang::Es, ItemProblem::Duplicate) => format!("{named} tiene más de una respuesta"),
        }
    }
}

/// A submission that was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ChecklistError {
    /// The role does not fill checklists.
    #[error("{} may not fill checklists", crate::maintenance::text::role_with_article(*.0, Lang::En))]
    NotAllowed(Role),
    /// Some answers are wrong: every one is listed.
    #[error("{}", self.message(Lang::En))]
    Answers(Vec<ItemError>),
}

impl ChecklistError {
    /// The message shown to people (one line per item).
    #[must_use]
    pub fn message(&self, lang: Lang) -> String {
        match self {
            ChecklistError::NotAllowed(role) => match lang {
                Lang::En => self.to_string(),
                Lang::Es => format!(
                    "{} no puede llenar checklists",
                    crate::maintenance::text::role_with_article(*role, lang)
                ),
            },
            ChecklistError::Answers(items) => {
                let head = match (lang, items.len()) {
                    (Lang::En, 1) => "1 answer is invalid".to_owned(),
                    (Lang::En, n) => format!("{n} answers are invalid"),
                    (Lang::Es, 1) => "1 respuesta no es válida".to_owned(),
                    (Lang::Es, n) => format!("{n} respuestas no son válidas"),
                };
                let lines: Vec<String> = items.iter().map(|e| e.message(lang)).collect();
                format!("{head}: {}", lines.join("; "))
            }
        }
    }
}

/// A checklist that passed [`validate`], ready to store.
#[derive(Clone, Debug, PartialEq)]
pub struct CheckedChecklist {
    /// The template.
    pub template: TemplateId,
    /// The template's name then.
    pub template_name: String,
    /// Where it hangs.
    pub attached: Attachment,
    /// The asset.
    pub asset: AssetId,
    /// Its site.
    pub site: SiteId,
    /// Who filled it.
    pub filled_by: UserId,
    /// When.
    pub at: UtcMillis,
    /// One per template item, in template order.
    pub answers: Vec<CheckedAnswer>,
}

/// A stored checklist.
#[derive(Clone, Debug, PartialEq)]
pub struct ChecklistInstance {
    /// The row id.
    pub id: ChecklistId,
    /// The checked content.
    pub checked: CheckedChecklist,
}

impl CheckedChecklist {
    /// The stored instance, once the store assigned its id.
    #[must_use]
    pub fn into_instance(self, id: ChecklistId) -> ChecklistInstance {
        ChecklistInstance { id, checked: self }
    }
}

fn wrong(key: &str, item: &TemplateItem, problem: ItemProblem) -> ItemError {
    ItemError {
        key: key.to_owned(),
        label: Some(item.label.clone()),
        problem,
        expects: (problem == ItemProblem::WrongType)
            .then(|| (item.kind.expects(Lang::En), item.kind.expects(Lang::Es))),
    }
}

fn check_answer(item: &TemplateItem, answer: &Answer) -> Result<Outcome, ItemProblem> {
    match (&item.kind, answer) {
        (ItemKind::Verdict, Answer::Verdict(v)) => Ok(match v {
            Verdict::Pass => Outcome::Pass,
            Verdict::Flag => Outcome::Flag,
            Verdict::Fail => Outcome::Fail,
        }),
        (ItemKind::Number { min, max, .. }, Answer::Number(x)) => {
            if !x.is_finite() {
                return Err(ItemProblem::NotFinite);
            }
            if let Some(min) = min
                && x < min
            {
                return Ok(Outcome::Below { min: *min });
            }
            if let Some(max) = max
                && x > max
            {
                return Ok(Outcome::Above { max: *max });
            }
            Ok(Outcome::Within)
        }
        (ItemKind::Meter(_), Answer::Meter(x)) => {
            if !x.is_finite() {
                Err(ItemProblem::NotFinite)
            } else if *x < 0.0 {
                Err(ItemProblem::NegativeMeter)
            } else {
                Ok(Outcome::Recorded)
            }
        }
        (ItemKind::Text, Answer::Text(t)) | (ItemKind::Photo, Answer::Photo(t)) => {
            if t.trim().is_empty() {
                Err(ItemProblem::Empty)
            } else if !fits(t) {
                Err(ItemProblem::TooLong)
            } else {
                Ok(Outcome::Recorded)
            }
        }
        _ => Err(ItemProblem::WrongType),
    }
}

/// Check a submission against its template.
///
/// # Errors
/// [`ChecklistError::NotAllowed`] for guests; [`ChecklistError::Answers`]
/// listing every wrong answer (unknown, duplicate, wrong type, missing).
pub fn validate(
    template: &ChecklistTemplate,
    sub: Submission,
) -> Result<CheckedChecklist, ChecklistError> {
    if sub.role == Role::Guest {
        return Err(ChecklistError::NotAllowed(sub.role));
    }
    let mut errors = Vec::new();
    let mut given: Vec<Option<Answer>> = vec![None; template.items.len()];
    for (key, answer) in sub.answers {
        let Some(i) = template.items.iter().position(|it| it.key.as_str() == key) else {
            errors.push(ItemError {
                key,
                label: None,
                problem: ItemProblem::Unknown,
                expects: None,
            });
            continue;
        };
        if given[i].is_some() {
            errors.push(wrong(&key, &template.items[i], ItemProblem::Duplicate));
            continue;
        }
        given[i] = Some(answer);
    }
    let mut answers = Vec::with_capacity(template.items.len());
    for (item, answer) in template.items.iter().zip(given) {
        let outcome = match &answer {
            None if item.required => {
                errors.push(wrong(item.key.as_str(), item, ItemProblem::Missing));
                continue;
            }
            None => Outcome::Unanswered,
            Some(a) => match check_answer(item, a) {
                Ok(o) => o,
                Err(p) => {
                    errors.push(wrong(item.key.as_str(), item, p));
                    continue;
                }
            },
        };
        let answer = answer.map(|a| match a {
            Answer::Text(t) => Answer::Text(t.trim().to_owned()),
            Answer::Photo(p) => Answer::Photo(p.trim().to_owned()),
            other => other,
        });
        answers.push(CheckedAnswer {
            key: item.key.clone(),
            label: item.label.clone(),
            critical: item.critical,
            unit: match &item.kind {
                ItemKind::Number { unit, .. } => Some(unit.clone()),
                _ => None,
            },
            answer,
            outcome,
        });
    }
    if !errors.is_empty() {
        return Err(ChecklistError::Answers(errors));
    }
    Ok(CheckedChecklist {
        template: template.id,
        template_name: template.name.clone(),
        attached: sub.attached,
        asset: sub.asset,
        site: sub.site,
        filled_by: sub.filled_by,
        at: sub.at,
        answers,
    })
}

fn num(x: f64) -> String {
    let s = format!("{x}");
    s.strip_suffix(".0").map_or(s.clone(), str::to_owned)
}

impl ChecklistInstance {
    /// The answers that raise a corrective order: a failed critical item,
    /// or a number outside its limits.
    pub fn order_raising(&self) -> impl Iterator<Item = &CheckedAnswer> {
        self.checked.answers.iter().filter(|a| {
            matches!(a.outcome, Outcome::Below { .. } | Outcome::Above { .. })
                || (a.critical && a.outcome == Outcome::Fail)
        })
    }

    /// One corrective request per answer that raises one, keyed
    /// `checklist:{instance}:item:{key}` (unique in the store).
    #[must_use]
    pub fn follow_ups(&self, lang: Lang) -> Vec<NewWorkOrder> {
        let c = &self.checked;
        self.order_raising()
            .map(|a| {
                let value = match &a.answer {
                    Some(Answer::Number(x)) => num(*x),
                    _ => String::new(),
                };
                let unit = a.unit.as_deref().unwrap_or("");
                let what = match (lang, a.outcome) {
                    (Lang::En, Outcome::Below { min }) => {
                        format!("{value} {unit} is below the minimum {} {unit}", num(min))
                    }
                    (Lang::En, Outcome::Above { max }) => {
                        format!("{value} {unit} is above the maximum {} {unit}", num(max))
                    }
                    (Lang::En, _) => "marked fail on a critical item".to_owned(),
                    (Lang::Es, Outcome::Below { min }) => {
                        format!("{value} {unit} está bajo el mínimo de {} {unit}", num(min))
                    }
                    (Lang::Es, Outcome::Above { max }) => {
                        format!("{value} {unit} está sobre el máximo de {} {unit}", num(max))
                    }
                    (Lang::Es, _) => "marcado no conforme en un ítem crítico".to_owned(),
                };
                let on_order = match (lang, c.attached) {
                    (Lang::En, Attachment::WorkOrder(o)) => format!(" (on work order {o})"),
                    (Lang::Es, Attachment::WorkOrder(o)) => {
                        format!(" (en la orden de trabajo {o})")
                    }
                    (_, Attachment::Round) => String::new(),
                };
                let (title, description) = match lang {
                    Lang::En => (
                        format!("Checklist {}: {}", c.template_name, a.label),
                        format!(
                            "Checklist {} of {}{on_order}: {}: {what}.",
                            self.id, c.template_name, a.label
                        ),
                    ),
                    Lang::Es => (
                        format!("Checklist {}: {}", c.template_name, a.label),
                        format!(
                            "Checklist {} de {}{on_order}: {}: {what}.",
                            self.id, c.template_name, a.label
                        ),
                    ),
                };
                NewWorkOrder {
                    kind: WorkKind::Corrective,
                    priority: if a.critical {
                        Priority::High
                    } else {
                        Priority::Medium
                    },
                    state: WorkState::Requested,
                    title,
                    description,
                    asset: c.asset,
                    site: c.site,
                    origin: Origin::Checklist {
                        instance: self.id,
                        item: a.key.as_str().to_owned(),
                    },
                    created_at: c.at,
                    created_by: Actor::System,
                    skill: None,
                    estimated_minutes: None,
                    due_at: None,
                    pm: None,
                    checklist: None,
                    notes: Vec::new(),
                }
            })
            .collect()
    }
}

#[cfg(test)]
mod tests;
