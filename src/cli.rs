//! The command line: clap types only; the work is in [`crate::app`].

use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};

/// One spec in, IAM for SageMaker HyperPod out: CloudFormation, Terraform JSON, Kubernetes RBAC
/// and plain IAM JSON from one model.
#[derive(Debug, Parser)]
#[command(name = "hyperpod-iam", version = crate::app::VERSION, long_version = crate::app::long_version())]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Render the spec into output files (the built-in example spec when none is given)
    Render(RenderArgs),
    /// Validate the spec and lint what it would generate
    Check(CheckArgs),
    /// Print a commented starter spec on stdout
    Init(InitArgs),
    /// List the available emitters, one per line, with where each comes from
    Emitters(EmittersArgs),
    /// Print the checked model as JSON: what templates receive (see `modelVersion`)
    Model(ModelArgs),
}

/// Where user template emitters come from: `--emitters` folders, after those of the
/// `HYPERPOD_IAM_EMITTERS` environment variable (a path list, `:`-separated).
#[derive(Debug, Clone, Default, clap::Args)]
pub struct EmitterDirs {
    /// A folder of template emitters (or one emitter folder) to load; repeatable
    #[arg(long = "emitters", value_name = "DIR")]
    pub dirs: Vec<PathBuf>,
}

#[derive(Debug, clap::Args)]
pub struct EmittersArgs {
    #[command(flatten)]
    pub emitters: EmitterDirs,
}

#[derive(Debug, clap::Args)]
pub struct ModelArgs {
    /// Spec file (YAML or JSON); the built-in example when left out
    pub spec: Option<PathBuf>,
}

#[derive(Debug, clap::Args)]
pub struct RenderArgs {
    /// Spec file (YAML or JSON), `-` for stdin; the built-in example when left out
    pub spec: Option<PathBuf>,
    /// Output format (an emitter's name, see `hyperpod-iam emitters`); repeatable; `all` is
    /// every format that applies to the spec
    #[arg(long = "format", short = 'f', value_name = "FORMAT", default_value = "all")]
    pub formats: Vec<String>,
    /// Output folder, or `-` for stdout (one format that writes one file)
    #[arg(long, short = 'o', default_value = "out")]
    pub out: PathBuf,
    #[command(flatten)]
    pub emitters: EmitterDirs,
    /// Overwrite files hyperpod-iam did not write (or that changed since), and replace another
    /// spec's output
    #[arg(long)]
    pub force: bool,
}

#[derive(Debug, clap::Args)]
pub struct CheckArgs {
    /// Spec file (YAML or JSON), `-` for stdin; the built-in example when left out
    pub spec: Option<PathBuf>,
    /// How to print diagnostics: one line each, JSON, or SARIF 2.1.0 for code hosts
    #[arg(long, value_enum, default_value = "text")]
    pub format: ReportFormat,
    /// Fail (exit 3) on warnings too
    #[arg(long)]
    pub deny_warnings: bool,
}

/// A `check --format` value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ReportFormat {
    Text,
    Json,
    Sarif,
}

#[derive(Debug, clap::Args)]
pub struct InitArgs {
    /// Which orchestrator the starter spec is for
    #[arg(long, value_enum, default_value = "eks")]
    pub orchestrator: InitOrchestrator,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum InitOrchestrator {
    Eks,
    Slurm,
}
