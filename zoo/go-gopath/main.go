// wordcount: prints the most frequent words of its input files (or stdin).
package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/acme/wordcount/count"
)

const sample = "The cat sat on the mat. The mat was flat, the cat was fat."

func report(w io.Writer, r io.Reader, top int) error {
	entries, total, err := count.Words(r)
	if err != nil {
		return err
	}
	if top > 0 && len(entries) > top {
		entries = entries[:top]
	}
	for _, e := range entries {
		fmt.Fprintf(w, "%d %s\n", e.N, e.Word)
	}
	fmt.Fprintf(w, "total %d\n", total)
	return nil
}

func selftest() error {
	var b strings.Builder
	if err := report(&b, strings.NewReader(sample), 3); err != nil {
		return err
	}
	want := "4 the\n2 cat\n2 mat\ntotal 14\n"
	if b.String() != want {
		return fmt.Errorf("got %q, want %q", b.String(), want)
	}
	fmt.Print(b.String())
	fmt.Println("selftest ok")
	return nil
}

func main() {
	top := flag.Int("top", 10, "show the N most frequent words (0: all)")
	test := flag.Bool("selftest", false, "count a built-in sample and check the result")
	flag.Parse()
	if *test {
		if err := selftest(); err != nil {
			fmt.Fprintln(os.Stderr, "selftest failed:", err)
			os.Exit(1)
		}
		return
	}
	var readers []io.Reader
	for _, name := range flag.Args() {
		f, err := os.Open(name)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		defer f.Close()
		readers = append(readers, f)
	}
	if len(readers) == 0 {
		readers = append(readers, os.Stdin)
	}
	if err := report(os.Stdout, io.MultiReader(readers...), *top); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
