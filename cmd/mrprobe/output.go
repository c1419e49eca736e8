package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"strings"
	"text/tabwriter"
	"time"
	"unicode/utf8"

	"github.com/regionkit/multiregion"
)

// progressLine is the "probing ...: round k/N" line on stderr, redrawn in
// place with \r and ended with a newline. A nil *progressLine shows nothing.
type progressLine struct {
	w      io.Writer
	prefix string
	n      int
	shown  bool
}

// newProgressLine returns nil (no progress line) if w is nil.
func newProgressLine(w io.Writer, cfg *config) *progressLine {
	if w == nil {
		return nil
	}
	return &progressLine{
		w:      w,
		prefix: fmt.Sprintf("probing %s × %s", plural(len(cfg.Regions), "region"), plural(len(cfg.Services), "service")),
		n:      cfg.N,
	}
}

func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return fmt.Sprintf("%d %ss", n, word)
}

func (p *progressLine) round(k int) {
	if p == nil {
		return
	}
	p.shown = true
	// Rounds are padded to the width of N so each redraw covers the last.
	fmt.Fprintf(p.w, "\r%s: round %*d/%d", p.prefix, len(fmt.Sprint(p.n)), k, p.n)
}

func (p *progressLine) finish(interrupted bool) {
	if p == nil || !p.shown {
		return
	}
	if interrupted {
		fmt.Fprint(p.w, ", interrupted")
	}
	fmt.Fprintln(p.w)
}

// ms is d in milliseconds, for the JSON report.
func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// fmtMS is d in milliseconds with one decimal, for the table.
func fmtMS(d time.Duration) string { return fmt.Sprintf("%.1fms", ms(d)) }

// maxErrLen bounds the last-error column; the JSON report has it whole.
const maxErrLen = 60

// shortErr is the gist of a probe error for the table: without the
// "Get URL:" and "dial tcp ADDR:" wrapping that repeats the row's URL.
func shortErr(err error, timeout time.Duration) string {
	var se *multiregion.ProbeStatusError
	var ue *url.Error
	var oe *net.OpError
	var s string
	switch {
	case err == nil:
		return ""
	case errors.Is(err, context.DeadlineExceeded):
		s = fmt.Sprintf("timeout (no answer within %v)", timeout)
	case errors.As(err, &se):
		s = fmt.Sprintf("HTTP %d", se.StatusCode)
	case errors.As(err, &oe) && oe.Err != nil:
		s = oe.Err.Error()
	case errors.As(err, &ue):
		s = ue.Err.Error()
	default:
		s = err.Error()
	}
	if utf8.RuneCountInString(s) > maxErrLen {
		s = string([]rune(s)[:maxErrLen-1]) + "…"
	}
	return s
}

// writeText prints the ranking table, then a note on the method.
func writeText(w io.Writer, cfg *config, rows []ranked, rounds int) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "RANK\tREGION\tSERVICE\tP50\tP90\tP99\tMIN\tMAX\tOK/N\tLAST ERROR")
	for _, r := range rows {
		s := r.Stats
		cols := []string{"-", "-", "-", "-", "-"}
		if s.OK > 0 {
			cols = []string{fmtMS(s.P50), fmtMS(s.P90), fmtMS(s.P99), fmtMS(s.Min), fmtMS(s.Max)}
		}
		lastErr := shortErr(r.lastErr, cfg.Timeout)
		if lastErr == "" {
			lastErr = "-"
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%d/%d\t%s\n", r.Rank, r.Region, r.Service.Name,
			strings.Join(cols, "\t"), s.OK, s.Attempts, lastErr)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	note := fmt.Sprintf("\n%s of %d, %v apart; request written to first byte; percentiles by nearest rank over the probes that answered.\n",
		plural(rounds, "round"), cfg.N, cfg.Interval)
	if rounds < cfg.N {
		note += "Interrupted: partial results.\n"
	}
	_, err := io.WriteString(w, note)
	return err
}

// report is the -json document.
type report struct {
	Config      reportConfig `json:"config"`
	Rounds      int          `json:"rounds"` // rounds that ran to the end
	Interrupted bool         `json:"interrupted"`
	// Method says how the figures were measured and computed.
	Method  string         `json:"method"`
	Results []reportResult `json:"results"`
}

type reportConfig struct {
	Regions    []string `json:"regions"`
	Services   []string `json:"services"`
	N          int      `json:"n"`
	IntervalMS float64  `json:"interval_ms"`
	TimeoutMS  float64  `json:"timeout_ms"`
	Endpoints  string   `json:"endpoints,omitempty"`
}

// reportResult is one row; the *_ms figures are null when no probe answered.
type reportResult struct {
	Rank      int       `json:"rank"`
	Region    string    `json:"region"`
	Service   string    `json:"service"`
	URL       string    `json:"url"`
	OK        int       `json:"ok"`
	Attempts  int       `json:"attempts"`
	P50MS     *float64  `json:"p50_ms"`
	P90MS     *float64  `json:"p90_ms"`
	P99MS     *float64  `json:"p99_ms"`
	MinMS     *float64  `json:"min_ms"`
	MaxMS     *float64  `json:"max_ms"`
	SamplesMS []float64 `json:"samples_ms"` // in probe order
	LastError string    `json:"last_error,omitempty"`
}

// writeJSON prints the report as one indented JSON document.
func writeJSON(w io.Writer, cfg *config, rows []ranked, rounds int) error {
	rep := report{
		Config: reportConfig{
			N: cfg.N, IntervalMS: ms(cfg.Interval), TimeoutMS: ms(cfg.Timeout), Endpoints: cfg.EndpointsFlag,
		},
		Rounds:      rounds,
		Interrupted: rounds < cfg.N,
		Method:      "HTTP GET of the endpoint root, timed from request written to first response byte; any answer below HTTP 500 counts; percentiles by nearest rank over the probes that answered",
		Results:     make([]reportResult, 0, len(rows)),
	}
	for _, r := range cfg.Regions {
		rep.Config.Regions = append(rep.Config.Regions, string(r))
	}
	for _, s := range cfg.Services {
		rep.Config.Services = append(rep.Config.Services, s.Name)
	}
	for _, r := range rows {
		res := reportResult{
			Rank: r.Rank, Region: string(r.Region), Service: r.Service.Name, URL: r.URL,
			OK: r.Stats.OK, Attempts: r.Stats.Attempts, SamplesMS: make([]float64, 0, len(r.samples)),
		}
		if r.Stats.OK > 0 {
			f := func(d time.Duration) *float64 { v := ms(d); return &v }
			res.P50MS, res.P90MS, res.P99MS = f(r.Stats.P50), f(r.Stats.P90), f(r.Stats.P99)
			res.MinMS, res.MaxMS = f(r.Stats.Min), f(r.Stats.Max)
		}
		for _, d := range r.samples {
			res.SamplesMS = append(res.SamplesMS, ms(d))
		}
		if r.lastErr != nil {
			res.LastError = r.lastErr.Error()
		}
		rep.Results = append(rep.Results, res)
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(rep)
}
