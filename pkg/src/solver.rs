//! The dependency solver: PubGrub over the catalogues' packages, preferring the versions
//! already installed (so installing a package does not upgrade others behind the user's
//! back) and holding locked packages at their version.

use std::cmp::Reverse;
use std::collections::{BTreeMap, HashMap};
use std::convert::Infallible;

use pubgrub::{
    DefaultStringReporter, Dependencies, DependencyConstraints, DependencyProvider,
    PackageResolutionStatistics, PubGrubError, Reporter,
};

use crate::error::{Result, invalid};
use crate::version::{Version, VersionSet, parse_constraint};

const ROOT: &str = "<request>";

/// A package version the solver may choose, with its parsed dependencies.
pub struct Candidate {
    pub name: String,
    pub version: Version,
    pub depends: Vec<(String, VersionSet)>,
}

impl Candidate {
    pub fn new(name: &str, version: &str, depends: &BTreeMap<String, String>) -> Result<Candidate> {
        let depends = depends
            .iter()
            .map(|(dep, c)| Ok((dep.clone(), parse_constraint(c)?)))
            .collect::<Result<_>>()?;
        Ok(Candidate {
            name: name.to_string(),
            version: Version::parse(version)?,
            depends,
        })
    }
}

#[derive(Default)]
pub struct Request {
    pub wanted: Vec<(String, VersionSet)>,
    /// Versions to keep when they satisfy the constraints (installed, not being upgraded).
    pub prefer: HashMap<String, Version>,
    /// Locked packages: no other version is allowed.
    pub locked: HashMap<String, Version>,
}

pub struct Solver {
    index: HashMap<String, BTreeMap<Version, Vec<(String, VersionSet)>>>,
}

impl Solver {
    pub fn new(candidates: impl IntoIterator<Item = Candidate>) -> Solver {
        let mut index: HashMap<String, BTreeMap<Version, Vec<(String, VersionSet)>>> =
            HashMap::new();
        for c in candidates {
            index
                .entry(c.name)
                .or_default()
                .entry(c.version)
                .or_insert(c.depends);
        }
        Solver { index }
    }

    /// Chooses one version of every package the request needs, or explains why none fits.
    pub fn solve(&self, request: &Request) -> Result<BTreeMap<String, Version>> {
        let provider = Provider {
            solver: self,
            request,
        };
        let root_version = Version::parse("0").expect("static");
        match pubgrub::resolve(&provider, ROOT.to_string(), root_version) {
            Ok(solution) => Ok(solution
                .into_iter()
                .filter(|(name, _)| name != ROOT)
                .collect()),
            Err(PubGrubError::NoSolution(tree)) => {
                // The request is the solver's root package; say so in words.
                let report = DefaultStringReporter::report(&tree)
                    .replace(
                        &format!("{ROOT} 0 is forbidden"),
                        "the request cannot be met",
                    )
                    .replace(&format!("{ROOT} 0 depends on"), "the request needs")
                    .replace(&format!("{ROOT} depends on"), "the request needs");
                let names: Vec<&str> = request.wanted.iter().map(|(n, _)| n.as_str()).collect();
                Err(invalid(
                    format!("request {}", names.join(" ")),
                    format!(
                        "cannot be satisfied: {}",
                        report
                            .lines()
                            .map(str::trim)
                            .filter(|l| !l.is_empty())
                            .collect::<Vec<_>>()
                            .join(" ")
                    ),
                ))
            }
            Err(e) => Err(invalid("solver", e)),
        }
    }
}

struct Provider<'a> {
    solver: &'a Solver,
    request: &'a Request,
}

impl Provider<'_> {
    fn allowed<'v>(
        &self,
        package: &str,
        range: &'v VersionSet,
    ) -> impl Iterator<Item = &Version> + use<'_, 'v> {
        let locked = self.request.locked.get(package);
        self.solver
            .index
            .get(package)
            .into_iter()
            .flat_map(|versions| versions.keys().rev())
            .filter(move |v| range.contains(v) && locked.is_none_or(|l| l == *v))
    }
}

