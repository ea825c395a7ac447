use super::*;
use crate::spec::{self, Source};

/// The size a prepared row carries is the size of the statement it makes, for every table
/// and every example spec.
#[test]
fn prepared_sizes_are_the_statements_sizes() {
    let mut checked = 0;
    for entry in std::fs::read_dir("examples").expect("examples") {
        let path = entry.expect("entry").path();
        if !path.extension().is_some_and(|e| e == "yaml" || e == "json") {
            continue;
        }
        let text = std::fs::read_to_string(&path).expect("read");
        let Ok(read) = spec::read(&Source { name: path.display().to_string(), text }) else { continue };
        let config = read.config;
        let b = Builder::new(&config);
        let sizer = Sizer { spec_name: &config.name };
        for (_, table) in permissions::TABLES {
            let rows = b.prepare(table);
            for (statement, size) in b.grants(&rows, &Scope::default()) {
                if let Some(size) = size {
                    assert_eq!(size, sizer.statement_size(&statement), "{statement:?}");
                    checked += 1;
                }
            }
        }
    }
    assert!(checked > 20, "{checked}");
}

/// Teams built in runs on every core make the model one loop makes, piece for piece and in
/// order: roles and policies (a pod role after its team's), access entries, namespaces
/// created and task-governance ones, RBAC, service accounts, Pod Identity associations.
#[test]
fn teams_built_in_runs_make_the_same_model() {
    let mut text = String::from(
        "name: big\norchestrator: eks\ncluster: {eksClusterName: e}\n\
         options: {podIdentity: true, taskGovernance: true}\n\
         admins: [{name: a, trustedPrincipals: [\"111122223333\"]}]\n\
         executionRoles: [{name: c, s3Buckets: [big-lifecycle]}]\nscientists:\n",
    );
    for i in 0..150 {
        text.push_str(&format!("  - name: t{i}\n    trustedPrincipals: [\"arn:aws:iam::111122223333:role/T{i}\"]\n"));
        if i % 3 == 0 {
            text.push_str(&format!("    namespace: own-t{i}\n"));
        }
        if i % 4 == 1 {
            text.push_str(&format!("    podRole: {{serviceAccount: sa{i}, s3Buckets: [big-data-{i}]}}\n"));
        }
    }
    let read = spec::read(&Source { name: "big.yaml".into(), text }).expect("valid spec");
    let serial = build_in_runs_from(&read.config, usize::MAX);
    let k = serial.kubernetes.as_ref().expect("eks");
    let counts = (serial.roles.len(), k.namespaces.len(), k.hyperpod_namespaces.len(), k.service_accounts.len());
    assert_eq!(counts, (190, 50, 100, 38));
    for from in [1, 2, crate::par::SPREAD_FROM] {
        assert!(build_in_runs_from(&read.config, from) == serial, "in runs from {from} teams");
    }
    assert!(build(&read.config) == serial);
}
