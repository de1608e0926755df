import { bashBraces, bashScript, ETCDCTL_AT } from "./shell";

/** One etcd member the gate expects. */
export interface GateMember {
  /** Member name (the plan's node name). */
  name: string;
  /** Client URL, `https://<address>:2379`. */
  endpoint: string;
}

/** Options of {@link quorumGateScript}. */
export interface QuorumGateOptions {
  /** Every member expected at this point of the bootstrap. The gate checks each by its own endpoint. */
  members: GateMember[];
  /**
   * Require etcd to have exactly `members` (the final gate). With `false` (a gate between joins) etcd may have
   * more members than these, e.g. when the gates re-run in a cluster that has since grown. @default true
   */
  exactMemberCount?: boolean;
  /** Members that must answer healthy: all of them during bootstrap; the quorum size for a "still writable" check. */
  minHealthy: number;
  /** CA bundle, client certificate and key etcdctl uses (paths on the machine running the gate). */
  caFile: string;
  certFile: string;
  keyFile: string;
  /** Give up after this many seconds of failing attempts. */
  timeoutSeconds: number;
  /** Pause between attempts, in seconds. */
  intervalSeconds: number;
  /** `https://<lb>:<port>/readyz` to check through the load balancer; `""` skips the check. @default "" */
  readyzUrl?: string;
  /** CA the `/readyz` check trusts. @default "/etc/kubernetes/pki/ca.crt" */
  readyzCaFile?: string;
  /** Control-plane nodes that must be Ready (via the admin kubeconfig); 0 skips the check. @default 0 */
  expectedReadyNodes?: number;
  /**
   * Nodes whose kubelet must report `kubeletVersion` (the nodes an upgrade has reached so far); they must be
   * registered too. @default [] (versions observed, not required)
   */
  nodesAtVersion?: string[];
  /** The version `nodesAtVersion` must report, with its `v` (`v1.34.2`). Required with `nodesAtVersion`. @default "" */
  kubeletVersion?: string;
  /** Kubeconfig for the node check and the leader Leases. @default "/etc/kubernetes/admin.conf" */
  kubeconfigFile?: string;
  /**
   * Report who holds the kube-controller-manager and kube-scheduler leader-election Leases (`leaders` in the
   * observation). Observed only, never required. @default true when the gate talks to the API (`readyzUrl` set or
   * `expectedReadyNodes` > 0)
   */
  observeLeaseHolders?: boolean;
  /**
   * Kubernetes node name per machine host name. Lease holders are named `<hostname>_<uuid>` (kube-controller-manager
   * and kube-scheduler use the host name), so the gate reports the node name of a holder found here, and the host
   * name as it is otherwise. @default {} (host names reported as they are)
   */
  nodeNamesByHostname?: Record<string, string>;
}

/**
 * Bash function `lease_holders`: who holds the leader-election Leases of kube-controller-manager and
 * kube-scheduler (namespace kube-system), as `{"kubeControllerManager": "<node>" | null, "kubeScheduler": ...}`.
 * A Lease's `holderIdentity` is `<hostname>_<uuid>`, mapped to the node name through `$NODE_NAMES_BY_HOSTNAME`
 * (JSON; a host name not in it is reported as it is); a Lease that is missing, released (no holder) or expired
 * (`renewTime` + `leaseDurationSeconds` before now, by this host's clock) has no holder. Prints `null` when the API
 * does not answer: leadership is observed, never required.
 */
export const LEASE_HOLDERS = String.raw`lease_holders() {
  local leases
  if ! leases="$(kubectl --kubeconfig "$KUBECONFIG_FILE" --request-timeout=5s -n kube-system get leases -o json 2>/dev/null)"; then
    echo null
    return 0
  fi
  printf '%s' "$leases" | jq -c --argjson now "$(date +%s)" --argjson names "$NODE_NAMES_BY_HOSTNAME" '
    def holder($lease):
      [.items[]? | select(.metadata.namespace == "kube-system" and .metadata.name == $lease) | .spec
        | select((.holderIdentity // "") != "")
        | select(((.renewTime // "" | sub("\\.[0-9]+"; "") | try fromdateiso8601 catch 0) + (.leaseDurationSeconds // 0)) > $now)
        | .holderIdentity | sub("_[^_]*$"; "") | ($names[.] // .)]
      | first;
    {kubeControllerManager: holder("kube-controller-manager"), kubeScheduler: holder("kube-scheduler")}' 2>/dev/null || echo null
}`;

