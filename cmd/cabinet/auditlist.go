package main

import (
	"fmt"
	"text/tabwriter"

	"github.com/cabinet-sante/cabinet/app/practice"
	"github.com/cabinet-sante/cabinet/store"
)

func listAudit(c *cli, p *practice.Practice, asJSON bool) error {
	var entries []store.AuditEntry
	if err := p.AuditEntries(func(e store.AuditEntry) error {
		e.MAC = nil
		entries = append(entries, e)
		return nil
	}); err != nil {
		return err
	}
	if asJSON {
		return writeJSON(c, entries)
	}
	tw := tabwriter.NewWriter(c.stdout, 2, 4, 2, ' ', 0)
	for _, e := range entries {
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\n", e.Seq, e.Time.In(practice.Paris()).Format("2006-01-02 15:04:05"), e.Actor, e.Action, e.Object, e.Detail)
	}
	return tw.Flush()
}
