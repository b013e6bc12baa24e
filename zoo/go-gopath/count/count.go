// Package count tallies words in text.
package count

import (
	"bufio"
	"io"
	"sort"
	"strings"
	"unicode"
)

// Entry is one word and how often it was seen.
type Entry struct {
	Word string
	N    int
}

// Words reads r and returns the words sorted by count (desc), then alphabetically.
func Words(r io.Reader) ([]Entry, int, error) {
	counts := map[string]int{}
	total := 0
	sc := bufio.NewScanner(r)
	sc.Split(bufio.ScanWords)
	for sc.Scan() {
		w := strings.ToLower(strings.TrimFunc(sc.Text(), func(r rune) bool {
			return !unicode.IsLetter(r) && !unicode.IsDigit(r)
		}))
		if w == "" {
			continue
		}
		counts[w]++
		total++
	}
	if err := sc.Err(); err != nil {
		return nil, 0, err
	}
	out := make([]Entry, 0, len(counts))
	for w, n := range counts {
		out = append(out, Entry{w, n})
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].N != out[j].N {
			return out[i].N > out[j].N
		}
		return out[i].Word < out[j].Word
	})
	return out, total, nil
}
