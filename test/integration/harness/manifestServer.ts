/**
 * An HTTPS server on this machine's test-bridge address that serves files (the CNI manifest) to the test hosts,
 * with a throwaway CA that the hosts' machine image trusts. The library's CNI step fetches from it exactly as
 * it would fetch a manifest from the internet.
 */
import { execFileSync } from "node:child_process";
import { createReadStream, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { createServer, Server } from "node:https";
import { tmpdir } from "node:os";
import * as path from "node:path";

/** A throwaway CA and a server certificate for one IP address. */
export interface ServerTls {
    /** CA certificate (PEM): put it in the hosts' trust store. */
    readonly caPem: string;
    /** Server certificate (PEM). */
    readonly certPem: string;
    /** Server key (PEM). */
    readonly keyPem: string;
}

/** Makes a CA and a server certificate for `address` with openssl (valid one day). */
export function makeServerTls(address: string): ServerTls {
    const dir = mkdtempSync(path.join(tmpdir(), "pkh-manifest-tls-"));
    const f = (name: string): string => path.join(dir, name);
    const openssl = (...args: string[]): void => void execFileSync("openssl", args, { stdio: "pipe" });
    try {
        openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-days", "1", "-subj", "/CN=pulumi-k8s-ha test bed CA", "-keyout", f("ca.key"), "-out", f("ca.crt"));
        openssl("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-subj", `/CN=${address}`, "-keyout", f("server.key"), "-out", f("server.csr"));
        writeFileSync(f("ext.cnf"), `subjectAltName=IP:${address}\nextendedKeyUsage=serverAuth\n`);
        openssl("x509", "-req", "-in", f("server.csr"), "-CA", f("ca.crt"), "-CAkey", f("ca.key"), "-CAcreateserial", "-days", "1", "-extfile", f("ext.cnf"), "-out", f("server.crt"));
        return { caPem: readFileSync(f("ca.crt"), "utf8"), certPem: readFileSync(f("server.crt"), "utf8"), keyPem: readFileSync(f("server.key"), "utf8") };
    } finally {
        rmSync(dir, { recursive: true, force: true });
    }
}

/** A running server; `close()` stops it. */
export interface ManifestServer {
    /** `https://<address>:<port>/` */
    readonly baseUrl: string;
    /** Paths requested so far (to assert the library fetched them). */
    readonly requests: string[];
    close(): Promise<void>;
}

/** What a URL path serves: text, or a file of this machine streamed as it is (large package files). */
export type ServedFile = string | { readonly file: string };

/** Serves `files` (URL path -> content) over HTTPS on `address`, on a free port. */
export function serveFiles(address: string, tls: ServerTls, files: Readonly<Record<string, ServedFile>>): Promise<ManifestServer> {
    const requests: string[] = [];
    const server: Server = createServer({ cert: tls.certPem, key: tls.keyPem }, (req, res) => {
        const url = req.url ?? "/";
        requests.push(url);
        const body = files[url];
        if (body === undefined) {
            res.writeHead(404, { "content-type": "text/plain" });
            res.end("not found\n");
        } else if (typeof body === "string") {
            res.writeHead(200, { "content-type": "application/yaml" });
            res.end(body);
        } else {
            res.writeHead(200, { "content-type": "application/octet-stream", "content-length": statSync(body.file).size });
            createReadStream(body.file).pipe(res);
        }
    });
    return new Promise((resolve, reject) => {
        server.once("error", reject);
        server.listen(0, address, () => {
            const port = (server.address() as { port: number }).port;
            resolve({
                baseUrl: `https://${address}:${port}/`,
                requests,
                close: () => new Promise<void>((r) => server.close(() => r())),
            });
        });
    });
}
