//! Command-line syntax, after FreeBSD pkg(8): global options before the verb.

use std::path::PathBuf;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(name = "pkg", version, about = "Basalt's package tool")]
pub struct Args {
    /// Operate on the system installed under ROOT (every configured path is read inside it)
    #[arg(
        short = 'r',
        long = "rootdir",
        value_name = "ROOT",
        default_value = "/"
    )]
    pub root: PathBuf,
    /// Assume yes: do not ask for confirmation
    #[arg(short = 'y', long = "yes", global = true)]
    pub yes: bool,
    /// Print machine-readable JSON on stdout
    #[arg(long, global = true)]
    pub json: bool,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand)]
pub enum Command {
    /// Build NAME-VERSION.pkg from a manifest and a staged tree
    Create {
        /// The package manifest (TOML)
        #[arg(short = 'M', value_name = "MANIFEST")]
        manifest: PathBuf,
        /// The staged tree (files relative to the package prefix)
        #[arg(short = 'r', value_name = "STAGEDIR")]
        stage: PathBuf,
        /// Where to write the package file(s)
        #[arg(short = 'o', value_name = "OUTDIR", default_value = ".")]
        outdir: PathBuf,
    },
    /// Index the packages in OUTDIR into a signed catalogue
    Repo {
        outdir: PathBuf,
        /// Secret key to sign with (default: the per-user development key)
        secret: Option<PathBuf>,
        /// Sign by running CMD: it reads the hex digest on stdin and prints hex signatures
        #[arg(long, value_name = "CMD", conflicts_with_all = ["secret", "unsigned"])]
        signing_command: Option<String>,
        /// Write no signature (for repositories configured with signature = "none")
        #[arg(long, conflicts_with = "secret")]
        unsigned: bool,
        /// Catalogue revision (default: $SOURCE_DATE_EPOCH, else the current time)
        #[arg(long)]
        revision: Option<u64>,
        /// Expiry as a unix time; clients refuse the catalogue after it
        #[arg(long, value_name = "UNIXTIME")]
        expires: Option<u64>,
    },
    /// Manage signing keys
    Key {
        #[command(subcommand)]
        action: KeyAction,
    },
    /// Fetch and verify the repositories' catalogues
    Update,
    /// Install packages and their dependencies
    Install {
        #[arg(required = true)]
        names: Vec<String>,
    },
    /// Upgrade the named packages (all when none), re-linking them to the newest dependencies
    Upgrade { names: Vec<String> },
    /// Remove packages from the profile (base packages: from the root)
    Delete {
        #[arg(required = true)]
        names: Vec<String>,
    },
    /// Drop old generations and every store entry nothing kept references
    Autoremove {
        /// Generations to keep, the current one included
        #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u64).range(1..))]
        keep: u64,
    },
    /// Show an installed package (all when none is named)
    Info { name: Option<String> },
    /// List installed packages
    List,
    /// Tell which installed package owns FILE (a path inside the root)
    Which { file: String },
    /// Search the catalogues by name or comment
    Search { pattern: String },
    /// Print installed packages through a format (%n %v %c %o %m %L %q %p %R %a %k %t)
    Query {
        format: String,
        name: Option<String>,
    },
    /// Return the profile to the previous generation
    Rollback,
    /// Pin an installed package at its version
    Lock { name: String },
    /// Unpin a package
    Unlock { name: String },
    /// Report installed packages affected by known vulnerabilities
    Audit {
        /// Vulnerability file: OSV JSON or TOML
        #[arg(short = 'f', value_name = "FILE")]
        file: PathBuf,
    },
    /// Re-hash installed files and report what changed
    Verify { names: Vec<String> },
}

#[derive(Subcommand)]
pub enum KeyAction {
    /// Create a new key pair
    Generate {
        #[arg(short = 'o', value_name = "SECRET")]
        secret: PathBuf,
        #[arg(short = 'p', value_name = "PUBLIC")]
        public: PathBuf,
    },
    /// Print a public key's fingerprint, as trust files hold it
    Fingerprint { public: PathBuf },
    /// Sign the hex digest read on stdin (a --signing-command for pkg repo)
    Sign { secret: PathBuf },
}
