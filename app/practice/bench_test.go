package practice

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/cabinet-sante/cabinet/app/demo"
	"github.com/cabinet-sante/cabinet/store"
)

// benchPatients is the practice size of the unlock and search benchmarks;
// CABINET_BENCH_PATIENTS overrides it.
func benchPatients() int {
	if n, err := strconv.Atoi(os.Getenv("CABINET_BENCH_PATIENTS")); err == nil && n > 0 {
		return n
	}
	return 100_000
}

// benchVault builds (once per directory) a demo practice of n patients
// without consultations, to measure what grows with the patient count.
func benchVault(b *testing.B, n int) string {
	b.Helper()
	dir := filepath.Join(os.TempDir(), fmt.Sprintf("cabinet-bench-%d", n))
	if store.Exists(dir) {
		return dir
	}
	p, _, err := Create(dir+".tmp", pass, opts())
	if err != nil {
		os.RemoveAll(dir + ".tmp")
		b.Fatal(err)
	}
	ch := make(chan Record, 256)
	go func() {
		defer close(ch)
		demo.Generate(demo.Options{Patients: n, Seed: 42, Now: time.Date(2026, 11, 2, 10, 0, 0, 0, time.UTC)}, func(r demo.Record) bool {
			ch <- Record{Patient: r.Patient}
			return true
		})
	}()
	if _, err := p.Import(context.Background(), func() (Record, bool) { r, ok := <-ch; return r, ok }, nil); err != nil {
		b.Fatal(err)
	}
	p.Close()
	if err := os.Rename(dir+".tmp", dir); err != nil {
		b.Fatal(err)
	}
	return dir
}

// BenchmarkUnlockToReady measures, at benchPatients patients, the time
// from the passphrase to a searchable practice, split into key derivation
// (cheap parameters here; see store's BenchmarkKeyDerivation for the real
// cost) and everything else (unwrapping, decrypting every patient,
// building the index).
func BenchmarkUnlockToReady(b *testing.B) {
	n := benchPatients()
	dir := benchVault(b, n)
	b.ResetTimer()
	var ready time.Duration
	for i := 0; i < b.N; i++ {
		p, err := Open(dir, opts())
		if err != nil {
			b.Fatal(err)
		}
		start := time.Now()
		if err := p.Unlock(pass); err != nil {
			b.Fatal(err)
		}
		ready += time.Since(start)
		if p.PatientCount() != n {
			b.Fatalf("index holds %d of %d", p.PatientCount(), n)
		}
		b.StopTimer()
		p.Close()
		b.StartTimer()
	}
	b.ReportMetric(float64(ready.Milliseconds())/float64(b.N), "ready-ms")
	b.ReportMetric(float64(n), "patients")
}

// BenchmarkSearchAsYouType types realistic prefixes one letter at a time
// and reports the latency percentiles of Search (index + reading the
// matching records).
func BenchmarkSearchAsYouType(b *testing.B) {
	n := benchPatients()
	p, err := Open(benchVault(b, n), opts())
	if err != nil {
		b.Fatal(err)
	}
	defer p.Close()
	if err := p.Unlock(pass); err != nil {
		b.Fatal(err)
	}
	words := []string{"dupont", "martin", "lefevre", "hel", "marie durand", "1972", "06 1", "bernard j", "n'diaye", "le gall"}
	var queries []string
	for _, w := range words {
		for i := 1; i <= len(w); i++ {
			queries = append(queries, w[:i])
		}
	}
	rng := rand.New(rand.NewPCG(1, 1))
	lat := make([]time.Duration, 0, b.N)
	ctx := context.Background()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		q := queries[rng.IntN(len(queries))]
		start := time.Now()
		if _, err := p.Search(ctx, q, 50); err != nil {
			b.Fatal(err)
		}
		lat = append(lat, time.Since(start))
	}
	b.StopTimer()
	slices.Sort(lat)
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds()), "p50-µs")
	b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds()), "p99-µs")
}
