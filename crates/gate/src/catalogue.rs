//! The DSOMM activity catalogue: every activity of OWASP DSOMM (uuid, name, level, dimension,
//! sub-dimension), embedded from `gates/dsomm-activities.toml`, a snapshot of
//! `generated/model.yaml` in devsecopsmaturitymodel/DevSecOps-MaturityModel-data at
//! [`DSOMM_COMMIT`]. What presets and policy files cite is checked against it.

use std::sync::LazyLock;

use serde::{Deserialize, Serialize};

/// The DevSecOps-MaturityModel-data commit the catalogue was recorded from. The snapshot file
/// records it too; a test keeps the two equal.
pub const DSOMM_COMMIT: &str = "a03f081c33991c239646e402029f83f274bfd9ba";

const CATALOGUE: &str = include_str!("../../../gates/dsomm-activities.toml");

/// One DSOMM activity as the data repository defines it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DsommActivity {
    /// The activity's uuid.
    pub uuid: String,
    /// Its name.
    pub name: String,
    /// Its DSOMM level, 1 to 5.
    pub level: u8,
    /// Its dimension (`Test and Verification`, ...).
    pub dimension: String,
    /// Its sub-dimension (`Consolidation`, ...).
    pub sub_dimension: String,
}

/// Where the snapshot comes from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CatalogueSource {
    /// The data repository.
    pub repository: String,
    /// The commit it was recorded at.
    pub commit: String,
    /// The file read.
    pub path: String,
    /// The model version that file states.
    pub version: String,
    /// Its release date.
    pub released: String,
}

/// The embedded catalogue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Catalogue {
    /// Where it comes from.
    pub source: CatalogueSource,
    /// Every activity, in the data repository's order.
    #[serde(rename = "activity")]
    pub activities: Vec<DsommActivity>,
}

static PARSED: LazyLock<Catalogue> = LazyLock::new(|| match toml::from_str(CATALOGUE) {
    Ok(catalogue) => catalogue,
    // Tested (`catalogue_loads` in tests/catalogue.rs): a failure is a bug in the snapshot file.
    Err(error) => panic!("embedded gates/dsomm-activities.toml is invalid: {error}"),
});

impl Catalogue {
    /// The embedded snapshot.
    pub fn get() -> &'static Catalogue {
        &PARSED
    }

    /// The activity with this uuid.
    pub fn activity(&self, uuid: &str) -> Option<&DsommActivity> {
        self.activities.iter().find(|activity| activity.uuid == uuid)
    }
}
