//! Every word the documents print, in Spanish (default) and English.

use caudal_collector_domain::reliability::AvailabilityVariant;
use caudal_collector_domain::{AssetKind, DownCause, Lang};

/// The words of one language.
#[derive(Debug)]
pub struct Labels {
    /// "sin datos": a value that does not exist.
    pub no_data: &'static str,
    /// Short form under a missing bar.
    pub no_data_short: &'static str,
    /// "datos insuficientes": an MTBF below 3 failures.
    pub insufficient_data: &'static str,
    /// Report title.
    pub weekly_title: &'static str,
    /// "Semana".
    pub week: &'static str,
    /// "al" in a date range.
    pub to: &'static str,
    /// "Zona horaria".
    pub zone: &'static str,
    /// "Generado".
    pub generated: &'static str,
    /// "Resumen".
    pub summary: &'static str,
    /// "Página".
    pub page: &'static str,
    /// "de" (x of y).
    pub of: &'static str,
    /// "Total".
    pub total: &'static str,
    /// Headline: open orders.
    pub open_orders: &'static str,
    /// Headline: completed this week.
    pub completed_week: &'static str,
    /// Headline: overdue.
    pub overdue_orders: &'static str,
    /// Headline: availability of the week.
    pub availability_week: &'static str,
    /// Headline: site MTBF.
    pub mtbf_site: &'static str,
    /// Headline: site MTTR.
    pub mttr_site: &'static str,
    /// Headline: backlog.
    pub backlog: &'static str,
    /// Headline: PM compliance.
    pub pm_compliance: &'static str,
    /// Headline: regulator slots accepted.
    pub slots_accepted: &'static str,
    /// Headline: assets down.
    pub assets_down: &'static str,
    /// Unit: crew-weeks.
    pub crew_weeks: &'static str,
    /// Section: orders.
    pub orders_title: &'static str,
    /// Orders chart title.
    pub orders_chart: &'static str,
    /// "Estado".
    pub state: &'static str,
    /// "Tipo".
    pub kind: &'static str,
    /// "Completadas en la semana".
    pub completed_in_week: &'static str,
    /// "Órdenes vencidas".
    pub overdue_title: &'static str,
    /// "No hay órdenes vencidas."
    pub no_overdue: &'static str,
    /// "Orden".
    pub order: &'static str,
    /// "Activo".
    pub asset: &'static str,
    /// "Título".
    pub title: &'static str,
    /// "Prioridad".
    pub priority: &'static str,
    /// "Vencía".
    pub due: &'static str,
    /// "Atraso".
    pub late_by: &'static str,
    /// "días".
    pub days: &'static str,
    /// Orders definition sentence.
    pub orders_def: &'static str,
    /// Section: reliability.
    pub reliability_title: &'static str,
    /// Reliability chart title.
    pub mtbf_chart: &'static str,
    /// Marker legend: "límite inferior".
    pub lower_bound: &'static str,
    /// "Clase".
    pub class: &'static str,
    /// "Activos".
    pub assets: &'static str,
    /// "Horas de operación".
    pub operating_hours: &'static str,
    /// "Fallas".
    pub failures: &'static str,
    /// "Reparaciones".
    pub repairs: &'static str,
    /// "Sitio".
    pub site: &'static str,
    /// "Ventana".
    pub window: &'static str,
    /// Reliability definition sentence.
    pub reliability_def: &'static str,
    /// "al menos".
    pub at_least: &'static str,
    /// Section: availability.
    pub availability_title: &'static str,
    /// Daily chart title.
    pub availability_days_chart: &'static str,
    /// Weekly chart title.
    pub availability_weeks_chart: &'static str,
    /// "Día".
    pub day: &'static str,
    /// "Disponibilidad".
    pub availability: &'static str,
    /// "Horas disponibles".
    pub up_hours: &'static str,
    /// "Horas consideradas".
    pub base_hours: &'static str,
    /// "meta".
    pub target: &'static str,
    /// Section: backlog.
    pub backlog_title: &'static str,
    /// Backlog chart title.
    pub backlog_chart: &'static str,
    /// "Backlog total".
    pub backlog_total: &'static str,
    /// "Backlog listo".
    pub backlog_ready: &'static str,
    /// "Horas estimadas".
    pub estimated_hours: &'static str,
    /// "Órdenes".
    pub orders: &'static str,
    /// "Sin estimación".
    pub without_estimate: &'static str,
    /// "Horas de cuadrilla por semana".
    pub crew_hours: &'static str,
    /// Backlog definition sentence.
    pub backlog_def: &'static str,
    /// Section: PM compliance.
    pub pm_title: &'static str,
    /// PM chart title.
    pub pm_chart: &'static str,
    /// "Vencidas en el periodo".
    pub pm_due: &'static str,
    /// "A tiempo".
    pub on_time: &'static str,
    /// "Atrasadas".
    pub late: &'static str,
    /// "No realizadas".
    pub missed: &'static str,
    /// "Pendientes".
    pub pending: &'static str,
    /// "Anuladas".
    pub cancelled: &'static str,
    /// PM definition sentence.
    pub pm_def: &'static str,
    /// Section: failure modes.
    pub failure_modes_title: &'static str,
    /// Failure modes chart title.
    pub failure_modes_chart: &'static str,
    /// "Modo de falla".
    pub failure_mode: &'static str,
    /// "Código".
    pub code: &'static str,
    /// "Horas detenido".
    pub downtime_hours: &'static str,
    /// "No hubo fallas con código en la ventana."
    pub no_failure_modes: &'static str,
    /// Section: risk.
    pub risk_title: &'static str,
    /// Risk chart title.
    pub risk_chart: &'static str,
    /// "Probabilidad".
    pub probability: &'static str,
    /// "Modelo".
    pub model: &'static str,
    /// "Principales aportes".
    pub main_inputs: &'static str,
    /// Risk definition sentence (takes the horizon).
    pub risk_def: &'static str,
    /// "tasa constante".
    pub constant_rate: &'static str,
    /// "pts".
    pub points: &'static str,
    /// "No hay activos evaluados."
    pub no_risk: &'static str,
    /// "con menor riesgo".
    pub lower_risk: &'static str,
    /// Section: compliance.
    pub compliance_title: &'static str,
    /// Compliance chart title.
    pub compliance_chart: &'static str,
    /// "Punto".
    pub point: &'static str,
    /// "Regulador".
    pub regulator: &'static str,
    /// "Esperados".
    pub expected: &'static str,
    /// "Aceptados".
    pub accepted: &'static str,
    /// "Faltantes".
    pub missing: &'static str,
    /// "En revisión".
    pub in_review: &'static str,
    /// "Rechazados".
    pub rejected: &'static str,
    /// "Sin datos" (slots).
    pub without_data: &'static str,
    /// "Atrasados": accepted slots filed late.
    pub of_which_late: &'static str,
    /// Compliance definition sentence.
    pub compliance_def: &'static str,
    /// "No hay puntos con registros esperados."
    pub no_compliance: &'static str,
    /// Section: downtime.
    pub downtime_title: &'static str,
    /// Downtime chart title.
    pub downtime_chart: &'static str,
    /// "Paradas".
    pub stops: &'static str,
    /// "Detenido".
    pub down_total: &'static str,
    /// "Por causa".
    pub by_cause: &'static str,
    /// "sigue detenido".
    pub still_down: &'static str,
    /// "Ningún activo estuvo detenido en la semana."
    pub no_downtime: &'static str,
    /// Downtime definition sentence.
    pub downtime_def: &'static str,
    /// E-mail: subject prefix.
    pub weekly_subject: &'static str,
    /// E-mail: attachment note.
    pub attachment_note: &'static str,
    /// E-mail footer.
    pub footer: &'static str,
    /// "y {n} más".
    pub and_more: &'static str,
    /// Daily summary title.
    pub daily_title: &'static str,
    /// "Alarmas activadas".
    pub alarms_raised: &'static str,
    /// "Alarmas normalizadas".
    pub alarms_cleared: &'static str,
    /// "Órdenes abiertas".
    pub orders_opened: &'static str,
    /// "Órdenes cerradas".
    pub orders_closed: &'static str,
    /// "Registros enviados al regulador".
    pub slots_filed: &'static str,
    /// "Activos detenidos ahora".
    pub assets_down_now: &'static str,
    /// "Enviados".
    pub filed: &'static str,
    /// "Severidad".
    pub severity: &'static str,
    /// "Lugar".
    pub place: &'static str,
    /// "Mensaje".
    pub message: &'static str,
    /// "Hora".
    pub time: &'static str,
    /// "Desde".
    pub since: &'static str,
    /// "Causa".
    pub cause: &'static str,
    /// "Nada que informar."
    pub nothing: &'static str,
    /// "Últimas 24 horas".
    pub last_24h: &'static str,
}

