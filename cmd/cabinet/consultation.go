package main

import (
	"context"
	"fmt"
	"time"

	"github.com/cabinet-sante/cabinet/app/patient"
	"github.com/cabinet-sante/cabinet/app/practice"
	"github.com/cabinet-sante/cabinet/store"
)

func cmdConsultation(c *cli, args []string) error {
	if len(args) == 0 || args[0] != "add" {
		return fmt.Errorf("usage: cabinet consultation add --patient ID --reason R [--date YYYY-MM-DDTHH:MM] [--notes N] [--weight-kg W] [--height-cm H] [--bp 120/80]")
	}
	fs := c.flags("consultation add")
	var k patient.Consultation
	fs.StringVar(&k.PatientID, "patient", "", "patient id")
	fs.StringVar(&k.Reason, "reason", "", "reason for the visit")
	fs.StringVar(&k.Notes, "notes", "", "clinical notes")
	fs.StringVar(&k.Observations, "observations", "", "observations")
	when := fs.String("date", "", "date and time, Paris time (YYYY-MM-DDTHH:MM; default now)")
	weight := fs.Float64("weight-kg", 0, "weight in kg")
	height := fs.Float64("height-cm", 0, "height in cm")
	bp := fs.String("bp", "", "blood pressure, systolic/diastolic in mmHg")
	if _, err := parse(fs, args[1:]); err != nil {
		return err
	}
	k.Date = time.Now()
	if *when != "" {
		t, err := time.ParseInLocation("2006-01-02T15:04", *when, practice.Paris())
		if err != nil {
			if t, err = time.ParseInLocation(time.DateOnly, *when, practice.Paris()); err != nil {
				return fmt.Errorf("--date: expected YYYY-MM-DDTHH:MM or YYYY-MM-DD")
			}
		}
		k.Date = t
	}
	k.Measures.WeightG = int(*weight*1000 + 0.5)
	k.Measures.HeightMM = int(*height*10 + 0.5)
	if *bp != "" {
		if _, err := fmt.Sscanf(*bp, "%d/%d", &k.Measures.Systolic, &k.Measures.Diastolic); err != nil {
			return fmt.Errorf("--bp: expected systolic/diastolic, for example 120/80")
		}
	}
	if _, err := store.ParseID(k.PatientID); err != nil {
		return err
	}
	p, err := c.open()
	if err != nil {
		return err
	}
	defer p.Close()
	k, err = p.SaveConsultation(context.Background(), k)
	if err != nil {
		return err
	}
	fmt.Fprintln(c.stdout, k.ID)
	return nil
}
