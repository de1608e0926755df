import { aptFunctions } from "../apt";
import { paths } from "../paths";
import { bashBraces, bashScript, ETCDCTL_AT } from "./shell";

/** Where the snapshot program, its units and the upload configuration live on every etcd voter. */
export const etcdBackupPaths = {
  /** The program the timer runs (parameters in its header). */
  program: "/usr/local/sbin/pulumi-k8s-ha-etcd-snapshot",
  serviceUnitName: "pulumi-k8s-ha-etcd-snapshot.service",
  timerUnitName: "pulumi-k8s-ha-etcd-snapshot.timer",
  serviceUnitFile: "/etc/systemd/system/pulumi-k8s-ha-etcd-snapshot.service",
  timerUnitFile: "/etc/systemd/system/pulumi-k8s-ha-etcd-snapshot.timer",
  /** rclone's configuration (root-only; it holds the remote's credentials). */
  rcloneConfig: "/etc/pulumi-k8s-ha/rclone.conf",
  /** Default directory of the local snapshots. */
  defaultDirectory: "/var/lib/pulumi-k8s-ha/etcd-snapshots",
} as const;

/** Options of {@link etcdSnapshotProgram}. */
export interface EtcdSnapshotProgramOptions {
  /** Cluster name: the first part of every snapshot's name. */
  clusterName: string;
  /** This voter's member name (the node name with stacked etcd). */
  memberName: string;
  /** This member's client URL, `https://<address>:2379`. */
  endpoint: string;
  /** CA bundle, client certificate and key etcdctl uses on this machine. */
  caFile: string;
  certFile: string;
  keyFile: string;
  /** Directory of the local snapshots (absolute). */
  directory: string;
  /** Snapshots kept in `directory`; older ones are deleted after each successful snapshot. */
  retainCount: number;
  /** rclone destination `remote:path` to upload to; `""` uploads nothing. */
  rcloneRemote: string;
  /** Bound on the whole `etcdctl snapshot save`, in seconds. */
  saveTimeoutSeconds: number;
}

const NAME = /^[a-z0-9]([a-z0-9.-]*[a-z0-9])?$/;
const PLAIN_PATH = /^\/[A-Za-z0-9._/-]*[A-Za-z0-9._-]$/;

/**
 * The program the snapshot timer runs on one etcd voter: `etcdctl snapshot save` from this member into a temporary
 * file, then verification before it counts (`etcdutl snapshot status` for revision, key count and etcd's hash, and
 * the sha256 of the file), a metadata file `<name>.json` beside `<name>.db` (time, revision, hashes, sizes, etcd
 * versions, member, whether this member led), retention (the newest `retainCount` kept), and, with an rclone
 * remote, the upload of both files from the member that is raft leader at that moment only: every voter keeps its
 * own local copies, one copy per slot goes upstream. Prints the metadata as its last line. Exits non-zero when the
 * snapshot or its verification fails (systemd then marks the unit failed); an upload failure also fails the run
 * after the local snapshot is kept.
 */
export function etcdSnapshotProgram(options: EtcdSnapshotProgramOptions): string {
  if (!NAME.test(options.clusterName) || !NAME.test(options.memberName)) {
    throw new Error(`etcd snapshot: cluster and member names must be DNS labels, got ${JSON.stringify([options.clusterName, options.memberName])}`);
  }
  if (!PLAIN_PATH.test(options.directory)) throw new Error(`etcd snapshot: directory must be an absolute plain path, got ${JSON.stringify(options.directory)}`);
  if (!Number.isInteger(options.retainCount) || options.retainCount < 1) throw new Error(`etcd snapshot: retainCount must be a positive integer, got ${options.retainCount}`);
  return bashScript(
    "etcd snapshot of this member: save, verify, describe, keep a bounded number, upload from the leader",
    {
      CLUSTER: options.clusterName,
      MEMBER: options.memberName,
      ENDPOINT: options.endpoint,
      CA_FILE: options.caFile,
      CERT_FILE: options.certFile,
      KEY_FILE: options.keyFile,
      SNAPSHOT_DIR: options.directory,
      RETAIN: options.retainCount,
      RCLONE_REMOTE: options.rcloneRemote,
      RCLONE_CONFIG: etcdBackupPaths.rcloneConfig,
      SAVE_TIMEOUT_SECONDS: options.saveTimeoutSeconds,
      ETCDUTL: paths.etcdutlBinary,
    },
    SNAPSHOT_BODY,
  );
}