/**
 * The quorum gate: retries, never past its bound (an attempt that would end after it is not started), until
 * the etcd cluster has exactly the expected members, no learner, no alarm, one cluster ID and one leader, at
 * least `minHealthy` healthy members, and (when asked) `/readyz` answers `ok` through the load balancer and enough
 * control-plane nodes are Ready.
 * Prints its observation as one JSON object on stdout (a `GateObservation`, with `leaders`: the etcd leader and,
 * when it talks to the API, the holders of the kube-controller-manager and kube-scheduler Leases, which never
 * decide the verdict); on failure also lists each problem, naming the member, on stderr and exits 1.
 */
export function quorumGateScript(options: QuorumGateOptions): string {
  if (options.members.length === 0) {
    throw new Error("quorum gate needs at least one member");
  }
  for (const member of options.members) {
    if (!/^[a-z0-9][a-z0-9.-]*$/.test(member.name) || /[\s=]/.test(member.endpoint)) {
      throw new Error(`quorum gate member ${JSON.stringify(member)} has an unusable name or endpoint`);
    }
  }
  const nodesAtVersion = options.nodesAtVersion ?? [];
  if (nodesAtVersion.length > 0 && !/^v\d+\.\d+\.\d+$/.test(options.kubeletVersion ?? "")) {
    throw new Error(`quorum gate: nodesAtVersion needs kubeletVersion like v1.34.2, got ${JSON.stringify(options.kubeletVersion)}`);
  }
  return bashScript(
    "quorum gate: etcd membership, health, leader and API readiness, with bounded retries",
    {
      MEMBERS: options.members.map((m) => `${m.name}=${m.endpoint}`).join(" "),
      EXPECTED_MEMBERS: options.members.length,
      EXACT_MEMBER_COUNT: options.exactMemberCount ?? true,
      MIN_HEALTHY: options.minHealthy,
      CA_FILE: options.caFile,
      CERT_FILE: options.certFile,
      KEY_FILE: options.keyFile,
      TIMEOUT_SECONDS: options.timeoutSeconds,
      INTERVAL_SECONDS: options.intervalSeconds,
      READYZ_URL: options.readyzUrl ?? "",
      READYZ_CA_FILE: options.readyzCaFile ?? "/etc/kubernetes/pki/ca.crt",
      EXPECTED_READY_NODES: options.expectedReadyNodes ?? 0,
      NODES_AT_VERSION: nodesAtVersion.join(" "),
      KUBELET_VERSION: options.kubeletVersion ?? "",
      KUBECONFIG_FILE: options.kubeconfigFile ?? "/etc/kubernetes/admin.conf",
      NODE_NAMES_BY_HOSTNAME: JSON.stringify(options.nodeNamesByHostname ?? {}),
      OBSERVE_LEASE_HOLDERS: options.observeLeaseHolders ?? ((options.readyzUrl ?? "") !== "" || (options.expectedReadyNodes ?? 0) > 0),
    },
    GATE_BODY,
  );
}

