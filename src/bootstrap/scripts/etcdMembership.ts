import { etcdBackupPaths } from "./etcdSnapshot";
import { ANY_LISTENING, bashBraces, bashScript, ETCDCTL_AT, URL_ADDRESS } from "./shell";

/** Options of {@link etcdMembershipScript}. */
export interface EtcdMembershipOptions {
  /** Names of the members the cluster should have (the plan's). */
  desiredMembers: string[];
  /** Client URLs to talk to (the desired members'). */
  endpoints: string[];
  /**
   * Addresses of the planned machines: a started member whose peer URL is on none of them is removed too, even under
   * a planned name (the machine it ran on was replaced by one with another address); its name's Node, now the new
   * machine's, is kept. @default [] (members judged by name only)
   */
  plannedAddresses?: string[];
  /** CA bundle, client certificate and key etcdctl uses (paths on the machine running the step). */
  caFile: string;
  certFile: string;
  keyFile: string;
  /** Also delete the Kubernetes node of a removed member, with this kubeconfig (stacked etcd). @default none */
  kubeconfigFile?: string;
  /** Give up after this many seconds without an answer from etcd. */
  timeoutSeconds: number;
}

/**
 * Scale-down and replacement, done in the safe order: removes from etcd every started member that is no longer in
 * the plan, by name or (a replaced machine) by address (a snapshot first when scheduled snapshots are installed here,
 * leadership moved off the member), before the final gate checks the new member count and before Pulumi deletes the
 * machine (Pulumi runs deletes after creates and updates). Members without a name (added but never started) are the
 * joins' to remove (`remove_stale_peers`); the gate names any left. Refuses to remove so many that the desired members
 * healthy now would not keep a quorum. A no-op when every member is planned.
 */
export function etcdMembershipScript(options: EtcdMembershipOptions): string {
  for (const name of options.desiredMembers) {
    if (!/^[a-z0-9][a-z0-9.-]*$/.test(name)) throw new Error(`etcd membership: member name ${JSON.stringify(name)} is unusable`);
  }
  return bashScript(
    "remove etcd members that are no longer planned (scale-down), leadership moved off first",
    {
      DESIRED: options.desiredMembers.join(" "),
      ENDPOINTS: options.endpoints.join(","),
      PLANNED_ADDRESSES: (options.plannedAddresses ?? []).join(" "),
      CA_FILE: options.caFile,
      CERT_FILE: options.certFile,
      KEY_FILE: options.keyFile,
      KUBECONFIG_FILE: options.kubeconfigFile ?? "",
      TIMEOUT_SECONDS: options.timeoutSeconds,
      SNAPSHOT_SERVICE: etcdBackupPaths.serviceUnitName,
      SNAPSHOT_SERVICE_FILE: etcdBackupPaths.serviceUnitFile,
    },
    MEMBERSHIP_BODY,
  );
}

