package testutil

import (
	"bufio"
	"io"
	"net"
	"testing"
	"time"
)

// greeter accepts connections and writes name and a newline on each, then
// echoes what it reads; t.Cleanup closes it.
func greeter(t *testing.T, name string) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				if _, err := io.WriteString(c, name+"\n"); err == nil {
					_, _ = io.Copy(c, c)
				}
			}()
		}
	}()
	return ln.Addr().String()
}

func greeting(t *testing.T, c net.Conn) string {
	t.Helper()
	_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
	s, err := bufio.NewReader(c).ReadString('\n')
	if err != nil {
		t.Fatal(err)
	}
	return s[:len(s)-1]
}

// TestMovingProxy: connections reach the target of the time they were
// made; MoveTo with cut closes the open ones, without cut keeps them; a
// delay holds each chunk.
func TestMovingProxy(t *testing.T) {
	a, b := greeter(t, "a"), greeter(t, "b")
	p := NewMovingProxy(t, a)
	dial := func() net.Conn {
		c, err := net.Dial("tcp", p.Addr())
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = c.Close() })
		return c
	}
	first := dial()
	if g := greeting(t, first); g != "a" {
		t.Fatalf("first connection reached %q, want a", g)
	}
	p.MoveTo(b, false)
	if g := greeting(t, dial()); g != "b" {
		t.Fatalf("after the move: %q, want b", g)
	}
	if _, err := first.Write([]byte("x")); err != nil {
		t.Fatalf("a move without cut keeps open connections: %v", err)
	}
	p.MoveTo(a, true)
	_ = first.SetReadDeadline(time.Now().Add(5 * time.Second))
	if n, err := first.Read(make([]byte, 8)); err == nil && n > 0 {
		// the echo of "x" may have been in flight before the cut
		_, err = first.Read(make([]byte, 8))
		if err == nil {
			t.Fatal("a move with cut closes open connections")
		}
	}
	p.SetDelay(60 * time.Millisecond)
	start := time.Now()
	if g := greeting(t, dial()); g != "a" {
		t.Fatalf("after the cut: %q, want a", g)
	}
	if d := time.Since(start); d < 60*time.Millisecond {
		t.Fatalf("greeting in %v, want at least the 60 ms delay", d)
	}
}
