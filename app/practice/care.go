package practice

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"time"

	"github.com/cabinet-sante/cabinet/app/agenda"
	"github.com/cabinet-sante/cabinet/app/msg"
	"github.com/cabinet-sante/cabinet/app/patient"
	"github.com/cabinet-sante/cabinet/store"
)

// ErrNotFound: no consultation or appointment with that id.
var ErrNotFound = msg.Wrap(store.ErrNotFound, "Élément introuvable.", "Item not found.")

func (p *Practice) links(tx *store.Tx, pid store.ID) (links, error) {
	var l links
	err := tx.GetJSON(bPatientLinks, pid, &l)
	if errors.Is(err, store.ErrNotFound) {
		err = nil
	}
	return l, err
}

// requirePatient checks that the patient exists and that their record
// may be written to (not restricted).
func (p *Practice) requirePatient(tx *store.Tx, pid store.ID) error {
	if _, err := tx.Get(bPatients, pid); err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return ErrPatientNotFound
		}
		return err
	}
	return p.checkWritable(tx, pid)
}

// linkedID gives the id of a patient's consultation or appointment: a new
// one, added to the patient's links with add, when idStr is empty; else
// the existing one, read by load.
func (p *Practice) linkedID(tx *store.Tx, pid store.ID, idStr string, add func(*links, store.ID), load func(store.ID) error) (store.ID, bool, error) {
	if idStr == "" {
		id := store.NewID()
		l, err := p.links(tx, pid)
		if err != nil {
			return id, true, err
		}
		add(&l, id)
		return id, true, tx.PutJSON(bPatientLinks, pid, l)
	}
	id, err := store.ParseID(idStr)
	if err != nil {
		return id, false, ErrNotFound
	}
	if err := load(id); err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return id, false, ErrNotFound
		}
		return id, false, err
	}
	return id, false, nil
}

// SaveConsultation stores a new consultation (empty ID) or updates one.
func (p *Practice) SaveConsultation(ctx context.Context, c patient.Consultation) (patient.Consultation, error) {
	if err := ctx.Err(); err != nil {
		return c, err
	}
	if err := c.Validate(); err != nil {
		return c, err
	}
	pid, err := parseID(c.PatientID)
	if err != nil {
		return c, err
	}
	now := p.now().UTC()
	c.Date = c.Date.UTC()
	err = p.vault.Update(func(tx *store.Tx) error {
		if err := p.requirePatient(tx, pid); err != nil {
			return err
		}
		var old patient.Consultation
		id, created, err := p.linkedID(tx, pid, c.ID,
			func(l *links, id store.ID) { l.Consultations = append(l.Consultations, id) },
			func(id store.ID) error { return tx.GetJSON(bConsultations, id, &old) })
		if err != nil {
			return err
		}
		action := "consultation.update"
		if created {
			action, c.ID, c.Created = "consultation.create", id.String(), now
		} else {
			if old.PatientID != c.PatientID {
				return msg.New("Une consultation ne peut pas changer de patient.", "A consultation cannot move to another patient.")
			}
			c.Created = old.Created
		}
		c.Updated = now
		if err := tx.PutJSON(bConsultations, id, c); err != nil {
			return err
		}
		return p.audit(tx, action, c.ID)
	})
	return c, err
}

// Consultations returns a patient's consultations, newest first.
func (p *Practice) Consultations(ctx context.Context, patientID string) ([]patient.Consultation, error) {
	pid, err := parseID(patientID)
	if err != nil {
		return nil, err
	}
	var out []patient.Consultation
	err = p.vault.View(func(tx *store.Tx) error {
		l, err := p.links(tx, pid)
		if err != nil {
			return err
		}
		// A long follow-up has thousands: they are decrypted on every core.
		out = make([]patient.Consultation, len(l.Consultations))
		found := make([]bool, len(out))
		err = tx.GetMany(bConsultations, l.Consultations, func(i int, v []byte) error {
			if err := json.Unmarshal(v, &out[i]); err != nil {
				return &store.CorruptError{Where: bConsultations, Why: "a consultation cannot be decoded"}
			}
			found[i] = true
			return nil
		})
		if err != nil {
			return err
		}
		j := 0
		for i := range out {
			if found[i] {
				out[j] = out[i]
				j++
			}
		}
		out = out[:j]
		return nil
	})
	slices.SortFunc(out, func(a, b patient.Consultation) int { return b.Date.Compare(a.Date) })
	return out, err
}

// dayKey names the agenda list of the Paris calendar day of t.
func dayKey(tx *store.Tx, t time.Time) store.ID {
	return tx.NamedID("day " + t.In(paris).Format(time.DateOnly))
}

var paris = mustLoadParis()

func mustLoadParis() *time.Location {
	loc, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		return time.FixedZone("CET", 3600)
	}
	return loc
}

// Paris is the Europe/Paris time zone in which times are shown.
func Paris() *time.Location { return paris }

