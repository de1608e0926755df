import { paths } from "../paths";
import { MINT_CLIENT_CERT } from "./joinHygiene";
import { bashBraces, bashScript } from "./shell";

/** How long a refreshed bootstrap token stays valid (kubeadm's default token lifetime). */
export const BOOTSTRAP_TOKEN_TTL_HOURS = 24;

/** Description kubeadm shows for the token (`kubeadm token list`). */
const TOKEN_DESCRIPTION = "pulumi-k8s-ha control-plane joins";

/** What a bootstrap token is for: how long each refresh keeps it valid and what `kubeadm token list` says of it. */
export interface BootstrapTokenPurpose {
  /** Hours the token stays valid after each refresh (a whole number >= 1). @default 24 ({@link BOOTSTRAP_TOKEN_TTL_HOURS}) */
  ttlHours?: number;
  /** Description kubeadm shows for the token (letters, digits, spaces and `-:.,()`). @default "pulumi-k8s-ha control-plane joins" */
  description?: string;
}

function tokenPurpose(purpose: BootstrapTokenPurpose): { ttlHours: number; description: string } {
  const ttlHours = purpose.ttlHours ?? BOOTSTRAP_TOKEN_TTL_HOURS;
  const description = purpose.description ?? TOKEN_DESCRIPTION;
  if (!Number.isInteger(ttlHours) || ttlHours < 1) throw new Error(`bootstrap token TTL must be a whole number of hours >= 1, got ${ttlHours}`);
  if (!/^[A-Za-z0-9 :.,()-]+$/.test(description)) {
    throw new Error(`bootstrap token description ${JSON.stringify(description)} has characters other than letters, digits, spaces and -:.,()`);
  }
  return { ttlHours, description };
}

/**
 * Bash function `refresh_bootstrap_token KUBECONFIG TOKEN`: makes the bootstrap token valid for another `ttlHours`
 * hours by applying its Secret (`bootstrap.kubernetes.io/token` in kube-system, the fields kubeadm writes, usages
 * signing and authentication, groups of kubeadm's default node token) with server-side apply. Applying, unlike
 * `kubeadm token delete` + `create`, never leaves a moment without the token (parallel joins) and recreates a token
 * the token cleaner already removed. The token travels on kubectl's standard input only.
 */
export function refreshBootstrapTokenFunction(purpose: BootstrapTokenPurpose = {}): string {
  const { ttlHours, description } = tokenPurpose(purpose);
  return bashBraces(String.raw`refresh_bootstrap_token() {
  local kubeconfig="$1" token="$2"
  case "$token" in
    [a-z0-9][a-z0-9][a-z0-9][a-z0-9][a-z0-9][a-z0-9].[a-z0-9][a-z0-9][a-z0-9][a-z0-9][a-z0-9][a-z0-9][a-z0-9][a-z0-9][a-z0-9][a-z0-9][a-z0-9][a-z0-9][a-z0-9][a-z0-9][a-z0-9][a-z0-9]) ;;
    *) echo "not a bootstrap token" >&2; return 1 ;;
  esac
  b64() { printf '%s' "$1" | base64 -w0; }
  kubectl --kubeconfig "$kubeconfig" --request-timeout=20s apply --server-side --force-conflicts \
    --field-manager=pulumi-k8s-ha -f - >/dev/null <<EOF
apiVersion: v1
kind: Secret
metadata:
  name: bootstrap-token-@{token%%.*}
  namespace: kube-system
type: bootstrap.kubernetes.io/token
data:
  token-id: $(b64 "@{token%%.*}")
  token-secret: $(b64 "@{token#*.}")
  expiration: $(b64 "$(date -u -d "+${ttlHours} hours" +%Y-%m-%dT%H:%M:%SZ)")
  usage-bootstrap-authentication: $(b64 true)
  usage-bootstrap-signing: $(b64 true)
  auth-extra-groups: $(b64 system:bootstrappers:kubeadm:default-node-token)
  description: $(b64 "${description}")
EOF
}`);
}

/** {@link refreshBootstrapTokenFunction} for the control planes' token: valid {@link BOOTSTRAP_TOKEN_TTL_HOURS} hours per refresh. */
export const REFRESH_BOOTSTRAP_TOKEN = refreshBootstrapTokenFunction();

/**
 * Bash function `ensure_join_token`, for the join step of a control plane (script parameters `CONFIG_FILE`, the placed
 * JoinConfiguration, `CA_CERT` and `CA_KEY`): makes the bootstrap token of the placed JoinConfiguration valid again before `kubeadm join`, so a join
 * that runs days after `kubeadm init` (a retry after a failure, a control plane added later) never fails discovery
 * on an expired token. It can, because the program placed the shared cluster CA (certificate and key) on this
 * machine for kubeadm: it signs a client certificate of `kubeadm:cluster-admins` (the group kubeadm binds to
 * cluster-admin) valid one day, whose key lives in a root-only temporary directory and is deleted right after.
 * A refresh that fails (API not reachable yet) is reported and left to kubeadm's own discovery, which retries.
 */
