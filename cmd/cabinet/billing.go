package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/cabinet-sante/cabinet/app/billing"
	"github.com/cabinet-sante/cabinet/app/practice"
)

func cmdAct(c *cli, args []string) error {
	usage := errors.New("usage: cabinet act add --code CODE --label TEXT --price CENTS [--ngap CODE] | cabinet act list [--json]")
	if len(args) == 0 {
		return usage
	}
	switch args[0] {
	case "add":
		fs := c.flags("act add")
		var a billing.Act
		fs.StringVar(&a.Code, "code", "", "the act's code")
		fs.StringVar(&a.Label, "label", "", "its label on notes")
		price := fs.Int64("price", 0, "unit price in cents (2600 for 26,00 €)")
		fs.StringVar(&a.NGAP, "ngap", "", "NGAP/CCAM code (optional)")
		if _, err := parse(fs, args[1:]); err != nil {
			return err
		}
		a.Price = billing.Cents(*price)
		p, err := c.open()
		if err != nil {
			return err
		}
		defer p.Close()
		if err := p.SaveAct(context.Background(), a); err != nil {
			return err
		}
		fmt.Fprintf(c.stdout, c.t("Acte %s enregistré : %s, %s.\n", "Act %s saved: %s, %s.\n"), strings.ToUpper(a.Code), a.Label, a.Price.Euros())
		return nil
	case "list":
		fs := c.flags("act list")
		asJSON := fs.Bool("json", false, "JSON output")
		if _, err := parse(fs, args[1:]); err != nil {
			return err
		}
		p, err := c.open()
		if err != nil {
			return err
		}
		defer p.Close()
		acts, err := p.Acts(context.Background())
		if err != nil {
			return err
		}
		if *asJSON {
			return writeJSON(c, acts)
		}
		tw := tabwriter.NewWriter(c.stdout, 0, 4, 2, ' ', 0)
		for _, a := range acts {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", a.Code, a.Label, a.Price.Euros(), a.NGAP)
		}
		return tw.Flush()
	}
	return usage
}

func cmdSettings(c *cli, args []string) error {
	fs := c.flags("settings")
	var pr billing.Practitioner
	set := map[string]*string{"name": &pr.Name, "profession": &pr.Profession, "address": &pr.Address, "rpps": &pr.RPPS,
		"adeli": &pr.ADELI, "siret": &pr.SIRET, "place": &pr.Place}
	given := map[string]bool{}
	for name, ptr := range set {
		fs.Func(name, "practitioner's "+name, func(s string) error {
			*ptr, given[name] = strings.ReplaceAll(s, `\n`, "\n"), true
			return nil
		})
	}
	asJSON := fs.Bool("json", false, "JSON output")
	p, err := c.parseOpen(fs, args)
	if err != nil {
		return err
	}
	defer p.Close()
	ctx := context.Background()
	cur, err := p.Practitioner(ctx)
	if err != nil {
		return err
	}
	if len(given) > 0 {
		curSet := map[string]*string{"name": &cur.Name, "profession": &cur.Profession, "address": &cur.Address, "rpps": &cur.RPPS,
			"adeli": &cur.ADELI, "siret": &cur.SIRET, "place": &cur.Place}
		for name := range given {
			*curSet[name] = *set[name]
		}
		if err := p.SetPractitioner(ctx, cur); err != nil {
			return err
		}
	}
	if *asJSON {
		return writeJSON(c, cur)
	}
	fmt.Fprintf(c.stdout, "%s\n%s\n%s\nRPPS %s  ADELI %s  SIRET %s\n", cur.Name, cur.Profession, cur.Address, cur.RPPS, cur.ADELI, cur.SIRET)
	if fr, en := practice.MissingMentions(cur); len(fr) > 0 {
		fmt.Fprintln(c.stderr, c.t("À compléter pour des notes conformes : "+strings.Join(fr, ", "), "Missing for compliant notes: "+strings.Join(en, ", ")))
	}
	return nil
}

