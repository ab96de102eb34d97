// A module outside geventgo's that adopts it as a user would: make
// test-adopt (.ci/adopt.sh) copies this directory out of the repository and
// adds a replace to a read-only copy of geventgo before go mod tidy.
module example.com/adopt

go 1.26
