package misc2

import rego.v1

# METADATA
# description: rule with several bodies
allow if {
	input.a
} {
	input.b
}

a.b.c := 1
a.b.d contains "x"
a.b.e[k] := v if {
	some k, v in {"q": 1}
}

x := `raw with "quotes"`

y := [
	# first
	1,

	2,
]

fn(x) := y if {
	y := x
}

fn2(x) := {
	"k": x,
}

z if {
	input.value == 1
	# trailing comment at end of body
}

chain := 1 if {
	input.a
} else := 2 if {
	input.b
} else := 3 if {
	input.c
}

w if input.x with input.x as 1

v := n if n := count([1 | some _ in input])
