#!/usr/bin/env bash
# Install the pinned external validators that tests/validators.rs runs against golden/.
#
#   .venv          cfn-lint, kubernetes-validate, yamllint    (or $HYPERPOD_IAM_VENV)
#   .venv-checkov  checkov, alone: it pins an old boto3       (or $HYPERPOD_IAM_CHECKOV_VENV)
#   kubectl        its built-in kustomize builds the golden kustomizations; the machine images
#                  have it, else Debian's kubernetes-client package is installed (as root)
#
# tests/template_emitters.rs also runs the main venv's python with `jsonschema` and `yaml`,
# which cfn-lint depends on (jsonschema<5, pyyaml), so they need no pin of their own.
#
# Idempotent and quiet: a venv whose stamp file already lists exactly these pins is left alone
# (a few milliseconds); otherwise the pins are installed into it, creating it if needed. An
# existing venv is never cleared, so pointing HYPERPOD_IAM_VENV at a venv you manage is safe.
# Output is shown only when something fails. Pins change only together with the tests: the
# tools' catalogs change weekly, and an unpinned cfn-lint would change what the tests accept.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
python="${PYTHON:-python3}"

main_pins=(cfn-lint==1.58.0 kubernetes-validate==1.37.0 yamllint==1.38.0)
checkov_pins=(checkov==3.3.30)

stamp_name=".hyperpod-iam-pins"

# install_venv DIR TOOL... -- PIN...
install_venv() {
    local dir="$1"
    shift
    local tools=()
    while [[ "$1" != "--" ]]; do
        tools+=("$1")
        shift
    done
    shift
    local pins=("$@")
    local want
    want="$(printf '%s\n' "${pins[@]}")"

    if [[ -x "$dir/bin/python" && -f "$dir/$stamp_name" ]] &&
        [[ "$(cat "$dir/$stamp_name")" == "$want" ]]; then
        local tool missing=0
        for tool in "${tools[@]}"; do
            [[ -x "$dir/bin/$tool" ]] || missing=1
        done
        [[ "$missing" == 0 ]] && return 0
    fi

    local log
    log="$(mktemp)"
    if ! {
        { [[ -x "$dir/bin/python" ]] || "$python" -m venv "$dir"; } &&
            "$dir/bin/python" -m pip install --quiet --disable-pip-version-check --no-input \
                "${pins[@]}"
    } >"$log" 2>&1; then
        echo "install-validators: installing ${pins[*]} into $dir failed:" >&2
        cat "$log" >&2
        rm -f "$log"
        return 1
    fi
    rm -f "$log"

    for tool in "${tools[@]}"; do
        if [[ ! -x "$dir/bin/$tool" ]]; then
            echo "install-validators: $dir/bin/$tool missing after installing ${pins[*]}" >&2
            return 1
        fi
    done
    printf '%s\n' "$want" >"$dir/$stamp_name"
}

install_venv "${HYPERPOD_IAM_VENV:-$root/.venv}" \
    cfn-lint kubernetes-validate yamllint -- "${main_pins[@]}"
install_venv "${HYPERPOD_IAM_CHECKOV_VENV:-$root/.venv-checkov}" \
    checkov -- "${checkov_pins[@]}"

if ! command -v kubectl >/dev/null 2>&1 && command -v apt-get >/dev/null 2>&1 && [[ "$(id -u)" == 0 ]]; then
    log="$(mktemp)"
    if ! { apt-get update -qq &&
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "kubernetes-client=1.20.5+really1.20.2-1.1+deb12u1"; } >"$log" 2>&1; then
        echo "install-validators: installing kubectl (Debian kubernetes-client) failed:" >&2
        cat "$log" >&2
    fi
    rm -f "$log"
fi
