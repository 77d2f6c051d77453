package k8srequiredlabels

import input.review.object as obj

violation[{"msg": msg, "details": {"missing_labels": missing}}] {
  provided := {label | obj.metadata.labels[label]}
  required := {label | label := input.parameters.labels[_].key}
  missing := required - provided
  count(missing) > 0
  msg := sprintf("you must provide labels: %v", [missing])
}

violation[{"msg": msg}] {
  value := obj.metadata.labels[key]
  expected := input.parameters.labels[_]
  expected.key == key
  # do not match if allowedRegex is not defined, or is an empty string
  expected.allowedRegex != ""
  not re_match(expected.allowedRegex, value)
  msg := sprintf("Label <%v: %v> does not satisfy allowed regex: %v", [key, value, expected.allowedRegex])
}

has_key(x, k) { _ = x[k] }

get_default(obj, param, _default) = out {
  has_key(obj, param)
  out = obj[param]
}

get_default(obj, param, _default) = out {
  not has_key(obj, param)
  out = _default
}

containers[c] { c := obj.spec.containers[_] }
containers[c] { c := obj.spec.initContainers[_] }

is_exempt(container) {
    exempt_images := object.get(object.get(input, "parameters", {}), "exemptImages", [])
    img := container.image
    exemption := exempt_images[_]
    _matches_exemption(img, exemption)
}

_matches_exemption(img, exemption) {
    not endswith(exemption, "*")
    exemption == img
}

_matches_exemption(img, exemption) {
    endswith(exemption, "*")
    prefix := trim_suffix(exemption, "*")
    startswith(img, prefix)
}

default allow = false

allow = true {
	input.method == "GET"
	some i
	input.path[i] == "public"
} else = false {
	input.method == "POST"
}
