//! Runs one command and prints its result, as text or (`--json`) as JSON.

pub mod args;

use std::io::{self, BufRead, IsTerminal, Write};
use std::path::Path;

use anyhow::{Context, Result};
use serde::Serialize;

use args::{Args, Command, KeyAction};
use pkg::catalogue::{self, Signer};
use pkg::fetch::Fetcher;
use pkg::transaction::{self, Mode, Plan};
use pkg::{audit, create, gc, query, sign, update, verify};

/// Runs the command; `Ok(false)` means it worked but found something (exit status 1).
pub fn run(args: Args) -> Result<bool> {
    let root = args.root.as_path();
    let json = args.json;
    match args.command {
        Command::Create {
            manifest,
            stage,
            outdir,
        } => {
            for path in create::create(&manifest, &stage, &outdir)? {
                println!("{}", path.display());
            }
        }
        Command::Repo {
            outdir,
            secret,
            signing_command,
            unsigned,
            revision,
            expires,
        } => {
            let signer = match (secret, signing_command, unsigned) {
                (_, _, true) => Signer::Unsigned,
                (Some(secret), _, _) => Signer::Key(secret),
                (None, Some(command), _) => Signer::Command(command),
                (None, None, false) => Signer::Key(sign::dev_key()?),
            };
            let revision = match revision {
                Some(r) => r,
                None => std::env::var("SOURCE_DATE_EPOCH")
                    .ok()
                    .and_then(|s| s.parse().ok())
                    .unwrap_or_else(update::now),
            };
            let written = catalogue::write_repo(
                &outdir,
                &catalogue::Options {
                    revision,
                    expires,
                    signer,
                },
            )?;
            println!(
                "{}: {} packages, revision {}",
                outdir.join(catalogue::CATALOGUE).display(),
                written.packages.len(),
                written.revision
            );
        }
        Command::Key { action } => key(action)?,
        Command::Update => {
            let db = transaction::open(root)?;
            let mut state = db.state()?;
            let synced = update::update(&db, &mut state, &Fetcher::new()?)?;
            db.save_state(&state)?;
            for s in synced {
                println!(
                    "{}: revision {}, {} packages",
                    s.repo.name,
                    s.catalogue.revision,
                    s.catalogue.packages.len()
                );
            }
        }
        Command::Install { names } => {
            return change(root, args.yes, json, |db, f| {
                transaction::plan_install(db, &names, Mode::Install, f)
            });
        }
        Command::Upgrade { names } => {
            return change(root, args.yes, json, |db, f| {
                transaction::plan_install(db, &names, Mode::Upgrade, f)
            });
        }
        Command::Delete { names } => {
            return change(root, args.yes, json, |db, _| {
                transaction::plan_delete(db, &names)
            });
        }
        Command::Autoremove { keep } => {
            let db = transaction::open(root)?;
            let removed = gc::autoremove(&db, usize::try_from(keep).unwrap_or(usize::MAX))?;
            print(json, &removed, || {
                format!(
                    "removed {} generation(s) and {} store entr(ies){}",
                    removed.generations.len(),
                    removed.store.len(),
                    removed
                        .store
                        .iter()
                        .map(|s| format!("\n  {s}"))
                        .collect::<String>()
                )
            })?;
        }
        Command::Info { name } => {
            let db = transaction::open(root)?;
            let packages = match name {
                Some(name) => vec![query::find(&db, &name)?],
                None => query::installed(&db)?,
            };
            let details: Vec<_> = packages
                .iter()
                .map(|p| serde_json::json!({"package": p, "manifest": p.record.manifest}))
                .collect();
            print(json, &details, || {
                packages
                    .iter()
                    .map(info_text)
                    .collect::<Vec<_>>()
                    .join("\n")
            })?;
        }
        Command::List => {
            let db = transaction::open(root)?;
            let packages = query::installed(&db)?;
            print(json, &packages, || {
                packages
                    .iter()
                    .map(|p| format!("{:<32} {}", format!("{}-{}", p.name, p.version), p.comment))
                    .collect::<Vec<_>>()
                    .join("\n")
            })?;
        }
        Command::Which { file } => {
            let db = transaction::open(root)?;
            let (package, version) = query::which(&db, &file)?;
            let answer =
                serde_json::json!({"path": file, "package": package.name, "version": version});
            print(json, &answer, || {
                format!("{file} was installed by package {}-{version}", package.name)
            })?;
        }
        Command::Search { pattern } => {
            let db = transaction::open(root)?;
            let found = query::search(&db, &pattern)?;
            print(json, &found, || {
                found
                    .iter()
                    .map(|f| format!("{:<32} {}", format!("{}-{}", f.name, f.version), f.comment))
                    .collect::<Vec<_>>()
                    .join("\n")
            })?;
            return Ok(!found.is_empty());
        }
        Command::Query { format, name } => {
            let db = transaction::open(root)?;
            let packages = match name {
                Some(name) => vec![query::find(&db, &name)?],
                None => query::installed(&db)?,
            };
            for package in packages {
                println!("{}", query::format(&package, &format)?);
            }
        }
        Command::Rollback => {
            let db = transaction::open(root)?;
            let generation = transaction::rollback(&db)?;
            println!("profile is now generation {generation}");
        }
        Command::Lock { name } => transaction::set_lock(&transaction::open(root)?, &name, true)?,
        Command::Unlock { name } => transaction::set_lock(&transaction::open(root)?, &name, false)?,
        Command::Audit { file } => {
            let vulnerabilities = audit::load(&file)?;
            let db = transaction::open(root)?;
            let findings = audit::audit(&query::installed(&db)?, &vulnerabilities);
            print(json, &findings, || {
                let mut text: Vec<String> = findings
                    .iter()
                    .map(|f| {
                        format!(
                            "{}-{} is vulnerable: {} {}",
                            f.package, f.version, f.id, f.summary
                        )
                    })
                    .collect();
                text.push(format!(
                    "{} problem(s) in the installed packages found.",
                    findings.len()
                ));
                text.join("\n")
            })?;
            return Ok(findings.is_empty());
        }
        Command::Verify { names } => {
            let db = transaction::open(root)?;
            let problems = verify::verify(&db, &names)?;
            print(json, &problems, || {
                problems
                    .iter()
                    .map(|p| format!("{}: /{}: {}", p.package, p.path, p.problem))
                    .collect::<Vec<_>>()
                    .join("\n")
            })?;
            return Ok(problems.is_empty());
        }
    }
    Ok(true)
}

