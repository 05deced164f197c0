package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cabinet-sante/cabinet/app/patient"
	"github.com/cabinet-sante/cabinet/app/practice"
	"github.com/cabinet-sante/cabinet/store"
)

// The scale harness: demo practices of 10k, 100k and 1M patients (with
// their consultations, appointments and three years of notes), built once
// and reused (same seed, same data), and what a practitioner waits for at
// each size. CABINET_BENCH_SIZES picks the sizes (comma-separated). The key
// derivation runs with cheap test parameters here; its real cost is
// store's BenchmarkKeyDerivation.

func scaleSizes() []int {
	s := os.Getenv("CABINET_BENCH_SIZES")
	if s == "" {
		s = "10000,100000"
	}
	var out []int
	for _, f := range strings.Split(s, ",") {
		if n, err := strconv.Atoi(strings.TrimSpace(f)); err == nil && n > 0 {
			out = append(out, n)
		}
	}
	return out
}

// scaleMeta is what the build measured, kept beside the cached vault.
type scaleMeta struct {
	LoadSeconds float64 `json:"load_seconds"` // demo command: patients, consultations, notes
	PlainBytes  int64   `json:"plain_bytes"`  // every value, decrypted
	Values      int     `json:"values"`
	Big         string  `json:"big"` // a patient with 5,000 consultations
}

