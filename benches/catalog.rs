//! Timings of the catalog, for the record, in a process of its own so that the catalog starts
//! cold: `cargo bench --bench catalog`. Nothing is asserted: these machines are shared and noisy.

#![allow(clippy::expect_used, reason = "a benchmark: a broken catalog is a bug to stop on")]

use hyperpod_iam::catalog::{ActionLookup, catalog};
use std::hint::black_box;
use std::time::{Duration, Instant};

const ACTIONS: &[&str] = &[
    "sagemaker:DescribeClusterNode",
    "sagemaker:ListClusters",
    "eks:DescribeCluster",
    "eks:CreateAccessEntry",
    "iam:PassRole",
    "ec2:CreateNetworkInterface",
    "s3:GetObject",
];

fn time<T>(f: impl FnOnce() -> T) -> (T, Duration) {
    let start = Instant::now();
    let out = black_box(f());
    (out, start.elapsed())
}

fn found(action: &str) -> bool {
    matches!(catalog().lookup(action), ActionLookup::Found(_))
}

fn main() {
    let (_, index) = time(catalog);
    let (ok, first) = time(|| found(ACTIONS[0]));
    assert!(ok, "{}", ACTIONS[0]);
    let mut rest = Duration::ZERO;
    let mut each = Vec::new();
    for action in &ACTIONS[1..] {
        let (ok, t) = time(|| found(action));
        assert!(ok, "{action}");
        rest += t;
        each.push(format!("{action} {t:?}"));
    }
    let n = 10_000;
    let (_, warm) = time(|| (0..n).all(|_| found(black_box(ACTIONS[0]))));
    let (all, expand) = time(|| catalog().expand("sagemaker:*"));
    let (_, suggest) = time(|| catalog().suggest("sagemaker:DescribeCluterNode"));
    let (_, cold_expand) = time(|| catalog().expand("bedrock:*"));
    eprintln!("catalog() (reads the index):            {index:?}");
    eprintln!("first lookup, cold (parses sagemaker):  {first:?}");
    eprintln!("6 more lookups, 4 more services:        {rest:?} ({})", each.join(", "));
    eprintln!("all cold work, catalog() included:      {:?}", index + first + rest);
    eprintln!("warm lookup:                            {:?}", warm / n);
    eprintln!("expand(sagemaker:*), {} actions, warm: {expand:?}", all.len());
    eprintln!("expand(bedrock:*), cold:                {cold_expand:?}");
    eprintln!("suggest (a miss in sagemaker):          {suggest:?}");
}
