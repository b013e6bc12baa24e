// whoami: an HTTP service that reports which account it runs as. os/user and net are
// left on their cgo implementations (CGO_ENABLED defaults to 1), so the binary links libc.
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
	"os/user"
)

type identity struct {
	User  string `json:"user"`
	UID   string `json:"uid"`
	Home  string `json:"home"`
	Group string `json:"group"`
	Host  string `json:"host"`
}

func whoami() (identity, error) {
	u, err := user.Current()
	if err != nil {
		return identity{}, err
	}
	g, err := user.LookupGroupId(u.Gid)
	if err != nil {
		return identity{}, err
	}
	host, _ := os.Hostname()
	return identity{User: u.Username, UID: u.Uid, Home: u.HomeDir, Group: g.Name, Host: host}, nil
}

func handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/whoami", func(w http.ResponseWriter, r *http.Request) {
		id, err := whoami()
		if err != nil {
			http.Error(w, err.Error(), 500)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(id)
	})
	mux.HandleFunc("/user/", func(w http.ResponseWriter, r *http.Request) {
		u, err := user.Lookup(r.URL.Path[len("/user/"):])
		if err != nil {
			http.Error(w, err.Error(), 404)
			return
		}
		fmt.Fprintf(w, "%s %s %s\n", u.Username, u.Uid, u.HomeDir)
	})
	return mux
}

func selftest() error {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	go http.Serve(ln, handler())
	base := "http://" + ln.Addr().String()
	resp, err := http.Get(base + "/user/root")
	if err != nil {
		return err
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if string(body) != "root 0 /root\n" {
		return fmt.Errorf("/user/root: %d %q", resp.StatusCode, body)
	}
	resp, err = http.Get(base + "/whoami")
	if err != nil {
		return err
	}
	var id identity
	err = json.NewDecoder(resp.Body).Decode(&id)
	resp.Body.Close()
	if err != nil || id.User == "" || id.UID != fmt.Sprint(os.Getuid()) {
		return fmt.Errorf("/whoami: %d %+v %v", resp.StatusCode, id, err)
	}
	fmt.Printf("selftest ok: running as %s (uid %s, group %s)\n", id.User, id.UID, id.Group)
	return nil
}

func main() {
	addr := flag.String("addr", ":8080", "listen address")
	test := flag.Bool("selftest", false, "serve on a random port, query it, exit")
	flag.Parse()
	if *test {
		if err := selftest(); err != nil {
			fmt.Fprintln(os.Stderr, "selftest failed:", err)
			os.Exit(1)
		}
		return
	}
	log.Printf("whoami listening on %s", *addr)
	log.Fatal(http.ListenAndServe(*addr, handler()))
}
