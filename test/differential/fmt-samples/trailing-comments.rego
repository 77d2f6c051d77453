package p

o[k] := 1 if {
	k := 1
} # c

s contains 1 if {
	true
	false
} # d
s contains 2 if input.x # e
z := 1
