# Shared settings of the lab scripts (sourced, not run).
# The cache lives outside the work tree so a clean clone (and CI) reuses a built kernel.
LAB_CACHE="${CRASHDMCRYPT_LAB_CACHE:-/var/cache/crashdmcrypt-lab}"
LAB_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_DIR="$(cd "$LAB_DIR/.." && pwd)"
mkdir -p "$LAB_CACHE"

# Installs Debian packages that are missing (by the command they provide).
lab_need() {
  local missing=() pair cmd pkg
  for pair in "$@"; do
    cmd=${pair%%:*}; pkg=${pair#*:}
    if [[ $cmd == /* ]]; then [ -e "$cmd" ] || missing+=("$pkg"); else command -v "$cmd" >/dev/null 2>&1 || missing+=("$pkg"); fi
  done
  if [ ${#missing[@]} -gt 0 ]; then
    echo "lab: installing ${missing[*]}" >&2
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}") >&2
  fi
}
