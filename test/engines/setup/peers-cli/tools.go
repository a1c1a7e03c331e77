//go:build tools

// Package tools pins the Databricks CLI for peers.sh: `go mod tidy` here keeps go.mod and go.sum
// complete for `go build github.com/databricks/cli`; the build tag keeps it out of every build.
package tools

import _ "github.com/databricks/cli"
