// pingserver: a tiny JSON status server.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"time"
)

var started = time.Now()

func handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/ping", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		fmt.Fprintln(w, "pong")
	})
	mux.HandleFunc("/status", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		host, _ := os.Hostname()
		json.NewEncoder(w).Encode(map[string]interface{}{
			"host":   host,
			"uptime": time.Since(started).Round(time.Second).String(),
		})
	})
	return mux
}

// selftest serves on a random loopback port and checks /ping answers "pong".
func selftest() error {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	go http.Serve(ln, handler())
	resp, err := http.Get("http://" + ln.Addr().String() + "/ping")
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 || string(body) != "pong\n" {
		return fmt.Errorf("unexpected answer %d %q", resp.StatusCode, body)
	}
	fmt.Println("selftest ok: /ping -> pong")
	return nil
}

func main() {
	addr := flag.String("addr", ":8080", "listen address")
	test := flag.Bool("selftest", false, "serve on a random port, request /ping, exit")
	flag.Parse()
	if *test {
		if err := selftest(); err != nil {
			fmt.Fprintln(os.Stderr, "selftest failed:", err)
			os.Exit(1)
		}
		return
	}
	log.Printf("listening on %s", *addr)
	log.Fatal(http.ListenAndServe(*addr, handler()))
}
