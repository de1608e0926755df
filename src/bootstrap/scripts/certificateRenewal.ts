import { paths } from "../paths";
import { bashBraces, bashScript, PREFLIGHT_GATE } from "./shell";

/** Options of {@link certificateRenewalScript}. Only public values: they land in the command text. */
export interface CertificateRenewalOptions {
  /** This machine's Kubernetes node name. */
  nodeName: string;
  /** Renew when kubeadm's earliest certificate here has fewer than this many days left. */
  renewWithinDays: number;
  /**
   * kubeadm's `--config` for `certs check-expiration` and `certs renew` ({@link renderKubeadmCertificatesConfig}):
   * its `certificateValidityPeriod` is what the renewed certificates get. No secret in it.
   */
  kubeadmConfig: string;
  /**
   * The first control plane also records the `certificateValidityPeriod` in the cluster's kubeadm configuration
   * (`kubeadm init phase upload-config kubeadm`) when it differs, so that upgrades and later joins use it too.
   */
  first: boolean;
  /** Stacked etcd: the local etcd member is restarted too (its certificates are kubeadm's). */
  stackedEtcd: boolean;
  /** kube-apiserver's port on this machine. */
  apiServerPort: number;
  /**
   * The quorum gate ({@link quorumGateScript}) that must pass before this machine's control-plane pods restart; not
   * run when there is nothing to do. `""` runs none. @default ""
   */
  preflightGateScript?: string;
  /** Bound on each wait (a restarted component healthy again), in seconds. */
  timeoutSeconds: number;
}

/**
 * Renews kubeadm's certificates on one control plane when they are due, and restarts what uses them:
 *   0. the first control plane makes the cluster's kubeadm configuration give the validity of `kubeadmConfig`;
 *   1. reads kubeadm's own view (`kubeadm certs check-expiration -o json`, certificates kubeadm manages, not the
 *      CAs or the external etcd client files) and the earliest expiry;
 *   2. finds the control-plane containers started before their certificate or kubeconfig files last changed (a run
 *      cut short after the renewal left them on the old certificates);
 *   3. nothing due and nothing stale: says so and returns without touching the machine;
 *   4. otherwise the quorum gate (when given) must pass, then `kubeadm certs renew all` when due, then each stale
 *      component is restarted, one at a time (etcd first, then kube-apiserver, kube-controller-manager,
 *      kube-scheduler: `crictl stop`, kubelet starts it again), each awaited healthy (etcd `/health`, the API
 *      server's `/readyz` serving the certificate now on disk, the others' `/healthz`).
 * Safe to run again at any point. Every failure names the node and the step; kubeadm's output goes to a root-only log.
 */
export function certificateRenewalScript(options: CertificateRenewalOptions): string {
  if (!Number.isInteger(options.renewWithinDays) || options.renewWithinDays < 1) {
    throw new Error(`certificate renewal: renewWithinDays must be a whole number of days >= 1, got ${options.renewWithinDays}`);
  }
  return bashScript(
    `renew kubeadm's certificates on ${options.nodeName} when fewer than ${options.renewWithinDays} days are left, and restart what uses them (resumable)`,
    {
      NODE_NAME: options.nodeName,
      RENEW_WITHIN_DAYS: options.renewWithinDays,
      KUBEADM_CONFIG_B64: Buffer.from(options.kubeadmConfig, "utf8").toString("base64"),
      FIRST: options.first,
      STACKED_ETCD: options.stackedEtcd,
      ADMIN_CONF: paths.adminKubeconfig,
      API_PORT: options.apiServerPort,
      PKI_DIR: paths.kubernetesPki,
      KUBERNETES_DIR: "/etc/kubernetes",
      LOG_DIR: paths.logDir,
      CONTAINERD_SOCKET: "unix:///run/containerd/containerd.sock",
      TIMEOUT_SECONDS: options.timeoutSeconds,
      PREFLIGHT_GATE_B64: Buffer.from(options.preflightGateScript ?? "", "utf8").toString("base64"),
    },
    CERTIFICATE_RENEWAL_BODY,
  );
}

