import * as pulumi from "@pulumi/pulumi";
import { readExampleConfig } from "../shared/config";
import { stack } from "./program";

export = async () => stack(await readExampleConfig(new pulumi.Config(), "https://api.ipify.org"));
