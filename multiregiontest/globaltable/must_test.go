package globaltable_test

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"
)

// must is a tiny fail-fast assertion set. The package does not use testify:
// its yaml dependency is not in the shared go.sum, and these few checks are
// all the tests need.
var must checks

type checks struct{}

func msg(args []any) string {
	if len(args) == 0 {
		return ""
	}
	if f, ok := args[0].(string); ok {
		return ": " + fmt.Sprintf(f, args[1:]...)
	}
	return ": " + fmt.Sprint(args...)
}

func (checks) NoError(t testing.TB, err error, args ...any) {
	t.Helper()
	if err != nil {
		t.Fatalf("unexpected error %v%s", err, msg(args))
	}
}

func (checks) Equal(t testing.TB, want, got any, args ...any) {
	t.Helper()
	if !reflect.DeepEqual(want, got) {
		t.Fatalf("want %#v, got %#v%s", want, got, msg(args))
	}
}

func (checks) True(t testing.TB, cond bool, args ...any) {
	t.Helper()
	if !cond {
		t.Fatalf("condition false%s", msg(args))
	}
}

func isNil(v any) bool {
	if v == nil {
		return true
	}
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.Map, reflect.Slice, reflect.Pointer, reflect.Interface, reflect.Chan, reflect.Func:
		return rv.IsNil()
	}
	return false
}

func (checks) Nil(t testing.TB, v any, args ...any) {
	t.Helper()
	if !isNil(v) {
		t.Fatalf("want nil, got %#v%s", v, msg(args))
	}
}

func (checks) NotNil(t testing.TB, v any, args ...any) {
	t.Helper()
	if isNil(v) {
		t.Fatalf("want non-nil%s", msg(args))
	}
}

func (checks) Len(t testing.TB, v any, n int, args ...any) {
	t.Helper()
	if got := reflect.ValueOf(v).Len(); got != n {
		t.Fatalf("want length %d, got %d (%#v)%s", n, got, v, msg(args))
	}
}

func (checks) Empty(t testing.TB, v any, args ...any) {
	t.Helper()
	if !isNil(v) && reflect.ValueOf(v).Len() != 0 {
		t.Fatalf("want empty, got %#v%s", v, msg(args))
	}
}

func (checks) ErrorContains(t testing.TB, err error, sub string, args ...any) {
	t.Helper()
	if err == nil || !strings.Contains(err.Error(), sub) {
		t.Fatalf("want error containing %q, got %v%s", sub, err, msg(args))
	}
}

func (checks) ErrorIs(t testing.TB, err, target error, args ...any) {
	t.Helper()
	if !errors.Is(err, target) {
		t.Fatalf("want error %v, got %v%s", target, err, msg(args))
	}
}

// ErrorAs fails unless errors.As(err, target).
func (checks) ErrorAs(t testing.TB, err error, target any, args ...any) {
	t.Helper()
	if !errors.As(err, target) {
		t.Fatalf("want error of type %T, got %T: %v%s", target, err, err, msg(args))
	}
}

// Eventually polls cond every tick until it holds or wait passes.
func (checks) Eventually(t testing.TB, cond func() bool, wait, tick time.Duration, args ...any) {
	t.Helper()
	deadline := time.Now().Add(wait)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("condition not met within %v%s", wait, msg(args))
		}
		time.Sleep(tick)
	}
}