/// Spanish.
pub const ES: Labels = Labels {
    no_data: "sin datos",
    no_data_short: "s/d",
    insufficient_data: "datos insuficientes",
    weekly_title: "Informe semanal de mantenimiento y confiabilidad",
    week: "Semana",
    to: "al",
    zone: "Zona horaria",
    generated: "Generado",
    summary: "Resumen",
    page: "Página",
    of: "de",
    total: "Total",
    open_orders: "Órdenes abiertas",
    completed_week: "Órdenes completadas en la semana",
    overdue_orders: "Órdenes vencidas",
    availability_week: "Disponibilidad de la semana",
    mtbf_site: "MTBF del sitio",
    mttr_site: "MTTR del sitio",
    backlog: "Backlog",
    pm_compliance: "Cumplimiento PM",
    slots_accepted: "Registros regulatorios aceptados",
    assets_down: "Activos detenidos en la semana",
    crew_weeks: "semanas-cuadrilla",
    orders_title: "Órdenes de trabajo",
    orders_chart: "Órdenes por estado y tipo",
    state: "Estado",
    kind: "Tipo",
    completed_in_week: "Completadas en la semana",
    overdue_title: "Órdenes vencidas",
    no_overdue: "No hay órdenes vencidas.",
    order: "Orden",
    asset: "Activo",
    title: "Título",
    priority: "Prioridad",
    due: "Vencía",
    late_by: "Atraso",
    days: "días",
    orders_def: "Órdenes abiertas al cierre de la semana y las completadas, cerradas o anuladas en ella. Vencida: abierta y con su fecha límite cumplida.",
    reliability_title: "Confiabilidad por clase de activo",
    mtbf_chart: "MTBF por clase (horas de operación)",
    lower_bound: "límite inferior χ²",
    class: "Clase",
    assets: "Activos",
    operating_hours: "Horas de operación",
    failures: "Fallas",
    repairs: "Reparaciones",
    site: "Sitio",
    window: "Ventana",
    reliability_def: "MTBF = horas de operación / fallas (SMRP 3.5.1), con límites χ² bilaterales al 90 % (NIST 8.4.5.1); con menos de 3 fallas se informa «datos insuficientes» y el límite inferior. MTTR según SMRP 3.5.2, desde la falla hasta la restitución.",
    at_least: "al menos",
    availability_title: "Disponibilidad",
    availability_days_chart: "Disponibilidad por día de la semana",
    availability_weeks_chart: "Disponibilidad de las últimas semanas",
    day: "Día",
    availability: "Disponibilidad",
    up_hours: "Horas disponibles",
    base_hours: "Horas consideradas",
    target: "meta",
    backlog_title: "Backlog",
    backlog_chart: "Backlog en semanas-cuadrilla",
    backlog_total: "Backlog total",
    backlog_ready: "Backlog listo",
    estimated_hours: "Horas estimadas",
    orders: "Órdenes",
    without_estimate: "Órdenes sin estimación",
    crew_hours: "Horas de cuadrilla por semana",
    backlog_def: "Backlog = horas estimadas restantes de las órdenes abiertas / horas disponibles de la cuadrilla en 7 días (Reliabilityweb; meta 4 ± 2 semanas). Listo: aprobadas o asignadas sin iniciar (SMRP 5.4.8 / 5.4.9).",
    pm_title: "Cumplimiento de mantenimiento preventivo",
    pm_chart: "Cumplimiento PM por semana",
    pm_due: "Vencidas en el periodo",
    on_time: "A tiempo",
    late: "Atrasadas",
    missed: "No realizadas",
    pending: "Pendientes",
    cancelled: "Anuladas",
    pm_def: "Cumplimiento PM = órdenes PM/PdM completadas a tiempo / órdenes PM/PdM vencidas en el periodo (SMRP 5.4.14; meta ≥ 90 %), con la tolerancia de la tabla SMRP.",
    failure_modes_title: "Principales modos de falla",
    failure_modes_chart: "Fallas por modo (ISO 14224)",
    failure_mode: "Modo de falla",
    code: "Código",
    downtime_hours: "Horas detenido",
    no_failure_modes: "No hubo fallas con código en la ventana.",
    risk_title: "Ranking de riesgo",
    risk_chart: "Probabilidad de falla",
    probability: "Probabilidad",
    model: "Modelo",
    main_inputs: "Principales aportes",
    risk_def: "Probabilidad de falla en las próximas horas de operación según el modelo de la clase (Weibull o tasa constante), ajustada por la condición del activo; los aportes se expresan en puntos porcentuales.",
    constant_rate: "tasa constante",
    points: "pts",
    no_risk: "No hay activos evaluados.",
    lower_risk: "activos con menor riesgo",
    compliance_title: "Cumplimiento regulatorio",
    compliance_chart: "Registros de la semana por punto",
    point: "Punto",
    regulator: "Regulador",
    expected: "Esperados",
    accepted: "Aceptados",
    missing: "Faltantes",
    in_review: "En revisión",
    rejected: "Rechazados",
    without_data: "Sin datos",
    of_which_late: "Atrasados",
    compliance_def: "Registros esperados en la semana por punto y regulador; faltantes = esperados − aceptados (pendientes, en revisión, rechazados o sin datos).",
    no_compliance: "No hay puntos con registros esperados.",
    downtime_title: "Activos detenidos",
    downtime_chart: "Horas detenido por activo",
    stops: "Paradas",
    down_total: "Detenido",
    by_cause: "Por causa",
    still_down: "sigue detenido",
    no_downtime: "Ningún activo estuvo detenido en la semana.",
    downtime_def: "Horas detenido dentro de la semana por causa (falla, causa desconocida, planificada, externa). «Sin datos» es un estado desconocido y no se suma.",
    weekly_subject: "Informe semanal",
    attachment_note: "El informe completo va adjunto en PDF.",
    footer: "Caudal: mensaje automático del colector.",
    and_more: "y {n} más",
    daily_title: "Resumen diario",
    alarms_raised: "Alarmas activadas",
    alarms_cleared: "Alarmas normalizadas",
    orders_opened: "Órdenes abiertas",
    orders_closed: "Órdenes cerradas",
    slots_filed: "Registros enviados al regulador",
    assets_down_now: "Activos detenidos ahora",
    filed: "Enviados",
    severity: "Severidad",
    place: "Lugar",
    message: "Mensaje",
    time: "Hora",
    since: "Desde",
    cause: "Causa",
    nothing: "Nada que informar.",
    last_24h: "Últimas 24 horas",
};

