package practice

import (
	"context"
	"fmt"
	"time"

	"github.com/cabinet-sante/cabinet/app/patient"
	"github.com/cabinet-sante/cabinet/store"
)

// Record is a patient with their consultations and appointments, as an
// import brings them.
type Record struct {
	Patient       patient.Patient
	Consultations []patient.Consultation
	Appointments  []patient.Appointment
}

// ImportBatch is how many patients one import transaction holds: few enough
// to keep memory flat, enough to amortise bbolt's two fsyncs per commit.
const ImportBatch = 500

// Import validates and stores records in batches, one audit entry per
// batch, and reports progress after each batch. A record that fails
// validation stops the import with an error naming its position; batches
// already committed stay.
func (p *Practice) Import(ctx context.Context, next func() (Record, bool), progress func(done int)) (int, error) {
	done := 0
	now := p.now().UTC()
	defer p.index.Flush()
	for {
		if err := ctx.Err(); err != nil {
			return done, err
		}
		batch := make([]Record, 0, ImportBatch)
		for len(batch) < ImportBatch {
			r, ok := next()
			if !ok {
				break
			}
			r.Patient.Normalize()
			if err := r.Patient.Validate(now); err != nil {
				return done, fmt.Errorf("record %d: %w", done+len(batch)+1, err)
			}
			batch = append(batch, r)
		}
		if len(batch) == 0 {
			return done, nil
		}
		var added []patient.Patient
		err := p.vault.Update(func(tx *store.Tx) error {
			added = added[:0]
			days := map[store.ID][]store.ID{}
			for i := range batch {
				if err := p.importOne(tx, &batch[i], now, days); err != nil {
					return fmt.Errorf("record %d: %w", done+i+1, err)
				}
				added = append(added, batch[i].Patient)
			}
			if err := p.addToDays(tx, days); err != nil {
				return err
			}
			return tx.Audit(store.AuditEntry{Actor: p.actor, Action: "patient.import", Detail: fmt.Sprintf("count=%d", len(batch))})
		})
		if err != nil {
			return done, err
		}
		p.index.Load(added)
		done += len(batch)
		if progress != nil {
			progress(done)
		}
	}
}

// importOne writes one record; its appointments' agenda days are gathered
// in days for the caller to write once per day.
func (p *Practice) importOne(tx *store.Tx, r *Record, now time.Time, days map[store.ID][]store.ID) error {
	pid := store.NewID()
	r.Patient.ID = pid.String()
	if r.Patient.Created.IsZero() {
		r.Patient.Created = now
	}
	r.Patient.Updated = now
	if err := tx.PutJSON(bPatients, pid, r.Patient); err != nil {
		return err
	}
	if err := tx.PutJSON(bHistory, pid, []Change{{Time: now, Actor: p.actor, Action: "import"}}); err != nil {
		return err
	}
	var l links
	for i := range r.Consultations {
		c := &r.Consultations[i]
		c.PatientID = r.Patient.ID
		if err := c.Validate(); err != nil {
			return err
		}
		id := store.NewID()
		c.ID, c.Date, c.Created, c.Updated = id.String(), c.Date.UTC(), now, now
		if err := tx.PutJSON(bConsultations, id, c); err != nil {
			return err
		}
		l.Consultations = append(l.Consultations, id)
	}
	for i := range r.Appointments {
		a := &r.Appointments[i]
		a.PatientID = r.Patient.ID
		if a.Status == "" {
			a.Status = patient.Booked
		}
		if err := a.Validate(); err != nil {
			return err
		}
		id := store.NewID()
		a.ID, a.Start, a.Created, a.Updated = id.String(), a.Start.UTC(), now, now
		if err := tx.PutJSON(bAppointments, id, a); err != nil {
			return err
		}
		key := dayKey(tx, a.Start)
		days[key] = append(days[key], id)
		l.Appointments = append(l.Appointments, id)
	}
	if len(l.Consultations)+len(l.Appointments) > 0 {
		return tx.PutJSON(bPatientLinks, pid, l)
	}
	return nil
}

// ImportAll stores patients from a file in one transaction: all of them,
// or none if any is invalid or anything fails. The import is one audit
// entry naming its source ("csv", "vcard").
func (p *Practice) ImportAll(ctx context.Context, ps []patient.Patient, source string) (int, error) {
	now := p.now().UTC()
	recs := make([]Record, len(ps))
	for i := range ps {
		ps[i].Normalize()
		if err := ps[i].Validate(now); err != nil {
			return 0, fmt.Errorf("record %d: %w", i+1, err)
		}
		recs[i] = Record{Patient: ps[i]}
	}
	err := p.vault.Update(func(tx *store.Tx) error {
		days := map[store.ID][]store.ID{}
		for i := range recs {
			if err := ctx.Err(); err != nil {
				return err
			}
			if err := p.importOne(tx, &recs[i], now, days); err != nil {
				return fmt.Errorf("record %d: %w", i+1, err)
			}
		}
		if err := p.addToDays(tx, days); err != nil {
			return err
		}
		return tx.Audit(store.AuditEntry{Actor: p.actor, Action: "patient.import", Detail: fmt.Sprintf("count=%d source=%s", len(recs), source)})
	})
	if err != nil {
		return 0, err
	}
	added := make([]patient.Patient, len(recs))
	for i, r := range recs {
		added[i] = r.Patient
	}
	p.index.Load(added)
	p.index.Flush()
	return len(recs), nil
}
