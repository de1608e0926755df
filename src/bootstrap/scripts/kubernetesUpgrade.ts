import { aptFunctions } from "../apt";
import { KUBERNETES_APT_KEYRING } from "../kubernetesPackages";
import { paths } from "../paths";
import { etcdBackupPaths } from "./etcdSnapshot";
import { bashBraces, bashScript, PREFLIGHT_GATE } from "./shell";

/** Annotation the upgrade puts on a node it cordons, so that it uncordons only nodes it cordoned itself. */
export const UPGRADE_CORDON_ANNOTATION = "pulumi-k8s-ha/cordoned-for-upgrade";

/** Options of {@link kubernetesUpgradeScript}. Only public values: they land in the command text. */
export interface KubernetesUpgradeOptions {
  /** Target Kubernetes version without `v`, e.g. `1.34.2`. */
  kubernetesVersion: string;
  /** This machine's Kubernetes node name. */
  nodeName: string;
  /** The first control plane runs `kubeadm upgrade apply`; every other one `kubeadm upgrade node`, after it. */
  first: boolean;
  /**
   * apt repository (flat, `deb <url> /`) of the target minor's kubeadm, kubelet and kubectl, with its signing key
   * at `<url>Release.key`, as pkgs.k8s.io serves them; `""` when the machines' Kubernetes binaries are managed
   * outside the library: the upgrade then checks they are at the target version and stops otherwise.
   */
  aptRepository: string;
  /** Preflight errors kubeadm should ignore. @default [] */
  ignorePreflightErrors?: string[];
  /**
   * Wait for the node to be Ready (false when no CNI is installed by the library: nodes stay NotReady until the
   * user's CNI runs, so only the versions are awaited).
   */
  waitReady: boolean;
  /**
   * The quorum gate ({@link quorumGateScript}) run before this machine is changed: the cluster healthy, the machines
   * upgraded before it at the version. Not run when there is nothing to do. `""` runs none. @default ""
   */
  preflightGateScript?: string;
  /** Bound on each wait (drain, the node Ready at the target version, its control-plane pods Ready), in seconds. */
  timeoutSeconds: number;
}

/**
 * Upgrades one control plane to the target version, in kubeadm's order, and is safe to run again at any point:
 *   1. nothing to do when its control-plane manifests, its kubelet and its Node all are at the target version: it
 *      only waits until the node is Ready (a machine that just joined) and finishes an uncordon an interrupted run left;
 *   2. the quorum gate (when given) must pass: the cluster healthy, the machines upgraded before this one at the
 *      version; then the cluster's version (kubeadm's ClusterConfiguration) is checked: the first control plane refuses a
 *      downgrade and a minor skip; the others refuse to start before the first one upgraded the cluster;
 *   3. kubeadm at the target version (apt, from the target minor's channel, pinned and held; a dpkg run cut short
 *      by a power-off is finished first);
 *   4. first control plane: an etcd snapshot when scheduled snapshots are installed here, `kubeadm upgrade plan`,
 *      then `kubeadm upgrade apply`; others: `kubeadm upgrade node`. Each records its completion for the target
 *      version, so a re-run after an interruption runs it again only when it did not complete (kubeadm's upgrade
 *      steps are themselves re-runnable);
 *   5. the node is cordoned (annotated, so that only this library uncordons it) and drained, kubelet and kubectl
 *      are upgraded, kubelet restarted; then it waits until the Node reports the target version and Ready and its
 *      own kube-apiserver, kube-controller-manager and kube-scheduler pods are Ready at the target version, and
 *      uncordons it.
 * Every failure names the node and the step. kubeadm's output goes to a root-only log; a redacted tail is printed
 * on failure.
 */