impl DependencyProvider for Provider<'_> {
    type P = String;
    type V = Version;
    type VS = VersionSet;
    type M = String;
    type Err = Infallible;
    type Priority = (u32, Reverse<usize>);

    fn prioritize(
        &self,
        package: &String,
        range: &VersionSet,
        stats: &PackageResolutionStatistics,
    ) -> Self::Priority {
        match self.allowed(package, range).count() {
            0 => (u32::MAX, Reverse(0)),
            count => (stats.conflict_count(), Reverse(count)),
        }
    }

    fn choose_version(
        &self,
        package: &String,
        range: &VersionSet,
    ) -> std::result::Result<Option<Version>, Infallible> {
        if package == ROOT {
            return Ok(Some(Version::parse("0").expect("static")));
        }
        if let Some(kept) = self.request.prefer.get(package)
            && self.allowed(package, range).any(|v| v == kept)
        {
            return Ok(Some(kept.clone()));
        }
        Ok(self.allowed(package, range).next().cloned())
    }

    fn get_dependencies(
        &self,
        package: &String,
        version: &Version,
    ) -> std::result::Result<Dependencies<String, VersionSet, String>, Infallible> {
        let deps: &[(String, VersionSet)] = if package == ROOT {
            &self.request.wanted
        } else {
            match self.solver.index.get(package).and_then(|v| v.get(version)) {
                Some(deps) => deps,
                None => {
                    return Ok(Dependencies::Unavailable(
                        "it is not in any catalogue".into(),
                    ));
                }
            }
        };
        let mut constraints = DependencyConstraints::default();
        for (name, set) in deps {
            constraints.insert(name.clone(), set.clone());
        }
        Ok(Dependencies::Available(constraints))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cand(name: &str, version: &str, deps: &[(&str, &str)]) -> Candidate {
        let deps = deps
            .iter()
            .map(|(n, c)| (n.to_string(), c.to_string()))
            .collect();
        Candidate::new(name, version, &deps).unwrap()
    }

    fn want(name: &str, constraint: &str) -> Request {
        Request {
            wanted: vec![(name.into(), parse_constraint(constraint).unwrap())],
            ..Request::default()
        }
    }

    #[test]
    fn picks_newest_compatible_versions() {
        let solver = Solver::new([
            cand("app", "1", &[("libgreet", "^1")]),
            cand("libgreet", "1.0", &[]),
            cand("libgreet", "1.5", &[]),
            cand("libgreet", "2.0", &[]),
        ]);
        let solution = solver.solve(&want("app", "*")).unwrap();
        assert_eq!(solution["libgreet"].as_str(), "1.5");
    }

    #[test]
    fn keeps_preferred_version_when_allowed() {
        let solver = Solver::new([cand("a", "1", &[]), cand("a", "2", &[])]);
        let mut request = want("a", "*");
        request
            .prefer
            .insert("a".into(), Version::parse("1").unwrap());
        assert_eq!(solver.solve(&request).unwrap()["a"].as_str(), "1");
    }

    #[test]
    fn conflicting_constraints_are_explained() {
        let solver = Solver::new([
            cand("app", "1", &[("libgreet", "^1"), ("tool", "*")]),
            cand("tool", "1", &[("libgreet", "^2")]),
            cand("libgreet", "1", &[]),
            cand("libgreet", "2", &[]),
        ]);
        let err = solver.solve(&want("app", "*")).unwrap_err().to_string();
        assert!(err.contains("libgreet"), "{err}");
        assert!(!err.contains('\n'));
    }

    #[test]
    fn missing_package_and_locks_make_requests_unsatisfiable() {
        let solver = Solver::new([
            cand("a", "1", &[("ghost", "*")]),
            cand("b", "1", &[]),
            cand("b", "2", &[]),
        ]);
        assert!(
            solver
                .solve(&want("a", "*"))
                .unwrap_err()
                .to_string()
                .contains("ghost")
        );
        let mut request = want("b", ">=2");
        request
            .locked
            .insert("b".into(), Version::parse("1").unwrap());
        assert!(solver.solve(&request).is_err());
    }
}