const SNAPSHOT_BODY = bashBraces(String.raw`
${ETCDCTL_AT}
umask 077
mkdir -p "$SNAPSHOT_DIR"
chmod 0700 "$SNAPSHOT_DIR"
# One run at a time (a slow upload must not overlap the next slot).
exec 9>"$SNAPSHOT_DIR/.lock"
if ! flock -n 9; then
  echo "another snapshot of $MEMBER is running; skipped" >&2
  exit 0
fi

field() { printf '%s\n' "$1" | sed -n "s/^\"$2\" : //p" | tr -d '"' | head -n 1; }
status="$(etcdctl_at "$ENDPOINT" endpoint status -w fields)"
member_id="$(field "$status" MemberID)"
leader_id="$(field "$status" Leader)"
etcd_version="$(field "$status" Version)"
is_leader=false
[ -n "$member_id" ] && [ "$member_id" = "$leader_id" ] && is_leader=true

stamp="$(date -u +%Y%m%dT%H%M%SZ)"
name="$CLUSTER-$MEMBER-$stamp"
partial="$SNAPSHOT_DIR/.$name.db.part"
trap 'rm -f "$partial" "$partial.status" "$SNAPSHOT_DIR/.$name.json.part"' EXIT
started=$SECONDS
etcdctl_at "$ENDPOINT" --command-timeout="@{SAVE_TIMEOUT_SECONDS}s" snapshot save "$partial" >/dev/null
save_seconds=$((SECONDS - started))
# etcdutl reads the bolt database (revision, keys, etcd's own hash); the sha256 pins the file for the restore.
"$ETCDUTL" snapshot status "$partial" -w json > "$partial.status"
revision="$(jq -r '.revision' "$partial.status")"
case "$revision" in ''|*[!0-9]*|0) echo "snapshot $name: etcdutl reports no revision" >&2; exit 1 ;; esac
sha256="$(sha256sum "$partial" | cut -d' ' -f1)"
size="$(stat -c %s "$partial")"
mv -f "$partial" "$SNAPSHOT_DIR/$name.db"
jq -c --arg name "$name" --arg cluster "$CLUSTER" --arg member "$MEMBER" --arg memberId "$member_id" \
  --arg time "$(date -u +%Y-%m-%dT%H:%M:%SZ)" --arg sha256 "$sha256" --argjson size "$size" \
  --arg etcdVersion "$etcd_version" --argjson leader "$is_leader" --argjson saveSeconds "$save_seconds" \
  '{name: $name, file: ($name + ".db"), cluster: $cluster, member: $member, memberId: $memberId, time: $time,
    revision: .revision, totalKeys: .totalKey, etcdHash: .hash, sha256: $sha256, sizeBytes: $size,
    etcdVersion: $etcdVersion, storageVersion: .version, leader: $leader, saveSeconds: $saveSeconds}' \
  "$partial.status" > "$SNAPSHOT_DIR/.$name.json.part"
mv -f "$SNAPSHOT_DIR/.$name.json.part" "$SNAPSHOT_DIR/$name.json"

# Retention: snapshot names sort by time (same cluster and member, UTC stamp).
mapfile -t old < <(find "$SNAPSHOT_DIR" -maxdepth 1 -name "$CLUSTER-$MEMBER-*.db" -printf '%f\n' | sort -r | tail -n +$((RETAIN + 1)))
for file in "@{old[@]}"; do
  rm -f "$SNAPSHOT_DIR/$file" "$SNAPSHOT_DIR/@{file%.db}.json"
  echo "deleted old snapshot @{file%.db}" >&2
done

if [ -n "$RCLONE_REMOTE" ]; then
  if [ "$is_leader" = true ]; then
    for file in "$name.db" "$name.json"; do
      # Names are unique per slot: nothing to compare upstream (--no-check-dest), so a write-only credential suffices.
      rclone --config "$RCLONE_CONFIG" --no-check-dest copyto "$SNAPSHOT_DIR/$file" "$RCLONE_REMOTE/$file" >&2
    done
    echo "uploaded $name to $RCLONE_REMOTE" >&2
  else
    echo "not the etcd leader: upload of $name left to the leader" >&2
  fi
fi
cat "$SNAPSHOT_DIR/$name.json"
`);

/** Options of {@link etcdBackupUnits}. */
export interface EtcdBackupUnitOptions {
  /** systemd `OnCalendar=` expression of the timer. */
  schedule: string;
}

/** The oneshot service that runs the snapshot program and the timer that starts it on the schedule. */
export function etcdBackupUnits(options: EtcdBackupUnitOptions): { service: string; timer: string } {
  if (!/^[A-Za-z0-9 *:,./~-]+$/.test(options.schedule)) throw new Error(`etcd snapshot: unusable schedule ${JSON.stringify(options.schedule)}`);
  return {
    service: [
      "[Unit]",
      "Description=pulumi-k8s-ha: etcd snapshot of this member",
      "After=network-online.target",
      "",
      "[Service]",
      "Type=oneshot",
      `ExecStart=${etcdBackupPaths.program}`,
      "Nice=10",
      "IOSchedulingClass=best-effort",
      "IOSchedulingPriority=7",
      "",
    ].join("\n"),
    timer: [
      "[Unit]",
      "Description=pulumi-k8s-ha: scheduled etcd snapshots",
      "",
      "[Timer]",
      `OnCalendar=${options.schedule}`,
      // Every voter fires in the same slot; a slot missed while the machine was off runs at boot.
      "AccuracySec=1s",
      "Persistent=true",
      `Unit=${etcdBackupPaths.serviceUnitName}`,
      "",
      "[Install]",
      "WantedBy=timers.target",
      "",
    ].join("\n"),
  };
}

