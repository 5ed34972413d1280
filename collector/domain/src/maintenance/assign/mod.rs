//! Technicians and automatic assignment.
//!
//! A [`Technician`] has the kinds of work they do, skills (free labels such
//! as `electrical`, `mechanical`, `instrumentation`), the sites they serve
//! and an [`Availability`] (weekly shifts in a zone, less leave).
//!
//! # The assignment rule ([`pick`])
//!
//! 1. **Qualified**: the technician serves the order's site, does the
//!    order's kind of work, and has the order's skill when it names one.
//! 2. **Available**: they have working time (shifts less leave) between
//!    `now` and `now + horizon` (default 24 h, so the 06:00 job finds the
//!    08:00 shift). A reassignment suggestion also leaves out the current
//!    assignee.
//! 3. **Least loaded**: load is counted over their orders that are
//!    assigned, in progress or on hold. With [`LoadMeasure::RemainingHours`]
//!    (the default) load is the remaining estimated labour
//!    ([`WorkOrder::remaining_minutes`]: estimate less labour logged; an
//!    order without an estimate adds nothing); with
//!    [`LoadMeasure::OrderCount`] it is the number of orders.
//! 4. **Ties** are broken by the other measure, then by the lowest user
//!    id, so the same inputs always give the same technician.
//!
//! When nobody qualifies, [`NoTechnician`] says why each technician was
//! left out (the first failing condition, in the order above). A
//! supervisor can always reassign by hand ([`Action::Reassign`](super::work_order::Action::Reassign)).

mod availability;

pub use availability::{Availability, AvailabilityError, Leave, Presence, Shift, WEEK_MS};

use std::collections::{BTreeMap, BTreeSet};

use crate::maintenance::work_order::{WorkKind, WorkOrder, WorkState};
use crate::{HOUR_MS, Lang, SiteId, UserId, UtcMillis};

/// A skill label: 1 to 40 lowercase ASCII letters, digits, `_` or `-`.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Skill(String);

/// A skill label that does not follow the spelling rule.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("skill `{0}` must be 1 to 40 lowercase letters, digits, `_` or `-`")]
pub struct SkillError(pub String);

impl Skill {
    /// Check the spelling.
    ///
    /// # Errors
    /// [`SkillError`] with the input.
    pub fn parse(s: &str) -> Result<Skill, SkillError> {
        let ok = (1..=40).contains(&s.len())
            && s.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-');
        if ok {
            Ok(Skill(s.to_owned()))
        } else {
            Err(SkillError(s.to_owned()))
        }
    }

    /// The label.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for Skill {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// A technician.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Technician {
    /// Their user.
    pub user: UserId,
    /// Their name, for lists.
    pub name: String,
    /// The kinds of work they do.
    pub kinds: BTreeSet<WorkKind>,
    /// Their skills.
    pub skills: BTreeSet<Skill>,
    /// The sites they serve.
    pub sites: BTreeSet<SiteId>,
    /// When they work.
    pub availability: Availability,
}

/// What an order needs of its technician.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Need {
    /// The kind of work.
    pub kind: WorkKind,
    /// The skill, if the work names one.
    pub skill: Option<Skill>,
    /// The site.
    pub site: SiteId,
    /// A technician to leave out (the current assignee, when reassigning).
    pub exclude: Option<UserId>,
}

impl Need {
    /// What an order needs.
    #[must_use]
    pub fn of(order: &WorkOrder) -> Need {
        Need {
            kind: order.kind,
            skill: order.skill.clone(),
            site: order.site,
            exclude: None,
        }
    }

    /// What an order needs of another technician than its current one.
    #[must_use]
    pub fn for_reassignment(order: &WorkOrder) -> Need {
        Need {
            exclude: order.assignee,
            ..Need::of(order)
        }
    }
}

/// How load is measured.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum LoadMeasure {
    /// Remaining estimated labour of open assigned orders (default).
    #[default]
    RemainingHours,
    /// Number of open assigned orders.
    OrderCount,
}

