package practice

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"slices"
	"time"

	"github.com/cabinet-sante/cabinet/app/patient"
	"github.com/cabinet-sante/cabinet/store"
)

const bSupport = "support-sessions"

// SupportCommand is one command a support person ran.
type SupportCommand struct {
	Time    time.Time `json:"time"`
	Person  string    `json:"person"`
	Command string    `json:"command"`
}

// SupportSession is the log of one granted remote-support session, with
// every field the practitioner's software charter asks for.
type SupportSession struct {
	ID          string           `json:"id"`
	Person      string           `json:"person_in_charge"` // name and organisation stated at login
	Others      []string         `json:"other_staff,omitempty"`
	Start       time.Time        `json:"start"`
	End         time.Time        `json:"end"`
	Duration    string           `json:"duration"`
	Host        string           `json:"host"`
	OS          string           `json:"os"`
	Version     string           `json:"cabinet_version"`
	VaultID     string           `json:"vault_id"`
	Tool        string           `json:"tool"`
	Commands    []SupportCommand `json:"commands"`
	Description string           `json:"description"`
	Critical    bool             `json:"critical"`
	Consulted   []string         `json:"consulted_staff,omitempty"`
	PatientView bool             `json:"patient_view_allowed"`
	EndReason   string           `json:"end_reason"`
}

// VaultID identifies the vault in support logs.
func (p *Practice) VaultID() string { return p.vault.ID() }

// CheckVault decrypts and authenticates every value and checks the file.
func (p *Practice) CheckVault() error { return p.vault.Check() }

// Reindex rebuilds the search index from the vault.
func (p *Practice) Reindex() error { return p.buildIndex() }

// SaveSupportSession stores (or updates) a session log.
func (p *Practice) SaveSupportSession(ctx context.Context, s SupportSession) error {
	id, err := store.ParseID(s.ID)
	if err != nil {
		return err
	}
	return p.vault.Update(func(tx *store.Tx) error { return tx.PutJSON(bSupport, id, s) })
}

// SupportSessions lists the session logs, newest first.
func (p *Practice) SupportSessions(ctx context.Context) ([]SupportSession, error) {
	var out []SupportSession
	err := p.vault.View(func(tx *store.Tx) error {
		return forEachJSON(tx, bSupport, func(s SupportSession) error { out = append(out, s); return nil })
	})
	slices.SortFunc(out, func(a, b SupportSession) int { return b.Start.Compare(a.Start) })
	return out, err
}

// Audit writes an entry for an adapter (support, sync, mail).
func (p *Practice) Audit(action, object, detail string) error {
	return p.vault.Update(func(tx *store.Tx) error {
		return tx.Audit(store.AuditEntry{Actor: p.actor, Action: action, Object: object, Detail: detail})
	})
}

// PatientForSupport opens a record for a support person the practitioner
// allowed to view patient data; the opening is audited against the
// patient, naming the support person.
func (p *Practice) PatientForSupport(ctx context.Context, id, person string) (patient.Patient, error) {
	var pt patient.Patient
	sid, err := parseID(id)
	if err != nil {
		return pt, err
	}
	err = p.vault.Update(func(tx *store.Tx) error {
		if err := tx.GetJSON(bPatients, sid, &pt); err != nil {
			return ErrPatientNotFound
		}
		return tx.Audit(store.AuditEntry{Actor: "support: " + person, Action: "patient.read", Object: id, Detail: "support session, patient view allowed"})
	})
	return pt, err
}

// SupportClientKey returns the vault's own ed25519 key for dialling a
// support relay, creating it on first use. Its public half is given to
// the support organisation; the private half never leaves the vault.
func (p *Practice) SupportClientKey(ctx context.Context) (ed25519.PrivateKey, error) {
	var seed []byte
	err := p.vault.Update(func(tx *store.Tx) error {
		key := tx.NamedID("support-client-key")
		err := tx.GetJSON(bSettings, key, &seed)
		if err == nil {
			return nil
		}
		if !errors.Is(err, store.ErrNotFound) {
			return err
		}
		_, priv, err := ed25519.GenerateKey(rand.Reader)
		if err != nil {
			return err
		}
		seed = priv.Seed()
		return tx.PutJSON(bSettings, key, seed)
	})
	if err != nil {
		return nil, err
	}
	return ed25519.NewKeyFromSeed(seed), nil
}

// RelayPin is the pinned host key of the support relay.
type RelayPin struct {
	Address     string `json:"address"` // USER@HOST:PORT
	Fingerprint string `json:"fingerprint"`
}

// SetRelayPin pins the relay (Settings).
func (p *Practice) SetRelayPin(ctx context.Context, pin RelayPin) error {
	return p.vault.Update(func(tx *store.Tx) error {
		if err := tx.PutJSON(bSettings, tx.NamedID("support-relay"), pin); err != nil {
			return err
		}
		return p.audit(tx, "settings.support-relay", pin.Address)
	})
}

// RelayPinned returns the pinned relay, if any.
func (p *Practice) RelayPinned(ctx context.Context) (RelayPin, error) {
	var pin RelayPin
	err := p.vault.View(func(tx *store.Tx) error {
		err := tx.GetJSON(bSettings, tx.NamedID("support-relay"), &pin)
		if errors.Is(err, store.ErrNotFound) {
			return nil
		}
		return err
	})
	return pin, err
}
