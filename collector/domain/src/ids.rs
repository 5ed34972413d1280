//! Identifiers of stored entities. Each is the row id the store assigned;
//! the domain only compares and carries them.

macro_rules! id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub struct $name(pub i64);

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                self.0.fmt(f)
            }
        }
    };
}

id!(
    /// A site: a place with catchment points and assets.
    SiteId
);
id!(
    /// A catchment point (well, river intake, ...).
    PointId
);
id!(
    /// An asset (well, pump, motor, meter, sensor, gateway, ...).
    AssetId
);
id!(
    /// A user.
    UserId
);
id!(
    /// An alarm.
    AlarmId
);
id!(
    /// A work order.
    WorkOrderId
);
id!(
    /// A preventive maintenance plan.
    PlanId
);
