//! What the domains notify: an [`Event`] with a typed [`Payload`] per kind.

use caudal_protocol::UtcMillis;
use chrono::NaiveDate;

use crate::vocab::vocabulary;
use crate::{AlarmId, PointId, Severity, SiteId, WorkOrderId};

vocabulary!(
    /// The kinds of event people subscribe to.
    EventKind {
        /// An alarm became active.
        AlarmRaised => "alarm_raised",
        /// An active alarm's severity rose.
        AlarmEscalated => "alarm_escalated",
        /// An alarm cleared.
        AlarmCleared => "alarm_cleared",
        /// A work order was assigned to the recipient.
        WorkOrderAssigned => "work_order_assigned",
        /// The daily regulator-filing summary.
        ComplianceDailyReport => "compliance_daily_report",
        /// The weekly maintenance and operation report.
        WeeklyReport => "weekly_report",
        /// A scheduled job failed.
        JobFailed => "job_failed",
    }
);

vocabulary!(
    /// How a message reaches a recipient.
    ChannelKind {
        /// E-mail over SMTP.
        Email => "email",
        /// An HTTP POST to an integration's URL.
        Webhook => "webhook",
        /// A text message through the SMS gateway.
        Sms => "sms",
        /// A Telegram chat, through the Bot API.
        Telegram => "telegram",
    }
);

/// An alarm, as a message shows it.
#[derive(Clone, Debug, PartialEq)]
pub struct AlarmFacts {
    /// The alarm.
    pub alarm: AlarmId,
    /// The rule's name as people know it ("Nivel bajo", "Caudal sobre derecho").
    pub rule: String,
    /// Site name.
    pub site: String,
    /// Catchment point code or name.
    pub point: Option<String>,
    /// Asset code or name.
    pub asset: Option<String>,
    /// Current severity.
    pub severity: Severity,
    /// The value that triggered it, with its unit.
    pub value: Option<(f64, String)>,
    /// When it was raised, escalated or cleared.
    pub at: UtcMillis,
    /// A link to the alarm's page.
    pub link: Option<String>,
}

/// A work order, as an assignment message shows it.
#[derive(Clone, Debug, PartialEq)]
pub struct WorkOrderFacts {
    /// The order.
    pub order: WorkOrderId,
    /// Its title.
    pub title: String,
    /// Site name.
    pub site: String,
    /// Asset code or name.
    pub asset: Option<String>,
    /// Who assigned it.
    pub assigned_by: Option<String>,
    /// When it is due.
    pub due: Option<UtcMillis>,
    /// A link to the order's page.
    pub link: Option<String>,
}

/// The daily summary of regulator filing for one site.
#[derive(Clone, Debug, PartialEq)]
pub struct ComplianceFacts {
    /// The local day summarised.
    pub date: NaiveDate,
    /// Site name.
    pub site: String,
    /// "DGA", "SMA".
    pub regulator: String,
    /// Slots due that day.
    pub due: u32,
    /// Confirmed by the regulator.
    pub confirmed: u32,
    /// Still pending or being retried.
    pub pending: u32,
    /// Rejected or in error.
    pub rejected: u32,
    /// A link to the ledger.
    pub link: Option<String>,
}

/// The weekly report of one site.
#[derive(Clone, Debug, PartialEq)]
pub struct WeeklyFacts {
    /// Monday of the week reported.
    pub week_of: NaiveDate,
    /// Site name.
    pub site: String,
    /// Time-based availability over required time, percent.
    pub availability_pct: Option<f64>,
    /// Failures in the week.
    pub failures: u32,
    /// Work orders closed in the week.
    pub orders_closed: u32,
    /// Work orders open at the end of the week.
    pub orders_open: u32,
    /// Volume pumped, m³.
    pub pumped_m3: f64,
    /// A link to the full report.
    pub link: Option<String>,
}

/// A job that failed.
#[derive(Clone, Debug, PartialEq)]
pub struct JobFacts {
    /// Job name.
    pub job: String,
    /// The scheduled time that failed.
    pub scheduled_at: UtcMillis,
    /// Attempts made.
    pub attempts: u32,
    /// The error.
    pub error: String,
}

