import { paths } from "../paths";
import { bashBraces, URL_ADDRESS } from "./shell";

/**
 * Bash function `mint_client_cert DIR CA_CERT CA_KEY SUBJECT`: a client certificate signed by the given CA, valid one
 * day, as DIR/client.crt with its key DIR/client.key (DIR root-only; the caller deletes it). A control plane holds
 * the cluster and etcd CAs the program placed for kubeadm, so before it has joined it can still speak to the API and
 * to etcd as an administrator. Prints openssl's last line and returns 1 on failure.
 */
export const MINT_CLIENT_CERT = bashBraces(String.raw`mint_client_cert() {
  local dir="$1" ca_cert="$2" ca_key="$3" subject="$4"
  chmod 700 "$dir"
  if openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout "$dir/client.key" \
      -subj "$subject" -out "$dir/client.csr" 2>"$dir/openssl.log" &&
    openssl x509 -req -in "$dir/client.csr" -CA "$ca_cert" -CAkey "$ca_key" -set_serial "0x$(openssl rand -hex 16)" -days 1 \
      -extfile <(printf 'keyUsage=critical,digitalSignature\nextendedKeyUsage=clientAuth\n') -out "$dir/client.crt" 2>>"$dir/openssl.log"; then
    return 0
  fi
  tail -n 1 "$dir/openssl.log"
  return 1
}`);

/**
 * Parameters {@link REMOVE_STALE_PEERS} reads (besides `CONFIG_FILE`, `CA_CERT`, `CA_KEY` and `node_name`); a
 * non-empty `preJoinSnapshotDirectory` takes an etcd snapshot there once the members answered, before the join.
 */
export function staleMemberParameters(plannedAddresses: string[], preJoinSnapshotDirectory = ""): Record<string, string> {
  return {
    PLANNED_ADDRESSES: plannedAddresses.join(" "),
    PRE_JOIN_SNAPSHOT_DIR: preJoinSnapshotDirectory,
    ETCD_CA_CERT: `${paths.kubernetesPki}/etcd/ca.crt`,
    HYGIENE_ETCD_CA_KEY: `${paths.kubernetesPki}/etcd/ca.key`,
  };
}

/**
 * Bash function `remove_stale_peers`, run by a control plane before it joins: what a machine that is gone left
 * behind and would block the join is removed, and only that.
 * - Stacked etcd (the etcd CA key is placed here): every etcd member whose peer URL belongs to no planned machine
 *   (`PLANNED_ADDRESSES`) and that either never started (a learner an interrupted join left) or does not answer (the
 *   machine this one replaces, powered off for good) is removed, asking the planned members. kubeadm's join checks
 *   every member's health first and would fail on it; and an unstarted learner blocks every later gate. An unplanned
 *   member that answers is left to the membership step (scale-down, leadership moved off first). A planned machine's
 *   member is never touched here, joining or not.
 * - The Node of this name, when its address belongs to no planned machine (the replaced machine's): deleted, since
 *   kubeadm join refuses a Node of the same name that still looks Ready (for up to the node monitor's grace period
 *   after the old machine died).
 * Answers through the load-balanced endpoint of the placed JoinConfiguration, with client certificates it signs
 * with the placed CAs (`mint_client_cert`). Anything it cannot reach is reported and left to the join to judge.
 */
