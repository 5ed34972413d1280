//! The daily summary: a short e-mail of the last 24 hours for one
//! subscriber (alarms raised and cleared, work orders opened and closed,
//! slots filed with the regulator, assets down now). The wiring fills one
//! [`DailySummary`] per subscriber with what that subscriber's
//! subscriptions cover, in their language and zone.

use caudal_collector_domain::maintenance::work_order::{Priority, WorkKind};
use caudal_collector_domain::{AlarmId, DownCause, Lang, Severity, UtcMillis, WorkOrderId, Zone};

use crate::ReportError;
use crate::document::{Block, Column, Document, Headline, Section, Table};
use crate::format;
use crate::labels::{self, Labels};
use crate::model::{AssetRef, PointRef};

/// An alarm raised or cleared in the window.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AlarmLine {
    /// The alarm.
    pub id: AlarmId,
    /// When it was raised (or cleared).
    pub at: UtcMillis,
    /// Its severity.
    pub severity: Severity,
    /// Where: the point or asset's name.
    pub place: String,
    /// Its message.
    pub message: String,
}

/// A work order opened or closed in the window.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OrderLine {
    /// The order.
    pub id: WorkOrderId,
    /// When it was opened (or closed).
    pub at: UtcMillis,
    /// Its asset's name.
    pub asset: String,
    /// Its kind.
    pub kind: WorkKind,
    /// Its priority.
    pub priority: Priority,
    /// Its title.
    pub title: String,
}

/// Slots of one point and regulator filed in the window.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SlotsFiled {
    /// The point.
    pub point: PointRef,
    /// The regulator, e.g. `DGA`.
    pub regulator: String,
    /// Slots sent.
    pub filed: u32,
    /// Of those, accepted.
    pub accepted: u32,
    /// Of those, rejected.
    pub rejected: u32,
    /// Slots that went to review instead.
    pub in_review: u32,
}

/// An asset down at the end of the window.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AssetDownNow {
    /// The asset.
    pub asset: AssetRef,
    /// Down since.
    pub since: UtcMillis,
    /// Why.
    pub cause: DownCause,
}

/// The last 24 hours for one subscriber.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DailySummary {
    /// The subscriber's name (greeting).
    pub recipient: String,
    /// What the subscriptions cover, e.g. a site's name.
    pub scope: String,
    /// The subscriber's language.
    pub lang: Lang,
    /// The subscriber's zone.
    pub zone: Zone,
    /// Window start.
    pub from: UtcMillis,
    /// Window end (exclusive): the summary's time.
    pub to: UtcMillis,
    /// Alarms raised in the window.
    pub alarms_raised: Vec<AlarmLine>,
    /// Alarms cleared in the window.
    pub alarms_cleared: Vec<AlarmLine>,
    /// Orders opened in the window.
    pub orders_opened: Vec<OrderLine>,
    /// Orders closed in the window.
    pub orders_closed: Vec<OrderLine>,
    /// Slots filed in the window.
    pub slots_filed: Vec<SlotsFiled>,
    /// Assets down at `to`.
    pub assets_down: Vec<AssetDownNow>,
}

impl DailySummary {
    /// Checks the window and that every event lies in it.
    ///
    /// # Errors
    /// [`ReportError::EmptyWindow`] or [`ReportError::OutsideWindow`].
    pub fn validate(&self) -> Result<(), ReportError> {
        if self.to <= self.from {
            return Err(ReportError::EmptyWindow {
                from: self.from,
                to: self.to,
            });
        }
        let inside = |t: UtcMillis| t >= self.from && t < self.to;
        let alarms = self
            .alarms_raised
            .iter()
            .map(|a| ("alarm raised", a.id.0, a.at))
            .chain(
                self.alarms_cleared
                    .iter()
                    .map(|a| ("alarm cleared", a.id.0, a.at)),
            );
        let orders = self
            .orders_opened
            .iter()
            .map(|o| ("order opened", o.id.0, o.at))
            .chain(
                self.orders_closed
                    .iter()
                    .map(|o| ("order closed", o.id.0, o.at)),
            );
        for (what, id, at) in alarms.chain(orders) {
            if !inside(at) {
                return Err(ReportError::OutsideWindow {
                    what: format!("{what} {id}"),
                    at,
                    from: self.from,
                    to: self.to,
                });
            }
        }
        for a in &self.assets_down {
            if a.since >= self.to {
                return Err(ReportError::OutsideWindow {
                    what: format!("asset {} down", a.asset.name),
                    at: a.since,
                    from: self.from,
                    to: self.to,
                });
            }
        }
        for s in &self.slots_filed {
            if s.accepted + s.rejected > s.filed {
                return Err(ReportError::SlotCounts {
                    point: s.point.name.clone(),
                    regulator: s.regulator.clone(),
                    sum: u64::from(s.accepted) + u64::from(s.rejected),
                    expected: s.filed,
                });
            }
        }
        Ok(())
    }

    /// The subject line.
    #[must_use]
    pub fn subject(&self) -> String {
        let l = Labels::get(self.lang);
        format!(
            "{} · {} · {}",
            l.daily_title,
            self.scope,
            format::date(self.lang, self.zone.date(UtcMillis(self.to.0 - 1)))
        )
    }
}

fn n(lang: Lang, v: usize) -> String {
    format::count(lang, u64::try_from(v).unwrap_or(u64::MAX))
}

