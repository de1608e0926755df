import type { PlannedResource } from "../../../src/cli/recorder";
import { resourcesByType, stepWaves } from "../../../src/cli/report";

const command = (name: string, startedMs: number, finishedMs: number): PlannedResource => ({ type: "command:remote:Command", name, startedMs, finishedMs });

describe("step waves", () => {
  test("a step's wave follows the latest step finished before it started", () => {
    const waves = stepWaves(
      [
        command("c-a-ready", 0, 40),
        command("c-b-ready", 1, 41),
        command("c-a-files", 41, 81),
        command("c-b-files", 42, 82),
        command("c-init", 82, 122),
        command("c-kubeconfig", 123, 163),
        command("c-cni", 123, 163),
        { type: "tls:index/privateKey:PrivateKey", name: "c-key", startedMs: 0, finishedMs: 0 },
      ],
      "c",
    );
    expect(waves).toEqual([
      { wave: 1, steps: ["a-ready", "b-ready"] },
      { wave: 2, steps: ["a-files", "b-files"] },
      { wave: 3, steps: ["init"] },
      { wave: 4, steps: ["cni", "kubeconfig"] },
    ]);
  });

  test("resources are counted by type, most numerous first", () => {
    expect(resourcesByType([command("a", 0, 1), command("b", 0, 1), { type: "x:y:Z", name: "z", startedMs: 0, finishedMs: 0 }])).toEqual([
      ["command:remote:Command", 2],
      ["x:y:Z", 1],
    ]);
  });
});
