//! The asset registry's rules: sites, points and assets, the hierarchy (no cycles), classes, typed attributes, and meters (m³, run-hours, starts) derived from stored telemetry.
//!
//! - Sites hold catchment points ([`Point`]: well, river, lake, reservoir,
//!   spring, drain; with their DGA obra code) and assets ([`Asset`]).
//! - An asset sits at a site, optionally at one of its points, and
//!   optionally under a parent asset of the same site (a pump under its
//!   well, a motor under its pump). [`Hierarchy`] refuses a cycle and the
//!   deletion of an asset that still has children, naming the assets.
//! - Each asset has a class and model, serial, install date, a
//!   [`Criticality`] (A most critical), a required-time calendar
//!   ([`calendar`]), typed attributes ([`attributes`]), its run signal and
//!   its meters ([`meters`]).
//! - [`registry_csv`] reads and writes the registry as CSV.
//!
//! Codes (asset tags, site and point codes) are 1 to 64 characters of
//! letters, digits, `-`, `_`, `.` and `/`, unique within their kind; they
//! are what people and files use; ids are the store's.

pub mod attributes;
pub mod calendar;
pub mod meters;
pub mod registry_csv;

use std::collections::{BTreeSet, HashMap};

use chrono::NaiveDate;

pub use attributes::{AttributeError, AttributeKey, Attributes};
pub use calendar::{CalendarError, CalendarException, RequiredCalendar, WeeklyWindow};
pub use meters::{
    BindingError, CounterIncrease, MeterBindings, MeterSource, Meters, RunInterval, RunMeter,
    RunRules, RunSignal, RunState, Sample, SeriesRef, TotalKind, check_bindings, counter_increase,
    meters, run_intervals, run_meter,
};

pub use crate::points::PointKind;
use crate::vocab::vocabulary;
use crate::{AssetId, AssetKind, PointId, SiteId, Zone};

/// Longest code.
pub const MAX_CODE: usize = 64;

vocabulary!(
    /// How critical an asset is to the operation: A (stops production or
    /// compliance), B (degrades it), C (little effect).
    Criticality {
        /// Most critical.
        A => "A",
        /// Medium.
        B => "B",
        /// Least critical.
        C => "C",
    }
);

/// A site.
#[derive(Clone, Debug, PartialEq)]
pub struct Site {
    /// Id.
    pub id: SiteId,
    /// Code.
    pub code: String,
    /// Name.
    pub name: String,
    /// Local zone.
    pub zone: Zone,
}

/// A catchment point.
#[derive(Clone, Debug, PartialEq)]
pub struct Point {
    /// Id.
    pub id: PointId,
    /// Site.
    pub site: SiteId,
    /// Code.
    pub code: String,
    /// Name.
    pub name: String,
    /// Kind.
    pub kind: PointKind,
    /// DGA obra code (`OB-0601-444`).
    pub dga_code: Option<String>,
}

/// An asset.
#[derive(Clone, Debug, PartialEq)]
pub struct Asset {
    /// Id.
    pub id: AssetId,
    /// Code (tag).
    pub code: String,
    /// Name.
    pub name: String,
    /// Kind.
    pub kind: AssetKind,
    /// Site.
    pub site: SiteId,
    /// Point, if it belongs to one.
    pub point: Option<PointId>,
    /// Parent asset.
    pub parent: Option<AssetId>,
    /// Class (for pooled reliability: "bomba sumergible 4\"").
    pub class: Option<String>,
    /// Model.
    pub model: Option<String>,
    /// Manufacturer.
    pub manufacturer: Option<String>,
    /// Serial number.
    pub serial: Option<String>,
    /// Installed on (local date).
    pub installed_on: Option<NaiveDate>,
    /// Criticality.
    pub criticality: Criticality,
    /// When it is required to run.
    pub calendar: RequiredCalendar,
    /// Typed attributes.
    pub attributes: Attributes,
    /// Its run signal.
    pub run_signal: Option<RunSignal>,
    /// Its meters.
    pub meters: MeterBindings,
}