export function kubernetesUpgradeScript(options: KubernetesUpgradeOptions): string {
  const ignore = (options.ignorePreflightErrors ?? []).join(",");
  return bashScript(
    `upgrade ${options.nodeName} to Kubernetes v${options.kubernetesVersion} (${options.first ? "kubeadm upgrade apply" : "kubeadm upgrade node"}; resumable)`,
    {
      TARGET: `v${options.kubernetesVersion}`,
      PACKAGE_VERSION: options.kubernetesVersion,
      NODE_NAME: options.nodeName,
      FIRST: options.first,
      APT_REPOSITORY: options.aptRepository,
      KEYRING: KUBERNETES_APT_KEYRING,
      SOURCE_LIST: "/etc/apt/sources.list.d/kubernetes.list",
      IGNORE_PREFLIGHT: ignore,
      TIMEOUT_SECONDS: options.timeoutSeconds,
      WAIT_READY: options.waitReady,
      ADMIN_CONF: paths.adminKubeconfig,
      MANIFESTS_DIR: "/etc/kubernetes/manifests",
      STATE_DIR: paths.stateDir,
      LOG_DIR: paths.logDir,
      SNAPSHOT_SERVICE: etcdBackupPaths.serviceUnitName,
      SNAPSHOT_SERVICE_FILE: etcdBackupPaths.serviceUnitFile,
      CORDON_ANNOTATION: UPGRADE_CORDON_ANNOTATION,
      PREFLIGHT_GATE_B64: Buffer.from(options.preflightGateScript ?? "", "utf8").toString("base64"),
    },
    `${aptFunctions()}
${UPGRADE_BODY}`,
  );
}