/// The assignment settings.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AssignPolicy {
    /// How load is measured.
    pub load: LoadMeasure,
    /// How far ahead a technician must have working time to be available, ms.
    pub horizon_ms: i64,
}

impl Default for AssignPolicy {
    /// Remaining hours; available within the next 24 hours.
    fn default() -> AssignPolicy {
        AssignPolicy {
            load: LoadMeasure::RemainingHours,
            horizon_ms: 24 * HOUR_MS,
        }
    }
}

/// A technician's load.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Load {
    /// Open assigned orders (assigned, in progress, on hold).
    pub orders: u32,
    /// Their remaining estimated labour, minutes.
    pub remaining_minutes: u64,
}

/// Load per technician, from orders (only assigned, in progress and on
/// hold orders with an assignee count).
pub fn loads<'a>(orders: impl IntoIterator<Item = &'a WorkOrder>) -> BTreeMap<UserId, Load> {
    let mut out: BTreeMap<UserId, Load> = BTreeMap::new();
    for o in orders {
        let counted = matches!(
            o.state,
            WorkState::Assigned | WorkState::InProgress | WorkState::OnHold
        );
        if let (true, Some(t)) = (counted, o.assignee) {
            let l = out.entry(t).or_default();
            l.orders += 1;
            l.remaining_minutes += o.remaining_minutes().unwrap_or(0);
        }
    }
    out
}

/// The chosen technician.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Pick {
    /// Who.
    pub technician: UserId,
    /// Their load before this order.
    pub load: Load,
}

/// Why a technician was left out.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Rejection {
    /// Does not serve the order's site.
    NotAtSite,
    /// Does not do this kind of work.
    NotForKind,
    /// Lacks the order's skill.
    LacksSkill,
    /// Has shifts in the horizon, all on leave.
    OnLeave,
    /// Has no shift in the horizon.
    NotScheduled,
    /// The current assignee, left out of a reassignment.
    CurrentAssignee,
}

impl Rejection {
    fn phrase(self, lang: Lang, n: usize) -> String {
        let one = n == 1;
        let text = match (lang, self, one) {
            (Lang::En, Rejection::NotAtSite, true) => "does not serve the site",
            (Lang::En, Rejection::NotAtSite, false) => "do not serve the site",
            (Lang::En, Rejection::NotForKind, true) => "does not do this kind of work",
            (Lang::En, Rejection::NotForKind, false) => "do not do this kind of work",
            (Lang::En, Rejection::LacksSkill, true) => "lacks the skill",
            (Lang::En, Rejection::LacksSkill, false) => "lack the skill",
            (Lang::En, Rejection::OnLeave, true) => "is on leave",
            (Lang::En, Rejection::OnLeave, false) => "are on leave",
            (Lang::En, Rejection::NotScheduled, true) => "has no shift in the next hours",
            (Lang::En, Rejection::NotScheduled, false) => "have no shift in the next hours",
            (Lang::En, Rejection::CurrentAssignee, _) => "already has the order",
            (Lang::Es, Rejection::NotAtSite, true) => "no atiende el sitio",
            (Lang::Es, Rejection::NotAtSite, false) => "no atienden el sitio",
            (Lang::Es, Rejection::NotForKind, true) => "no hace este tipo de trabajo",
            (Lang::Es, Rejection::NotForKind, false) => "no hacen este tipo de trabajo",
            (Lang::Es, Rejection::LacksSkill, true) => "no tiene la habilidad",
            (Lang::Es, Rejection::LacksSkill, false) => "no tienen la habilidad",
            (Lang::Es, Rejection::OnLeave, true) => "está con permiso",
            (Lang::Es, Rejection::OnLeave, false) => "están con permiso",
            (Lang::Es, Rejection::NotScheduled, true) => "no tiene turno en las próximas horas",
            (Lang::Es, Rejection::NotScheduled, false) => "no tienen turno en las próximas horas",
            (Lang::Es, Rejection::CurrentAssignee, _) => "ya tiene la orden",
        };
        format!("{n} {text}")
    }
}

