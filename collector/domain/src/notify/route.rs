//! Who gets an event, on which channel, and when: subscriptions, coverage,
//! addresses and quiet hours.
//!
//! # Matching
//!
//! A [`Subscription`] matches an [`Event`] when all hold:
//! - its `kind` is the event's kind, or `None` (every kind);
//! - the event's severity is at least `min_severity`
//!   (`indeterminate` < `warning` < `minor` < `major` < `critical`; reports
//!   are `indeterminate`, so a subscription to reports keeps the default
//!   minimum `indeterminate`);
//! - its place filter admits the event: no sites and no points admit every
//!   event; otherwise the event's site must be listed in `sites` or its
//!   point in `points`. An event without a place (a failed job) matches only
//!   unrestricted subscriptions;
//! - the recipient is active and covers the event's site (a user who does
//!   not cover a site never hears about it, whatever they subscribed to).
//!
//! Several subscriptions of one user that match on the same [`Target`] make
//! one message: one outbox row per message × recipient × channel (per
//! endpoint for webhooks).
//!
//! # Quiet hours
//!
//! [`QuietHours`] is a daily local-time range in the recipient's zone
//! (`22:00`–`07:00` spans midnight). A message routed inside it is
//! **deferred to the end of the range** (its first send attempt is then),
//! unless its severity is at least [`QuietHours::except_from`] (default
//! `critical`: critical alarms wake people up). `except_from: None` defers
//! everything. Webhooks are not people: quiet hours never apply to them.
//! The end of the range is a wall time resolved with [`Zone::resolve`], so on a
//! DST day it is the first instant at or after that wall time.

use std::collections::BTreeSet;

use caudal_protocol::UtcMillis;
use chrono::{Duration, NaiveTime};

use super::event::{ChannelKind, Event, EventKind};
use crate::{Lang, PointId, Severity, SiteId, UserId, Zone};

/// Where a subscription delivers.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Target {
    /// The recipient's e-mail address.
    Email,
    /// The recipient's phone, by SMS.
    Sms,
    /// The recipient's Telegram chat.
    Telegram,
    /// A configured webhook endpoint, by name.
    Webhook {
        /// The endpoint's name in the collector config.
        endpoint: String,
    },
}

impl Target {
    /// The channel it uses.
    #[must_use]
    pub fn channel(&self) -> ChannelKind {
        match self {
            Target::Email => ChannelKind::Email,
            Target::Sms => ChannelKind::Sms,
            Target::Telegram => ChannelKind::Telegram,
            Target::Webhook { .. } => ChannelKind::Webhook,
        }
    }
}

/// One subscription of one user.
#[derive(Clone, Debug, PartialEq)]
pub struct Subscription {
    /// Whose.
    pub user: UserId,
    /// The kind, or `None` for every kind.
    pub kind: Option<EventKind>,
    /// Least severity delivered.
    pub min_severity: Severity,
    /// Sites admitted (see the module docs).
    pub sites: BTreeSet<SiteId>,
    /// Points admitted.
    pub points: BTreeSet<PointId>,
    /// Where.
    pub target: Target,
}

impl Subscription {
    /// Every event of every kind and place, on one target.
    #[must_use]
    pub fn everything(user: UserId, target: Target) -> Subscription {
        Subscription {
            user,
            kind: None,
            min_severity: Severity::Indeterminate,
            sites: BTreeSet::new(),
            points: BTreeSet::new(),
            target,
        }
    }

    /// Whether it admits the event (the recipient's coverage aside).
    #[must_use]
    pub fn matches(&self, event: &Event) -> bool {
        let kind = self.kind.is_none_or(|k| k == event.kind());
        let severity = event.severity >= self.min_severity;
        let place = (self.sites.is_empty() && self.points.is_empty())
            || event.site.is_some_and(|s| self.sites.contains(&s))
            || event.point.is_some_and(|p| self.points.contains(&p));
        kind && severity && place
    }
}