/// A registry rule broken.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum AssetError {
    /// A bad code.
    #[error("invalid code `{0}`: use 1 to 64 letters, digits, -, _, . or /")]
    InvalidCode(String),
    /// An empty name.
    #[error("asset `{0}` needs a name")]
    EmptyName(String),
    /// A code already used.
    #[error("asset code `{0}` is already used")]
    DuplicateCode(String),
    /// A parent that would make a cycle; `path` runs from the asset back to itself.
    #[error("setting the parent of `{asset}` to `{parent}` would make a cycle: {}", path.join(" → "))]
    Cycle {
        /// The asset.
        asset: String,
        /// The parent asked for.
        parent: String,
        /// The cycle, by code.
        path: Vec<String>,
    },
    /// A parent that does not exist.
    #[error("the parent `{parent}` of `{asset}` does not exist")]
    UnknownParent {
        /// The asset.
        asset: String,
        /// The parent asked for.
        parent: String,
    },
    /// A parent at another site.
    #[error("the parent `{parent}` of `{asset}` is at another site")]
    ParentAtOtherSite {
        /// The asset.
        asset: String,
        /// The parent.
        parent: String,
    },
    /// A point at another site.
    #[error("asset `{asset}` is at one site and its point `{point}` at another")]
    PointAtOtherSite {
        /// The asset.
        asset: String,
        /// The point.
        point: String,
    },
    /// Deleting an asset that has children.
    #[error("asset `{asset}` has children ({}): move or delete them first", children.join(", "))]
    HasChildren {
        /// The asset.
        asset: String,
        /// Its children, by code.
        children: Vec<String>,
    },
    /// No such asset.
    #[error("no asset with id {0}")]
    Unknown(AssetId),
    /// A bad attribute.
    #[error("asset `{asset}`: {error}")]
    Attribute {
        /// The asset.
        asset: String,
        /// The attribute error.
        error: AttributeError,
    },
    /// A bad binding.
    #[error("asset `{asset}`: {error}")]
    Binding {
        /// The asset.
        asset: String,
        /// The binding error.
        error: BindingError,
    },
}

/// Check a code (asset, site or point).
///
/// # Errors
/// [`AssetError::InvalidCode`].
pub fn check_code(code: &str) -> Result<(), AssetError> {
    let ok = !code.is_empty()
        && code.len() <= MAX_CODE
        && code
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'/'));
    if ok {
        Ok(())
    } else {
        Err(AssetError::InvalidCode(code.to_owned()))
    }
}

/// Check an asset on its own: code, name, attributes for its kind, bindings,
/// and that its point is at its site (`point_site` is the site of
/// `asset.point`, as stored; `point_code` its code for the message).
///
/// # Errors
/// The first [`AssetError`].
pub fn check_asset(asset: &Asset, point: Option<(SiteId, &str)>) -> Result<(), AssetError> {
    check_code(&asset.code)?;
    if asset.name.trim().is_empty() {
        return Err(AssetError::EmptyName(asset.code.clone()));
    }
    if let Some((site, code)) = point
        && site != asset.site
    {
        return Err(AssetError::PointAtOtherSite {
            asset: asset.code.clone(),
            point: code.to_owned(),
        });
    }
    asset
        .attributes
        .check(asset.kind)
        .map_err(|error| AssetError::Attribute {
            asset: asset.code.clone(),
            error,
        })?;
    check_bindings(asset.run_signal.as_ref(), &asset.meters).map_err(|error| AssetError::Binding {
        asset: asset.code.clone(),
        error,
    })
}

#[derive(Clone, Debug)]
struct Node {
    code: String,
    parent: Option<AssetId>,
    site: SiteId,
}

/// The parent/child structure of the registry, for checks and traversals.
#[derive(Clone, Debug, Default)]
pub struct Hierarchy {
    nodes: HashMap<AssetId, Node>,
}