const MEMBERSHIP_BODY = bashBraces(String.raw`
${ETCDCTL_AT}
${ANY_LISTENING}
${URL_ADDRESS}
deadline=$((SECONDS + TIMEOUT_SECONDS))
# On first bring-up this starts beside the members' start steps: poll briefly until the cluster answers.
until any_listening "$ENDPOINTS" && list="$(etcdctl_at "$ENDPOINTS" --command-timeout=1s member list -w simple 2>/dev/null)"; do
  if [ "$SECONDS" -ge "$deadline" ]; then
    echo "etcd did not answer 'member list' within $TIMEOUT_SECONDS seconds" >&2
    exit 1
  fi
  sleep 0.2
done

is_desired() { case " $DESIRED " in *" $1 "*) return 0 ;; *) return 1 ;; esac; }
# Whether a member's peer URL is on a planned machine (always, when the addresses are not given).
on_planned_machine() {
  [ -z "$PLANNED_ADDRESSES" ] && return 0
  case " $PLANNED_ADDRESSES " in *" $(url_address "$1") "*) return 0 ;; *) return 1 ;; esac
}
removals=()
while IFS= read -r line; do
  name="$(printf '%s' "$line" | awk -F', ' '{print $3}')"
  peer="$(printf '%s' "$line" | awk -F', ' '{print $4}')"
  if [ -n "$name" ] && { ! is_desired "$name" || ! on_planned_machine "$peer"; }; then removals+=("$line"); fi
done <<< "$list"
if [ "@{#removals[@]}" -eq 0 ]; then
  echo "etcd membership matches the plan ($(printf '%s\n' "$list" | grep -c .) member(s))"
  exit 0
fi

desired_count="$(printf '%s\n' $DESIRED | grep -c .)"
healthy_desired=0
while IFS= read -r line; do
  name="$(printf '%s' "$line" | awk -F', ' '{print $3}')"
  client="$(printf '%s' "$line" | awk -F', ' '{print $5}')"
  peer="$(printf '%s' "$line" | awk -F', ' '{print $4}')"
  if is_desired "$name" && on_planned_machine "$peer" && [ -n "$client" ] && etcdctl_at "$client" endpoint health >/dev/null 2>&1; then
    healthy_desired=$((healthy_desired + 1))
  fi
done <<< "$list"
if [ "$healthy_desired" -lt $((desired_count / 2 + 1)) ]; then
  echo "refusing to remove members: only $healthy_desired of the $desired_count planned member(s) are healthy, below a quorum" >&2
  exit 1
fi

# A snapshot first, when scheduled snapshots are installed on this machine (etcdBackup): a membership change is
# the moment a mistake costs the most.
if [ -f "$SNAPSHOT_SERVICE_FILE" ]; then
  systemctl start "$SNAPSHOT_SERVICE" || { echo "the etcd snapshot before removing members failed (journalctl -u $SNAPSHOT_SERVICE); nothing removed" >&2; exit 1; }
  echo "etcd snapshot taken before the membership change"
fi

for line in "@{removals[@]}"; do
  id="$(printf '%s' "$line" | awk -F', ' '{print $1}')"
  name="$(printf '%s' "$line" | awk -F', ' '{print $3}')"
  client="$(printf '%s' "$line" | awk -F', ' '{print $5}')"
  # Leader when the member's own ID is the leader it reports (fields, not the table: its columns differ
  # between etcdctl releases; 3.6 added some before "is leader").
  fields="$(etcdctl_at "$client" endpoint status -w fields 2>/dev/null || true)"
  own_id="$(printf '%s\n' "$fields" | sed -n 's/^"MemberID" : //p')"
  if [ -n "$own_id" ] && [ "$own_id" = "$(printf '%s\n' "$fields" | sed -n 's/^"Leader" : //p')" ]; then
    target="$(printf '%s\n' "$list" | while IFS= read -r other; do
      if is_desired "$(printf '%s' "$other" | awk -F', ' '{print $3}')" && on_planned_machine "$(printf '%s' "$other" | awk -F', ' '{print $4}')"; then
        printf '%s' "$other" | awk -F', ' '{print $1}'
        break
      fi
    done)"
    etcdctl_at "$client" --command-timeout=10s move-leader "$target" >/dev/null
    echo "moved leadership from $name to $target"
  fi
  until etcdctl_at "$ENDPOINTS" --command-timeout=5s member remove "$id" >/dev/null 2>&1; do
    if [ "$SECONDS" -ge "$deadline" ]; then
      echo "etcd refused to remove $name ($id) within $TIMEOUT_SECONDS seconds" >&2
      exit 1
    fi
    sleep 1
  done
  if is_desired "$name"; then
    echo "removed etcd member $name ($id) of a replaced machine ($(printf '%s' "$line" | awk -F', ' '{print $4}')); Node $name is the new machine's"
    continue
  fi
  echo "removed etcd member $name ($id)"
  if [ -n "$KUBECONFIG_FILE" ]; then
    kubectl --kubeconfig "$KUBECONFIG_FILE" delete node "$name" --ignore-not-found >/dev/null
    echo "deleted node $name"
  fi
done
`);