export const ENSURE_JOIN_TOKEN = bashBraces(String.raw`${MINT_CLIENT_CERT}

ensure_join_token() {
  local endpoint token dir why
  endpoint="$(sed -n 's/^ *apiServerEndpoint:[[:space:]]*//p' "$CONFIG_FILE" | head -n 1)"
  token="$(sed -n 's/^ *token:[[:space:]]*//p' "$CONFIG_FILE" | head -n 1)"
  if [ ! -f "$CA_KEY" ] || [ -z "$endpoint" ] || [ -z "$token" ]; then
    echo "bootstrap token not refreshed: $CA_KEY, or the endpoint or token of $CONFIG_FILE, is missing" >&2
    return 0
  fi
  dir="$(mktemp -d)"
  if why="$(mint_client_cert "$dir" "$CA_CERT" "$CA_KEY" "/O=kubeadm:cluster-admins/CN=pulumi-k8s-ha:join:$(hostname)")"; then
    cat > "$dir/kubeconfig" <<EOF
apiVersion: v1
kind: Config
clusters:
- name: cluster
  cluster:
    server: https://$endpoint
    certificate-authority: $CA_CERT
users:
- name: join
  user:
    client-certificate: $dir/client.crt
    client-key: $dir/client.key
contexts:
- name: join
  context:
    cluster: cluster
    user: join
current-context: join
EOF
    if refresh_bootstrap_token "$dir/kubeconfig" "$token" 2>"$dir/kubectl.log"; then
      echo "bootstrap token valid for ${BOOTSTRAP_TOKEN_TTL_HOURS} hours"
    else
      echo "bootstrap token not refreshed (kubeadm join tries it as it is): $(tail -n 1 "$dir/kubectl.log")" >&2
    fi
  else
    echo "bootstrap token not refreshed: no client certificate from $CA_CERT: $why" >&2
  fi
  rm -rf "$dir"
}`);

/**
 * Shell lines the join step runs after a failed `kubeadm join`: when kubeadm's discovery failed on the token (no JWS
 * signature for the token ID: the token expired or was deleted), say so and how to recover. `$log` is kubeadm's log.
 */
export const TOKEN_FAILURE_HINT = String.raw`if grep -qiE 'JWS signature|for token ID' "$log"; then
  echo "discovery failed on the bootstrap token (expired or deleted): bootstrap tokens expire ${BOOTSTRAP_TOKEN_TTL_HOURS} hours after they were last refreshed." >&2
  echo "This step refreshes it first with the cluster CA placed on this machine (see above whether that worked);" >&2
  echo "otherwise refresh it on the first control plane (kubeadm token create <token> --ttl 24h, the token being the program's" >&2
  echo "bootstrap token) and run pulumi up again." >&2
fi`;

/** Options of {@link bootstrapTokenRefreshScript}. */
export interface BootstrapTokenRefreshOptions extends BootstrapTokenPurpose {
  /** The step's description line. @default "refresh the bootstrap token for the next joins (token on stdin)" */
  stepDescription?: string;
}

/**
 * Makes the bootstrap token (read from standard input) valid for another 24 hours (`ttlHours`), with the admin
 * kubeconfig of the first control plane. For the control planes' token it runs before the joins whenever the set of
 * control planes changes; each join also refreshes the token itself (`ensure_join_token`), so a join retried days
 * later works without this step re-running. The workers' token ({@link workerTokenRefreshScript}) is the same step
 * with its own TTL and description.
 */
export function bootstrapTokenRefreshScript(options: BootstrapTokenRefreshOptions = {}): string {
  const { ttlHours } = tokenPurpose(options);
  return bashScript(
    options.stepDescription ?? "refresh the bootstrap token for the next joins (token on stdin)",
    { ADMIN_CONF: paths.adminKubeconfig },
    `
${refreshBootstrapTokenFunction(options)}

IFS= read -r token || true
refresh_bootstrap_token "$ADMIN_CONF" "$token" || { echo "no valid bootstrap token on standard input, or the API refused it" >&2; exit 1; }
echo "bootstrap token valid for ${ttlHours} hours"
`,
  );
}

/** Description `kubeadm token list` shows for the workers' token. */
export const WORKER_TOKEN_DESCRIPTION = "pulumi-k8s-ha worker joins";

/**
 * Places the workers' bootstrap token (read from standard input; distinct from the control planes' token) into the
 * cluster, valid `ttlHours` from now: groups `system:bootstrappers:kubeadm:default-node-token`, usages signing and
 * authentication, so `kubeadm join <endpoint> --token <token> --discovery-token-ca-cert-hash <hash>` works on a
 * worker. Runs on the first control plane at every update.
 */
export function workerTokenRefreshScript(ttlHours: number = BOOTSTRAP_TOKEN_TTL_HOURS): string {
  return bootstrapTokenRefreshScript({ ttlHours, description: WORKER_TOKEN_DESCRIPTION, stepDescription: "refresh the workers' bootstrap token (token on stdin)" });
}
