package ui

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"github.com/cabinet-sante/cabinet/app/demo"
	"github.com/cabinet-sante/cabinet/app/practice"
	"github.com/cabinet-sante/cabinet/store"
)

// benchVault builds once (per size) a demo vault of n patients without
// care history; CABINET_BENCH_PATIENTS sets n (default 100,000).
func benchVault(b *testing.B) (string, int) {
	n := 100_000
	if v, err := strconv.Atoi(os.Getenv("CABINET_BENCH_PATIENTS")); err == nil && v > 0 {
		n = v
	}
	dir := filepath.Join(os.TempDir(), fmt.Sprintf("cabinet-bench-ui-%d", n))
	if store.Exists(dir) {
		return dir, n
	}
	p, _, err := practice.Create(dir+".tmp", []byte(pass), popts())
	if err != nil {
		os.RemoveAll(dir + ".tmp")
		b.Fatal(err)
	}
	ch := make(chan practice.Record, 256)
	go func() {
		defer close(ch)
		demo.Generate(demo.Options{Patients: n, Seed: 42, Now: time.Date(2026, 11, 2, 10, 0, 0, 0, time.UTC)}, func(r demo.Record) bool {
			ch <- practice.Record{Patient: r.Patient}
			return true
		})
	}()
	if _, err := p.Import(context.Background(), func() (practice.Record, bool) { r, ok := <-ch; return r, ok }, nil); err != nil {
		b.Fatal(err)
	}
	p.Close()
	if err := os.Rename(dir+".tmp", dir); err != nil {
		b.Fatal(err)
	}
	return dir, n
}

// BenchmarkKeystrokeToList types names letter by letter in the GUI's
// search field and measures, per keystroke, the time until the result
// list holds the new results (search, decrypting the shown records,
// list refresh); painting by the GPU is not included.
func BenchmarkKeystrokeToList(b *testing.B) {
	dir, n := benchVault(b)
	p, err := practice.Open(dir, popts())
	if err != nil {
		b.Fatal(err)
	}
	defer p.Close()
	app := test.NewApp()
	defer app.Quit()
	u := New(fyne.CurrentApp(), p, Options{IdleLock: -1})
	u.async = func(work func() error, done func(error)) { done(work()) }
	test.Type(u.unlock.pass, pass)
	test.Tap(u.unlock.button)
	m := u.main
	words := []string{"dupont", "martin", "lefevre", "helene", "marie dur", "1972", "06 39", "bernard j", "le gall", "nguyen"}
	lat := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		w := words[i%len(words)]
		m.search.SetText("")
		for j := 1; j <= len(w); j++ {
			start := time.Now()
			m.search.SetText(w[:j])
			lat = append(lat, time.Since(start))
		}
	}
	b.StopTimer()
	slices.Sort(lat)
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds()), "p50-µs")
	b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds()), "p99-µs")
	b.ReportMetric(float64(n), "patients")
}
