package main

import (
	"context"
	"fmt"
	"time"

	"github.com/cabinet-sante/cabinet/app/demo"
	"github.com/cabinet-sante/cabinet/app/practice"
)

func cmdDemo(c *cli, args []string) error {
	fs := c.flags("demo")
	n := fs.Int("patients", 200, "number of patients")
	seed := fs.Uint64("seed", 1, "random seed (same seed, same data)")
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
	fmt.Fprintf(c.stdout, c.t("Coffre de démonstration créé dans %s : %d patients en %s.\n", "Demo vault created in %s: %d patients in %s.\n"),
		c.vault, done, time.Since(start).Round(time.Millisecond))
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
