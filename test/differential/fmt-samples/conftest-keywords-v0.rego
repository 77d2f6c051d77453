package main

import future.keywords.contains
import future.keywords.if
import future.keywords.in

deny contains msg if {
	input.kind == "Deployment"
	not input.spec.template.spec.securityContext.runAsNonRoot

	msg := "Containers must not run as root"
}

warn[msg] {
	input.kind == "Service"
	input.spec.type == "LoadBalancer"
	msg = "LoadBalancer services are expensive"
}

name := input.metadata.name

labels := {k: v | some k, v in input.metadata.labels; not startswith(k, "internal/")}

exception contains rules if {
	input.metadata.name in {"legacy", "old"}
	rules := ["run_as_root"]
}