const UPGRADE_BODY = bashBraces(String.raw`
step="checking"
name_failed_step() {
  local status=$?
  if [ "$status" -ne 0 ]; then echo "upgrade of $NODE_NAME to $TARGET failed at step: $step" >&2; fi
}
trap name_failed_step EXIT
mkdir -p "$LOG_DIR" "$STATE_DIR"
chmod 700 "$LOG_DIR"
log="$LOG_DIR/upgrade-$TARGET.log"
started=$SECONDS
# The completion record of this machine's kubeadm upgrade step for the target version.
kubeadm_done="$STATE_DIR/kubeadm-upgrade-$TARGET.done"

k() { kubectl --kubeconfig "$ADMIN_CONF" --request-timeout=10s "$@"; }
# "1.34.2" or "v1.34.2" -> "1 34 2"
version_parts() { local v="@{1#v}"; printf '%s %s %s' "@{v%%.*}" "$(printf '%s' "$v" | cut -d. -f2)" "@{v##*.}"; }
# The image tag of a static pod manifest of this machine ("" when there is none).
manifest_tag() { sed -n "s|^ *image: .*/$1:\(v[0-9][^\"' ]*\).*|\1|p" "$MANIFESTS_DIR/$1.yaml" 2>/dev/null | head -n 1; }
manifests_at_target() {
  local component
  for component in kube-apiserver kube-controller-manager kube-scheduler; do
    [ "$(manifest_tag "$component")" = "$TARGET" ] || return 1
  done
}
# The version of kubeadm or kubectl installed here ("" when absent).
installed_version() {
  case "$1" in
    kubectl) kubectl version --client -o json 2>/dev/null | jq -r '.clientVersion.gitVersion // ""' || true ;;
    *) "$1" version -o short 2>/dev/null || true ;;
  esac
}
kubelet_binary_version() { kubelet --version 2>/dev/null | awk '{print $2}'; }
node_field() { k get node "$NODE_NAME" -o "jsonpath=$1" 2>/dev/null || true; }
node_version() { node_field '{.status.nodeInfo.kubeletVersion}'; }
node_ready() { [ "$WAIT_READY" = false ] || [ "$(node_field '{.status.conditions[?(@.type=="Ready")].status}')" = True ]; }
fail() { echo "upgrade of $NODE_NAME to $TARGET: $*" >&2; exit 1; }
${PREFLIGHT_GATE}
log_tail() { tail -n 40 "$log" | sed -E 's/[a-z0-9]{6}\.[a-z0-9]{16}/<redacted-token>/g' >&2; }

uncordon_if_ours() {
  if [ -n "$(node_field "{.metadata.annotations.$CORDON_ANNOTATION}")" ]; then
    step="uncordon"
    k uncordon "$NODE_NAME" >/dev/null
    k annotate node "$NODE_NAME" "$CORDON_ANNOTATION-" >/dev/null
    echo "$NODE_NAME uncordoned"
  fi
}

[ -f "$ADMIN_CONF" ] || fail "$ADMIN_CONF missing: $NODE_NAME is not an initialised control plane"

# Waits (bounded) until the Node reports the target version and Ready and this machine's control-plane pods are Ready
# at the target version.
pods_ready() {
  local component pod
  for component in kube-apiserver kube-controller-manager kube-scheduler; do
    pod="$(k -n kube-system get pod "$component-$NODE_NAME" -o 'jsonpath={.spec.containers[0].image} {.status.conditions[?(@.type=="Ready")].status}' 2>/dev/null || true)"
    case "$pod" in *":$TARGET True") ;; *":$TARGET "*) [ "$WAIT_READY" = false ] || { waiting_for="$component-$NODE_NAME ($pod)"; return 1; } ;; *) waiting_for="$component-$NODE_NAME ($pod)"; return 1 ;; esac
  done
}
wait_until_ready() {
  local deadline=$((SECONDS + TIMEOUT_SECONDS))
  waiting_for=""
  until [ "$(node_version)" = "$TARGET" ] && node_ready && pods_ready; do
    if [ "$SECONDS" -ge "$deadline" ]; then
      fail "not Ready at $TARGET within $TIMEOUT_SECONDS s: node reports $(node_version || true), Ready=$(node_field '{.status.conditions[?(@.type=="Ready")].status}' || true), waiting for @{waiting_for:-the node}"
    fi
    waiting_for=""
    sleep 2
  done
}

# At the version already (a bring-up, or a re-run): a machine that just joined may not be Ready yet, so wait for that,
# but never upgrade it.
if manifests_at_target && [ "$(kubelet_binary_version)" = "$TARGET" ] && [ "$(node_version)" = "$TARGET" ]; then
  step="waiting for $NODE_NAME Ready at $TARGET"
  wait_until_ready
  uncordon_if_ours
  echo "$NODE_NAME already runs $TARGET"
  exit 0
fi

preflight_gate "upgrading $NODE_NAME"

step="checking the cluster's version"
cluster_version="$(k -n kube-system get configmap kubeadm-config -o jsonpath='{.data.ClusterConfiguration}' 2>/dev/null | sed -n 's/^kubernetesVersion:[[:space:]]*//p' | tr -d "'\"" || true)"
[ -n "$cluster_version" ] || fail "cannot read kubernetesVersion from kube-system/kubeadm-config through $ADMIN_CONF (is the API reachable?)"
read -r cluster_major cluster_minor cluster_patch <<<"$(version_parts "$cluster_version")"
read -r target_major target_minor target_patch <<<"$(version_parts "$TARGET")"
if [ "$FIRST" = true ]; then
  if [ "$target_major" -ne "$cluster_major" ] || [ "$target_minor" -lt "$cluster_minor" ] ||
     { [ "$target_minor" -eq "$cluster_minor" ] && [ "$target_patch" -lt "$cluster_patch" ]; }; then
    fail "the cluster runs $cluster_version; $TARGET would be a downgrade, which kubeadm does not support. Set kubernetesVersion back to $cluster_version."
  fi
  if [ "$target_minor" -gt $((cluster_minor + 1)) ]; then
    fail "the cluster runs $cluster_version; upgrades go one minor at a time: set kubernetesVersion to $cluster_major.$((cluster_minor + 1)).x first."
  fi
elif [ "$cluster_version" != "$TARGET" ]; then
  fail "the cluster is at $cluster_version, not $TARGET: the first control plane's upgrade (kubeadm upgrade apply) has not completed"
fi

# Installs PACKAGE... at the target version from the target minor's channel (keyring and source refreshed, only
# that source updated: other mirrors are not asked), then holds them.
apt_refreshed=false
install_packages() {
  if [ -z "$APT_REPOSITORY" ]; then
    local package
    for package in "$@"; do
      [ "$package" = kubelet ] && continue
      [ "$(installed_version "$package")" = "$TARGET" ] || fail "$package is $(installed_version "$package" || true), not $TARGET, and the library does not install packages here (installKubernetesPackages: false): install $TARGET on $NODE_NAME and run again"
    done
    if [[ " $* " == *" kubelet "* ]] && [ "$(kubelet_binary_version)" != "$TARGET" ]; then
      fail "kubelet is $(kubelet_binary_version), not $TARGET, and the library does not install packages here (installKubernetesPackages: false): install $TARGET on $NODE_NAME and run again"
    fi
    return 0
  fi
  if [ "$apt_refreshed" = false ]; then
    # A dpkg run cut short (the machine lost power during an earlier upgrade) is finished first.
    if [ -n "$(dpkg --audit 2>/dev/null)" ]; then dpkg --configure -a; fi
    install -d -m 0755 "$(dirname "$KEYRING")" "$(dirname "$SOURCE_LIST")"
    curl -fsSL "@{APT_REPOSITORY}Release.key" | gpg --batch --yes --dearmor -o "$KEYRING.new"
    mv -f "$KEYRING.new" "$KEYRING"
    echo "deb [signed-by=$KEYRING] $APT_REPOSITORY /" > "$SOURCE_LIST"
    apt-get -o DPkg::Lock::Timeout=600 -q update -o Dir::Etc::sourcelist="$SOURCE_LIST" -o Dir::Etc::sourceparts=- -o APT::Get::List-Cleanup=0 >>"$log" 2>&1 ||
      { log_tail; fail "apt-get update of $APT_REPOSITORY failed"; }
    apt_refreshed=true
  fi
  local pinned=() package
  for package in "$@"; do pinned+=("$package=$PACKAGE_VERSION-*"); done
  apt_install --allow-change-held-packages --allow-downgrades "@{pinned[@]}" >>"$log" 2>&1 || { log_tail; fail "apt-get install @{pinned[*]} failed"; }
  apt_mark_hold "$@" >/dev/null
}

step="kubeadm $TARGET"
if [ "$(installed_version kubeadm)" != "$TARGET" ]; then
  install_packages kubeadm
  [ "$(installed_version kubeadm)" = "$TARGET" ] || fail "kubeadm is $(installed_version kubeadm) after installing $TARGET"
  echo "kubeadm $TARGET installed on $NODE_NAME"
fi

ignore_flag=()
[ -z "$IGNORE_PREFLIGHT" ] || ignore_flag=("--ignore-preflight-errors=$IGNORE_PREFLIGHT")
if [ ! -f "$kubeadm_done" ] || ! manifests_at_target; then
  if [ "$FIRST" = true ]; then
    if [ -f "$SNAPSHOT_SERVICE_FILE" ]; then
      step="etcd snapshot before the upgrade"
      systemctl start "$SNAPSHOT_SERVICE" || fail "the etcd snapshot before the upgrade failed (journalctl -u $SNAPSHOT_SERVICE)"
      echo "etcd snapshot taken on $NODE_NAME before the upgrade"
    fi
    step="kubeadm upgrade plan $TARGET"
    kubeadm upgrade plan "$TARGET" "@{ignore_flag[@]}" >"$log" 2>&1 || { log_tail; fail "kubeadm upgrade plan $TARGET failed (log: $log)"; }
    step="kubeadm upgrade apply $TARGET"
    echo "kubeadm upgrade apply $TARGET on $NODE_NAME"
    kubeadm upgrade apply "$TARGET" --yes "@{ignore_flag[@]}" >>"$log" 2>&1 || { log_tail; fail "kubeadm upgrade apply $TARGET failed (log: $log)"; }
  else
    step="kubeadm upgrade node"
    echo "kubeadm upgrade node on $NODE_NAME"
    kubeadm upgrade node "@{ignore_flag[@]}" >"$log" 2>&1 || { log_tail; fail "kubeadm upgrade node failed (log: $log)"; }
  fi
  manifests_at_target || fail "kubeadm completed but the control-plane manifests are not at $TARGET"
  date -u +%Y-%m-%dT%H:%M:%SZ > "$kubeadm_done"
  sync "$kubeadm_done"
fi

if [ "$(kubelet_binary_version)" != "$TARGET" ] || [ "$(node_version)" != "$TARGET" ]; then
  step="drain"
  if [ "$(node_field '{.spec.unschedulable}')" != true ]; then
    k annotate --overwrite node "$NODE_NAME" "$CORDON_ANNOTATION=$TARGET" >/dev/null
  fi
  k drain "$NODE_NAME" --ignore-daemonsets --delete-emptydir-data --timeout="@{TIMEOUT_SECONDS}s" >>"$log" 2>&1 ||
    { log_tail; fail "kubectl drain $NODE_NAME failed (pods without a controller, or a PodDisruptionBudget that blocks eviction?)"; }
  step="kubelet and kubectl $TARGET"
  if [ "$(kubelet_binary_version)" != "$TARGET" ] || [ "$(installed_version kubectl)" != "$TARGET" ]; then
    install_packages kubelet kubectl
  fi
  [ "$(kubelet_binary_version)" = "$TARGET" ] || fail "kubelet is $(kubelet_binary_version) after installing $TARGET"
  step="kubelet restart"
  systemctl daemon-reload
  systemctl restart kubelet
fi

step="waiting for $NODE_NAME Ready at $TARGET"
wait_until_ready
uncordon_if_ours
step="done"
echo "$NODE_NAME upgraded to $TARGET in $((SECONDS - started)) s"
`);