const GATE_BODY = bashBraces(String.raw`
${ETCDCTL_AT}

${LEASE_HOLDERS}

last_line() { printf '%s\n' "$1" | grep -v '^{' | tail -n 1; }

probes="$(mktemp -d)"
trap 'rm -rf "$probes"' EXIT

# Health and status of one member, each in the background, into $probes/<name>.*: every member is probed at
# once, so an attempt takes one etcdctl timeout however many members are down.
probe_member() {
  local name="$1" endpoint="$2" out
  {
    if out="$(etcdctl_at "$endpoint" endpoint health 2>&1)"; then
      : > "$probes/$name.healthy"
    else
      last_line "$out" > "$probes/$name.error"
    fi
  } &
  { etcdctl_at "$endpoint" endpoint status -w fields > "$probes/$name.status" 2>/dev/null || rm -f "$probes/$name.status"; } &
  wait
}

check_once() {
  problems=()
  members_json=""
  healthy=0
  cluster_ids=""
  leader_ids=""
  member_list=""
  alarms=""
  rm -f "$probes"/*
  for pair in $MEMBERS; do
    probe_member "@{pair%%=*}" "@{pair#*=}" &
  done
  wait
  for pair in $MEMBERS; do
    name="@{pair%%=*}"
    endpoint="@{pair#*=}"
    if [ -z "$member_list" ] && [ -f "$probes/$name.status" ]; then
      member_list="$(etcdctl_at "$endpoint" member list -w simple 2>/dev/null || true)"
      alarms="$(etcdctl_at "$endpoint" alarm list 2>/dev/null || true)"
    fi
  done
  for pair in $MEMBERS; do
    name="@{pair%%=*}"
    endpoint="@{pair#*=}"
    is_healthy=false
    is_leader=false
    error=""
    if [ -f "$probes/$name.healthy" ]; then
      is_healthy=true
      healthy=$((healthy + 1))
    else
      error="$(cat "$probes/$name.error" 2>/dev/null || echo "no answer")"
      problems+=("member $name ($endpoint) is unhealthy: $error")
    fi
    if [ -f "$probes/$name.status" ]; then
      fields="$(cat "$probes/$name.status")"
      member_id="$(printf '%s\n' "$fields" | sed -n 's/^"MemberID" : //p')"
      leader_id="$(printf '%s\n' "$fields" | sed -n 's/^"Leader" : //p')"
      cluster_ids+="$(printf '%s\n' "$fields" | sed -n 's/^"ClusterID" : //p')"$'\n'
      if [ -n "$leader_id" ] && [ "$leader_id" != "0" ]; then leader_ids+="$leader_id"$'\n'; fi
      [ "$member_id" = "$leader_id" ] && is_leader=true
    fi
    line="$(printf '%s\n' "$member_list" | grep -F ", $endpoint," | head -n 1 || true)"
    hex_id="$(printf '%s' "$line" | cut -d, -f1)"
    is_learner=false
    case "$line" in *", true") is_learner=true ;; esac
    members_json+="$(jq -nc --arg name "$name" --arg id "$hex_id" --arg endpoint "$endpoint" \
      --argjson healthy "$is_healthy" --argjson learner "$is_learner" --argjson leader "$is_leader" --arg error "$error" \
      '{name: $name, id: $id, endpoint: $endpoint, healthy: $healthy, isLearner: $learner, isLeader: $leader}
       + (if $error == "" then {} else {error: $error} end)')"$'\n'
  done

  member_count=0
  learners=""
  if [ -n "$member_list" ]; then
    member_count="$(printf '%s\n' "$member_list" | grep -c . || true)"
    learners="$(printf '%s\n' "$member_list" | awk -F', ' '$NF == "true" {print ($3 != "" ? $3 : "unstarted:" $1)}' | paste -sd ' ')"
  fi
  distinct_clusters="$(printf '%s' "$cluster_ids" | sort -u | grep -c . || true)"
  distinct_leaders="$(printf '%s' "$leader_ids" | sort -u | grep -c . || true)"

  if [ -z "$member_list" ]; then
    problems+=("no member answered 'member list'")
  elif [ "$member_count" -lt "$EXPECTED_MEMBERS" ] || { [ "$EXACT_MEMBER_COUNT" = true ] && [ "$member_count" -ne "$EXPECTED_MEMBERS" ]; }; then
    names="$(printf '%s\n' "$member_list" | awk -F', ' '{print ($3 != "" ? $3 : "unstarted:" $1)}' | paste -sd ' ')"
    expected="$EXPECTED_MEMBERS"
    [ "$EXACT_MEMBER_COUNT" = true ] || expected="at least $EXPECTED_MEMBERS"
    problems+=("etcd has $member_count member(s) ($names), expected $expected")
  fi
  [ -z "$learners" ] || problems+=("learner(s) not yet promoted: $learners")
  [ -z "$alarms" ] || problems+=("alarm(s) active: $(printf '%s' "$alarms" | tr '\n' ' ')")
  [ "$distinct_clusters" -le 1 ] || problems+=("members report $distinct_clusters different cluster IDs (split cluster)")
  [ "$distinct_leaders" -eq 1 ] || problems+=("members report $distinct_leaders leaders, expected exactly one")

  readyz=""
  if [ -n "$READYZ_URL" ]; then
    readyz="$(curl -sS --max-time 5 --cacert "$READYZ_CA_FILE" "$READYZ_URL" 2>&1 || true)"
    [ "$readyz" = "ok" ] || problems+=("API server not ready through $READYZ_URL: $(last_line "$readyz")")
  fi
  nodes_json="null"
  if [ "$EXPECTED_READY_NODES" -gt 0 ] || [ -n "$NODES_AT_VERSION" ]; then
    node_lines="$(kubectl --kubeconfig "$KUBECONFIG_FILE" get nodes -l node-role.kubernetes.io/control-plane \
      -o 'jsonpath={range .items[*]}{.metadata.name}={.status.conditions[?(@.type=="Ready")].status}={.status.nodeInfo.kubeletVersion}{"\n"}{end}' 2>/dev/null || true)"
    nodes_json="$(printf '%s\n' "$node_lines" | grep -F '=' | jq -Rsc 'split("\n") | map(select(length > 0) | split("=") | {name: .[0], ready: (.[1] == "True"), kubeletVersion: .[2]})')"
    ready_nodes="$(printf '%s' "$nodes_json" | jq '[.[] | select(.ready)] | length')"
    [ "$ready_nodes" -ge "$EXPECTED_READY_NODES" ] || problems+=("$ready_nodes of $EXPECTED_READY_NODES control-plane node(s) Ready")
    for node in $NODES_AT_VERSION; do
      version="$(printf '%s' "$nodes_json" | jq -r --arg name "$node" '[.[] | select(.name == $name) | .kubeletVersion] | first // "not registered"')"
      [ "$version" = "$KUBELET_VERSION" ] || problems+=("node $node runs kubelet $version, expected $KUBELET_VERSION")
    done
  fi

  # Who leads, for the operator; never part of the verdict. etcd: the one checked member that calls itself leader.
  etcd_leader="$(printf '%s' "$members_json" | jq -sc '[.[] | select(.isLeader) | .name] | if length == 1 then .[0] else null end')"
  lease_leaders="null"
  if [ "$OBSERVE_LEASE_HOLDERS" = true ] && { [ -z "$READYZ_URL" ] || [ "$readyz" = "ok" ]; }; then
    lease_leaders="$(lease_holders)"
  fi

  # Quorum lost is a failure; fewer healthy than required but quorum kept is a failure only if required.
  if [ "$healthy" -lt "$MIN_HEALTHY" ]; then
    ok=false
  else
    ok=true
    for problem in "@{problems[@]}"; do
      case "$problem" in "member "*" is unhealthy: "*) ;; *) ok=false ;; esac
    done
  fi
  degraded=false
  if [ "$healthy" -lt "$EXPECTED_MEMBERS" ] && [ "$healthy" -ge $((EXPECTED_MEMBERS / 2 + 1)) ]; then degraded=true; fi

  observation="$(jq -nc \
    --argjson ok "$ok" --argjson degraded "$degraded" --argjson expected "$EXPECTED_MEMBERS" \
    --argjson healthy "$healthy" --argjson attempts "$attempt" \
    --argjson members "$(printf '%s' "$members_json" | jq -sc .)" \
    --argjson clusters "$(printf '%s' "$cluster_ids" | jq -Rsc 'split("\n") | map(select(length > 0)) | unique')" \
    --argjson leaders "$(printf '%s' "$leader_ids" | jq -Rsc 'split("\n") | map(select(length > 0)) | unique')" \
    --argjson alarms "$(printf '%s' "$alarms" | jq -Rsc 'split("\n") | map(select(length > 0))')" \
    --argjson problems "$(printf '%s\n' "@{problems[@]}" | jq -Rsc 'split("\n") | map(select(length > 0))')" \
    --arg readyz "$readyz" --argjson nodes "$nodes_json" \
    --argjson etcdLeader "$etcd_leader" --argjson leaseLeaders "$lease_leaders" \
    '{ok: $ok, degraded: $degraded, expectedMembers: $expected, members: $members, healthyMembers: $healthy,
      clusterIds: $clusters, leaderIds: $leaders, alarms: $alarms, problems: $problems, attempts: $attempts}
     + (if $readyz == "" then {} else {apiServerReadyz: $readyz} end)
     + (if $nodes == null then {} else {nodes: $nodes} end)
     + {leaders: ({etcd: $etcdLeader} + ($leaseLeaders // {}))}')"
  [ "$ok" = true ]
}

deadline=$((SECONDS + TIMEOUT_SECONDS))
attempt=0
while true; do
  attempt=$((attempt + 1))
  attempt_started=$SECONDS
  if check_once; then
    printf '%s\n' "$observation"
    exit 0
  fi
  # Never start an attempt that would end past the bound (it takes about as long as the last one did).
  if [ $((SECONDS + INTERVAL_SECONDS + SECONDS - attempt_started)) -gt "$deadline" ]; then
    printf '%s\n' "$observation"
    echo "quorum gate failed after $attempt attempt(s) in $TIMEOUT_SECONDS seconds:" >&2
    printf '  - %s\n' "@{problems[@]}" >&2
    exit 1
  fi
  sleep "$INTERVAL_SECONDS"
done
`);