/// Daily quiet hours in the recipient's zone.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct QuietHours {
    /// Start (local wall time).
    pub from: NaiveTime,
    /// End (local wall time); before `from` means the range spans midnight.
    pub to: NaiveTime,
    /// Messages at least this severe are sent anyway; `None` defers all.
    pub except_from: Option<Severity>,
}

impl QuietHours {
    /// A range with the default exception (`critical` goes through).
    #[must_use]
    pub fn new(from: NaiveTime, to: NaiveTime) -> QuietHours {
        QuietHours {
            from,
            to,
            except_from: Some(Severity::Critical),
        }
    }

    /// When a message of `severity` routed at `now` may first be sent:
    /// `now`, or the end of the quiet range it falls in.
    #[must_use]
    pub fn release(&self, zone: Zone, now: UtcMillis, severity: Severity) -> UtcMillis {
        if self.from == self.to || self.except_from.is_some_and(|e| severity >= e) {
            return now;
        }
        let local = zone.local(now);
        let t = local.time();
        let date = local.date();
        let end_date = if self.from < self.to {
            (t >= self.from && t < self.to).then_some(date)
        } else if t >= self.from {
            Some(date + Duration::days(1))
        } else if t < self.to {
            Some(date)
        } else {
            None
        };
        match end_date {
            Some(d) => std::cmp::max(zone.resolve(d.and_time(self.to)), now),
            None => now,
        }
    }
}

/// Which sites a recipient covers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Coverage {
    /// Every site (admins, supervisors of the whole installation, integrations).
    All,
    /// These sites only.
    Sites(BTreeSet<SiteId>),
}

impl Coverage {
    fn admits(&self, site: Option<SiteId>) -> bool {
        match (self, site) {
            (Coverage::All, _) | (Coverage::Sites(_), None) => true,
            (Coverage::Sites(s), Some(site)) => s.contains(&site),
        }
    }
}

/// A person (or integration) as routing sees them.
#[derive(Clone, Debug, PartialEq)]
pub struct Recipient {
    /// Who.
    pub user: UserId,
    /// Whether the account is active.
    pub active: bool,
    /// Language of their messages.
    pub lang: Lang,
    /// Zone for their quiet hours and the times in their messages.
    pub zone: Zone,
    /// E-mail address.
    pub email: Option<String>,
    /// Phone in E.164 (`+56912345678`).
    pub phone: Option<String>,
    /// Telegram chat id.
    pub telegram_chat_id: Option<String>,
    /// Quiet hours.
    pub quiet: Option<QuietHours>,
    /// Sites covered.
    pub coverage: Coverage,
}

/// One message to enqueue: one outbox row.
#[derive(Clone, Debug, PartialEq)]
pub struct Planned {
    /// Recipient.
    pub user: UserId,
    /// Target.
    pub target: Target,
    /// The address on that channel: e-mail, phone, chat id, or endpoint name.
    pub address: String,
    /// Language to render in.
    pub lang: Lang,
    /// Zone to render times in.
    pub zone: Zone,
    /// First send attempt (later than the event when deferred by quiet hours).
    pub not_before: UtcMillis,
}

/// A matching subscription that cannot be delivered: reported, not dropped silently.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Unroutable {
    /// Recipient.
    pub user: UserId,
    /// Target.
    pub target: Target,
    /// Why.
    pub reason: UnroutableReason,
}

/// Why a message could not be planned.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UnroutableReason {
    /// The user has no address on that channel (no phone for SMS, ...).
    NoAddress,
    /// The subscription's user is not among the recipients given.
    UnknownUser,
}

/// The result of [`route`].
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Routing {
    /// Messages to enqueue, one per recipient × target, ordered by (user, target).
    pub planned: Vec<Planned>,
    /// Matching subscriptions that cannot be delivered.
    pub unroutable: Vec<Unroutable>,
}

