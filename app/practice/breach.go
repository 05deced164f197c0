package practice

import (
	"context"
	"errors"
	"slices"
	"strings"
	"time"

	"github.com/cabinet-sante/cabinet/app/msg"
	"github.com/cabinet-sante/cabinet/app/patient"
	"github.com/cabinet-sante/cabinet/app/privacy"
	"github.com/cabinet-sante/cabinet/store"
)

const bBreaches = "breaches"

// RecordBreach writes an incident in the breach register. When the
// exposure window is known, the patients concerned are computed from the
// audit journal.
func (p *Practice) RecordBreach(ctx context.Context, b privacy.Breach) (privacy.Breach, error) {
	if strings.TrimSpace(b.What) == "" || b.Discovered.IsZero() {
		return b, msg.New("Décrivez l'incident et sa date de découverte.", "Describe the incident and when it was discovered.")
	}
	switch b.Risk {
	case privacy.RiskLow, privacy.RiskMedium, privacy.RiskHigh:
	default:
		return b, msg.New("Risque : low, medium ou high.", "Risk: low, medium or high.")
	}
	if !b.From.IsZero() && len(b.Patients) == 0 {
		to := b.To
		if to.IsZero() {
			to = b.Discovered
		}
		var lines []privacy.AuditLine
		if err := p.AuditEntries(func(e store.AuditEntry) error {
			lines = append(lines, privacy.AuditLine{Time: e.Time, Action: e.Action, Object: e.Object})
			return nil
		}); err != nil {
			return b, err
		}
		known := map[string]bool{}
		p.EachPatient(ctx, func(pt patient.Patient) error { known[pt.ID] = true; return nil })
		b.Patients = privacy.Affected(lines, b.From, to, func(id string) bool { return known[id] })
	}
	id := store.NewID()
	b.ID = id.String()
	err := p.vault.Update(func(tx *store.Tx) error {
		if err := tx.PutJSON(bBreaches, id, b); err != nil {
			return err
		}
		return p.audit(tx, "breach.record", b.ID)
	})
	return b, err
}

// Breaches lists the register, newest first.
func (p *Practice) Breaches(ctx context.Context) ([]privacy.Breach, error) {
	var out []privacy.Breach
	err := p.vault.View(func(tx *store.Tx) error {
		return forEachJSON(tx, bBreaches, func(b privacy.Breach) error { out = append(out, b); return nil })
	})
	slices.SortFunc(out, func(a, b privacy.Breach) int { return b.Discovered.Compare(a.Discovered) })
	return out, err
}

// BreachNotified records the CNIL notification or the patients' being
// told.
func (p *Practice) BreachNotified(ctx context.Context, id string, cnil, patients bool, when time.Time) (privacy.Breach, error) {
	var b privacy.Breach
	sid, err := store.ParseID(id)
	if err != nil {
		return b, ErrNotFound
	}
	err = p.vault.Update(func(tx *store.Tx) error {
		if err := tx.GetJSON(bBreaches, sid, &b); err != nil {
			if errors.Is(err, store.ErrNotFound) {
				return ErrNotFound
			}
			return err
		}
		if cnil {
			b.CNILNotified = when.UTC()
		}
		if patients {
			b.PatientsInformed = when.UTC()
		}
		if err := tx.PutJSON(bBreaches, sid, b); err != nil {
			return err
		}
		return p.audit(tx, "breach.notify", b.ID)
	})
	return b, err
}
