// providers.aws.sign_req: OPA's errors (from its conformance cases) and a signature recorded
// from OPA 1.22.3's binary for the same request (test/builtins/part-a-oracle.test.ts asks OPA
// itself about many more when it is installed).

import { describe, expect, it } from "vitest";
import { createHostBuiltins } from "../host-builtins.ts";

const { raw } = createHostBuiltins();
const sign = (r: unknown, c: unknown, t: unknown) => raw["providers.aws.sign_req"](r, c, t);
const CONFIG = {
	aws_access_key: "AKID",
	aws_secret_access_key: "SECRET",
	aws_service: "s3",
	aws_region: "us-east-1",
};
const T = 1451311705000000000;

describe("providers.aws.sign_req", () => {
	it("signs as OPA does: headers added, method and empty path as given", () => {
		expect(sign({ method: "get", url: "http://example.com" }, CONFIG, T)).toEqual({
			method: "get",
			url: "http://example.com",
			headers: {
				Authorization:
					"AWS4-HMAC-SHA256 Credential=AKID/20151228/us-east-1/s3/aws4_request,SignedHeaders=host;x-amz-content-sha256;x-amz-date,Signature=7bd610447d8020bef3a65fe0799b89a92bf907765f26c0a61cfd40ec31fb00f1",
				host: "example.com",
				"x-amz-content-sha256": "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
				"x-amz-date": "20151228T140825Z",
			},
		});
	});

	it("signs a session token, leaves the content hash header to S3, honours UNSIGNED-PAYLOAD", () => {
		const api = sign(
			{ method: "get", url: "http://example.com" },
			{ ...CONFIG, aws_service: "execute-api", aws_session_token: "TOK" },
			T,
		) as { headers: Record<string, string> };
		expect(Object.keys(api.headers).sort()).toEqual([
			"Authorization",
			"host",
			"x-amz-date",
			"x-amz-security-token",
		]);
		expect(api.headers.Authorization).toContain(
			"SignedHeaders=host;x-amz-date;x-amz-security-token,",
		);
		const unsigned = sign(
			{ method: "get", url: "http://example.com/x" },
			{ ...CONFIG, disable_payload_signing: true },
			T,
		) as { headers: Record<string, string> };
		expect(unsigned.headers["x-amz-content-sha256"]).toBe("UNSIGNED-PAYLOAD");
	});

	it("refuses bad operands with OPA's type errors", () => {
		const err = (r: unknown, c: unknown, t: unknown) => {
			try {
				sign(r, c, t);
			} catch (e) {
				return `${(e as { code: string }).code}: ${(e as Error).message}`;
			}
			return "no error";
		};
		const req = { method: "get", url: "http://example.com" };
		expect(err({}, CONFIG, T)).toBe(
			'eval_type_error: providers.aws.sign_req: operand 1 missing required request parameters(s): {"method", "url"}',
		);
		expect(err({ method: [], url: {} }, CONFIG, T)).toBe(
			'eval_type_error: providers.aws.sign_req: operand 1 invalid values for required request parameters(s): {"method", "url"}',
		);
		expect(err(req, { example: "example" }, T)).toBe(
			'eval_type_error: providers.aws.sign_req: operand 2 missing required AWS config parameters(s): {"aws_access_key", "aws_region", "aws_secret_access_key", "aws_service"}',
		);
		expect(err(req, { ...CONFIG, disable_payload_signing: "false" }, T)).toBe(
			"eval_type_error: providers.aws.sign_req: operand 2 invalid value for 'disable_payload_signing' in AWS config",
		);
		expect(err(req, CONFIG, -1e9)).toBe(
			"eval_type_error: providers.aws.sign_req: operand 3 could not convert time_ns value into a unix timestamp",
		);
	});
});
