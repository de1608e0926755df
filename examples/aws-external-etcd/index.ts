import * as pulumi from "@pulumi/pulumi";
import { readExampleConfig } from "../shared/config";
import { stack } from "./program";

const config = new pulumi.Config();

export = async () =>
  stack({
    ...(await readExampleConfig(config, "https://checkip.amazonaws.com")),
    natGateways: config.get("natGateways") as "perZone" | "single" | undefined,
  });
