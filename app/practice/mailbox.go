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

const bMail = "mail" // messages taken in from the mailbox, by random id

// MailAccount is the IMAP account the practice reads; the password is
// sealed in the vault like everything else.
type MailAccount struct {
	Host     string `json:"host"`
	Port     int    `json:"port"`
	User     string `json:"user"`
	Password string `json:"password"`
	Folder   string `json:"folder"`
	StartTLS bool   `json:"starttls"`
	CAPEM    []byte `json:"ca_pem,omitempty"` // extra trusted CA (a practice's own server)
	After    string `json:"after"`            // "leave" (default) or "seen"
}

// MailState remembers what was taken in, so that runs are idempotent.
type MailState struct {
	UIDValidity uint32          `json:"uid_validity"`
	LastUID     uint32          `json:"last_uid"`
	Seen        map[string]bool `json:"seen"` // hashes of Message-IDs, to survive a UIDVALIDITY change
	LastRun     time.Time       `json:"last_run"`
}

// MailMessage is a message taken in: routed to a patient, or waiting in
// the intake list for the practitioner.
type MailMessage struct {
	ID         string       `json:"id"`
	PatientID  string       `json:"patient_id,omitempty"`
	From       string       `json:"from"`
	Subject    string       `json:"subject"`
	Date       time.Time    `json:"date"`
	Body       string       `json:"body"`
	Documents  []string     `json:"documents,omitempty"` // attachments stored as documents
	Skipped    []string     `json:"skipped,omitempty"`   // attachments not kept (type), by name
	RightsKind privacy.Kind `json:"rights_kind,omitempty"`
	INS        string       `json:"ins,omitempty"`        // the patient's INS from XDM metadata, when present
	RequestID  string       `json:"request_id,omitempty"` // the rights request opened from it
	Received   time.Time    `json:"received"`
}

// SetMailAccount stores the account (sealed).
func (p *Practice) SetMailAccount(ctx context.Context, a MailAccount) error {
	if a.Host == "" || a.User == "" || a.Password == "" {
		return errors.New("host, user and password are required")
	}
	if a.Port == 0 {
		a.Port = 993
		if a.StartTLS {
			a.Port = 143
		}
	}
	if a.Folder == "" {
		a.Folder = "INBOX"
	}
	if a.After == "" {
		a.After = "leave"
	}
	return p.vault.Update(func(tx *store.Tx) error {
		if err := tx.PutJSON(bSettings, tx.NamedID("mail-account"), a); err != nil {
			return err
		}
		return p.audit(tx, "settings.mail", a.Host)
	})
}

// MailAccount returns the account, and false when mail is off.
func (p *Practice) MailAccount(ctx context.Context) (MailAccount, bool, error) {
	var a MailAccount
	err := p.vault.View(func(tx *store.Tx) error { return tx.GetJSON(bSettings, tx.NamedID("mail-account"), &a) })
	if errors.Is(err, store.ErrNotFound) {
		return a, false, nil
	}
	return a, err == nil, err
}

// MailState returns what was taken in so far.
func (p *Practice) MailState(ctx context.Context) (MailState, error) {
	var s MailState
	err := p.vault.View(func(tx *store.Tx) error { return tx.GetJSON(bSettings, tx.NamedID("mail-state"), &s) })
	if errors.Is(err, store.ErrNotFound) {
		err = nil
	}
	if s.Seen == nil {
		s.Seen = map[string]bool{}
	}
	return s, err
}

// PatientsByEmail maps e-mail addresses (lower case) to patient ids.
func (p *Practice) PatientsByEmail(ctx context.Context) (map[string]string, error) {
	out := map[string]string{}
	err := p.EachPatient(ctx, func(pt patient.Patient) error {
		if pt.Email != "" {
			out[strings.ToLower(pt.Email)] = pt.ID
		}
		return nil
	})
	return out, err
}

// TakeInMail stores one message and its kept attachments, and the new
// mailbox state, in one transaction: a message is taken in whole or not
// at all, and never twice.
func (p *Practice) TakeInMail(ctx context.Context, m MailMessage, atts []MailAttachment, st MailState, key string) (MailMessage, error) {
	id := store.NewID()
	m.ID, m.Received = id.String(), p.now().UTC()
	err := p.vault.Update(func(tx *store.Tx) error {
		for _, a := range atts {
			if m.PatientID == "" {
				break
			}
			d, err := p.addDocumentTx(tx, m.PatientID, a.Name, a.Data)
			if err != nil {
				m.Skipped = append(m.Skipped, a.Name)
				continue
			}
			m.Documents = append(m.Documents, d.ID)
		}
		if err := tx.PutJSON(bMail, id, m); err != nil {
			return err
		}
		st.Seen[key] = true
		return tx.PutJSON(bSettings, tx.NamedID("mail-state"), st)
	})
	return m, err
}

