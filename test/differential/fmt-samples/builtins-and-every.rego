package misc

import rego.v1
import data.lib.helpers as h

mock_count(_) := 3

p if {
	some i, j
	input.matrix[i][j] == 1
	n := count(input.items) with count as mock_count
	print("n is", n)
	x := -1
	y := x * -2.5e3
	s := "tab\there \"quoted\" \u00e9"
	every k, v in input.obj {
		# each value
		is_string(v)

		startswith(k, "x-")
	}
	z := {"a": [1, 2, {"b": null}], "c": {"d": true, "e": false}}
	not h.bad(input)   ; true
}

q contains item if {
	some item in input.list
	item.enabled == true
	object.get(item, ["meta", "owner"], "") != ""
}

r := [x | x := input.numbers[_]; x > 0; x < 100]

t := {x: y |
	some x, y in input.map
}

u := object.union(
	{"a": 1},
	{"b": 2}
)

f(a, b) := c if {
	c := a + b
} else := -1

default g := {}
g := input.g if input.g != null