export const REMOVE_STALE_PEERS = bashBraces(String.raw`${URL_ADDRESS}

# snapshot_before_join DIR CLIENT_URLS: an etcd snapshot from the first member that answers, kept on this machine
# (a membership change is a moment to have one); fails, naming the last error, when no member gave one.
snapshot_before_join() {
  local dir="$1" endpoint file
  install -d -m 0700 "$PRE_JOIN_SNAPSHOT_DIR"
  for endpoint in @{2//,/ }; do
    file="$PRE_JOIN_SNAPSHOT_DIR/pre-join-$node_name-$(date -u +%Y%m%dT%H%M%SZ).db"
    if ${paths.etcdctlBinary} --endpoints="$endpoint" --cacert="$ETCD_CA_CERT" --cert="$dir/client.crt" --key="$dir/client.key" \
        --dial-timeout=2s --command-timeout=120s snapshot save "$file" >/dev/null 2>"$dir/snapshot.log"; then
      chmod 600 "$file"
      echo "etcd snapshot taken before $node_name joins: $file ($(stat -c %s "$file") bytes, from $endpoint)"
      return 0
    fi
    rm -f "$file" "$file.part"
  done
  echo "no etcd snapshot could be taken before $node_name joins ($(tail -n 1 "$dir/snapshot.log")): not joining; make the members answer and run pulumi up again" >&2
  return 1
}

remove_stale_peers() {
  local dir endpoint planned_clients list id status name peer client host seen
  dir="$(mktemp -d)"
  planned_clients="$(for host in $PLANNED_ADDRESSES; do [ "$host" = "$advertise_address" ] || printf 'https://%s:2379,' "$(url_host "$host")"; done)"
  planned_clients="@{planned_clients%,}"
  if [ -f "$HYGIENE_ETCD_CA_KEY" ] && [ -n "$planned_clients" ]; then
    if ! mint_client_cert "$dir" "$ETCD_CA_CERT" "$HYGIENE_ETCD_CA_KEY" "/CN=pulumi-k8s-ha:join-hygiene:$node_name" >/dev/null; then
      echo "etcd members not checked before the join: no etcd client certificate could be made"
    elif ! list="$(${paths.etcdctlBinary} --endpoints="$planned_clients" --cacert="$ETCD_CA_CERT" --cert="$dir/client.crt" --key="$dir/client.key" \
        --dial-timeout=2s --command-timeout=5s member list -w simple 2>&1)"; then
      echo "etcd members not checked before the join: the planned members did not answer ($(printf '%s\n' "$list" | tail -n 1))"
    else
      [ -z "$PRE_JOIN_SNAPSHOT_DIR" ] || snapshot_before_join "$dir" "$planned_clients" || { rm -rf "$dir"; exit 1; }
      while IFS='|' read -r id status name peer client; do
        [ -n "$id" ] || continue
        case " $PLANNED_ADDRESSES " in *" $(url_address "$peer") "*) continue ;; esac
        if [ "$status" = started ] && [ -n "$client" ] &&
          ${paths.etcdctlBinary} --endpoints="$client" --cacert="$ETCD_CA_CERT" --cert="$dir/client.crt" --key="$dir/client.key" \
            --dial-timeout=2s --command-timeout=3s endpoint health >/dev/null 2>&1; then
          echo "etcd member @{name:-$id} ($peer) is no planned machine's but answers: left to the membership step"
          continue
        fi
        if ${paths.etcdctlBinary} --endpoints="$planned_clients" --cacert="$ETCD_CA_CERT" --cert="$dir/client.crt" --key="$dir/client.key" \
            --dial-timeout=2s --command-timeout=10s member remove "$id" >/dev/null 2>"$dir/remove.log"; then
          echo "removed etcd member @{name:-$id} ($peer, $status): it belongs to no planned machine and $([ "$status" = unstarted ] && echo "never started" || echo "does not answer")"
        else
          echo "could not remove stale etcd member @{name:-$id} ($peer): $(tail -n 1 "$dir/remove.log")"
        fi
      done < <(printf '%s\n' "$list" | awk -F', ' -v OFS='|' 'NF >= 5 {print $1, $2, $3, $4, $5}')
    fi
  fi
  endpoint="$(sed -n 's/^ *apiServerEndpoint:[[:space:]]*//p' "$CONFIG_FILE" | head -n 1)"
  if [ -n "$PLANNED_ADDRESSES" ] && [ -f "$CA_KEY" ] && [ -n "$endpoint" ] &&
    mint_client_cert "$dir" "$CA_CERT" "$CA_KEY" "/O=kubeadm:cluster-admins/CN=pulumi-k8s-ha:join-hygiene:$node_name" >/dev/null; then
    local kube=(kubectl --server "https://$endpoint" --certificate-authority "$CA_CERT" --client-certificate "$dir/client.crt" --client-key "$dir/client.key" --request-timeout=10s)
    seen="$("@{kube[@]}" get node "$node_name" --ignore-not-found -o 'jsonpath={.metadata.name} {.status.addresses[?(@.type=="InternalIP")].address}' 2>/dev/null || true)"
    seen="@{seen#* }"
    if [ -n "$seen" ] && [ "$seen" != "$advertise_address" ]; then
      case " $PLANNED_ADDRESSES " in
        *" $seen "*) ;;
        *)
          if "@{kube[@]}" delete node "$node_name" --wait=false >/dev/null 2>&1; then
            echo "deleted Node $node_name of the replaced machine $seen"
          fi
          ;;
      esac
    fi
  fi
  rm -rf "$dir"
}`);
