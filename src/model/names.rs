//! Names derived from spec names: IAM names, CloudFormation logical ids, Terraform addresses,
//! Kubernetes object names. All pure functions of the spec, so output is stable.

use super::{RoleId, RoleKind};

/// admin + `platform` → `admin-platform`: a role's id in the model.
pub fn role_id(kind: RoleKind, entry: &str) -> RoleId {
    RoleId([kind.word(), "-", entry].concat())
}

/// `ml-research` + `admin-platform` → `ml-research-admin-platform`: a role's IAM name.
pub fn role_name_of(spec_name: &str, id: &RoleId) -> String {
    [spec_name, "-", &id.0].concat()
}

/// `ml-research` + admin + `platform` → `ml-research-admin-platform`.
pub fn role_name(spec_name: &str, kind: RoleKind, entry: &str) -> String {
    [spec_name, "-", kind.word(), "-", entry].concat()
}

/// The length of [`role_name`], without writing it.
pub fn role_name_len(spec_name: &str, kind: RoleKind, entry: &str) -> usize {
    spec_name.len() + kind.word().len() + entry.len() + 2
}

/// `admin-platform` → `AdminPlatform`: letters and digits only, as CloudFormation logical ids
/// need. Different inputs can meet (`a-1b` and `a1b`); the spec reader refuses such pairs.
pub fn pascal(id: &str) -> String {
    let mut out = String::with_capacity(id.len());
    let mut upper = true;
    for c in id.chars() {
        if c.is_ascii_alphanumeric() {
            if upper {
                out.push(c.to_ascii_uppercase());
            } else {
                out.push(c);
            }
            upper = false;
        } else {
            upper = true;
        }
    }
    out
}

/// `admin-platform` → `admin_platform`: a Terraform identifier.
pub fn snake(id: &str) -> String {
    let byte = |b: u8| if b.is_ascii_alphanumeric() { b.to_ascii_lowercase() } else { b'_' };
    // Ids are ASCII: mapped byte by byte, not char by char (the Terraform emitter asks often).
    if id.is_ascii() {
        return String::from_utf8(id.bytes().map(byte).collect()).unwrap_or_default();
    }
    id.chars().map(|c| if c.is_ascii_alphanumeric() { c.to_ascii_lowercase() } else { '_' }).collect()
}

/// The Kubernetes group of one scientist team.
pub fn team_group(spec_name: &str, team: &str) -> String {
    [spec_name, "-scientist-", team].concat()
}

/// The Kubernetes group every scientist of the spec has (cluster-wide reads).
pub fn scientists_group(spec_name: &str) -> String {
    [spec_name, "-scientists"].concat()
}

/// The ClusterRole (and its ClusterRoleBinding) for the cluster-wide reads every scientist has.
pub fn cluster_read_role(spec_name: &str) -> String {
    format!("{spec_name}-scientist-cluster-read")
}

/// With task governance, HyperPod creates a namespace of this prefix for each team's compute quota.
pub const HYPERPOD_NAMESPACE_PREFIX: &str = "hyperpod-ns-";

/// The default namespace of a team, as HyperPod's task governance names them.
pub fn default_namespace(team: &str) -> String {
    [HYPERPOD_NAMESPACE_PREFIX, team].concat()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pascal_and_snake() {
        assert_eq!(pascal("admin-platform"), "AdminPlatform");
        assert_eq!(pascal("exec-gpu-2"), "ExecGpu2");
        assert_eq!(snake("admin-platform"), "admin_platform");
        assert_eq!(snake("Team-É.x"), "team___x", "one `_` per character, not per byte");
    }

    #[test]
    fn role_names_and_their_length() {
        let name = role_name("ml-research", RoleKind::Scientist, "nlp");
        assert_eq!(name, "ml-research-scientist-nlp");
        assert_eq!(name, role_name_of("ml-research", &role_id(RoleKind::Scientist, "nlp")));
        assert_eq!(role_name_len("ml-research", RoleKind::Scientist, "nlp"), name.len());
        assert_eq!(role_name_len("é", RoleKind::Execution, "x"), role_name("é", RoleKind::Execution, "x").len());
        assert_eq!(team_group("s", "t"), "s-scientist-t");
        assert_eq!((scientists_group("s"), default_namespace("t")), ("s-scientists".into(), "hyperpod-ns-t".into()));
    }
}