// MailAttachment is a file found in a message.
type MailAttachment struct {
	Name string
	Data []byte
}

// SaveMailState records the mailbox position (after a run, or when the
// UIDVALIDITY changed).
func (p *Practice) SaveMailState(ctx context.Context, st MailState) error {
	return p.vault.Update(func(tx *store.Tx) error { return tx.PutJSON(bSettings, tx.NamedID("mail-state"), st) })
}

// MailMessages lists messages taken in; unassigned only when intake.
func (p *Practice) MailMessages(ctx context.Context, intake bool) ([]MailMessage, error) {
	var out []MailMessage
	err := p.vault.View(func(tx *store.Tx) error {
		return forEachJSON(tx, bMail, func(m MailMessage) error {
			if !intake || m.PatientID == "" {
				out = append(out, m)
			}
			return nil
		})
	})
	slices.SortFunc(out, func(a, b MailMessage) int { return b.Date.Compare(a.Date) })
	return out, err
}

func (p *Practice) updateMail(id string, fn func(tx *store.Tx, m *MailMessage) error) (MailMessage, error) {
	var m MailMessage
	key, err := store.ParseID(id)
	if err != nil {
		return m, ErrNotFound
	}
	err = p.vault.Update(func(tx *store.Tx) error {
		if err := tx.GetJSON(bMail, key, &m); err != nil {
			if errors.Is(err, store.ErrNotFound) {
				return ErrNotFound
			}
			return err
		}
		if err := fn(tx, &m); err != nil {
			return err
		}
		return tx.PutJSON(bMail, key, m)
	})
	return m, err
}

// AssignMail files a message of the intake list in a patient's record.
func (p *Practice) AssignMail(ctx context.Context, id, patientID string) (MailMessage, error) {
	pid, err := parseID(patientID)
	if err != nil {
		return MailMessage{}, err
	}
	return p.updateMail(id, func(tx *store.Tx, m *MailMessage) error {
		if err := p.requirePatient(tx, pid); err != nil {
			return err
		}
		m.PatientID = patientID
		return p.audit(tx, "mail.assign", m.ID)
	})
}

// DiscardMail deletes the local copy of a message (the mailbox keeps its
// own).
func (p *Practice) DiscardMail(ctx context.Context, id string) error {
	key, err := store.ParseID(id)
	if err != nil {
		return ErrNotFound
	}
	return p.vault.Update(func(tx *store.Tx) error {
		if err := tx.Delete(bMail, key); err != nil {
			if errors.Is(err, store.ErrNotFound) {
				return ErrNotFound
			}
			return err
		}
		return p.audit(tx, "mail.discard", id)
	})
}

// OpenRightFromMail opens the rights request a message asked for, dated
// the day it was received; the message must be filed in a record.
func (p *Practice) OpenRightFromMail(ctx context.Context, id string, kind privacy.Kind) (privacy.Request, error) {
	var r privacy.Request
	m, err := p.updateMail(id, func(tx *store.Tx, m *MailMessage) error { return nil })
	if err != nil {
		return r, err
	}
	if m.PatientID == "" {
		return r, msg.New("Rattachez d'abord le message à un patient.", "File the message in a patient's record first.")
	}
	if kind == "" {
		kind = m.RightsKind
	}
	if kind == "" {
		kind = privacy.Access
	}
	received := m.Date
	if received.IsZero() {
		received = m.Received
	}
	r, err = p.OpenRight(ctx, privacy.Request{PatientID: m.PatientID, Kind: kind, Received: received.In(paris).Format(time.DateOnly), Channel: "e-mail"})
	if err != nil {
		return r, err
	}
	_, err = p.updateMail(id, func(tx *store.Tx, m *MailMessage) error { m.RequestID = r.ID; return nil })
	return r, err
}

// PatientsByNIR maps NIRs (the INS matricule) to patient ids.
func (p *Practice) PatientsByNIR(ctx context.Context) (map[string]string, error) {
	out := map[string]string{}
	err := p.EachPatient(ctx, func(pt patient.Patient) error {
		if pt.NIR != "" {
			out[pt.NIR] = pt.ID
		}
		return nil
	})
	return out, err
}
