/** Where the bootstrap keeps its files on every machine. One place, so scripts and configs agree. */
export const paths = {
  /** Marker written by cloud-init (or the test bed) once the machine is prepared. */
  preparedMarker: "/var/lib/pulumi-k8s-ha/node-prepared",
  /** State directory of the bootstrap on each machine. */
  stateDir: "/var/lib/pulumi-k8s-ha",
  /**
   * Pristine copy of the files the place-files step placed on a control plane (mirroring their absolute paths,
   * root-only): the kubeadm steps restore them after `kubeadm reset`, which deletes the program's CAs.
   */
  placedFilesDir: "/var/lib/pulumi-k8s-ha/placed",
  /**
   * Completion records of the kubeadm steps: written (and synced) only after `kubeadm init` / `kubeadm join` succeeded
   * on this machine. kubeadm writes admin.conf, kubelet.conf and the static pod manifests long before it is done, so
   * their presence alone does not say that a step completed (a machine may lose power half-way).
   */
  kubeadmInitDone: "/var/lib/pulumi-k8s-ha/kubeadm-init.done",
  kubeadmJoinDone: "/var/lib/pulumi-k8s-ha/kubeadm-join.done",
  /** Written just before kubeadm runs: with kubeadm's state but no completion record, this step was interrupted. */
  kubeadmInitStarted: "/var/lib/pulumi-k8s-ha/kubeadm-init.started",
  kubeadmJoinStarted: "/var/lib/pulumi-k8s-ha/kubeadm-join.started",
  /** Root-only logs of kubeadm runs (their output holds the bootstrap token). */
  logDir: "/var/log/pulumi-k8s-ha",
  /** kubeadm configuration files placed by the program. */
  kubeadmInitConfig: "/etc/kubernetes/pulumi-k8s-ha/kubeadm-init.yaml",
  kubeadmJoinConfig: "/etc/kubernetes/pulumi-k8s-ha/kubeadm-join.yaml",
  kubernetesPki: "/etc/kubernetes/pki",
  adminKubeconfig: "/etc/kubernetes/admin.conf",
  /** kubeadm init's break-glass kubeconfig (group system:masters), on the first control plane only. */
  superAdminKubeconfig: "/etc/kubernetes/super-admin.conf",
  /** The kubelet configuration kubeadm writes in its kubelet-start phase: without it no static pod ever ran. */
  kubeletConfig: "/var/lib/kubelet/config.yaml",
  kubeletKubeconfig: "/etc/kubernetes/kubelet.conf",
  apiServerManifest: "/etc/kubernetes/manifests/kube-apiserver.yaml",
  /** kubeadm's static pod manifest of a stacked etcd member. */
  etcdManifest: "/etc/kubernetes/manifests/etcd.yaml",
  /** External etcd member files. */
  etcdConfigFile: "/etc/etcd/etcd.conf.yml",
  /** What etcd actually runs with: the placed configuration, or (joining a running cluster) a copy with state existing. */
  etcdRunConfigFile: "/etc/etcd/etcd.run.yml",
  /** The initial cluster `etcdctl member add` returned, once this member was added to a running cluster. */
  etcdJoinedFile: "/var/lib/pulumi-k8s-ha/etcd-joined-initial-cluster",
  etcdPkiDir: "/etc/etcd/pki",
  /** The upstream etcd release's programs (see `etcdRelease.ts`): the etcd unit, the start, membership and gate steps use these. */
  etcdBinary: "/usr/local/bin/etcd",
  etcdctlBinary: "/usr/local/bin/etcdctl",
  etcdutlBinary: "/usr/local/bin/etcdutl",
  etcdUnitFile: "/etc/systemd/system/pulumi-k8s-ha-etcd.service",
  etcdUnitName: "pulumi-k8s-ha-etcd.service",
  etcdLog: "/var/log/pulumi-k8s-ha/etcd.log",
} as const;
