//! Identifiers of the maintenance domain's own stored entities. Like
//! [`crate::ids`], each is the row id the store assigned.

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
    /// A checklist template.
    TemplateId
);
id!(
    /// A filled checklist (an instance of a template).
    ChecklistId
);