fn key(action: KeyAction) -> Result<()> {
    match action {
        KeyAction::Generate { secret, public } => println!("{}", sign::generate(&secret, &public)?),
        KeyAction::Fingerprint { public } => {
            println!("{}", sign::fingerprint_of(&sign::read_public(&public)?))
        }
        KeyAction::Sign { secret } => {
            let key = sign::read_secret(&secret)?;
            let mut digest = String::new();
            io::stdin()
                .lock()
                .read_line(&mut digest)
                .context("failed to read the digest from stdin")?;
            println!("{}", sign::sign_digest(&key, digest.trim())?);
        }
    }
    Ok(())
}

/// Plans a change, shows it, asks on a terminal unless -y, and applies it.
fn change(
    root: &Path,
    yes: bool,
    json: bool,
    plan: impl FnOnce(&pkg::db::Db, &Fetcher) -> pkg::Result<Plan>,
) -> Result<bool> {
    let db = transaction::open(root)?;
    let fetcher = Fetcher::new()?;
    let plan = plan(&db, &fetcher)?;
    print(json, &plan.steps, || {
        if plan.is_empty() {
            return "Nothing to do.".to_string();
        }
        let lines = plan.steps.iter().map(|s| match (&s.from, &s.to) {
            (Some(from), Some(to)) if from != to => {
                format!("  {} {}: {from} -> {to}", s.action, s.name)
            }
            (_, Some(v)) | (Some(v), None) => format!("  {} {}: {v}", s.action, s.name),
            (None, None) => format!("  {} {}", s.action, s.name),
        });
        std::iter::once("Planned changes:".to_string())
            .chain(lines)
            .collect::<Vec<_>>()
            .join("\n")
    })?;
    if !plan.is_empty() && !yes && io::stdin().is_terminal() && !confirm()? {
        return Ok(false);
    }
    transaction::apply(&db, plan, &fetcher)?;
    Ok(true)
}

fn confirm() -> Result<bool> {
    eprint!("Proceed with this action? [y/N]: ");
    io::stderr().flush()?;
    let mut answer = String::new();
    io::stdin().lock().read_line(&mut answer)?;
    Ok(matches!(answer.trim(), "y" | "Y" | "yes"))
}

fn print<T: Serialize + ?Sized>(
    json: bool,
    value: &T,
    text: impl FnOnce() -> String,
) -> Result<()> {
    let out = if json {
        serde_json::to_string_pretty(value)?
    } else {
        text()
    };
    if !out.is_empty() {
        writeln!(io::stdout(), "{out}")?;
    }
    Ok(())
}

fn info_text(p: &query::Installed) -> String {
    let m = &p.record.manifest;
    let mut lines = vec![
        format!("{}-{}", p.name, p.version),
        format!("Name           : {}", p.name),
        format!("Version        : {}", p.version),
        format!("Comment        : {}", p.comment),
        format!("Kind           : {}", p.kind),
        format!("Location       : {}", p.location),
        format!("Repository     : {}", p.repo),
        format!("Automatic      : {}", p.automatic),
        format!("Locked         : {}", p.locked),
    ];
    for (label, value) in [
        ("Origin", &m.origin),
        ("Maintainer", &m.maintainer),
        ("License", &m.license),
        ("Arch", &m.arch),
        ("CPE", &m.cpe),
    ] {
        if let Some(value) = value {
            lines.push(format!("{label:<15}: {value}"));
        }
    }
    if !m.depends.is_empty() {
        let deps: Vec<String> = m.depends.iter().map(|(n, c)| format!("{n} {c}")).collect();
        lines.push(format!("Depends on     : {}", deps.join(", ")));
    }
    lines.join("\n")
}
