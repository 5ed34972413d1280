//! Maintenance: the work-order state machine, technicians and assignment, preventive plans by calendar and meter, checklists, maintenance KPIs.