/// English.
pub const EN: Labels = Labels {
    no_data: "no data",
    no_data_short: "n/a",
    insufficient_data: "insufficient data",
    weekly_title: "Weekly maintenance and reliability report",
    week: "Week",
    to: "to",
    zone: "Time zone",
    generated: "Generated",
    summary: "Summary",
    page: "Page",
    of: "of",
    total: "Total",
    open_orders: "Open work orders",
    completed_week: "Work orders completed this week",
    overdue_orders: "Overdue work orders",
    availability_week: "Availability this week",
    mtbf_site: "Site MTBF",
    mttr_site: "Site MTTR",
    backlog: "Backlog",
    pm_compliance: "PM compliance",
    slots_accepted: "Regulator slots accepted",
    assets_down: "Assets down this week",
    crew_weeks: "crew-weeks",
    orders_title: "Work orders",
    orders_chart: "Work orders by state and kind",
    state: "State",
    kind: "Kind",
    completed_in_week: "Completed this week",
    overdue_title: "Overdue work orders",
    no_overdue: "No work order is overdue.",
    order: "Order",
    asset: "Asset",
    title: "Title",
    priority: "Priority",
    due: "Due",
    late_by: "Late by",
    days: "days",
    orders_def: "Orders open at the end of the week plus those completed, closed or cancelled during it. Overdue: open and past its due time.",
    reliability_title: "Reliability by asset class",
    mtbf_chart: "MTBF by class (run-hours)",
    lower_bound: "χ² lower bound",
    class: "Class",
    assets: "Assets",
    operating_hours: "Run-hours",
    failures: "Failures",
    repairs: "Repairs",
    site: "Site",
    window: "Window",
    reliability_def: "MTBF = run-hours / failures (SMRP 3.5.1) with two-sided 90% χ² bounds (NIST 8.4.5.1); below 3 failures it reads \"insufficient data\" with the lower bound. MTTR per SMRP 3.5.2, from failure to restoration.",
    at_least: "at least",
    availability_title: "Availability",
    availability_days_chart: "Availability by day of the week",
    availability_weeks_chart: "Availability over recent weeks",
    day: "Day",
    availability: "Availability",
    up_hours: "Available hours",
    base_hours: "Hours counted",
    target: "target",
    backlog_title: "Backlog",
    backlog_chart: "Backlog in crew-weeks",
    backlog_total: "Total backlog",
    backlog_ready: "Ready backlog",
    estimated_hours: "Estimated hours",
    orders: "Orders",
    without_estimate: "Orders without an estimate",
    crew_hours: "Crew hours per week",
    backlog_def: "Backlog = remaining estimated hours of open orders / crew hours available in 7 days (Reliabilityweb; target 4 ± 2 weeks). Ready: approved or assigned, not started (SMRP 5.4.8 / 5.4.9).",
    pm_title: "Preventive maintenance compliance",
    pm_chart: "PM compliance by week",
    pm_due: "Due in the period",
    on_time: "On time",
    late: "Late",
    missed: "Missed",
    pending: "Pending",
    cancelled: "Cancelled",
    pm_def: "PM compliance = PM/PdM orders completed on time / PM/PdM orders due in the period (SMRP 5.4.14; target ≥ 90%), with SMRP's grace table.",
    failure_modes_title: "Top failure modes",
    failure_modes_chart: "Failures by mode (ISO 14224)",
    failure_mode: "Failure mode",
    code: "Code",
    downtime_hours: "Hours down",
    no_failure_modes: "No coded failure in the window.",
    risk_title: "Risk ranking",
    risk_chart: "Probability of failure",
    probability: "Probability",
    model: "Model",
    main_inputs: "Main inputs",
    risk_def: "Probability of failure in the next run-hours under the class model (Weibull or constant rate), adjusted for the asset's condition; contributions are in percentage points.",
    constant_rate: "constant rate",
    points: "pts",
    no_risk: "No asset assessed.",
    lower_risk: "assets at lower risk",
    compliance_title: "Regulatory compliance",
    compliance_chart: "Slots of the week by point",
    point: "Point",
    regulator: "Regulator",
    expected: "Expected",
    accepted: "Accepted",
    missing: "Missing",
    in_review: "In review",
    rejected: "Rejected",
    without_data: "No data",
    of_which_late: "Late",
    compliance_def: "Slots expected in the week per point and regulator; missing = expected − accepted (pending, in review, rejected or without data).",
    no_compliance: "No point has slots expected.",
    downtime_title: "Assets down",
    downtime_chart: "Hours down by asset",
    stops: "Stops",
    down_total: "Down",
    by_cause: "By cause",
    still_down: "still down",
    no_downtime: "No asset was down this week.",
    downtime_def: "Hours down within the week by cause (trip, unknown, planned, external). \"No data\" is an unknown state and is not added.",
    weekly_subject: "Weekly report",
    attachment_note: "The full report is attached as a PDF.",
    footer: "Caudal: an automatic message from the collector.",
    and_more: "and {n} more",
    daily_title: "Daily summary",
    alarms_raised: "Alarms raised",
    alarms_cleared: "Alarms cleared",
    orders_opened: "Work orders opened",
    orders_closed: "Work orders closed",
    slots_filed: "Slots filed with the regulator",
    assets_down_now: "Assets down now",
    filed: "Filed",
    severity: "Severity",
    place: "Place",
    message: "Message",
    time: "Time",
    since: "Since",
    cause: "Cause",
    nothing: "Nothing to report.",
    last_24h: "Last 24 hours",
};

