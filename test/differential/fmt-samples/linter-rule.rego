package custom.regal.rules.style["no-todo"]

import rego.v1

import data.regal.config
import data.regal.result

# comment before rule
report contains violation if {
	some comment in input.comments
	text := base64.decode(comment.Text)
	regex.match(`^\s*(TODO|FIXME)`, text)

	violation := result.fail(rego.metadata.chain(), result.location(comment))
}

cfg := config.for_rule("style", "no-todo")   # trailing

threshold := object.get(cfg, "threshold", 10)
limits := {
	"a": 1, "b": 2,
	"c": 3,
}

f(x) := y if {
	y := x * 2
} else := 0

g(x, y) := x + y
h(x) := true if x > 1
h(x) := false if x <= 1

long_line := concat(", ", [input.first_name_of_the_user, input.last_name_of_the_user, input.middle_name_of_the_user, "x"])

multi := sprintf("%s-%s", [
	input.a,
	input.b,
])

nested := [[1, 2], [3,
	4]]

str := `a
multi line
raw`