/// Nobody qualifies for an order, with the reason for each technician.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{}", self.message(Lang::En))]
pub struct NoTechnician {
    /// What the order needs.
    pub need: Need,
    /// Each technician and the first condition they failed.
    pub rejected: Vec<(UserId, Rejection)>,
}

impl NoTechnician {
    /// How many technicians failed each condition, in the order of the rule.
    #[must_use]
    pub fn counts(&self) -> BTreeMap<Rejection, usize> {
        let mut m = BTreeMap::new();
        for (_, r) in &self.rejected {
            *m.entry(*r).or_insert(0) += 1;
        }
        m
    }

    /// The message shown to people.
    #[must_use]
    pub fn message(&self, lang: Lang) -> String {
        let kind = self.need.kind.label(lang);
        let site = self.need.site;
        let head = match (lang, &self.need.skill) {
            (Lang::En, Some(s)) => {
                format!(
                    "no technician qualifies for {kind} work needing skill `{s}` at site {site}"
                )
            }
            (Lang::En, None) => format!("no technician qualifies for {kind} work at site {site}"),
            (Lang::Es, Some(s)) => format!(
                "ningún técnico califica para el trabajo de tipo {kind} que requiere la habilidad «{s}» en el sitio {site}"
            ),
            (Lang::Es, None) => {
                format!("ningún técnico califica para el trabajo de tipo {kind} en el sitio {site}")
            }
        };
        if self.rejected.is_empty() {
            return match lang {
                Lang::En => format!("{head}: no technicians are registered"),
                Lang::Es => format!("{head}: no hay técnicos registrados"),
            };
        }
        let reasons: Vec<String> = self
            .counts()
            .into_iter()
            .map(|(r, n)| r.phrase(lang, n))
            .collect();
        format!("{head}: {}", reasons.join(", "))
    }
}

/// Check one technician against a need: `None` when they qualify.
#[must_use]
pub fn reject(
    t: &Technician,
    need: &Need,
    policy: &AssignPolicy,
    now: UtcMillis,
) -> Option<Rejection> {
    if need.exclude == Some(t.user) {
        return Some(Rejection::CurrentAssignee);
    }
    if !t.sites.contains(&need.site) {
        return Some(Rejection::NotAtSite);
    }
    if !t.kinds.contains(&need.kind) {
        return Some(Rejection::NotForKind);
    }
    if let Some(s) = &need.skill
        && !t.skills.contains(s)
    {
        return Some(Rejection::LacksSkill);
    }
    match t
        .availability
        .presence(now, UtcMillis(now.0.saturating_add(policy.horizon_ms)))
    {
        Presence::Working => None,
        Presence::OnLeave => Some(Rejection::OnLeave),
        Presence::NotScheduled => Some(Rejection::NotScheduled),
    }
}

/// Pick the technician for an order by the rule in the module docs.
///
/// # Errors
/// [`NoTechnician`] when nobody qualifies, with each one's reason.
pub fn pick(
    need: &Need,
    technicians: &[Technician],
    loads: &BTreeMap<UserId, Load>,
    policy: &AssignPolicy,
    now: UtcMillis,
) -> Result<Pick, NoTechnician> {
    let mut rejected = Vec::new();
    let mut best: Option<Pick> = None;
    for t in technicians {
        if let Some(r) = reject(t, need, policy, now) {
            rejected.push((t.user, r));
            continue;
        }
        let load = loads.get(&t.user).copied().unwrap_or_default();
        let candidate = Pick {
            technician: t.user,
            load,
        };
        let better = match &best {
            None => true,
            Some(b) => rank(&candidate, policy.load) < rank(b, policy.load),
        };
        if better {
            best = Some(candidate);
        }
    }
    best.ok_or(NoTechnician {
        need: need.clone(),
        rejected,
    })
}

fn rank(p: &Pick, measure: LoadMeasure) -> (u64, u64, UserId) {
    let hours = p.load.remaining_minutes;
    let count = u64::from(p.load.orders);
    match measure {
        LoadMeasure::RemainingHours => (hours, count, p.technician),
        LoadMeasure::OrderCount => (count, hours, p.technician),
    }
}

#[cfg(test)]
mod tests;
