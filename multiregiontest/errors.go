package multiregiontest

import (
	"errors"
	"fmt"
)

// ErrInvalidOptions is matched (errors.Is) by every *OptionError.
var ErrInvalidOptions = errors.New("multiregiontest: invalid lab options")

// ErrOffLab is matched by the error the lab's HTTP client returns for a
// request to an address outside the lab: an AWS client that was not built
// from the multiregion.Client's Config(region) (whose endpoint overrides
// Lab.Options sets) would otherwise reach AWS.
var ErrOffLab = errors.New("multiregiontest: request to an address outside the lab")

// OptionError reports what New (or Start) refused: Option names the
// argument or option ("regions", "WithLatency", "WithDynamoDB"), Value the
// offending value, Reason why; Err is an underlying error such as a
// *multiregion.InvalidRegionError or a *globaltable.OptionsError. A plain
// value, safe to share.
type OptionError struct {
	Option string
	Value  string
	Reason string
	Err    error
}

func (e *OptionError) Error() string {
	msg := fmt.Sprintf("multiregiontest: invalid %s", e.Option)
	if e.Value != "" {
		msg += fmt.Sprintf(" %q", e.Value)
	}
	return msg + ": " + e.Reason
}

// Unwrap returns the underlying error, if any.
func (e *OptionError) Unwrap() error { return e.Err }

// Is matches ErrInvalidOptions.
func (e *OptionError) Is(target error) bool { return target == ErrInvalidOptions }

// offLabError is ErrOffLab with the URL that was refused.
type offLabError struct{ url string }

func (e *offLabError) Error() string {
	return "multiregiontest: refusing to send a request to " + e.url +
		": not a lab endpoint (build AWS clients from the multiregion.Client's Config(region), " +
		"with Lab.Options among the Client's options)"
}

func (e *offLabError) Is(target error) bool { return target == ErrOffLab }
