# METADATA
# title: S3 checks
# description: Buckets must be private and encrypted
package iac.s3

import rego.v1

import data.lib.utils

# METADATA
# title: public ACL
# custom:
#   severity: HIGH
deny contains res if {
	some bucket in input.resources
	bucket.type == "aws_s3_bucket"
	bucket.acl in {"public-read", "public-read-write"}
	res := {
		"msg": sprintf("bucket %s is public", [bucket.name]),
		"severity": "HIGH",
		"id": "S3-001"
	}
}

deny contains res if {
	some bucket in input.resources
	bucket.type == "aws_s3_bucket"
	not encrypted(bucket)
	res := {"msg": sprintf("bucket %s is not encrypted", [bucket.name]), "severity": "MEDIUM", "id": "S3-002"}
}

encrypted(bucket) if bucket.server_side_encryption_configuration.rule.apply_server_side_encryption_by_default.sse_algorithm in {"AES256", "aws:kms"}

encrypted(bucket) if {
	# KMS via a separate resource
	some enc in input.resources
	enc.type == "aws_s3_bucket_server_side_encryption_configuration"
	enc.bucket == bucket.name
}

names := [b.name |
	some b in input.resources
	b.type == "aws_s3_bucket"
]

by_region := {region: buckets |
	some region in {r | some b in input.resources; r := b.region}
	buckets := [b.name | some b in input.resources; b.region == region]
}

all_tagged if {
	every b in input.resources {
		b.tags.owner != ""
		b.tags.env in {"dev", "prod"}
	}
}

test_public if {
	count(deny) == 1 with input as {"resources": [{"type": "aws_s3_bucket", "acl": "public-read", "name": "x"}]}
		with data.lib.utils as {}
}
