//! `pkg audit -f FILE`: matches installed packages against a vulnerability file, OSV JSON
//! (one record, a list, or `{"vulns": [...]}`) or TOML (`[[vulnerability]]` with `id`,
//! `summary`, `cpe` and/or `name`, `introduced`, `fixed`). A package matches by CPE
//! vendor and product (or by name when the entry names no CPE) and by version range.

use std::fs;
use std::path::Path;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::error::{Result, invalid, io_at};
use crate::query::Installed;
use crate::version::Version;

#[derive(Debug, Clone)]
pub struct Vulnerability {
    pub id: String,
    pub summary: String,
    pub affected: Vec<Affected>,
}

#[derive(Debug, Clone, Default)]
pub struct Affected {
    pub name: Option<String>,
    pub cpe: Option<String>,
    pub ranges: Vec<Range>,
    pub versions: Vec<Version>,
}

/// `[introduced, end)`, or `[introduced, end]` when `end_inclusive` (OSV's
/// `last_affected`); `None` bounds are open.
#[derive(Debug, Clone)]
pub struct Range {
    pub introduced: Option<Version>,
    pub end: Option<Version>,
    pub end_inclusive: bool,
}

impl Range {
    fn contains(&self, v: &Version) -> bool {
        let above = self.introduced.as_ref().is_none_or(|i| v >= i);
        let below = match &self.end {
            None => true,
            Some(end) if self.end_inclusive => v <= end,
            Some(end) => v < end,
        };
        above && below
    }
}

#[derive(Debug, Serialize)]
pub struct Finding {
    pub package: String,
    pub version: String,
    pub id: String,
    pub summary: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TomlFile {
    vulnerability: Vec<TomlEntry>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TomlEntry {
    id: String,
    #[serde(default)]
    summary: String,
    cpe: Option<String>,
    name: Option<String>,
    introduced: Option<String>,
    fixed: Option<String>,
}

pub fn load(path: &Path) -> Result<Vec<Vulnerability>> {
    let text = fs::read_to_string(path).map_err(io_at(path))?;
    let subject = path.display().to_string();
    let json = match path.extension().and_then(|e| e.to_str()) {
        Some("json") => true,
        Some("toml") => false,
        _ => serde_json::from_str::<Value>(&text).is_ok(),
    };
    if json {
        let value: Value =
            serde_json::from_str(&text).map_err(|e| invalid(&subject, format!("bad JSON: {e}")))?;
        let records = match value {
            Value::Array(list) => list,
            Value::Object(ref map) if map.contains_key("vulns") => {
                map["vulns"].as_array().cloned().unwrap_or_default()
            }
            other => vec![other],
        };
        return records.iter().map(|r| from_osv(r, &subject)).collect();
    }
    let file: TomlFile = toml::from_str(&text).map_err(|e| invalid(&subject, e.message()))?;
    file.vulnerability
        .into_iter()
        .map(|v| {
            let bound = |b: Option<String>| b.map(|s| Version::parse(&s)).transpose();
            let range = Range {
                introduced: bound(v.introduced)?,
                end: bound(v.fixed)?,
                end_inclusive: false,
            };
            Ok(Vulnerability {
                id: v.id,
                summary: v.summary,
                affected: vec![Affected {
                    name: v.name,
                    cpe: v.cpe,
                    ranges: vec![range],
                    versions: Vec::new(),
                }],
            })
        })
        .collect()
}

fn from_osv(record: &Value, subject: &str) -> Result<Vulnerability> {
    let id = record["id"]
        .as_str()
        .ok_or_else(|| invalid(subject, "OSV record without an id"))?;
    let mut affected = Vec::new();
    for a in record["affected"].as_array().into_iter().flatten() {
        let cpe = a["package"]["cpe"]
            .as_str()
            .or(a["database_specific"]["cpe"].as_str())
            .map(str::to_string);
        let mut entry = Affected {
            name: a["package"]["name"].as_str().map(str::to_string),
            cpe,
            ..Affected::default()
        };
        for range in a["ranges"].as_array().into_iter().flatten() {
            let mut start = None;
            for event in range["events"].as_array().into_iter().flatten() {
                let version = |key: &str| event[key].as_str().map(Version::parse).transpose();
                if let Some(v) = version("introduced")? {
                    start = Some(v);
                } else if let Some(v) = version("fixed")? {
                    entry.ranges.push(Range {
                        introduced: start.take(),
                        end: Some(v),
                        end_inclusive: false,
                    });
                } else if let Some(v) = version("last_affected")? {
                    entry.ranges.push(Range {
                        introduced: start.take(),
                        end: Some(v),
                        end_inclusive: true,
                    });
                }
            }
            if start.is_some() {
                entry.ranges.push(Range {
                    introduced: start,
                    end: None,
                    end_inclusive: false,
                });
            }
        }
        for v in a["versions"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
        {
            entry.versions.push(Version::parse(v)?);
        }
        affected.push(entry);
    }
    Ok(Vulnerability {
        id: id.to_string(),
        summary: record["summary"].as_str().unwrap_or_default().to_string(),
        affected,
    })
}

/// `cpe:2.3:part:vendor:product:...` -> (part, vendor, product).
fn cpe_product(cpe: &str) -> Option<(&str, &str, &str)> {
    let mut fields = cpe.strip_prefix("cpe:2.3:")?.split(':');
    Some((fields.next()?, fields.next()?, fields.next()?))
}

fn matches(affected: &Affected, package: &Installed) -> bool {
    let manifest = &package.record.manifest;
    let same = match (&affected.cpe, &manifest.cpe) {
        (Some(a), Some(p)) => cpe_product(a).is_some() && cpe_product(a) == cpe_product(p),
        (Some(_), None) => false,
        (None, _) => affected.name.as_deref() == Some(manifest.name.as_str()),
    };
    if !same {
        return false;
    }
    let version = manifest.parsed_version();
    affected.versions.contains(&version) || affected.ranges.iter().any(|r| r.contains(&version))
}

pub fn audit(packages: &[Installed], vulnerabilities: &[Vulnerability]) -> Vec<Finding> {
    let mut findings = Vec::new();
    for package in packages {
        for v in vulnerabilities {
            if v.affected.iter().any(|a| matches(a, package)) {
                findings.push(Finding {
                    package: package.name.clone(),
                    version: package.version.clone(),
                    id: v.id.clone(),
                    summary: v.summary.clone(),
                });
            }
        }
    }
    findings
}