const CERTIFICATE_RENEWAL_BODY = bashBraces(String.raw`
step="reading kubeadm's certificate expiry"
fail() { echo "certificate renewal on $NODE_NAME failed at step: $step: $*" >&2; exit 1; }
${PREFLIGHT_GATE}
config="$(mktemp)"
trap 'rm -f "$config"' EXIT
printf '%s' "$KUBEADM_CONFIG_B64" | base64 -d >"$config"
install -d -m 0700 "$LOG_DIR"
log="$LOG_DIR/certificate-renewal.log"

# The earliest of the certificates kubeadm manages here: "<epoch> <name>".
earliest_kubeadm_certificate() {
  local json
  json="$(kubeadm certs check-expiration --config "$config" -o json 2>>"$log")" || return 1
  printf '%s' "$json" | jq -r '[.certificates[] | select((.externallyManaged | not) and (.missing | not))]
    | min_by(.expirationDate) | "\(.expirationDate | sub("\\.[0-9]+"; "") | fromdate) \(.name)"'
}

crictl_() { crictl -r "$CONTAINERD_SOCKET" "$@"; }
running_container() { crictl_ ps -q --state running --name "^$1\$" 2>/dev/null | head -n 1; }
# started_before ID FILES...: the container started before the newest of FILES was written.
started_before() {
  local id="$1" started newest=0 file modified
  shift
  started="$(crictl_ inspect -o json "$id" | jq -r '.status.startedAt')" || return 1
  started="$(date -d "$started" +%s)" || return 1
  for file in "$@"; do
    [ -f "$file" ] || continue
    modified="$(stat -c %Y "$file")"
    [ "$modified" -le "$newest" ] || newest="$modified"
  done
  [ "$started" -lt "$newest" ]
}

# The components to restart, in order, with the files each reads its certificates from.
components=()
[ "$STACKED_ETCD" = false ] || components+=("etcd:$PKI_DIR/etcd/server.crt $PKI_DIR/etcd/peer.crt")
components+=("kube-apiserver:$PKI_DIR/apiserver.crt $PKI_DIR/apiserver-kubelet-client.crt $PKI_DIR/front-proxy-client.crt $PKI_DIR/apiserver-etcd-client.crt")
components+=("kube-controller-manager:$KUBERNETES_DIR/controller-manager.conf")
components+=("kube-scheduler:$KUBERNETES_DIR/scheduler.conf")

stale_components() {
  local entry name id
  for entry in "@{components[@]}"; do
    name="@{entry%%:*}"
    id="$(running_container "$name")"
    # shellcheck disable=SC2086 # the file list is split on purpose
    if [ -n "$id" ] && started_before "$id" @{entry#*:}; then printf '%s\n' "$name"; fi
  done
}

healthy() {
  case "$1" in
    etcd) curl -sf --max-time 3 --cacert "$PKI_DIR/etcd/ca.crt" --cert "$PKI_DIR/etcd/healthcheck-client.crt" \
      --key "$PKI_DIR/etcd/healthcheck-client.key" https://127.0.0.1:2379/health | jq -e '.health == "true"' >/dev/null ;;
    kube-apiserver)
      [ "$(curl -sf --max-time 3 --cacert "$PKI_DIR/ca.crt" "https://127.0.0.1:$API_PORT/readyz" || true)" = ok ] || return 1
      # The server answers with the certificate now on disk.
      [ "$(openssl s_client -connect "127.0.0.1:$API_PORT" </dev/null 2>/dev/null | openssl x509 -noout -enddate 2>/dev/null)" = \
        "$(openssl x509 -noout -enddate -in "$PKI_DIR/apiserver.crt")" ] ;;
    kube-controller-manager) [ "$(curl -sk --max-time 3 https://127.0.0.1:10257/healthz || true)" = ok ] ;;
    kube-scheduler) [ "$(curl -sk --max-time 3 https://127.0.0.1:10259/healthz || true)" = ok ] ;;
  esac
}

restart() {
  local name="$1" old id deadline started="$SECONDS"
  step="restarting $name"
  old="$(running_container "$name")"
  [ -z "$old" ] || crictl_ stop --timeout 30 "$old" >/dev/null || fail "crictl stop $old"
  deadline=$((SECONDS + TIMEOUT_SECONDS))
  until id="$(running_container "$name")" && [ -n "$id" ] && [ "$id" != "$old" ] && healthy "$name"; do
    [ "$SECONDS" -lt "$deadline" ] || fail "$name did not come back healthy within $TIMEOUT_SECONDS s"
    sleep 2
  done
  echo "restarted $name on $NODE_NAME: healthy again after $((SECONDS - started)) s"
}

# Whole hours of a Go duration such as 8760h0m0s; kubeadm's default (8760) when empty.
hours() { local value="@{1%%h*}"; printf '%s' "@{value:-8760}"; }
if [ "$FIRST" = true ]; then
  step="recording the certificate validity in the cluster's kubeadm configuration"
  want="$(sed -n 's/^certificateValidityPeriod: *//p' "$config")"
  have="$(kubectl --kubeconfig "$ADMIN_CONF" --request-timeout=10s -n kube-system get configmap kubeadm-config \
    -o jsonpath='{.data.ClusterConfiguration}' | sed -n 's/^certificateValidityPeriod: *//p')" || fail "reading the kubeadm-config ConfigMap"
  if [ "$(hours "$want")" != "$(hours "$have")" ]; then
    kubeadm init phase upload-config kubeadm --config "$config" >>"$log" 2>&1 || { tail -n 20 "$log" >&2; fail "kubeadm init phase upload-config kubeadm"; }
    echo "the cluster's kubeadm configuration now gives certificates $(hours "$want")h (was $(hours "$have")h): upgrades and joins use it too"
  fi
fi

step="reading kubeadm's certificate expiry"
now="$(date +%s)"
read -r expires name < <(earliest_kubeadm_certificate) || fail "kubeadm certs check-expiration (see $log)"
[ -n "@{expires:-}" ] || fail "kubeadm reported no certificate it manages"
days_left=$(((expires - now) / 86400))
due=false
[ "$((expires - now))" -ge "$((RENEW_WITHIN_DAYS * 86400))" ] || due=true
mapfile -t stale < <(stale_components)
echo "$NODE_NAME: earliest kubeadm certificate $name expires $(date -u -d "@$expires" +%Y-%m-%dT%H:%M:%SZ) ($days_left days left; renewal within $RENEW_WITHIN_DAYS days)"
if [ "$due" = false ] && [ "@{#stale[@]}" -eq 0 ]; then
  echo "nothing to renew on $NODE_NAME"
  exit 0
fi

preflight_gate "renewing on $NODE_NAME"

if [ "$due" = true ]; then
  step="kubeadm certs renew all"
  kubeadm certs renew all --config "$config" >>"$log" 2>&1 || { tail -n 20 "$log" >&2; fail "kubeadm certs renew all (see $log)"; }
  read -r expires name < <(earliest_kubeadm_certificate) || fail "kubeadm certs check-expiration after renewing"
  echo "renewed kubeadm's certificates on $NODE_NAME: earliest now $name, $(date -u -d "@$expires" +%Y-%m-%dT%H:%M:%SZ)"
  mapfile -t stale < <(stale_components)
fi
for component in "@{stale[@]}"; do restart "$component"; done
echo "certificate renewal done on $NODE_NAME"
`);
