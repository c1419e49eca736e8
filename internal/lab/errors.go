package lab

import (
	"errors"
	"fmt"
)

// Errors, for errors.Is.
var (
	// ErrNotRunning: no env file, so no lab (run scripts/lab up).
	ErrNotRunning = errors.New("multi-region lab not running")
	// ErrBadEnv: the env file is not what scripts/lab writes.
	ErrBadEnv = errors.New("bad lab env file")
	// ErrUnknownRegion: the region is not in the env file.
	ErrUnknownRegion = errors.New("unknown lab region")
	// ErrUnknownService: the service is not one of Services().
	ErrUnknownService = errors.New("unknown lab service")
	// ErrProxy: Toxiproxy refused or failed a request (see *ProxyError).
	ErrProxy = errors.New("toxiproxy request failed")
)

// ProxyError is a failed call to Toxiproxy's HTTP API. It matches ErrProxy with
// errors.Is, and unwraps to the transport error (if any).
type ProxyError struct {
	Op     string // what the lab was doing: "down", "up", "set latency", "get latency"
	Proxy  string // proxy name, e.g. "us-west-2-redis"
	Status int    // HTTP status, 0 if no response
	Body   string // response body (trimmed), if any
	Err    error  // transport or decoding error, if any
}

func (e *ProxyError) Error() string {
	msg := fmt.Sprintf("lab: toxiproxy %s %s", e.Op, e.Proxy)
	if e.Status != 0 {
		msg += fmt.Sprintf(": HTTP %d", e.Status)
	}
	if e.Body != "" {
		msg += ": " + e.Body
	}
	if e.Err != nil {
		msg += ": " + e.Err.Error()
	}
	return msg
}

// Is reports ErrProxy.
func (e *ProxyError) Is(target error) bool { return target == ErrProxy }

// Unwrap returns the underlying error.
func (e *ProxyError) Unwrap() error { return e.Err }