impl Hierarchy {
    /// From `(id, code, site, parent)` of every stored asset.
    pub fn new(
        assets: impl IntoIterator<Item = (AssetId, String, SiteId, Option<AssetId>)>,
    ) -> Hierarchy {
        Hierarchy {
            nodes: assets
                .into_iter()
                .map(|(id, code, site, parent)| (id, Node { code, parent, site }))
                .collect(),
        }
    }

    /// From assets.
    #[must_use]
    pub fn of<'a>(assets: impl IntoIterator<Item = &'a Asset>) -> Hierarchy {
        Hierarchy::new(
            assets
                .into_iter()
                .map(|a| (a.id, a.code.clone(), a.site, a.parent)),
        )
    }

    fn code(&self, id: AssetId) -> String {
        self.nodes
            .get(&id)
            .map_or_else(|| format!("#{id}"), |n| n.code.clone())
    }

    /// Check giving `asset` (stored, or about to be) the parent `parent`.
    /// `asset_code` and `site` describe it (it may not be stored yet).
    ///
    /// # Errors
    /// [`AssetError::UnknownParent`], [`AssetError::ParentAtOtherSite`], [`AssetError::Cycle`].
    pub fn check_parent(
        &self,
        asset: Option<AssetId>,
        asset_code: &str,
        site: SiteId,
        parent: Option<AssetId>,
    ) -> Result<(), AssetError> {
        let Some(parent) = parent else {
            return Ok(());
        };
        let Some(p) = self.nodes.get(&parent) else {
            return Err(AssetError::UnknownParent {
                asset: asset_code.to_owned(),
                parent: format!("#{parent}"),
            });
        };
        if p.site != site {
            return Err(AssetError::ParentAtOtherSite {
                asset: asset_code.to_owned(),
                parent: p.code.clone(),
            });
        }
        let Some(asset) = asset else {
            return Ok(());
        };
        // Walk up from the new parent: reaching the asset is a cycle.
        let mut path = vec![asset_code.to_owned(), p.code.clone()];
        let mut seen = BTreeSet::new();
        let mut at = parent;
        loop {
            if at == asset {
                return Err(AssetError::Cycle {
                    asset: asset_code.to_owned(),
                    parent: p.code.clone(),
                    path,
                });
            }
            if !seen.insert(at) {
                // An existing cycle not through `asset`: not this change's fault.
                return Ok(());
            }
            match self.nodes.get(&at).and_then(|n| n.parent) {
                Some(up) => {
                    path.push(if up == asset {
                        asset_code.to_owned()
                    } else {
                        self.code(up)
                    });
                    at = up;
                }
                None => return Ok(()),
            }
        }
    }

    /// Check deleting an asset.
    ///
    /// # Errors
    /// [`AssetError::Unknown`], [`AssetError::HasChildren`] naming them.
    pub fn check_delete(&self, asset: AssetId) -> Result<(), AssetError> {
        let node = self.nodes.get(&asset).ok_or(AssetError::Unknown(asset))?;
        let mut children: Vec<String> = self
            .children(asset)
            .into_iter()
            .map(|c| self.code(c))
            .collect();
        if children.is_empty() {
            Ok(())
        } else {
            children.sort();
            Err(AssetError::HasChildren {
                asset: node.code.clone(),
                children,
            })
        }
    }

    /// Direct children, by id.
    #[must_use]
    pub fn children(&self, asset: AssetId) -> Vec<AssetId> {
        let mut v: Vec<AssetId> = self
            .nodes
            .iter()
            .filter(|(_, n)| n.parent == Some(asset))
            .map(|(id, _)| *id)
            .collect();
        v.sort();
        v
    }

    /// Parent, grandparent, ... up to the root (downtime propagates up).
    #[must_use]
    pub fn ancestors(&self, asset: AssetId) -> Vec<AssetId> {
        let mut out = Vec::new();
        let mut at = self.nodes.get(&asset).and_then(|n| n.parent);
        while let Some(p) = at {
            if p == asset || out.contains(&p) {
                break;
            }
            out.push(p);
            at = self.nodes.get(&p).and_then(|n| n.parent);
        }
        out
    }

    /// Every asset below, depth first.
    #[must_use]
    pub fn descendants(&self, asset: AssetId) -> Vec<AssetId> {
        let mut out = Vec::new();
        let mut stack = self.children(asset);
        stack.reverse();
        while let Some(c) = stack.pop() {
            if c == asset || out.contains(&c) {
                continue;
            }
            out.push(c);
            let mut kids = self.children(c);
            kids.reverse();
            stack.extend(kids);
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn h() -> Hierarchy {
        // W-01 ← P-101 ← M-201; W-02 at site 1; X-9 at site 2.
        Hierarchy::new([
            (AssetId(1), "W-01".to_owned(), SiteId(1), None),
            (AssetId(2), "P-101".to_owned(), SiteId(1), Some(AssetId(1))),
            (AssetId(3), "M-201".to_owned(), SiteId(1), Some(AssetId(2))),
            (AssetId(4), "W-02".to_owned(), SiteId(1), None),
            (AssetId(5), "X-9".to_owned(), SiteId(2), None),
        ])
    }

    #[test]
    fn a_cycle_is_refused_naming_the_assets() {
        let e = h()
            .check_parent(Some(AssetId(1)), "W-01", SiteId(1), Some(AssetId(3)))
            .unwrap_err();
        assert_eq!(
            e.to_string(),
            "setting the parent of `W-01` to `M-201` would make a cycle: W-01 → M-201 → P-101 → W-01"
        );
        let own = h()
            .check_parent(Some(AssetId(2)), "P-101", SiteId(1), Some(AssetId(2)))
            .unwrap_err();
        assert_eq!(
            own.to_string(),
            "setting the parent of `P-101` to `P-101` would make a cycle: P-101 → P-101"
        );
        assert!(
            h().check_parent(Some(AssetId(3)), "M-201", SiteId(1), Some(AssetId(4)))
                .is_ok()
        );
        assert!(
            h().check_parent(None, "NEW", SiteId(1), Some(AssetId(3)))
                .is_ok()
        );
    }

    #[test]
    fn parents_must_exist_at_the_same_site() {
        assert_eq!(
            h().check_parent(None, "NEW", SiteId(1), Some(AssetId(5)))
                .unwrap_err()
                .to_string(),
            "the parent `X-9` of `NEW` is at another site"
        );
        assert_eq!(
            h().check_parent(None, "NEW", SiteId(1), Some(AssetId(99)))
                .unwrap_err()
                .to_string(),
            "the parent `#99` of `NEW` does not exist"
        );
    }

    #[test]
    fn deleting_a_parent_that_has_children_is_refused() {
        assert_eq!(
            h().check_delete(AssetId(1)).unwrap_err().to_string(),
            "asset `W-01` has children (P-101): move or delete them first"
        );
        assert!(h().check_delete(AssetId(3)).is_ok());
        assert_eq!(
            h().check_delete(AssetId(42)),
            Err(AssetError::Unknown(AssetId(42)))
        );
    }

    #[test]
    fn traversals() {
        assert_eq!(h().ancestors(AssetId(3)), vec![AssetId(2), AssetId(1)]);
        assert_eq!(h().descendants(AssetId(1)), vec![AssetId(2), AssetId(3)]);
        assert!(h().ancestors(AssetId(1)).is_empty());
    }

    #[test]
    fn codes_are_checked() {
        for ok in ["W-01", "P_1.2", "OB-0601-444", "a/b"] {
            assert!(check_code(ok).is_ok(), "{ok}");
        }
        for bad in ["", "W 01", "pozo#1", &"x".repeat(65), "ñandú"] {
            assert_eq!(
                check_code(bad),
                Err(AssetError::InvalidCode(bad.to_owned()))
            );
        }
    }
}