func cmdInvoice(c *cli, args []string) error {
	usage := errors.New("usage: cabinet invoice issue|pay|list|show|cancel|pdf|unpaid|remind ... (see cabinet help)")
	if len(args) == 0 {
		return usage
	}
	sub, args := args[0], args[1:]
	ctx := context.Background()
	switch sub {
	case "issue":
		fs := c.flags("invoice issue")
		var r practice.NoteRequest
		fs.StringVar(&r.PatientID, "patient", "", "patient id")
		fs.Func("act", "act code, optionally :quantity (repeatable)", func(s string) error {
			code, qty, found := strings.Cut(s, ":")
			n := 1
			if found {
				var err error
				if n, err = strconv.Atoi(qty); err != nil || n < 1 {
					return errors.New("expected CODE or CODE:QUANTITY")
				}
			}
			r.Acts = append(r.Acts, practice.ActQty{Code: code, Qty: n})
			return nil
		})
		fs.StringVar(&r.Date, "date", "", "date of the note, YYYY-MM-DD (default today)")
		fs.StringVar(&r.ServiceDate, "service-date", "", "date of the care (default the note's)")
		fs.StringVar(&r.ServicePlace, "place", "", "place of the care (default the practice's)")
		fs.StringVar(&r.ConsultationID, "consultation", "", "consultation id the note is for")
		fs.BoolVar(&r.Anonymous, "anonymous", false, "leave the patient's name off the note (at their request)")
		if _, err := parse(fs, args); err != nil {
			return err
		}
		if r.PatientID == "" || len(r.Acts) == 0 {
			return errors.New("--patient ID and at least one --act CODE[:QTY] are required")
		}
		p, err := c.open()
		if err != nil {
			return err
		}
		defer p.Close()
		n, err := p.IssueNote(ctx, r)
		if err != nil {
			return err
		}
		if fr, en := practice.MissingMentions(n.Practitioner); len(fr) > 0 {
			fmt.Fprintln(c.stderr, c.t("Attention : mentions obligatoires manquantes ("+strings.Join(fr, ", ")+") ; complétez-les avec « cabinet settings ».",
				"Warning: mandatory mentions missing ("+strings.Join(en, ", ")+"); fill them in with \"cabinet settings\"."))
		}
		fmt.Fprintf(c.stderr, c.t("Note émise : %s.\n", "Note issued: %s.\n"), n.Total.Euros())
		fmt.Fprintln(c.stdout, n.Number)
		return nil
	case "pay":
		fs := c.flags("invoice pay")
		amount := fs.Int64("amount", 0, "amount in cents")
		method := fs.String("method", "", "cash|cheque|card|transfer|third-party")
		date := fs.String("date", "", "date of the payment, YYYY-MM-DD (default today)")
		pos, err := parse(fs, args)
		if err != nil {
			return err
		}
		if len(pos) != 1 {
			return errors.New("usage: cabinet invoice pay NUMBER --amount CENTS --method cash|cheque|card|transfer|third-party [--date YYYY-MM-DD]")
		}
		p, err := c.open()
		if err != nil {
			return err
		}
		defer p.Close()
		s, err := p.Pay(ctx, pos[0], billing.Cents(*amount), billing.Method(*method), *date)
		if err != nil {
			return err
		}
		fmt.Fprintf(c.stdout, "%s %s\n", s.Number, c.t(s.Status.French(), string(s.Status)))
		return nil
	case "list":
		fs := c.flags("invoice list")
		year := fs.Int("year", 0, "only this year")
		status := fs.String("status", "", "unpaid|partly-paid|paid|cancelled|credit")
		pid := fs.String("patient", "", "only this patient")
		asJSON := fs.Bool("json", false, "JSON output")
		p, err := c.parseOpen(fs, args)
		if err != nil {
			return err
		}
		defer p.Close()
		notes, err := p.Notes(ctx, practice.NoteFilter{Year: *year, Status: billing.Status(*status), PatientID: *pid})
		if err != nil {
			return err
		}
		if *asJSON {
			if notes == nil {
				notes = []practice.NoteState{}
			}
			return writeJSON(c, notes)
		}
		tw := tabwriter.NewWriter(c.stdout, 0, 4, 2, ' ', 0)
		for _, n := range notes {
			name := n.PatientName
			if name == "" {
				name = billing.PatientRef(n.PatientID)
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t\n", n.Number, n.Date, n.Total.Euros(), c.t(n.Status.French(), string(n.Status)), name)
		}
		return tw.Flush()
	case "show":
		fs := c.flags("invoice show")
		if _, err := parse(fs, args); err != nil {
			return err
		}
		pos := fs.Args()
		if len(pos) != 1 {
			return errors.New("usage: cabinet invoice show NUMBER")
		}
		p, err := c.open()
		if err != nil {
			return err
		}
		defer p.Close()
		s, err := p.Note(ctx, pos[0])
		if err != nil {
			return err
		}
		return writeJSON(c, s)
	case "cancel":
		fs := c.flags("invoice cancel")
		reason := fs.String("reason", "", "why the note is cancelled")
		date := fs.String("date", "", "date of the credit note (default today)")
		pos, err := parse(fs, args)
		if err != nil {
			return err
		}
		if len(pos) != 1 {
			return errors.New("usage: cabinet invoice cancel NUMBER --reason TEXT")
		}
		p, err := c.open()
		if err != nil {
			return err
		}
		defer p.Close()
		cn, err := p.Cancel(ctx, pos[0], *reason, *date)
		if err != nil {
			return err
		}
		fmt.Fprintf(c.stderr, c.t("Note %s annulée par l'avoir :\n", "Note %s cancelled by credit note:\n"), pos[0])
		fmt.Fprintln(c.stdout, cn.Number)
		return nil
	case "unpaid":
		fs := c.flags("invoice unpaid")
		asJSON := fs.Bool("json", false, "JSON output")
		p, err := c.parseOpen(fs, args)
		if err != nil {
			return err
		}
		defer p.Close()
		list, err := p.Unpaid(ctx)
		if err != nil {
			return err
		}
		if *asJSON {
			if list == nil {
				list = []practice.Overdue{}
			}
			return writeJSON(c, list)
		}
		tw := tabwriter.NewWriter(c.stdout, 0, 4, 2, ' ', 0)
		for _, o := range list {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", o.Number, o.Date, fmt.Sprintf(c.t("%d j", "%d d"), o.Days), o.Due.Euros(), o.PatientName)
		}
		return tw.Flush()
	case "remind":
		fs := c.flags("invoice remind")
		out := fs.String("out", "", "PDF file to write")
		pos, err := parse(fs, args)
		if err != nil {
			return err
		}
		if len(pos) != 1 || *out == "" {
			return errors.New("usage: cabinet invoice remind NUMBER --out FILE")
		}
		p, err := c.open()
		if err != nil {
			return err
		}
		defer p.Close()
		if err := p.ReminderPDF(ctx, pos[0], *out); err != nil {
			return err
		}
		fmt.Fprintln(c.stdout, *out)
		return nil
	case "pdf":
		fs := c.flags("invoice pdf")
		out := fs.String("out", "", "PDF file to write")
		receipt := fs.Bool("receipt", false, "the receipt (acquit) of a paid note")
		pos, err := parse(fs, args)
		if err != nil {
			return err
		}
		if len(pos) != 1 || *out == "" {
			return errors.New("usage: cabinet invoice pdf NUMBER --out FILE [--receipt]")
		}
		p, err := c.open()
		if err != nil {
			return err
		}
		defer p.Close()
		if err := p.NotePDF(ctx, pos[0], *out, *receipt); err != nil {
			return err
		}
		fmt.Fprintln(c.stdout, *out)
		return nil
	}
	return usage
}

func cmdExport(c *cli, args []string) error {
	usage := errors.New("usage: cabinet export fec --year YYYY --siren SIREN --out DIR | cabinet export recettes --year YYYY --out FILE [--names] | cabinet export summary --year YYYY --out FILE.pdf")
	if len(args) == 0 {
		return usage
	}
	sub, args := args[0], args[1:]
	if sub == "patient" {
		return cmdExportPatient(c, args)
	}
	ctx := context.Background()
	fs := c.flags("export " + sub)
	year := fs.Int("year", 0, "fiscal year")
	out := fs.String("out", "", "where to write")
	switch sub {
	case "fec":
		siren := fs.String("siren", "", "the practice's SIREN (9 digits)")
		if _, err := parse(fs, args); err != nil {
			return err
		}
		if *year == 0 || *out == "" {
			return usage
		}
		if st, err := os.Stat(*out); err != nil || !st.IsDir() {
			return errors.New("--out must be an existing folder")
		}
		p, err := c.open()
		if err != nil {
			return err
		}
		defer p.Close()
		path, n, err := p.ExportFEC(ctx, *year, *siren, *out)
		if err != nil {
			return err
		}
		fmt.Fprintf(c.stderr, c.t("FEC %d : %d écritures.\n", "FEC %d: %d entries.\n"), *year, n)
		fmt.Fprintln(c.stdout, path)
		return nil
	case "summary":
		if _, err := parse(fs, args); err != nil {
			return err
		}
		if *year == 0 || *out == "" {
			return usage
		}
		p, err := c.open()
		if err != nil {
			return err
		}
		defer p.Close()
		s, err := p.ExportSummary(ctx, *year, *out)
		if err != nil {
			return err
		}
		fmt.Fprintf(c.stderr, c.t("Recettes %d : %s en %d encaissements.\n", "Receipts %d: %s in %d payments.\n"), *year, s.Total.Euros(), s.Count)
		fmt.Fprintln(c.stdout, *out)
		return nil
	case "recettes":
		names := fs.Bool("names", false, "write patients' names instead of their file reference")
		if _, err := parse(fs, args); err != nil {
			return err
		}
		if *year == 0 || *out == "" {
			return usage
		}
		p, err := c.open()
		if err != nil {
			return err
		}
		defer p.Close()
		n, err := p.ExportRecettes(ctx, *year, *out, *names)
		if err != nil {
			return err
		}
		fmt.Fprintf(c.stderr, c.t("Livre des recettes %d : %d encaissements.\n", "Receipts journal %d: %d receipts.\n"), *year, n)
		fmt.Fprintln(c.stdout, *out)
		return nil
	}
	return usage
}
