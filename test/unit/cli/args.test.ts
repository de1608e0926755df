import { parsePlanCommand, UsageError } from "../../../src/cli/args";

describe("npm start options", () => {
  test("defaults: aws, stacked, 3 control planes", () => {
    expect(parsePlanCommand([])).toEqual({
      help: false,
      json: false,
      settings: { cloud: "aws", clusterName: "demo", etcdTopology: "stacked", controlPlaneCount: 3, adminCidrs: ["203.0.113.0/24"], apiAllowedCidrs: [] },
    });
  });

  test("every option is read", () => {
    const parsed = parsePlanCommand(["--cloud", "gcp", "--etcd", "external", "--control-planes", "5", "--etcd-members", "7", "--zones", "a, b,c", "--name", "prod", "--kubernetes-version", "1.33.1", "--json"]);
    expect(parsed.json).toBe(true);
    expect(parsed.settings).toMatchObject({ cloud: "gcp", etcdTopology: "external", controlPlaneCount: 5, etcdMemberCount: 7, zones: ["a", "b", "c"], clusterName: "prod", kubernetesVersion: "1.33.1" });
    expect(parsePlanCommand(["--help"]).help).toBe(true);
  });

  test.each([
    [["--cloud", "azure"], '--cloud: "azure" is not supported; use aws or gcp'],
    [["--etcd", "Stacked"], '--etcd: use stacked or external, not "Stacked"'],
    [["--control-planes", "three"], '--control-planes: "three" is not a whole number'],
    [["--control-planes", "-1"], '--control-planes: "-1" is not a whole number'],
    [["--zones"], "--zones needs a value"],
    [["--zones", "--json"], "--zones needs a value"],
    [["--frobnicate"], 'unknown option "--frobnicate" (see --help)'],
  ])("%j is refused: %s", (argv, message) => {
    expect(() => parsePlanCommand(argv)).toThrow(new UsageError(message));
  });
});
