// Certificates for TLS tests, made at run time with openssl (on every machine that runs the
// tests): a CA, and leaf certificates it signs with the extensions a test names.

import { execFileSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface CertDir {
	dir: string;
	/** The path of name.crt / name.key / … in the folder. */
	file(name: string): string;
	/** A self-signed CA: name.crt and name.key. */
	ca(name: string): void;
	/** A P-256 leaf signed by ca (default "ca"), with ext (openssl -extfile lines). */
	leaf(name: string, subject: string, ext: string, ca?: string): void;
}

function openssl(...args: string[]): void {
	execFileSync("openssl", args, { stdio: "pipe" });
}

export function certDir(prefix = "gavel-tls-"): CertDir {
	const dir = mkdtempSync(join(tmpdir(), prefix));
	const file = (n: string) => join(dir, n);
	return {
		dir,
		file,
		ca(name) {
			openssl(
				"req",
				"-x509",
				"-newkey",
				"ec",
				"-pkeyopt",
				"ec_paramgen_curve:P-256",
				"-nodes",
				"-keyout",
				file(`${name}.key`),
				"-out",
				file(`${name}.crt`),
				"-subj",
				`/CN=${name}`,
				"-days",
				"1",
				"-addext",
				"basicConstraints=critical,CA:TRUE",
				"-addext",
				"keyUsage=critical,keyCertSign",
			);
		},
		leaf(name, subject, ext, ca = "ca") {
			openssl(
				"req",
				"-newkey",
				"ec",
				"-pkeyopt",
				"ec_paramgen_curve:P-256",
				"-nodes",
				"-keyout",
				file(`${name}.key`),
				"-out",
				file(`${name}.csr`),
				"-subj",
				subject,
			);
			writeFileSync(file(`${name}.ext`), ext);
			openssl(
				"x509",
				"-req",
				"-in",
				file(`${name}.csr`),
				"-CA",
				file(`${ca}.crt`),
				"-CAkey",
				file(`${ca}.key`),
				"-CAcreateserial",
				"-out",
				file(`${name}.crt`),
				"-days",
				"1",
				"-extfile",
				file(`${name}.ext`),
			);
		},
	};
}