// SaveAppointment stores a new appointment (empty ID) or updates one
// (moving it, changing its status).
func (p *Practice) SaveAppointment(ctx context.Context, a patient.Appointment) (patient.Appointment, error) {
	if err := ctx.Err(); err != nil {
		return a, err
	}
	if a.Status == "" {
		a.Status = patient.Booked
	}
	if err := a.Validate(); err != nil {
		return a, err
	}
	pid, err := parseID(a.PatientID)
	if err != nil {
		return a, err
	}
	now := p.now().UTC()
	a.Start = a.Start.UTC()
	err = p.vault.Update(func(tx *store.Tx) error {
		if err := p.requirePatient(tx, pid); err != nil {
			return err
		}
		var old patient.Appointment
		id, created, err := p.linkedID(tx, pid, a.ID,
			func(l *links, id store.ID) { l.Appointments = append(l.Appointments, id) },
			func(id store.ID) error { return tx.GetJSON(bAppointments, id, &old) })
		if err != nil {
			return err
		}
		action := "appointment.update"
		if created {
			action, a.ID, a.Created = "appointment.create", id.String(), now
		} else {
			a.Created = old.Created
			if err := p.removeFromDay(tx, old.Start, id); err != nil {
				return err
			}
		}
		a.Updated = now
		if err := tx.PutJSON(bAppointments, id, a); err != nil {
			return err
		}
		if err := p.addToDay(tx, a.Start, id); err != nil {
			return err
		}
		return p.audit(tx, action, a.ID)
	})
	return a, err
}

func (p *Practice) dayList(tx *store.Tx, key store.ID) ([]store.ID, error) {
	var ids []store.ID
	err := tx.GetJSON(bDays, key, &ids)
	if errors.Is(err, store.ErrNotFound) {
		err = nil
	}
	return ids, err
}

func (p *Practice) addToDay(tx *store.Tx, t time.Time, id store.ID) error {
	return p.addToDays(tx, map[store.ID][]store.ID{dayKey(tx, t): {id}})
}

// addToDays adds appointments to their agenda days, one write per day.
func (p *Practice) addToDays(tx *store.Tx, days map[store.ID][]store.ID) error {
	for key, add := range days {
		ids, err := p.dayList(tx, key)
		if err != nil {
			return err
		}
		if err := tx.PutJSON(bDays, key, append(ids, add...)); err != nil {
			return err
		}
	}
	return nil
}

func (p *Practice) removeFromDay(tx *store.Tx, t time.Time, id store.ID) error {
	key := dayKey(tx, t)
	ids, err := p.dayList(tx, key)
	if err != nil {
		return err
	}
	return tx.PutJSON(bDays, key, slices.DeleteFunc(ids, func(x store.ID) bool { return x == id }))
}

// Appointments returns the appointments whose start falls on the Paris
// calendar days from..to inclusive, in start order.
func (p *Practice) Appointments(ctx context.Context, from, to time.Time) ([]patient.Appointment, error) {
	var out []patient.Appointment
	from = from.In(paris)
	start := time.Date(from.Year(), from.Month(), from.Day(), 12, 0, 0, 0, paris)
	err := p.vault.View(func(tx *store.Tx) error {
		for d := start; !d.After(to.In(paris).Add(12 * time.Hour)); d = d.AddDate(0, 0, 1) {
			ids, err := p.dayList(tx, dayKey(tx, d))
			if err != nil {
				return err
			}
			for _, id := range ids {
				var a patient.Appointment
				if err := tx.GetJSON(bAppointments, id, &a); err != nil {
					if errors.Is(err, store.ErrNotFound) {
						continue
					}
					return err
				}
				out = append(out, a)
			}
		}
		return nil
	})
	slices.SortFunc(out, func(a, b patient.Appointment) int { return a.Start.Compare(b.Start) })
	return out, err
}

// PatientAppointments returns a patient's appointments, in start order.
func (p *Practice) PatientAppointments(ctx context.Context, patientID string) ([]patient.Appointment, error) {
	pid, err := parseID(patientID)
	if err != nil {
		return nil, err
	}
	var out []patient.Appointment
	err = p.vault.View(func(tx *store.Tx) error {
		l, err := p.links(tx, pid)
		if err != nil {
			return err
		}
		for _, id := range l.Appointments {
			var a patient.Appointment
			if err := tx.GetJSON(bAppointments, id, &a); err != nil {
				if errors.Is(err, store.ErrNotFound) {
					continue
				}
				return err
			}
			out = append(out, a)
		}
		return nil
	})
	slices.SortFunc(out, func(a, b patient.Appointment) int { return a.Start.Compare(b.Start) })
	return out, err
}

// Agenda returns the appointments of the Paris days from..to with the
// patient's name to show. Listing names in the agenda is daily work, not
// the opening of a record: it is not audited per patient.
func (p *Practice) Agenda(ctx context.Context, from, to time.Time) ([]agenda.Entry, error) {
	as, err := p.Appointments(ctx, from, to)
	if err != nil {
		return nil, err
	}
	out := make([]agenda.Entry, 0, len(as))
	err = p.vault.View(func(tx *store.Tx) error {
		for _, a := range as {
			e := agenda.Entry{Appointment: a}
			if pid, err := store.ParseID(a.PatientID); err == nil {
				var pt patient.Patient
				if tx.GetJSON(bPatients, pid, &pt) == nil {
					e.PatientName = pt.DisplayName()
				}
			}
			out = append(out, e)
		}
		return nil
	})
	return out, err
}

// Appointment returns one appointment.
func (p *Practice) Appointment(ctx context.Context, id string) (patient.Appointment, error) {
	var a patient.Appointment
	sid, err := store.ParseID(id)
	if err != nil {
		return a, ErrNotFound
	}
	err = p.vault.View(func(tx *store.Tx) error {
		if err := tx.GetJSON(bAppointments, sid, &a); err != nil {
			if errors.Is(err, store.ErrNotFound) {
				return ErrNotFound
			}
			return err
		}
		return nil
	})
	return a, err
}
