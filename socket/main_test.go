package socket_test

import (
	"context"
	"testing"

	"go.uber.org/goleak"
)

// bg bounds the waits that have no limit of their own.
var bg = context.Background()

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }
