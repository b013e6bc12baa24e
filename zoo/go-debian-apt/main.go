// todo: a to-do list kept in a text file ($TODO_FILE, default ~/.todo).
//
//	todo add buy milk    todo list    todo done 2    todo clear
package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

type item struct {
	done bool
	text string
}

type list struct {
	path  string
	items []item
}

func load(path string) (*list, error) {
	l := &list{path: path}
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return l, nil
	} else if err != nil {
		return nil, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if len(line) < 4 {
			continue
		}
		l.items = append(l.items, item{done: line[:4] == "[x] ", text: line[4:]})
	}
	return l, sc.Err()
}

func (l *list) save() error {
	var b strings.Builder
	for _, it := range l.items {
		mark := "[ ] "
		if it.done {
			mark = "[x] "
		}
		b.WriteString(mark + it.text + "\n")
	}
	tmp := l.path + ".tmp"
	if err := os.WriteFile(tmp, []byte(b.String()), 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, l.path)
}

func (l *list) print(w io.Writer) {
	for i, it := range l.items {
		mark := " "
		if it.done {
			mark = "x"
		}
		fmt.Fprintf(w, "[%s] %d %s\n", mark, i+1, it.text)
	}
}

func run(path string, args []string, out io.Writer) error {
	l, err := load(path)
	if err != nil {
		return err
	}
	if len(args) == 0 {
		args = []string{"list"}
	}
	switch args[0] {
	case "list":
		l.print(out)
		return nil
	case "add":
		text := strings.TrimSpace(strings.Join(args[1:], " "))
		if text == "" {
			return errors.New("add: nothing to add")
		}
		l.items = append(l.items, item{text: text})
	case "done":
		if len(args) != 2 {
			return errors.New("done: which item?")
		}
		n, err := strconv.Atoi(args[1])
		if err != nil || n < 1 || n > len(l.items) {
			return fmt.Errorf("done: no item %q", args[1])
		}
		l.items[n-1].done = true
	case "clear":
		var keep []item
		for _, it := range l.items {
			if !it.done {
				keep = append(keep, it)
			}
		}
		l.items = keep
	default:
		return fmt.Errorf("unknown command %q (add, list, done, clear)", args[0])
	}
	return l.save()
}

func selftest() error {
	dir, err := os.MkdirTemp("", "todo")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "todo")
	steps := [][]string{{"add", "buy", "milk"}, {"add", "feed otters"}, {"add", "sweep"}, {"done", "1"}, {"done", "3"}, {"clear"}, {"add", "sleep"}}
	for _, s := range steps {
		if err := run(path, s, io.Discard); err != nil {
			return err
		}
	}
	var b strings.Builder
	if err := run(path, []string{"done", "2"}, io.Discard); err != nil {
		return err
	}
	if err := run(path, []string{"list"}, &b); err != nil {
		return err
	}
	if want := "[ ] 1 feed otters\n[x] 2 sleep\n"; b.String() != want {
		return fmt.Errorf("list: got %q, want %q", b.String(), want)
	}
	fmt.Print(b.String())
	fmt.Println("selftest ok")
	return nil
}

func main() {
	if len(os.Args) > 1 && (os.Args[1] == "-selftest" || os.Args[1] == "--selftest") {
		if err := selftest(); err != nil {
			fmt.Fprintln(os.Stderr, "selftest failed:", err)
			os.Exit(1)
		}
		return
	}
	path := os.Getenv("TODO_FILE")
	if path == "" {
		home, err := os.UserHomeDir()
		if err != nil {
			home = "."
		}
		path = filepath.Join(home, ".todo")
	}
	if err := run(path, os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "todo:", err)
		os.Exit(1)
	}
}