/** Options of {@link etcdBackupInstallScript}. */
export interface EtcdBackupInstallOptions {
  /** The snapshot program ({@link etcdSnapshotProgram}). */
  program: string;
  /** The units ({@link etcdBackupUnits}). */
  units: { service: string; timer: string };
  /** The timer's schedule, checked with `systemd-analyze calendar` before anything is written. */
  schedule: string;
  /** Whether an rclone configuration arrives on standard input (and rclone must be installed). */
  upload: boolean;
  /** With `upload`: install rclone with apt when it is missing, instead of refusing. @default false */
  installRclone?: boolean;
  /** Directory of the local snapshots (the newest one's metadata is printed). */
  directory: string;
}

/**
 * The step that installs scheduled snapshots on one voter: checks the schedule and (with an upload) that rclone is
 * there, writes the program, the units and (from standard input, root-only, never in the command text) rclone's
 * configuration when they changed, enables and starts the timer, and prints the newest local snapshot's metadata
 * (`{}` when there is none yet) as its last line.
 */
export function etcdBackupInstallScript(options: EtcdBackupInstallOptions): string {
  const b64 = (text: string): string => Buffer.from(text, "utf8").toString("base64");
  return bashScript(
    "install scheduled etcd snapshots (program, systemd service and timer, upload configuration)",
    {
      PROGRAM_FILE: etcdBackupPaths.program,
      PROGRAM_B64: b64(options.program),
      SERVICE_FILE: etcdBackupPaths.serviceUnitFile,
      SERVICE_B64: b64(options.units.service),
      TIMER_FILE: etcdBackupPaths.timerUnitFile,
      TIMER_B64: b64(options.units.timer),
      TIMER_UNIT: etcdBackupPaths.timerUnitName,
      SCHEDULE: options.schedule,
      UPLOAD: options.upload,
      INSTALL_RCLONE: options.installRclone === true,
      RCLONE_CONFIG: etcdBackupPaths.rcloneConfig,
      SNAPSHOT_DIR: options.directory,
    },
    options.installRclone === true ? `${aptFunctions()}\n${INSTALL_BODY}` : INSTALL_BODY,
  );
}

const INSTALL_BODY = bashBraces(String.raw`
if [ ! -d /run/systemd/system ]; then
  echo "scheduled etcd snapshots need systemd (a timer); this machine does not run it" >&2
  exit 1
fi
if ! systemd-analyze calendar "$SCHEDULE" >/dev/null 2>&1; then
  echo "etcdBackup.schedule: systemd does not understand OnCalendar=$SCHEDULE ($(systemd-analyze calendar "$SCHEDULE" 2>&1 | tail -n 1))" >&2
  exit 1
fi
if [ "$UPLOAD" = true ] && [ "$INSTALL_RCLONE" = true ] && ! command -v rclone >/dev/null; then
  # Standard input carries rclone's configuration: apt must not read it.
  apt_update </dev/null >&2
  apt_install rclone </dev/null >&2
fi
if [ "$UPLOAD" = true ] && ! command -v rclone >/dev/null; then
  echo "etcdBackup.rcloneRemote: rclone is not installed on $(hostname) (Debian/Ubuntu package rclone)" >&2
  exit 1
fi
changed=0
# put FILE MODE: standard input becomes FILE when it differs.
put() {
  local file="$1" mode="$2" temporary
  mkdir -p "$(dirname "$file")"
  temporary="$(mktemp "$file.XXXXXX")"
  cat > "$temporary"
  chmod "$mode" "$temporary"
  if [ -f "$file" ] && cmp -s "$temporary" "$file" && [ "$(stat -c %a "$file")" = "@{mode#0}" ]; then
    rm -f "$temporary"
  else
    mv -f "$temporary" "$file"
    echo "wrote $file"
    changed=1
  fi
}
umask 077
printf '%s' "$PROGRAM_B64" | base64 -d | put "$PROGRAM_FILE" 0700
printf '%s' "$SERVICE_B64" | base64 -d | put "$SERVICE_FILE" 0644
printf '%s' "$TIMER_B64" | base64 -d | put "$TIMER_FILE" 0644
if [ "$UPLOAD" = true ]; then
  put "$RCLONE_CONFIG" 0600
  chmod 0700 "$(dirname "$RCLONE_CONFIG")"
else
  rm -f "$RCLONE_CONFIG"
fi
if [ "$changed" -eq 1 ]; then systemctl daemon-reload; fi
systemctl enable "$TIMER_UNIT" >/dev/null 2>&1
if [ "$changed" -eq 1 ]; then systemctl restart "$TIMER_UNIT"; else systemctl start "$TIMER_UNIT"; fi
echo "timer $TIMER_UNIT: $(systemctl is-active "$TIMER_UNIT"), next $(systemctl show -p NextElapseUSecRealtime --value "$TIMER_UNIT")" >&2
newest=""
if [ -d "$SNAPSHOT_DIR" ]; then
  newest="$(find "$SNAPSHOT_DIR" -maxdepth 1 -name '*.json' -printf '%f\n' | sort | tail -n 1)"
fi
if [ -n "$newest" ]; then jq -c . "$SNAPSHOT_DIR/$newest"; else echo '{}'; fi
`);