impl Labels {
    /// The words of `lang`.
    #[must_use]
    pub fn get(lang: Lang) -> &'static Labels {
        match lang {
            Lang::Es => &ES,
            Lang::En => &EN,
        }
    }

    /// "y 3 más" / "and 3 more".
    #[must_use]
    pub fn and_more(&self, n: usize) -> String {
        self.and_more.replace("{n}", &n.to_string())
    }
}

/// The name of a down cause.
#[must_use]
pub fn down_cause(lang: Lang, c: DownCause) -> &'static str {
    match (lang, c) {
        (Lang::Es, DownCause::Trip) => "falla",
        (Lang::Es, DownCause::NoData) => "sin datos",
        (Lang::Es, DownCause::Planned) => "planificada",
        (Lang::Es, DownCause::External) => "externa",
        (Lang::Es, DownCause::Unknown) => "desconocida",
        (Lang::En, DownCause::Trip) => "trip",
        (Lang::En, DownCause::NoData) => "no data",
        (Lang::En, DownCause::Planned) => "planned",
        (Lang::En, DownCause::External) => "external",
        (Lang::En, DownCause::Unknown) => "unknown",
    }
}

/// The name of an asset kind.
#[must_use]
pub fn asset_kind(lang: Lang, k: AssetKind) -> &'static str {
    match (lang, k) {
        (Lang::Es, AssetKind::Well) => "pozo",
        (Lang::Es, AssetKind::Pump) => "bomba",
        (Lang::Es, AssetKind::Motor) => "motor",
        (Lang::Es, AssetKind::FlowMeter) => "caudalímetro",
        (Lang::Es, AssetKind::LevelSensor) => "sensor de nivel",
        (Lang::Es, AssetKind::Gateway) => "gateway",
        (Lang::Es, AssetKind::Other) => "otro",
        (Lang::En, AssetKind::Well) => "well",
        (Lang::En, AssetKind::Pump) => "pump",
        (Lang::En, AssetKind::Motor) => "motor",
        (Lang::En, AssetKind::FlowMeter) => "flow meter",
        (Lang::En, AssetKind::LevelSensor) => "level sensor",
        (Lang::En, AssetKind::Gateway) => "gateway",
        (Lang::En, AssetKind::Other) => "other",
    }
}

/// The name of an availability definition.
#[must_use]
pub fn availability_variant(lang: Lang, v: AvailabilityVariant) -> &'static str {
    match (lang, v) {
        (Lang::Es, AvailabilityVariant::Smrp22) => {
            "SMRP 2.2: tiempo en servicio / (total − inactivo)"
        }
        (Lang::Es, AvailabilityVariant::En15341M10) => {
            "EN 15341 M10: tiempo disponible / tiempo requerido"
        }
        (Lang::Es, AvailabilityVariant::Inherent) => "inherente: MTBF / (MTBF + MTTR)",
        (Lang::En, AvailabilityVariant::Smrp22) => "SMRP 2.2: uptime / (total − idle)",
        (Lang::En, AvailabilityVariant::En15341M10) => {
            "EN 15341 M10: available time / required time"
        }
        (Lang::En, AvailabilityVariant::Inherent) => "inherent: MTBF / (MTBF + MTTR)",
    }
}
