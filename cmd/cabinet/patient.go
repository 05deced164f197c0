package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/cabinet-sante/cabinet/app/patient"
	"github.com/cabinet-sante/cabinet/app/practice"
	"github.com/cabinet-sante/cabinet/store"
)

func cmdPatient(c *cli, args []string) error {
	if len(args) == 0 {
		return fmt.Errorf("usage: cabinet patient add|search|show|edit")
	}
	switch args[0] {
	case "add":
		return patientAdd(c, args[1:])
	case "edit":
		return patientEdit(c, args[1:])
	case "search":
		return patientSearch(c, args[1:])
	case "show":
		return patientShow(c, args[1:])
	}
	return fmt.Errorf("unknown patient command %q: add, search, show or edit", args[0])
}

// identityFlags binds the identity fields of pt to flags, with pt's current
// values as defaults.
func identityFlags(c *cli, name string, pt *patient.Patient) *flag.FlagSet {
	fs := c.flags(name)
	fs.StringVar(&pt.BirthName, "last-name", pt.BirthName, "birth name")
	fs.StringVar(&pt.UsedName, "used-name", pt.UsedName, "used name")
	fs.StringVar(&pt.FirstNames, "first-name", pt.FirstNames, "first names")
	fs.StringVar(&pt.BirthDate, "birth-date", pt.BirthDate, "YYYY-MM-DD")
	fs.Func("sex", "F or M", func(s string) error {
		pt.Sex = patient.Sex(strings.ToUpper(s))
		return nil
	})
	fs.StringVar(&pt.BirthPlace, "birth-place", pt.BirthPlace, "INSEE code of the birth place")
	fs.StringVar(&pt.NIR, "nir", pt.NIR, "social security number (15 characters)")
	fs.StringVar(&pt.Email, "email", pt.Email, "e-mail")
	fs.StringVar(&pt.Phone, "phone", pt.Phone, "phone")
	fs.StringVar(&pt.Address, "address", pt.Address, "postal address")
	fs.StringVar(&pt.Notes, "notes", pt.Notes, "notes")
	return fs
}

func patientAdd(c *cli, args []string) error {
	var pt patient.Patient
	if _, err := parse(identityFlags(c, "patient add", &pt), args); err != nil {
		return err
	}
	p, err := c.open()
	if err != nil {
		return err
	}
	defer p.Close()
	ctx := context.Background()
	if dups, err := p.Duplicates(ctx, pt); err == nil && len(dups) > 0 {
		fmt.Fprintf(c.stderr, c.t("Attention : %d patient(s) avec les mêmes nom, prénom et date de naissance existent déjà (%s).\n",
			"Warning: %d patient(s) with the same name, first name and birth date already exist (%s).\n"), len(dups), dups[0].ID)
	}
	pt, err = p.AddPatient(ctx, pt)
	if err != nil {
		return err
	}
	fmt.Fprintln(c.stdout, pt.ID)
	return nil
}

func patientEdit(c *cli, args []string) error {
	var scratch patient.Patient
	pos, err := parse(identityFlags(c, "patient edit", &scratch), args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return errors.New("usage: cabinet patient edit ID --field value")
	}
	p, err := c.open()
	if err != nil {
		return err
	}
	defer p.Close()
	ctx := context.Background()
	cur, err := p.Patient(ctx, pos[0])
	if err != nil {
		return err
	}
	// Apply only the flags given, on top of the current record.
	edited := cur
	if _, err := parse(identityFlags(c, "patient edit", &edited), args); err != nil {
		return err
	}
	if _, err := p.UpdatePatient(ctx, edited); err != nil {
		return err
	}
	fmt.Fprintln(c.stdout, cur.ID)
	return nil
}

func patientSearch(c *cli, args []string) error {
	fs := c.flags("patient search")
	asJSON := fs.Bool("json", false, "JSON output")
	limit := fs.Int("limit", 20, "maximum number of results")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) == 0 {
		return fmt.Errorf("usage: cabinet patient search QUERY")
	}
	p, err := c.open()
	if err != nil {
		return err
	}
	defer p.Close()
	res, err := p.Search(context.Background(), strings.Join(pos, " "), *limit)
	if err != nil {
		return err
	}
	if *asJSON {
		if res == nil {
			res = []patient.Patient{}
		}
		return writeJSON(c, res)
	}
	if len(res) == 0 {
		fmt.Fprintln(c.stderr, c.t("Aucun patient trouvé.", "No patient found."))
		return nil
	}
	tw := tabwriter.NewWriter(c.stdout, 2, 4, 2, ' ', 0)
	for _, pt := range res {
		fmt.Fprintf(tw, "%s\t%s\t%s\n", pt.ID, pt.DisplayName(), frDate(pt.BirthDate))
	}
	return tw.Flush()
}

// frDate turns YYYY-MM-DD into DD/MM/YYYY.
func frDate(s string) string {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return s
	}
	return t.Format("02/01/2006")
}

func writeJSON(c *cli, v any) error {
	enc := json.NewEncoder(c.stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

type patientRecord struct {
	patient.Patient
	Consultations []patient.Consultation `json:"consultations"`
	Appointments  []patient.Appointment  `json:"appointments"`
	History       []practice.Change      `json:"history"`
}

func patientShow(c *cli, args []string) error {
	fs := c.flags("patient show")
	asJSON := fs.Bool("json", false, "JSON output")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return fmt.Errorf("usage: cabinet patient show ID")
	}
	if _, err := store.ParseID(pos[0]); err != nil {
		return err
	}
	p, err := c.open()
	if err != nil {
		return err
	}
	defer p.Close()
	ctx := context.Background()
	rec := patientRecord{}
	if rec.Patient, err = p.Patient(ctx, pos[0]); err != nil {
		return err
	}
	if rec.Consultations, err = p.Consultations(ctx, pos[0]); err != nil {
		return err
	}
	if rec.Appointments, err = p.PatientAppointments(ctx, pos[0]); err != nil {
		return err
	}
	if rec.History, err = p.History(ctx, pos[0]); err != nil {
		return err
	}
	if *asJSON {
		return writeJSON(c, rec)
	}
	pt := rec.Patient
	tw := tabwriter.NewWriter(c.stdout, 2, 4, 2, ' ', 0)
	row := func(fr, en, v string) {
		if v != "" {
			fmt.Fprintf(tw, "%s\t%s\n", c.t(fr, en), strings.ReplaceAll(v, "\n", ", "))
		}
	}
	row("Patient", "Patient", pt.DisplayName())
	row("Identifiant", "Id", pt.ID)
	row("Né(e) le", "Born", frDate(pt.BirthDate))
	row("Sexe", "Sex", string(pt.Sex))
	row("Lieu de naissance", "Birth place", pt.BirthPlace)
	row("NIR", "NIR", pt.NIR)
	row("Adresse", "Address", pt.Address)
	row("Téléphone", "Phone", pt.Phone)
	row("Courriel", "E-mail", pt.Email)
	row("Notes", "Notes", pt.Notes)
	tw.Flush()
	fmt.Fprintf(c.stdout, "\n%s (%d)\n", c.t("Consultations", "Consultations"), len(rec.Consultations))
	for _, k := range rec.Consultations {
		fmt.Fprintf(c.stdout, "  %s  %s\n", k.Date.In(practice.Paris()).Format("02/01/2006 15:04"), k.Reason)
	}
	return nil
}
