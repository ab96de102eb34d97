module github.com/geventgo/geventgo

go 1.26.0

require (
	github.com/mattn/go-pointer v0.0.1
	github.com/petermattis/goid v0.0.0-20261109124353-7cfa343ad0ab
	github.com/pmezard/go-difflib v1.0.0
	github.com/stretchr/testify v1.12.1
	go.uber.org/goleak v1.3.0
	golang.org/x/net v0.63.0
)

require go.yaml.in/yaml/v3 v3.0.5 // indirect