func scalePractice(b *testing.B, n int) (string, scaleMeta) {
	b.Helper()
	dir := filepath.Join(os.TempDir(), fmt.Sprintf("cabinet-scale-%d", n))
	var m scaleMeta
	if raw, err := os.ReadFile(filepath.Join(dir, "scale.json")); err == nil && json.Unmarshal(raw, &m) == nil {
		return dir, m
	}
	tmp := dir + ".tmp"
	os.RemoveAll(tmp)
	start := time.Now()
	var out, errb strings.Builder
	if code := run([]string{"demo", "--vault", tmp, "--patients", strconv.Itoa(n), "--seed", "42"}, strings.NewReader("demo\n"), &out, &errb); code != 0 {
		b.Fatalf("demo: %s", errb.String())
	}
	m.LoadSeconds = time.Since(start).Seconds()
	p := openScale(b, tmp)
	ctx := context.Background()
	big := patient.Patient{BirthName: "Suivi-Long", FirstNames: "Jeanne", BirthDate: "1950-05-05", Sex: patient.Female}
	r := practice.Record{Patient: big}
	day := time.Date(2006, 1, 2, 9, 0, 0, 0, time.UTC)
	for i := range 5000 {
		r.Consultations = append(r.Consultations, patient.Consultation{Date: day.Add(time.Duration(i) * 36 * time.Hour), Reason: "Séance", Notes: "Évolution favorable, poursuite du traitement."})
	}
	sent := false
	if _, err := p.Import(ctx, func() (practice.Record, bool) {
		if sent {
			return practice.Record{}, false
		}
		sent = true
		return r, true
	}, nil); err != nil {
		b.Fatal(err)
	}
	hits, _ := p.Search(ctx, "suivi-long jeanne", 1)
	if len(hits) != 1 {
		b.Fatal("the patient with 5,000 consultations is not found")
	}
	m.Big = hits[0].ID
	err := p.Vault().View(func(tx *store.Tx) error {
		names, err := tx.Buckets()
		if err != nil {
			return err
		}
		for _, bk := range names {
			if bk == "audit" {
				continue
			}
			if err := tx.ForEach(bk, func(_ store.ID, v []byte) error { m.PlainBytes += int64(len(v)); m.Values++; return nil }); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	p.Close()
	raw, _ := json.Marshal(m)
	if err := os.WriteFile(filepath.Join(tmp, "scale.json"), raw, 0o600); err != nil {
		b.Fatal(err)
	}
	if err := os.Rename(tmp, dir); err != nil {
		b.Fatal(err)
	}
	return dir, m
}

func openScale(b *testing.B, dir string) *practice.Practice {
	b.Helper()
	p, err := practice.Open(dir, &practice.Options{Store: testStore})
	if err != nil {
		b.Fatal(err)
	}
	if err := p.Unlock([]byte("demo")); err != nil {
		b.Fatal(err)
	}
	return p
}

// memPeak follows the process's resident memory while a size runs. The
// kernel's own peak (VmHWM) counts the pages of the vault file that bbolt
// maps, which the kernel can drop at any time and shares with its cache; the
// process's own memory is the anonymous part (RssAnon), which the kernel
// keeps no peak of, so it is sampled.
type memPeak struct {
	stop      chan struct{}
	done      chan float64
	once      sync.Once
	anon, hwm float64
}

func startMemPeak() *memPeak {
	_ = os.WriteFile("/proc/self/clear_refs", []byte("5"), 0) // forget VmHWM
	m := &memPeak{stop: make(chan struct{}), done: make(chan float64)}
	go func() {
		peak := 0.0
		t := time.NewTicker(2 * time.Millisecond)
		defer t.Stop()
		for {
			peak = max(peak, procStatusMB("RssAnon:"))
			select {
			case <-m.stop:
				m.done <- peak
				return
			case <-t.C:
			}
		}
	}()
	return m
}

// peaks returns the peak anonymous memory and the kernel's peak resident
// size (file pages included), in MB.
func (m *memPeak) peaks() (anon, hwm float64) {
	m.once.Do(func() {
		close(m.stop)
		m.anon, m.hwm = <-m.done, procStatusMB("VmHWM:")
	})
	return m.anon, m.hwm
}

func procStatusMB(field string) float64 {
	raw, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, l := range strings.Split(string(raw), "\n") {
		if f := strings.Fields(l); len(f) >= 2 && f[0] == field {
			kb, _ := strconv.ParseFloat(f[1], 64)
			return kb / 1024
		}
	}
	return 0
}

func percentile(d []time.Duration, q float64) time.Duration {
	slices.Sort(d)
	return d[min(len(d)-1, int(q*float64(len(d))))]
}

func BenchmarkScale(b *testing.B) {
	for _, n := range scaleSizes() {
		b.Run(fmt.Sprintf("patients=%d", n), func(b *testing.B) { scaleOne(b, n) })
	}
}

func scaleOne(b *testing.B, n int) {
	dir, m := scalePractice(b, n)
	runtime.GC()
	debug.FreeOSMemory()
	mem := startMemPeak()
	ctx := context.Background()
	st, err := os.Stat(filepath.Join(dir, store.FileName))
	if err != nil {
		b.Fatal(err)
	}
	b.Run("load", func(b *testing.B) {
		for range b.N {
		}
		b.ReportMetric(float64(n)/m.LoadSeconds, "patients/s")
		b.ReportMetric(float64(m.Values)/m.LoadSeconds, "values/s")
		b.ReportMetric(float64(st.Size())/float64(m.PlainBytes), "vault/plain")
		b.ReportMetric(float64(st.Size())/1e6, "vault-MB")
	})
	var p *practice.Practice
	b.Run("unlock", func(b *testing.B) {
		var ready time.Duration
		for range b.N {
			if p != nil {
				p.Close()
			}
			q, err := practice.Open(dir, &practice.Options{Store: testStore})
			if err != nil {
				b.Fatal(err)
			}
			start := time.Now()
			if err := q.Unlock([]byte("demo")); err != nil {
				b.Fatal(err)
			}
			ready += time.Since(start)
			p = q
		}
		b.ReportMetric(float64(ready.Milliseconds())/float64(b.N), "ready-ms")
	})
	if p == nil { // the unlock line was filtered out
		p = openScale(b, dir)
	}
	defer p.Close()
	b.Run("search", func(b *testing.B) {
		var lat []time.Duration
		names := []string{"martin", "bernard", "dubois", "thomas", "robert", "richard", "petit", "durand", "leroy", "moreau"}
		for i := range b.N {
			name := names[i%len(names)]
			for k := 1; k <= len(name); k++ {
				start := time.Now()
				if _, err := p.Search(ctx, name[:k], 50); err != nil {
					b.Fatal(err)
				}
				lat = append(lat, time.Since(start))
			}
		}
		b.ReportMetric(float64(percentile(lat, 0.5).Microseconds()), "p50-µs")
		b.ReportMetric(float64(percentile(lat, 0.99).Microseconds()), "p99-µs")
	})
	hits, _ := p.Search(ctx, "martin", 1)
	if len(hits) == 0 {
		b.Fatal("no typical patient")
	}
	openRecord := func(id string) func(b *testing.B) {
		return func(b *testing.B) {
			for range b.N {
				if _, err := p.Patient(ctx, id); err != nil {
					b.Fatal(err)
				}
				if _, err := p.Consultations(ctx, id); err != nil {
					b.Fatal(err)
				}
			}
		}
	}
	b.Run("record", openRecord(hits[0].ID))
	b.Run("record-5000", openRecord(m.Big))
	b.Run("issue", func(b *testing.B) {
		for range b.N {
			if _, err := p.IssueNote(ctx, practice.NoteRequest{PatientID: hits[0].ID, Acts: []practice.ActQty{{Code: "G", Qty: 1}}}); err != nil {
				b.Fatal(err)
			}
		}
	})
	year := time.Now().Year() - 1
	out := b.TempDir()
	b.Run("fec", func(b *testing.B) {
		for range b.N {
			if _, _, err := p.ExportFEC(ctx, year, "732829320", out); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("recettes", func(b *testing.B) {
		for range b.N {
			if _, err := p.ExportRecettes(ctx, year, filepath.Join(out, "recettes.csv"), false); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("backup", func(b *testing.B) {
		for i := range b.N {
			path := filepath.Join(out, fmt.Sprintf("backup-%d", i))
			if err := p.Backup(ctx, path); err != nil {
				b.Fatal(err)
			}
			os.Remove(path)
		}
		b.SetBytes(st.Size())
	})
	b.Run("rss", func(b *testing.B) {
		for range b.N {
		}
		anon, hwm := mem.peaks()
		b.ReportMetric(anon, "peak-anon-MB")
		b.ReportMetric(hwm, "peak-RSS-MB")
	})
}
