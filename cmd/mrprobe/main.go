package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

// Exit statuses (documented in usage).
const (
	exitOK          = 0
	exitFailed      = 1 // no probe answered, or the output could not be written
	exitUsage       = 2
	exitInterrupted = 130 // 128 + SIGINT, as shells report it
)

func main() {
	// Ctrl-C (or SIGTERM) cancels ctx: the round in flight is dropped and
	// what was measured before it is printed.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// run is the whole command, minus the process: it parses args, probes until
// done or ctx is cancelled, writes the result to stdout and the progress
// line and diagnostics to stderr, and returns the exit status.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	cfg, err := parseArgs(args, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return exitOK
	}
	if err != nil {
		fmt.Fprintf(stderr, "mrprobe: %v\nRun 'mrprobe -h' for usage.\n", err)
		return exitUsage
	}

	client, transport := newClient(cfg)
	// Every probe has returned when probeRounds does; closing the idle
	// connections leaves no transport goroutine behind (tests, goleak).
	defer transport.CloseIdleConnections()
	targets := newTargets(cfg, client)

	var progress *progressLine
	if showProgress(cfg, stderr) {
		progress = newProgressLine(stderr, cfg)
	}
	rounds := probeRounds(ctx, cfg, targets, progress)
	rows := rank(cfg, targets)

	write := writeText
	if cfg.JSON {
		write = writeJSON
	}
	if err := write(stdout, cfg, rows, rounds); err != nil {
		fmt.Fprintf(stderr, "mrprobe: writing the results: %v\n", err)
		return exitFailed
	}
	switch {
	case rounds < cfg.N:
		return exitInterrupted
	case !anyAnswered(rows):
		fmt.Fprintln(stderr, "mrprobe: no probe got an answer")
		return exitFailed
	}
	return exitOK
}

// showProgress: -progress decides if given, else stderr being a terminal,
// so a redirected stderr (CI logs) gets no \r-redrawn line.
func showProgress(cfg *config, stderr io.Writer) bool {
	if cfg.Progress != nil {
		return *cfg.Progress
	}
	f, ok := stderr.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

func anyAnswered(rows []ranked) bool {
	for _, r := range rows {
		if r.Stats.OK > 0 {
			return true
		}
	}
	return false
}
