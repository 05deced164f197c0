package main

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/cabinet-sante/cabinet/app/demo"
	"github.com/cabinet-sante/cabinet/app/patient"
	"github.com/cabinet-sante/cabinet/app/practice"
)

func cmdDemo(c *cli, args []string) error {
	fs := c.flags("demo")
	n := fs.Int("patients", 200, "number of patients")
	seed := fs.Uint64("seed", 1, "random seed (same seed, same data)")
	years := fs.Int("invoice-years", 3, "years of notes d'honoraires and payments, for the consultations of that period")
	if _, err := parse(fs, args); err != nil {
		return err
	}
	if *n < 0 || *n > 2_000_000 {
		return fmt.Errorf("--patients must be between 0 and 2000000")
	}
	pass := []byte("demo")
	if c.passFile != "" || !c.stdinIsTerminal() {
		if p, err := c.passphrase(""); err == nil {
			pass = p
		} else if c.passFile != "" {
			return err
		}
	}
	defer clear(pass)
	p, rk, err := practice.Create(c.vault, pass, c.options())
	if err != nil {
		return err
	}
	defer p.Close()

	next, stop := pullDemo(demo.Options{Patients: *n, Seed: *seed, Now: time.Now()})
	defer stop()
	start := time.Now()
	done, err := p.Import(context.Background(), next, func(done int) {
		fmt.Fprintf(c.stderr, "\r%s %d/%d", c.t("Patients créés :", "Patients created:"), done, *n)
	})
	if done > 0 {
		fmt.Fprintln(c.stderr)
	}
	if err != nil {
		return err
	}
	notes, err := demoBilling(p, *seed, *years, c)
	if err != nil {
		return err
	}
	fmt.Fprintf(c.stdout, c.t("Coffre de démonstration créé dans %s : %d patients, %d notes d'honoraires en %s.\n",
		"Demo vault created in %s: %d patients, %d invoices in %s.\n"),
		c.vault, done, notes, time.Since(start).Round(time.Millisecond))
	fmt.Fprintln(c.stdout, c.t("Clé de secours :", "Recovery key:"))
	fmt.Fprintln(c.stdout, rk)
	return nil
}

// pullDemo turns the demo generator into a pull iterator of practice
// records.
func pullDemo(o demo.Options) (next func() (practice.Record, bool), stop func()) {
	ch := make(chan practice.Record, 64)
	quit := make(chan struct{})
	go func() {
		defer close(ch)
		demo.Generate(o, func(r demo.Record) bool {
			select {
			case ch <- practice.Record{Patient: r.Patient, Consultations: r.Consultations, Appointments: r.Appointments}:
				return true
			case <-quit:
				return false
			}
		})
	}()
	next = func() (practice.Record, bool) {
		r, ok := <-ch
		return r, ok
	}
	var once bool
	stop = func() {
		if !once {
			once = true
			close(quit)
		}
	}
	return next, stop
}

// demoBilling sets the demo practitioner and acts, then invoices the
// consultations of the last years, in date order, with their payments.
func demoBilling(p *practice.Practice, seed uint64, years int, c *cli) (int, error) {
	ctx := context.Background()
	if err := p.SetPractitioner(ctx, demo.Practitioner()); err != nil {
		return 0, err
	}
	for _, a := range demo.Acts() {
		if err := p.SaveAct(ctx, a); err != nil {
			return 0, err
		}
	}
	if years <= 0 {
		return 0, nil
	}
	now := time.Now().In(practice.Paris())
	since := now.AddDate(-years, 0, 0).Format(time.DateOnly)
	today := now.Format(time.DateOnly)
	var cs []patient.Consultation
	err := p.EachConsultation(ctx, func(k patient.Consultation) error {
		if d := k.Date.In(practice.Paris()).Format(time.DateOnly); d >= since && d <= today {
			cs = append(cs, k)
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	slices.SortFunc(cs, func(a, b patient.Consultation) int { return a.Date.Compare(b.Date) })
	notes := make([]practice.NoteImport, 0, len(cs))
	for i, k := range cs {
		date := k.Date.In(practice.Paris()).Format(time.DateOnly)
		inv := demo.InvoiceFor(seed, i, date, now)
		ni := practice.NoteImport{Request: practice.NoteRequest{PatientID: k.PatientID, ConsultationID: k.ID, Date: date}}
		for _, code := range slices.Sorted(maps.Keys(inv.Acts)) {
			ni.Request.Acts = append(ni.Request.Acts, practice.ActQty{Code: code, Qty: inv.Acts[code]})
		}
		for _, pay := range inv.Payments {
			ni.Payments = append(ni.Payments, practice.PaymentImport{Method: pay.Method, Date: pay.Date, Percent: pay.Percent})
		}
		notes = append(notes, ni)
	}
	return p.ImportNotes(ctx, notes, func(done int) {
		fmt.Fprintf(c.stderr, "\r%s %d/%d", c.t("Notes d'honoraires :", "Invoices:"), done, len(notes))
		if done == len(notes) {
			fmt.Fprintln(c.stderr)
		}
	})
}
