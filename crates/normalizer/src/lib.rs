/*!
Parses each scanner's output into scangate [`Finding`]s on one severity scale, and writes them as
one SARIF 2.1.0 log.
*/
#![deny(missing_docs)]

mod model;

pub use model::{Finding, Kind, Location, NativeSuppression, Package, Severity};
