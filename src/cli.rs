//! The command line: clap types only; the work is in [`crate::app`].

use std::path::PathBuf;

use crate::check::ack::Acknowledgement;
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
    /// Answer "can this persona do that?" from the spec alone: yes (exit 0) or no (exit 1)
    #[command(after_help = CAN_HELP)]
    Can(CanArgs),
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

const CAN_HELP: &str = "\
Examples:
  hyperpod-iam can spec.yaml --as scientist/nlp sagemaker:DeleteCluster
  hyperpod-iam can spec.yaml --as admin/platform iam:PassRole arn:aws:iam::111122223333:role/NAME \\
      --context iam:PassedToService=sagemaker.amazonaws.com
  hyperpod-iam can spec.yaml --as scientist/nlp create hyperpodpytorchjobs.sagemaker.amazonaws.com -n nlp
  hyperpod-iam can spec.yaml --as scientist/nlp get pods/log -n nlp --explain
  hyperpod-iam can spec.yaml --matrix --format markdown

SPEC is the first word when it holds a `.` or a `/` (an action or verb never does), or is `-` (stdin).
Exit codes: 0 yes (and `yes, if` with --assume-conditions), 1 no (also `yes, if` and
`unknown`; with --matrix: some check not met), 2 usage, 3 invalid spec, 4 I/O error.";

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
    /// Acknowledge a warning code for the whole spec, with the reason (`HP113=admins use the
    /// console`); repeatable. Acknowledged warnings are listed as such and never hide an error
    #[arg(long = "allow", value_name = "CODE=REASON", value_parser = Acknowledgement::parse_allow)]
    pub allow: Vec<Acknowledgement>,
}

#[derive(Debug, clap::Args)]
pub struct CanArgs {
    /// [SPEC] then the question: an IAM action and optional resource ARN
    /// (`sagemaker:DescribeCluster [ARN]`), or a Kubernetes request as `kubectl auth can-i`
    /// takes it (`VERB RESOURCE[.GROUP][/SUBRESOURCE|/NAME] [NAME]`)
    #[arg(value_name = "WORDS")]
    pub words: Vec<String>,
    /// Who asks: `admin`, `scientist`, `exec` or `pod`, and the spec entry's name
    #[arg(long = "as", value_name = "KIND/NAME", required_unless_present = "matrix")]
    pub persona: Option<String>,
    /// The namespace of a Kubernetes request (none: cluster-scoped, or all namespaces)
    #[arg(short = 'n', long, value_name = "NAMESPACE")]
    pub namespace: Option<String>,
    /// A condition key of the IAM request (repeatable); `!KEY` says the request has none
    #[arg(long = "context", value_name = "KEY=VALUE")]
    pub context: Vec<String>,
    /// Print the chain that decided the answer
    #[arg(long)]
    pub explain: bool,
    /// Take `yes, if ...` as yes (exit 0)
    #[arg(long)]
    pub assume_conditions: bool,
    /// Every persona of the spec against the tasks of tasks.md
    #[arg(long, conflicts_with_all = ["persona", "namespace", "context", "assume_conditions", "explain"])]
    pub matrix: bool,
    /// How to print the matrix
    #[arg(long, value_enum, default_value = "text", requires = "matrix")]
    pub format: MatrixFormat,
}

/// A `can --matrix --format` value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum MatrixFormat {
    Text,
    Json,
    Markdown,
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