fn alarm_table(d: &DailySummary, lines: &[AlarmLine]) -> Table {
    let lang = d.lang;
    let l = Labels::get(lang);
    let mut lines: Vec<&AlarmLine> = lines.iter().collect();
    lines.sort_by(|a, b| b.severity.cmp(&a.severity).then(a.at.cmp(&b.at)));
    Table {
        caption: None,
        columns: vec![
            Column::text(l.time),
            Column::text(l.severity),
            Column::text(l.place),
            Column::wide(l.message),
        ],
        rows: lines
            .iter()
            .map(|a| {
                vec![
                    format::datetime(lang, d.zone, a.at),
                    a.severity.label(lang).to_owned(),
                    a.place.clone(),
                    a.message.clone(),
                ]
            })
            .collect(),
        total_row: false,
    }
}

fn order_table(d: &DailySummary, lines: &[OrderLine]) -> Table {
    let lang = d.lang;
    let l = Labels::get(lang);
    let mut lines: Vec<&OrderLine> = lines.iter().collect();
    lines.sort_by(|a, b| b.priority.cmp(&a.priority).then(a.at.cmp(&b.at)));
    Table {
        caption: None,
        columns: vec![
            Column::number(l.order),
            Column::text(l.time),
            Column::text(l.asset),
            Column::text(l.kind),
            Column::text(l.priority),
            Column::wide(l.title),
        ],
        rows: lines
            .iter()
            .map(|o| {
                vec![
                    o.id.to_string(),
                    format::datetime(lang, d.zone, o.at),
                    o.asset.clone(),
                    o.kind.label(lang).to_owned(),
                    o.priority.label(lang).to_owned(),
                    o.title.clone(),
                ]
            })
            .collect(),
        total_row: false,
    }
}

/// The summary as a document (validated first).
///
/// # Errors
/// [`ReportError`] from [`DailySummary::validate`].
pub fn document(d: &DailySummary) -> Result<Document, ReportError> {
    d.validate()?;
    let lang = d.lang;
    let l = Labels::get(lang);
    let filed: u32 = d.slots_filed.iter().map(|s| s.filed).sum();
    let accepted: u32 = d.slots_filed.iter().map(|s| s.accepted).sum();
    let h = |label: &str, value: String| Headline {
        label: label.to_owned(),
        value,
    };
    let headlines = vec![
        h(l.alarms_raised, n(lang, d.alarms_raised.len())),
        h(l.alarms_cleared, n(lang, d.alarms_cleared.len())),
        h(l.orders_opened, n(lang, d.orders_opened.len())),
        h(l.orders_closed, n(lang, d.orders_closed.len())),
        h(
            l.slots_filed,
            format!(
                "{} ({} {})",
                format::count(lang, u64::from(filed)),
                format::count(lang, u64::from(accepted)),
                l.accepted.to_lowercase()
            ),
        ),
        h(l.assets_down_now, n(lang, d.assets_down.len())),
    ];
    let mut sections = Vec::new();
    let mut section = |id: &'static str, title: &str, table: Table| {
        if !table.rows.is_empty() {
            sections.push(Section {
                id,
                title: title.to_owned(),
                definition: String::new(),
                charts: Vec::new(),
                blocks: vec![Block::Table(table)],
            });
        }
    };
    section(
        "alarms-raised",
        l.alarms_raised,
        alarm_table(d, &d.alarms_raised),
    );
    section(
        "alarms-cleared",
        l.alarms_cleared,
        alarm_table(d, &d.alarms_cleared),
    );
    section(
        "orders-opened",
        l.orders_opened,
        order_table(d, &d.orders_opened),
    );
    section(
        "orders-closed",
        l.orders_closed,
        order_table(d, &d.orders_closed),
    );
    section(
        "slots-filed",
        l.slots_filed,
        Table {
            caption: None,
            columns: vec![
                Column::wide(l.point),
                Column::text(l.regulator),
                Column::number(l.filed),
                Column::number(l.accepted),
                Column::number(l.rejected),
                Column::number(l.in_review),
            ],
            rows: d
                .slots_filed
                .iter()
                .map(|s| {
                    vec![
                        s.point.name.clone(),
                        s.regulator.clone(),
                        format::count(lang, u64::from(s.filed)),
                        format::count(lang, u64::from(s.accepted)),
                        format::count(lang, u64::from(s.rejected)),
                        format::count(lang, u64::from(s.in_review)),
                    ]
                })
                .collect(),
            total_row: false,
        },
    );
    let mut down: Vec<&AssetDownNow> = d.assets_down.iter().collect();
    down.sort_by_key(|a| a.since);
    section(
        "assets-down",
        l.assets_down_now,
        Table {
            caption: None,
            columns: vec![
                Column::text(l.asset),
                Column::text(l.since),
                Column::number(l.down_total),
                Column::text(l.cause),
            ],
            rows: down
                .iter()
                .map(|a| {
                    vec![
                        a.asset.name.clone(),
                        format::datetime(lang, d.zone, a.since),
                        format::hours_ms(lang, d.to.0 - a.since.0),
                        labels::down_cause(lang, a.cause).to_owned(),
                    ]
                })
                .collect(),
            total_row: false,
        },
    );
    if sections.is_empty() {
        sections.push(Section {
            id: "nothing",
            title: l.summary.to_owned(),
            definition: String::new(),
            charts: Vec::new(),
            blocks: vec![Block::Paragraph(l.nothing.to_owned())],
        });
    }
    Ok(Document {
        lang,
        title: format!("{} · {}", l.daily_title, d.scope),
        subtitle: vec![
            d.recipient.clone(),
            format!(
                "{}: {} {} {} ({})",
                l.last_24h,
                format::datetime(lang, d.zone, d.from),
                l.to,
                format::datetime(lang, d.zone, d.to),
                d.zone.name()
            ),
        ],
        headlines,
        sections,
        footer: l.footer.to_owned(),
    })
}
