// Command karavan-embedded-db runs FerretDB (MongoDB wire protocol) on SQLite
// for Karavan's embedded default database and its tests.
//
// It listens on 127.0.0.1, prints one line "READY <mongodb-uri>" on stdout once
// it accepts connections, and stops cleanly on SIGTERM or SIGINT, or when its
// standard input closes (so it never outlives the Node process that started it).
package main

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/FerretDB/FerretDB/ferretdb"
)

func main() {
	dir := flag.String("dir", "data/db", "directory for the SQLite database files")
	listen := flag.String("listen", "127.0.0.1:0", "TCP address to listen on (port 0 picks a free port)")
	watchStdin := flag.Bool("watch-stdin", false, "stop when standard input is closed")
	logLevel := flag.String("log-level", "warn", "FerretDB log level: debug, info, warn or error")
	flag.Parse()

	var level slog.Level
	if err := level.UnmarshalText([]byte(*logLevel)); err != nil {
		fail("bad -log-level %q: %v", *logLevel, err)
	}
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))

	abs, err := filepath.Abs(*dir)
	if err != nil {
		fail("bad -dir %q: %v", *dir, err)
	}
	if err = os.MkdirAll(abs, 0o700); err != nil {
		fail("cannot create %s: %v", abs, err)
	}

	// Two FerretDB processes on one SQLite directory would corrupt it: hold an exclusive lock
	// for as long as this process runs (the kernel releases it when the process ends).
	lock, err := os.OpenFile(filepath.Join(abs, ".lock"), os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		fail("cannot open lock file: %v", err)
	}
	if err = syscall.Flock(int(lock.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		fmt.Fprintf(os.Stderr, "karavan-embedded-db: %s is in use by another running database (%v)\n", abs, err)
		os.Exit(3)
	}
	defer lock.Close()

	host, _, err := net.SplitHostPort(*listen)
	if err != nil || net.ParseIP(host) == nil || !net.ParseIP(host).IsLoopback() {
		fail("-listen must be a loopback address with a port, got %q", *listen)
	}

	fdb, err := ferretdb.New(&ferretdb.Config{
		Listener:  ferretdb.ListenerConfig{TCP: *listen},
		Logger:    logger,
		Handler:   "sqlite",
		SQLiteURL: "file:" + strings.TrimSuffix(abs, "/") + "/",
	})
	if err != nil {
		fail("cannot start FerretDB: %v", err)
	}

	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()

	if *watchStdin {
		go func() {
			_, _ = io.Copy(io.Discard, bufio.NewReader(os.Stdin))
			stop()
		}()
	}

	done := make(chan error, 1)
	go func() { done <- fdb.Run(ctx) }()

	// MongoDBURI waits until the listener is bound, so it must come after Run has started.
	fmt.Printf("READY %s\n", fdb.MongoDBURI())

	if err = <-done; err != nil {
		fail("FerretDB stopped: %v", err)
	}
}

func fail(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "karavan-embedded-db: "+format+"\n", args...)
	os.Exit(1)
}
