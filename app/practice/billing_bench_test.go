package practice

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/cabinet-sante/cabinet/app/billing"
)

// BenchmarkIssueNote issues notes one by one, each in its own durable
// transaction, as the practitioner does.
func BenchmarkIssueNote(b *testing.B) {
	p, _, err := Create(b.TempDir(), pass, opts())
	if err != nil {
		b.Fatal(err)
	}
	defer p.Close()
	ctx := context.Background()
	p.SetPractitioner(ctx, billing.Practitioner{Name: "Dr Bench", Address: "1 rue", RPPS: "10000000000"})
	p.SaveAct(ctx, billing.Act{Code: "C", Label: "Consultation", Price: 3000})
	h, err := p.AddPatient(ctx, helene())
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	start := time.Now()
	for i := 0; i < b.N; i++ {
		if _, err := p.IssueNote(ctx, NoteRequest{PatientID: h.ID, Acts: []ActQty{{"C", 1}}, Date: "2026-03-01"}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "notes/s")
}

// BenchmarkExportFEC20k writes the FEC of a year of 20,000 paid notes
// (target: under 2 s).
func BenchmarkExportFEC20k(b *testing.B) {
	p, _, err := Create(b.TempDir(), pass, opts())
	if err != nil {
		b.Fatal(err)
	}
	defer p.Close()
	ctx := context.Background()
	p.SetPractitioner(ctx, billing.Practitioner{Name: "Dr Bench", Address: "1 rue", RPPS: "10000000000"})
	p.SaveAct(ctx, billing.Act{Code: "C", Label: "Consultation", Price: 3000})
	h, err := p.AddPatient(ctx, helene())
	if err != nil {
		b.Fatal(err)
	}
	const n = 20_000
	notes := make([]NoteImport, n)
	day := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range notes {
		d := day.AddDate(0, 0, i*365/n).Format(time.DateOnly)
		notes[i] = NoteImport{Request: NoteRequest{PatientID: h.ID, Acts: []ActQty{{"C", 1}}, Date: d},
			Payments: []PaymentImport{{Method: billing.Methods[i%len(billing.Methods)], Date: d}}}
	}
	if _, err := p.ImportNotes(ctx, notes, nil); err != nil {
		b.Fatal(err)
	}
	dir := b.TempDir()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		path, entries, err := p.ExportFEC(ctx, 2025, "732829320", dir)
		if err != nil || entries != n {
			b.Fatalf("%d entries, %v", entries, err)
		}
		if i == 0 {
			st, _ := os.Stat(path)
			b.ReportMetric(float64(st.Size())/1e6, "MB")
		}
	}
}
