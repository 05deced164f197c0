package syncer_test

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/cabinet-sante/cabinet/app/demo"
	"github.com/cabinet-sante/cabinet/app/practice"
	"github.com/cabinet-sante/cabinet/store"
	"github.com/cabinet-sante/cabinet/sync/s3/s3test"
	"github.com/cabinet-sante/cabinet/sync/syncer"
)

// syncBenchPatients is the practice size of the sync benchmarks;
// CABINET_BENCH_PATIENTS overrides it.
func syncBenchPatients() int {
	if n, err := strconv.Atoi(os.Getenv("CABINET_BENCH_PATIENTS")); err == nil && n > 0 {
		return n
	}
	return 100_000
}

// syncBenchVault builds once a demo practice of n patients with their
// consultations and appointments, and returns a fresh copy of it.
func syncBenchVault(b *testing.B, n int) string {
	b.Helper()
	src := filepath.Join(os.TempDir(), fmt.Sprintf("cabinet-bench-sync-%d", n))
	if !store.Exists(src) {
		p, _, err := practice.Create(src+".tmp", pass, opts())
		if err != nil {
			os.RemoveAll(src + ".tmp")
			b.Fatal(err)
		}
		ch := make(chan practice.Record, 256)
		go func() {
			defer close(ch)
			demo.Generate(demo.Options{Patients: n, Seed: 7, Now: time.Date(2026, 11, 2, 10, 0, 0, 0, time.UTC)}, func(r demo.Record) bool {
				ch <- practice.Record{Patient: r.Patient, Consultations: r.Consultations, Appointments: r.Appointments}
				return true
			})
		}()
		if _, err := p.Import(context.Background(), func() (practice.Record, bool) { r, ok := <-ch; return r, ok }, nil); err != nil {
			b.Fatal(err)
		}
		p.Close()
		if err := os.Rename(src+".tmp", src); err != nil {
			b.Fatal(err)
		}
	}
	dst := filepath.Join(b.TempDir(), "v")
	if err := os.MkdirAll(dst, 0o700); err != nil {
		b.Fatal(err)
	}
	copyFile(b, filepath.Join(src, store.FileName), filepath.Join(dst, store.FileName))
	return dst
}

func copyFile(b *testing.B, from, to string) {
	in, err := os.Open(from)
	if err != nil {
		b.Fatal(err)
	}
	defer in.Close()
	out, err := os.Create(to)
	if err != nil {
		b.Fatal(err)
	}
	if _, err := io.Copy(out, in); err != nil {
		b.Fatal(err)
	}
	if err := out.Close(); err != nil {
		b.Fatal(err)
	}
}

func openBench(b *testing.B, dir string) *practice.Practice {
	p, err := practice.Open(dir, opts())
	if err != nil {
		b.Fatal(err)
	}
	if err := p.Unlock(pass); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { p.Close() })
	return p
}

// BenchmarkFirstSync measures the first upload of a demo practice to
// versitygw over TLS on loopback: throughput in MB/s of sealed segments.
func BenchmarkFirstSync(b *testing.B) {
	n := syncBenchPatients()
	srv := s3test.Start(b)
	var bytes int64
	var sent int
	var elapsed time.Duration
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		p := openBench(b, syncBenchVault(b, n))
		acct := account(b, srv, srv.Endpoint)
		if _, err := syncer.Enable(context.Background(), p, acct); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		start := time.Now()
		rep, err := syncer.Now(context.Background(), p, nil)
		elapsed += time.Since(start)
		if err != nil {
			b.Fatal(err)
		}
		bytes += rep.Bytes
		sent += rep.Sent
		b.StopTimer()
		if _, err := syncer.Disable(context.Background(), p, true); err != nil { // empty the bucket for the next round
			b.Fatal(err)
		}
		b.StartTimer()
	}
	b.ReportMetric(float64(bytes)/1e6/elapsed.Seconds(), "MB/s")
	b.ReportMetric(float64(sent)/elapsed.Seconds(), "records/s")
	b.ReportMetric(float64(bytes)/float64(b.N)/1e6, "MB/sync")
}

// BenchmarkIncrementalSync measures one sync after one patient changed on
// a synced demo practice: its cost must follow the change, not the
// vault.
func BenchmarkIncrementalSync(b *testing.B) {
	n := syncBenchPatients()
	srv := s3test.Start(b)
	p := openBench(b, syncBenchVault(b, n))
	acct := account(b, srv, srv.Endpoint)
	ctx := context.Background()
	if _, err := syncer.Enable(ctx, p, acct); err != nil {
		b.Fatal(err)
	}
	if _, err := syncer.Now(ctx, p, nil); err != nil {
		b.Fatal(err)
	}
	hits, err := p.Search(ctx, "a", 1)
	if err != nil || len(hits) == 0 {
		b.Fatal("no patient to edit", err)
	}
	pt, err := p.Patient(ctx, hits[0].ID)
	if err != nil {
		b.Fatal(err)
	}
	var bytes int64
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		pt.Phone = fmt.Sprintf("06%08d", i)
		if pt, err = p.UpdatePatient(ctx, pt); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		rep, err := syncer.Now(ctx, p, nil)
		if err != nil {
			b.Fatal(err)
		}
		if rep.Sent < 1 {
			b.Fatalf("incremental sync sent %d records", rep.Sent)
		}
		bytes += rep.Bytes
	}
	b.ReportMetric(float64(bytes)/float64(b.N), "B/sync")
}
