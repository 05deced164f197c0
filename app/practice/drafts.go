package practice

import (
	"context"
	"errors"
	"slices"
	"time"

	"github.com/cabinet-sante/cabinet/app/patient"
	"github.com/cabinet-sante/cabinet/store"
)

const bDrafts = "drafts" // per patient: the consultation being typed, sealed like everything else

// Draft is a consultation being typed, kept so that nothing is lost if
// the app closes or the vault locks.
type Draft struct {
	Consultation patient.Consultation `json:"consultation"`
	Saved        time.Time            `json:"saved"`
}

func draftKey(tx *store.Tx, pid store.ID) store.ID {
	return tx.NamedID("draft consultation " + pid.String())
}

// SaveConsultationDraft keeps the consultation being typed for a patient.
func (p *Practice) SaveConsultationDraft(ctx context.Context, c patient.Consultation) error {
	pid, err := parseID(c.PatientID)
	if err != nil {
		return err
	}
	return p.vault.Update(func(tx *store.Tx) error {
		return tx.PutJSON(bDrafts, draftKey(tx, pid), Draft{Consultation: c, Saved: p.now().UTC()})
	})
}

// ConsultationDraft returns the draft for a patient, if any.
func (p *Practice) ConsultationDraft(ctx context.Context, patientID string) (Draft, bool, error) {
	var d Draft
	pid, err := parseID(patientID)
	if err != nil {
		return d, false, err
	}
	err = p.vault.View(func(tx *store.Tx) error { return tx.GetJSON(bDrafts, draftKey(tx, pid), &d) })
	if errors.Is(err, store.ErrNotFound) {
		return d, false, nil
	}
	return d, err == nil, err
}

// DropConsultationDraft forgets a patient's draft (saved or abandoned).
func (p *Practice) DropConsultationDraft(ctx context.Context, patientID string) error {
	pid, err := parseID(patientID)
	if err != nil {
		return err
	}
	return p.vault.Update(func(tx *store.Tx) error {
		err := tx.Delete(bDrafts, draftKey(tx, pid))
		if errors.Is(err, store.ErrNotFound) {
			return nil
		}
		return err
	})
}

// ConsultationDrafts lists the unfinished drafts, newest first.
func (p *Practice) ConsultationDrafts(ctx context.Context) ([]Draft, error) {
	var out []Draft
	err := p.vault.View(func(tx *store.Tx) error {
		return forEachJSON(tx, bDrafts, func(d Draft) error { out = append(out, d); return nil })
	})
	slices.SortFunc(out, func(a, b Draft) int { return b.Saved.Compare(a.Saved) })
	return out, err
}
