package kubernetes.admission

import data.kubernetes.namespaces
import future.keywords.in

# Deny containers without resource limits.
deny[msg] {
    input.request.kind.kind == "Pod"
    container := input.request.object.spec.containers[_]
    not container.resources.limits   # no limits at all
    msg := sprintf("container %v has no resource limits", [container.name])
}

deny[msg] {
  input.request.kind.kind == "Pod"
  image := input.request.object.spec.containers[_].image

  not startswith(image, "registry.corp/")
  msg := sprintf("image '%v' comes from an untrusted registry", [image])
}

# Labels every namespace must carry
required_labels = {"owner", "team"}

missing_labels[ns] = missing {
	some ns
	namespaces[ns]
	provided := {l | namespaces[ns].metadata.labels[l]}
	missing := required_labels - provided
	count(missing) > 0
}

default allow = false
allow {
	count(deny) == 0
}

is_admin { input.user.groups[_] == "admins" }
is_admin { input.user.name in data.admins }

level = "high" { input.risk > 7 } else = "medium" { input.risk > 3 } else = "low"
