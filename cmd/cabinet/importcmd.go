package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/cabinet-sante/cabinet/app/importer"
	"github.com/cabinet-sante/cabinet/app/msg"
	"github.com/cabinet-sante/cabinet/app/patient"
)

func cmdImport(c *cli, args []string) error {
	usage := errors.New("usage: cabinet import csv|vcard FILE [--dry-run] [--map field=Column,...]")
	if len(args) == 0 || (args[0] != "csv" && args[0] != "vcard") {
		return usage
	}
	kind := args[0]
	fs := c.flags("import " + kind)
	dry := fs.Bool("dry-run", false, "check every row, import nothing")
	mapping := fs.String("map", "", "CSV columns: field=Header,... (fields: "+strings.Join(importer.Fields, ", ")+")")
	pos, err := parse(fs, args[1:])
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usage
	}
	f, err := os.Open(pos[0])
	if err != nil {
		return err
	}
	defer f.Close()
	now := time.Now()
	var rows []importer.Row
	if kind == "vcard" {
		if rows, err = importer.ReadVCards(f, now); err != nil {
			return err
		}
	} else {
		tab, err := importer.ReadCSV(f)
		if err != nil {
			return err
		}
		m := importer.Guess(tab.Header)
		if *mapping != "" {
			for _, kv := range strings.Split(*mapping, ",") {
				field, col, ok := strings.Cut(kv, "=")
				idx := -1
				for i, h := range tab.Header {
					if strings.EqualFold(strings.TrimSpace(h), strings.TrimSpace(col)) {
						idx = i
					}
				}
				if _, known := m[field]; !ok || !known || idx < 0 {
					return fmt.Errorf("--map %s: expected field=Header with a field among %s and a column of the file", kv, strings.Join(importer.Fields, ", "))
				}
				m[field] = idx
			}
		}
		rows = importer.Rows(tab, m, now)
	}
	bad := importer.Errors(rows)
	for _, r := range rows {
		if r.Err != nil {
			fmt.Fprintf(c.stderr, c.t("ligne %d : %s\n", "line %d: %s\n"), r.Line, msg.Text(r.Err, c.lang))
		}
	}
	if bad > 0 {
		return fmt.Errorf(c.t("%d ligne(s) sur %d à corriger : rien n'a été importé", "%d of %d row(s) to fix: nothing was imported"), bad, len(rows))
	}
	if *dry {
		fmt.Fprintf(c.stdout, c.t("%d patient(s) prêts à importer (simulation, rien n'a été importé).\n", "%d patient(s) ready to import (dry run, nothing imported).\n"), len(rows))
		return nil
	}
	p, err := c.open()
	if err != nil {
		return err
	}
	defer p.Close()
	ps := make([]patient.Patient, len(rows))
	for i, r := range rows {
		ps[i] = r.Patient
	}
	n, err := p.ImportAll(context.Background(), ps, kind)
	if err != nil {
		return err
	}
	fmt.Fprintf(c.stdout, c.t("%d patient(s) importés.\n", "%d patient(s) imported.\n"), n)
	return nil
}
