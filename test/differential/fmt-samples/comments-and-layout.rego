package tricky
import rego.v1
# header comment

   # indented comment
allow if {
	some user in input.users    # iterate
	user.active
	# check the role
	user.role in {
		"admin", # full access
		"editor",
	}
}

  # between rules

deny contains msg if {
	msg := "x"
} # after the block

roles := [r |
	# every role
	some r in data.roles
	r != "guest" # not guests
]

check(x) if {
	x > 0
}
else if {
	x < -10
}

val := 1 if input.a
else := 2 if input.b
else := 3

obj := {
	"k": [
		1,
		2
	],
	# comment inside object
	"j": {"a": 1}
}

p if {
	q
		with input as {"a": 1}
		with data.x as 2   # trailing on with
	r with input.b as 3
}

q := true
r := true

t if { input.x; input.y }  # one line two literals
u if { input.x } # one line
v if {
	input.z
}
# final comment
