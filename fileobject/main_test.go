package fileobject_test

import (
	"context"
	"testing"
	"time"

	"go.uber.org/goleak"
)

// Thread-mode tests leave a worker blocked in read(2) until the test writes or closes; goleak
// retries until it has returned.
func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// bg bounds the waits that have no limit of their own.
var bg = context.Background()

const ms = time.Millisecond
