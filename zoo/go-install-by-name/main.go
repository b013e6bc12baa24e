// greeter: an HTTP service that greets whoever asks, in plain text or JSON.
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
	"strings"
)

func greeting(name string) string {
	name = strings.TrimSpace(name)
	if name == "" {
		name = "stranger"
	}
	return "Hello, " + name + "!"
}

func handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		msg := greeting(r.URL.Query().Get("name"))
		if strings.Contains(r.Header.Get("Accept"), "application/json") {
			w.Header().Set("Content-Type", "application/json")
			json.NewEncoder(w).Encode(map[string]string{"message": msg})
			return
		}
		fmt.Fprintln(w, msg)
	})
	mux.HandleFunc("/healthz", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok") })
	return mux
}

func selftest() error {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	go http.Serve(ln, handler())
	base := "http://" + ln.Addr().String()
	resp, err := http.Get(base + "/?name=zoo")
	if err != nil {
		return err
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if string(body) != "Hello, zoo!\n" {
		return fmt.Errorf("text greeting: got %q", body)
	}
	req, _ := http.NewRequest("GET", base+"/", nil)
	req.Header.Set("Accept", "application/json")
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	var out map[string]string
	err = json.NewDecoder(resp.Body).Decode(&out)
	resp.Body.Close()
	if err != nil || out["message"] != "Hello, stranger!" {
		return fmt.Errorf("json greeting: got %v, %v", out, err)
	}
	fmt.Println("selftest ok")
	return nil
}

func main() {
	port := flag.Int("port", 8080, "port to listen on")
	test := flag.Bool("selftest", false, "serve on a random port, query it, exit")
	flag.Parse()
	if *test {
		if err := selftest(); err != nil {
			fmt.Fprintln(os.Stderr, "selftest failed:", err)
			os.Exit(1)
		}
		return
	}
	addr := fmt.Sprintf(":%d", *port)
	log.Printf("greeter listening on %s", addr)
	log.Fatal(http.ListenAndServe(addr, handler()))
}