/// Route an event at `now` (see the module docs).
#[must_use]
pub fn route(
    event: &Event,
    subscriptions: &[Subscription],
    recipients: &[Recipient],
    now: UtcMillis,
) -> Routing {
    let mut targets: BTreeSet<(UserId, Target)> = BTreeSet::new();
    for s in subscriptions.iter().filter(|s| s.matches(event)) {
        targets.insert((s.user, s.target.clone()));
    }
    let mut out = Routing::default();
    for (user, target) in targets {
        let Some(r) = recipients.iter().find(|r| r.user == user) else {
            out.unroutable.push(Unroutable {
                user,
                target,
                reason: UnroutableReason::UnknownUser,
            });
            continue;
        };
        if !r.active || !r.coverage.admits(event.site) {
            continue;
        }
        let address = match &target {
            Target::Email => r.email.clone(),
            Target::Sms => r.phone.clone(),
            Target::Telegram => r.telegram_chat_id.clone(),
            Target::Webhook { endpoint } => Some(endpoint.clone()),
        };
        let Some(address) = address.filter(|a| !a.trim().is_empty()) else {
            out.unroutable.push(Unroutable {
                user,
                target,
                reason: UnroutableReason::NoAddress,
            });
            continue;
        };
        let not_before = match (&target, r.quiet) {
            (Target::Webhook { .. }, _) | (_, None) => now,
            (_, Some(q)) => q.release(r.zone, now, event.severity),
        };
        out.planned.push(Planned {
            user,
            target,
            address,
            lang: r.lang,
            zone: r.zone,
            not_before,
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDateTime;

    use super::*;
    use crate::notify::event::{JobFacts, Payload, WeeklyFacts};

    fn utc(s: &str) -> UtcMillis {
        crate::zone::from_datetime(&NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").unwrap())
    }

    fn hm(s: &str) -> NaiveTime {
        NaiveTime::parse_from_str(s, "%H:%M").unwrap()
    }

    fn alarm(severity: Severity, site: i64, point: i64) -> Event {
        Event::new(
            Payload::AlarmRaised(crate::notify::event::AlarmFacts {
                alarm: crate::AlarmId(1),
                rule: "Nivel bajo".to_owned(),
                site: "Fundo El Roble".to_owned(),
                point: Some("P-01".to_owned()),
                asset: None,
                severity,
                value: None,
                at: UtcMillis(0),
                link: None,
            }),
            Some(SiteId(site)),
            Some(PointId(point)),
            UtcMillis(0),
        )
    }

    fn person(user: i64) -> Recipient {
        Recipient {
            user: UserId(user),
            active: true,
            lang: Lang::Es,
            zone: Zone::SANTIAGO,
            email: Some(format!("u{user}@example.cl")),
            phone: Some("+56911111111".to_owned()),
            telegram_chat_id: None,
            quiet: None,
            coverage: Coverage::All,
        }
    }

    #[test]
    fn subscriptions_filter_by_kind_severity_and_place() {
        let mut s = Subscription::everything(UserId(1), Target::Email);
        s.kind = Some(EventKind::AlarmRaised);
        s.min_severity = Severity::Major;
        s.points.insert(PointId(7));
        assert!(s.matches(&alarm(Severity::Major, 1, 7)));
        assert!(s.matches(&alarm(Severity::Critical, 1, 7)));
        assert!(!s.matches(&alarm(Severity::Minor, 1, 7)), "below minimum");
        assert!(!s.matches(&alarm(Severity::Critical, 1, 8)), "other point");
        s.sites.insert(SiteId(2));
        assert!(s.matches(&alarm(Severity::Critical, 2, 8)), "listed site");
        let job = Event::new(
            Payload::JobFailed(JobFacts {
                job: "retention".to_owned(),
                scheduled_at: UtcMillis(0),
                attempts: 2,
                error: "x".to_owned(),
            }),
            None,
            None,
            UtcMillis(0),
        );
        s.kind = None;
        assert!(
            !s.matches(&job),
            "no place: only unrestricted subscriptions"
        );
        assert!(Subscription::everything(UserId(1), Target::Email).matches(&job));
    }

    #[test]
    fn overlapping_subscriptions_make_one_row_per_recipient_and_channel() {
        let subs = vec![
            Subscription::everything(UserId(1), Target::Email),
            Subscription {
                kind: Some(EventKind::AlarmRaised),
                ..Subscription::everything(UserId(1), Target::Email)
            },
            Subscription::everything(UserId(1), Target::Sms),
            Subscription::everything(UserId(2), Target::Telegram),
        ];
        let r = route(
            &alarm(Severity::Major, 1, 1),
            &subs,
            &[person(1), person(2)],
            UtcMillis(5),
        );
        let got: Vec<_> = r
            .planned
            .iter()
            .map(|p| (p.user.0, p.target.channel(), p.address.as_str()))
            .collect();
        assert_eq!(
            got,
            vec![
                (1, ChannelKind::Email, "u1@example.cl"),
                (1, ChannelKind::Sms, "+56911111111")
            ]
        );
        assert_eq!(
            r.unroutable,
            vec![Unroutable {
                user: UserId(2),
                target: Target::Telegram,
                reason: UnroutableReason::NoAddress
            }]
        );
    }

    #[test]
    fn a_user_never_hears_about_a_site_they_do_not_cover() {
        let mut p = person(1);
        p.coverage = Coverage::Sites([SiteId(2)].into());
        let subs = vec![Subscription::everything(UserId(1), Target::Email)];
        assert!(
            route(
                &alarm(Severity::Critical, 1, 1),
                &subs,
                &[p.clone()],
                UtcMillis(0)
            )
            .planned
            .is_empty()
        );
        assert_eq!(
            route(&alarm(Severity::Critical, 2, 1), &subs, &[p], UtcMillis(0))
                .planned
                .len(),
            1
        );
    }

    #[test]
    fn quiet_hours_defer_to_their_end_except_critical() {
        let q = QuietHours::new(hm("22:00"), hm("07:00"));
        let z = Zone::SANTIAGO;
        // 2026-07-15 23:30 local (-04:00) = 03:30 UTC.
        let night = utc("2026-07-16 03:30");
        assert_eq!(
            q.release(z, night, Severity::Major),
            utc("2026-07-16 11:00"),
            "deferred to 07:00 local"
        );
        assert_eq!(q.release(z, night, Severity::Critical), night);
        // 06:00 local: same morning's end.
        assert_eq!(
            q.release(z, utc("2026-07-16 10:00"), Severity::Minor),
            utc("2026-07-16 11:00")
        );
        // 12:00 local: not quiet.
        let noon = utc("2026-07-16 16:00");
        assert_eq!(q.release(z, noon, Severity::Minor), noon);
        let strict = QuietHours {
            except_from: None,
            ..q
        };
        assert_eq!(
            strict.release(z, night, Severity::Critical),
            utc("2026-07-16 11:00")
        );
    }

    #[test]
    fn quiet_hours_apply_in_the_recipients_zone_and_never_to_webhooks() {
        let mut p = person(1);
        p.quiet = Some(QuietHours::new(hm("00:00"), hm("06:00")));
        let subs = vec![
            Subscription::everything(UserId(1), Target::Email),
            Subscription::everything(
                UserId(1),
                Target::Webhook {
                    endpoint: "scada".to_owned(),
                },
            ),
        ];
        let weekly = Event::new(
            Payload::WeeklyReport(WeeklyFacts {
                week_of: chrono::NaiveDate::from_ymd_opt(2026, 7, 13).unwrap(),
                site: "S".to_owned(),
                availability_pct: None,
                failures: 0,
                orders_closed: 0,
                orders_open: 0,
                pumped_m3: 0.0,
                link: None,
            }),
            Some(SiteId(1)),
            None,
            UtcMillis(0),
        );
        // 02:00 local in July = 06:00 UTC.
        let now = utc("2026-07-13 06:00");
        let r = route(&weekly, &subs, &[p], now);
        assert_eq!(r.planned[0].target, Target::Email);
        assert_eq!(r.planned[0].not_before, utc("2026-07-13 10:00"));
        assert_eq!(r.planned[1].address, "scada");
        assert_eq!(r.planned[1].not_before, now);
    }
}
