package practice

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"time"

	"github.com/cabinet-sante/cabinet/app/msg"
	"github.com/cabinet-sante/cabinet/app/patient"
	"github.com/cabinet-sante/cabinet/store"
)

// ErrPatientNotFound: no patient with that id.
var ErrPatientNotFound = msg.Wrap(store.ErrNotFound, "Patient introuvable.", "Patient not found.")

// links is the per-patient list of consultation and appointment ids.
type links struct {
	Consultations []store.ID `json:"c,omitempty"`
	Appointments  []store.ID `json:"a,omitempty"`
}

// Change is one entry of a patient's change history: who changed which
// fields, and when. Values are not repeated here.
type Change struct {
	Time   time.Time `json:"time"`
	Actor  string    `json:"actor"`
	Action string    `json:"action"` // "create", "update"
	Fields []string  `json:"fields,omitempty"`
}

func parseID(s string) (store.ID, error) {
	id, err := store.ParseID(s)
	if err != nil {
		return id, ErrPatientNotFound
	}
	return id, nil
}

// AddPatient validates and stores a new patient, and indexes it.
func (p *Practice) AddPatient(ctx context.Context, pt patient.Patient) (patient.Patient, error) {
	if err := ctx.Err(); err != nil {
		return pt, err
	}
	pt.Normalize()
	now := p.now().UTC()
	if err := pt.Validate(now); err != nil {
		return pt, err
	}
	id := store.NewID()
	pt.ID = id.String()
	pt.Created, pt.Updated = now, now
	err := p.vault.Update(func(tx *store.Tx) error {
		if err := tx.PutJSON(bPatients, id, pt); err != nil {
			return err
		}
		if err := tx.PutJSON(bHistory, id, []Change{{Time: now, Actor: p.actor, Action: "create"}}); err != nil {
			return err
		}
		return p.audit(tx, "patient.create", pt.ID)
	})
	if err != nil {
		return pt, err
	}
	p.index.Put(pt)
	return pt, nil
}

// UpdatePatient validates and stores new values for an existing patient,
// and appends the changed field names to its history.
func (p *Practice) UpdatePatient(ctx context.Context, pt patient.Patient) (patient.Patient, error) {
	if err := ctx.Err(); err != nil {
		return pt, err
	}
	id, err := parseID(pt.ID)
	if err != nil {
		return pt, err
	}
	pt.Normalize()
	now := p.now().UTC()
	if err := pt.Validate(now); err != nil {
		return pt, err
	}
	err = p.vault.Update(func(tx *store.Tx) error {
		var old patient.Patient
		if err := tx.GetJSON(bPatients, id, &old); err != nil {
			if errors.Is(err, store.ErrNotFound) {
				return ErrPatientNotFound
			}
			return err
		}
		if err := p.checkWritable(tx, id); err != nil {
			return err
		}
		fields := changedFields(old, pt)
		if len(fields) == 0 {
			pt = old
			return nil
		}
		pt.Created, pt.Updated = old.Created, now
		if err := tx.PutJSON(bPatients, id, pt); err != nil {
			return err
		}
		var hist []Change
		if err := tx.GetJSON(bHistory, id, &hist); err != nil && !errors.Is(err, store.ErrNotFound) {
			return err
		}
		hist = append(hist, Change{Time: now, Actor: p.actor, Action: "update", Fields: fields})
		if err := tx.PutJSON(bHistory, id, hist); err != nil {
			return err
		}
		return p.audit(tx, "patient.update", pt.ID)
	})
	if err != nil {
		return pt, err
	}
	p.index.Put(pt)
	return pt, nil
}

// changedFields lists the JSON names of the identity fields that differ.
func changedFields(a, b patient.Patient) []string {
	var out []string
	ta := reflect.TypeOf(a)
	va, vb := reflect.ValueOf(a), reflect.ValueOf(b)
	for i := 0; i < ta.NumField(); i++ {
		f := ta.Field(i)
		switch f.Name {
		case "ID", "Created", "Updated":
			continue
		}
		if !reflect.DeepEqual(va.Field(i).Interface(), vb.Field(i).Interface()) {
			name := f.Tag.Get("json")
			for j := range name {
				if name[j] == ',' {
					name = name[:j]
					break
				}
			}
			out = append(out, name)
		}
	}
	return out
}

// Patient opens a patient record. Each opening is written to the audit
// journal.
func (p *Practice) Patient(ctx context.Context, id string) (patient.Patient, error) {
	var pt patient.Patient
	if err := ctx.Err(); err != nil {
		return pt, err
	}
	sid, err := parseID(id)
	if err != nil {
		return pt, err
	}
	err = p.vault.Update(func(tx *store.Tx) error {
		if err := tx.GetJSON(bPatients, sid, &pt); err != nil {
			if errors.Is(err, store.ErrNotFound) {
				return ErrPatientNotFound
			}
			return err
		}
		return p.audit(tx, "patient.read", id)
	})
	return pt, err
}

// History returns a patient's change history, oldest first.
func (p *Practice) History(ctx context.Context, id string) ([]Change, error) {
	sid, err := parseID(id)
	if err != nil {
		return nil, err
	}
	var hist []Change
	err = p.vault.View(func(tx *store.Tx) error {
		err := tx.GetJSON(bHistory, sid, &hist)
		if errors.Is(err, store.ErrNotFound) {
			return nil
		}
		return err
	})
	return hist, err
}

// Search finds patients as the practitioner types: accent- and
// case-insensitive, by name, first name, birth date, NIR or phone, best
// first. It reads only the in-memory index and the matching records.
func (p *Practice) Search(ctx context.Context, query string, limit int) ([]patient.Patient, error) {
	hits := p.index.Search(query, limit)
	out := make([]patient.Patient, 0, len(hits))
	err := p.vault.View(func(tx *store.Tx) error {
		for _, h := range hits {
			id, err := store.ParseID(h.ID)
			if err != nil {
				continue
			}
			var pt patient.Patient
			if err := tx.GetJSON(bPatients, id, &pt); err != nil {
				if errors.Is(err, store.ErrNotFound) {
					continue
				}
				return err
			}
			out = append(out, pt)
		}
		return nil
	})
	return out, err
}

// PatientCount is the number of patients in the index.
func (p *Practice) PatientCount() int { return p.index.Len() }

// Duplicates returns the patients that share pt's birth name, first name and
// birth date (other than pt itself).
func (p *Practice) Duplicates(ctx context.Context, pt patient.Patient) ([]patient.Patient, error) {
	pt.Normalize()
	if pt.BirthName == "" || pt.BirthDate == "" {
		return nil, nil
	}
	cands, err := p.Search(ctx, pt.BirthName+" "+pt.BirthDate, 200)
	if err != nil {
		return nil, err
	}
	return slices.DeleteFunc(cands, func(c patient.Patient) bool {
		return c.ID == pt.ID || !patient.SameIdentity(c, pt)
	}), nil
}

// EachPatient calls fn with every patient, in no particular order. It is
// for exports and checks, which audit their own operation.
func (p *Practice) EachPatient(ctx context.Context, fn func(patient.Patient) error) error {
	return p.vault.View(func(tx *store.Tx) error {
		return tx.ForEach(bPatients, func(_ store.ID, v []byte) error {
			if err := ctx.Err(); err != nil {
				return err
			}
			var pt patient.Patient
			if err := json.Unmarshal(v, &pt); err != nil {
				return fmt.Errorf("decode patient: %w", store.ErrCorrupt)
			}
			return fn(pt)
		})
	})
}