/// The content of an event, one variant per [`EventKind`].
#[derive(Clone, Debug, PartialEq)]
pub enum Payload {
    /// [`EventKind::AlarmRaised`].
    AlarmRaised(AlarmFacts),
    /// [`EventKind::AlarmEscalated`]: `from` is the previous severity.
    AlarmEscalated {
        /// The alarm now.
        alarm: AlarmFacts,
        /// Its severity before.
        from: Severity,
    },
    /// [`EventKind::AlarmCleared`].
    AlarmCleared(AlarmFacts),
    /// [`EventKind::WorkOrderAssigned`].
    WorkOrderAssigned(WorkOrderFacts),
    /// [`EventKind::ComplianceDailyReport`].
    ComplianceDailyReport(ComplianceFacts),
    /// [`EventKind::WeeklyReport`].
    WeeklyReport(WeeklyFacts),
    /// [`EventKind::JobFailed`].
    JobFailed(JobFacts),
}

impl Payload {
    /// Its kind.
    #[must_use]
    pub fn kind(&self) -> EventKind {
        match self {
            Payload::AlarmRaised(_) => EventKind::AlarmRaised,
            Payload::AlarmEscalated { .. } => EventKind::AlarmEscalated,
            Payload::AlarmCleared(_) => EventKind::AlarmCleared,
            Payload::WorkOrderAssigned(_) => EventKind::WorkOrderAssigned,
            Payload::ComplianceDailyReport(_) => EventKind::ComplianceDailyReport,
            Payload::WeeklyReport(_) => EventKind::WeeklyReport,
            Payload::JobFailed(_) => EventKind::JobFailed,
        }
    }
}

/// Something to notify, with where and how severe it is.
#[derive(Clone, Debug, PartialEq)]
pub struct Event {
    /// Content.
    pub payload: Payload,
    /// Severity used by subscriptions, quiet hours and rate limits.
    pub severity: Severity,
    /// The site it concerns (`None`: the whole installation).
    pub site: Option<SiteId>,
    /// The catchment point it concerns.
    pub point: Option<PointId>,
    /// When it happened.
    pub time: UtcMillis,
}

impl Event {
    /// An event with the severity its payload implies: an alarm's own
    /// severity; `major` for a failed job; `minor` for an assignment;
    /// `indeterminate` for reports.
    #[must_use]
    pub fn new(
        payload: Payload,
        site: Option<SiteId>,
        point: Option<PointId>,
        time: UtcMillis,
    ) -> Event {
        let severity = match &payload {
            Payload::AlarmRaised(a) | Payload::AlarmCleared(a) => a.severity,
            Payload::AlarmEscalated { alarm, .. } => alarm.severity,
            Payload::WorkOrderAssigned(_) => Severity::Minor,
            Payload::ComplianceDailyReport(_) | Payload::WeeklyReport(_) => Severity::Indeterminate,
            Payload::JobFailed(_) => Severity::Major,
        };
        Event {
            payload,
            severity,
            site,
            point,
            time,
        }
    }

    /// Its kind.
    #[must_use]
    pub fn kind(&self) -> EventKind {
        self.payload.kind()
    }

    /// What makes two messages "identical" for merging: the kind and the
    /// thing it is about, never the time. An alarm raised again (flapping)
    /// for the same rule and place merges; the same job failing every minute
    /// merges; two different work orders do not.
    #[must_use]
    pub fn merge_key(&self) -> String {
        let kind = self.kind().as_str();
        match &self.payload {
            Payload::AlarmRaised(a) | Payload::AlarmCleared(a) => format!(
                "{kind}:{}:{}:{}:{}",
                a.rule,
                a.site,
                a.point.as_deref().unwrap_or(""),
                a.asset.as_deref().unwrap_or("")
            ),
            Payload::AlarmEscalated { alarm: a, .. } => format!(
                "{kind}:{}:{}:{}:{}:{}",
                a.rule,
                a.site,
                a.point.as_deref().unwrap_or(""),
                a.asset.as_deref().unwrap_or(""),
                a.severity
            ),
            Payload::WorkOrderAssigned(w) => format!("{kind}:{}", w.order),
            Payload::ComplianceDailyReport(c) => {
                format!("{kind}:{}:{}:{}", c.regulator, c.site, c.date)
            }
            Payload::WeeklyReport(w) => format!("{kind}:{}:{}", w.site, w.week_of),
            Payload::JobFailed(j) => format!("{kind}:{}", j.job),
        }
    }
}
