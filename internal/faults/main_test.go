package faults

import (
	"context"
	"testing"

	"go.uber.org/goleak"
)

// bg is the context of waits that end by themselves (gevent's timeout=None).
var bg = context.Background()

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }
