package practice

import (
	"context"
	"encoding/json"
	"errors"
	"net/url"
	"strings"

	"github.com/cabinet-sante/cabinet/app/msg"
	"github.com/cabinet-sante/cabinet/app/patient"
	"github.com/cabinet-sante/cabinet/app/privacy"
	"github.com/cabinet-sante/cabinet/store"
)

// SyncAccount is where the practice's sealed copy lives: an S3-compatible
// bucket at an HDS-certified host. It is kept sealed in the vault and
// never synced itself.
type SyncAccount struct {
	Endpoint       string `json:"endpoint"` // https://...
	Bucket         string `json:"bucket"`
	AccessKey      string `json:"access_key"`
	SecretKey      string `json:"secret_key"`
	CA             string `json:"ca,omitempty"` // extra trusted CA (PEM), for a host with its own CA
	Host           string `json:"host"`         // the HDS host's name, for the register of processing
	HDSCertificate string `json:"hds_certificate,omitempty"`
}

// Validate says what to fix in an account before anything is sent.
func (a SyncAccount) Validate() error {
	u, err := url.Parse(a.Endpoint)
	if err != nil || u.Host == "" {
		return msg.New("Adresse du serveur invalide : saisissez une adresse complète, par exemple https://s3.hebergeur.fr.",
			"Invalid server address: type a full address, for example https://s3.host.example.")
	}
	if u.Scheme != "https" {
		return msg.New("La synchronisation n'utilise que des connexions chiffrées : l'adresse doit commencer par https://.",
			"Sync only uses encrypted connections: the address must start with https://.")
	}
	if strings.TrimSpace(a.Bucket) == "" || a.AccessKey == "" || a.SecretKey == "" {
		return msg.New("Indiquez le compartiment (bucket) et les deux clés d'accès fournies par l'hébergeur.",
			"Give the bucket and both access keys provided by the host.")
	}
	return nil
}

// SetSyncAccount stores the account, sealed, and writes the change to the
// audit journal (host name only).
func (p *Practice) SetSyncAccount(ctx context.Context, a SyncAccount) error {
	if err := a.Validate(); err != nil {
		return err
	}
	if a.Host == "" {
		u, _ := url.Parse(a.Endpoint)
		a.Host = u.Hostname()
	}
	return p.vault.Update(func(tx *store.Tx) error {
		if err := tx.PutJSON(bSettings, tx.NamedID("sync-account"), a); err != nil {
			return err
		}
		return p.audit(tx, "settings.sync", a.Host)
	})
}

// SyncAccount returns the account, and false when sync is off.
func (p *Practice) SyncAccount(ctx context.Context) (SyncAccount, bool, error) {
	var a SyncAccount
	err := p.vault.View(func(tx *store.Tx) error { return tx.GetJSON(bSettings, tx.NamedID("sync-account"), &a) })
	if errors.Is(err, store.ErrNotFound) {
		return a, false, nil
	}
	return a, err == nil, err
}

// ClearSyncAccount forgets the account (sync off).
func (p *Practice) ClearSyncAccount(ctx context.Context) error {
	return p.vault.Update(func(tx *store.Tx) error {
		if err := tx.Delete(bSettings, tx.NamedID("sync-account")); err != nil {
			return err
		}
		return p.audit(tx, "settings.sync-off", "")
	})
}

// sharedBuckets are the buckets every device of the practice holds. The
// others (drafts, note counters, support sessions, mail credentials) stay
// on the device; TestEveryBucketIsSharedOrLocal keeps the list complete.
var sharedBuckets = map[string]bool{
	bPatients: true, bConsultations: true, bAppointments: true, bPatientLinks: true, bHistory: true,
	bDays: true, bBusy: true, bDocuments: true, bDocData: true, bPatientDocs: true,
	bNotes: true, bNoteNumbers: true, bNotePayments: true, bNoteCredits: true, bActs: true,
	bConsents: true, bRights: true, bFlags: true, bPolicy: true, bBreaches: true, bMail: true, bHosting: true,
	bPayDays: true,
}

// localBuckets never leave the device.
var localBuckets = map[string]bool{
	bSettings: true, bNoteSeries: true, bDrafts: true, bSupport: true, bSearchIndex: true, "audit": true,
}

// SyncTracked says whether a record is shared with the practice's other
// devices. In the settings bucket only the practitioner's profile is.
func (p *Practice) SyncTracked(tx *store.Tx, bucket string, id store.ID) bool {
	if bucket == bSettings {
		return id == settingsKey(tx)
	}
	return sharedBuckets[bucket]
}

// SyncPatientOf names the patient a record belongs to, so that the records
// of patients excluded from hosting stay on the device.
func (p *Practice) SyncPatientOf(tx *store.Tx, bucket string, id store.ID, value []byte) string {
	switch bucket {
	case bPatients, bPatientLinks, bHistory, bConsents, bFlags, bPatientDocs:
		return id.String()
	case bDocData:
		var d struct {
			PatientID string `json:"patient_id"`
		}
		_ = tx.GetJSON(bDocuments, id, &d)
		return d.PatientID
	case bNotePayments, bNoteCredits:
		var n struct {
			PatientID string `json:"patient_id"`
		}
		_ = tx.GetJSON(bNotes, id, &n)
		return n.PatientID
	}
	var r struct {
		PatientID string `json:"patient_id"`
	}
	if json.Unmarshal(value, &r) == nil {
		return r.PatientID
	}
	return ""
}

// bHosting holds, per patient kept off the host, a record saying so. It
// is derived from the consents and flags, kept up to date when either
// changes, and shared with the other devices: it carries a random id and
// nothing else, so that a device learns that a patient objected on
// another one (whose consent record, being that patient's, stays there).
const bHosting = "hosting-exclusions"

// objects says whether a patient is kept off the host: they objected to
// hosting (refused or withdrew; hosting at an HDS host needs the patient
// informed, who may object: CSP art. L.1111-8) or their record is
// restricted.
func objects(tx *store.Tx, pid store.ID) (bool, error) {
	var h []privacy.Consent
	if err := tx.GetJSON(bConsents, pid, &h); err != nil && !errors.Is(err, store.ErrNotFound) {
		return false, err
	}
	if c, ok := privacy.InForce(h)[privacy.HDSHosting]; ok && c.Decision != privacy.Given {
		return true, nil
	}
	var f Flags
	if err := tx.GetJSON(bFlags, pid, &f); err != nil && !errors.Is(err, store.ErrNotFound) {
		return false, err
	}
	return f.Restricted, nil
}

// noteHosting updates a patient's exclusion record, in the transaction
// that changed their consents or flags.
func (p *Practice) noteHosting(tx *store.Tx, pid store.ID) error {
	out, err := objects(tx, pid)
	if err != nil {
		return err
	}
	_, err = tx.Get(bHosting, pid)
	had := err == nil
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return err
	}
	p.hostingValid.Store(false)
	switch {
	case out && !had:
		return tx.PutJSON(bHosting, pid, true)
	case !out && had:
		return tx.Delete(bHosting, pid)
	}
	return nil
}

// RebuildHostingExclusions brings every exclusion record in line with the
// consents and flags. Sync calls it when turned on.
func (p *Practice) RebuildHostingExclusions() error {
	return p.vault.Update(func(tx *store.Tx) error {
		seen := map[store.ID]bool{}
		for _, b := range []string{bConsents, bFlags, bHosting} {
			if err := tx.ForEach(b, func(id store.ID, _ []byte) error { seen[id] = true; return nil }); err != nil {
				return err
			}
		}
		for id := range seen {
			if err := p.noteHosting(tx, id); err != nil {
				return err
			}
		}
		return nil
	})
}

// SyncExcluded lists the patients whose records must not reach the host
// (see objects), on this device or another. The set is read once and kept
// in memory until an exclusion changes, so a sync run does not cost one
// read per objecting patient.
func (p *Practice) SyncExcluded(tx *store.Tx) (map[string]bool, error) {
	p.hostingMu.Lock()
	defer p.hostingMu.Unlock()
	if p.hostingValid.Load() {
		return p.hosting, nil
	}
	set := map[string]bool{}
	p.hostingValid.Store(true) // set before reading: a change meanwhile clears it
	err := tx.ForEach(bHosting, func(id store.ID, _ []byte) error { set[id.String()] = true; return nil })
	if err != nil {
		p.hostingValid.Store(false)
		return nil, err
	}
	p.hosting = set
	return set, nil
}

// SyncApplied brings the practice's in-memory state (the search index) up
// to date after sync wrote records that came from another device.
func (p *Practice) SyncApplied(buckets []string, ids []store.ID) error {
	var patients []store.ID
	for i, b := range buckets {
		switch b {
		case bHosting:
			p.hostingValid.Store(false)
		case bPatients:
			patients = append(patients, ids[i])
		}
	}
	ids = patients
	return p.vault.View(func(tx *store.Tx) error {
		for _, id := range ids {
			var pt patient.Patient
			err := tx.GetJSON(bPatients, id, &pt)
			if errors.Is(err, store.ErrNotFound) {
				p.index.Remove(id.String())
				continue
			}
			if err != nil {
				return err
			}
			p.index.Put(pt)
		}
		return nil
	})
}

// SetDeviceSeries sets this device's invoice-number series ("" on the
// practice's first device, "B", "C"... on those that joined).
func (p *Practice) SetDeviceSeries(series string) error {
	return p.vault.Update(func(tx *store.Tx) error {
		return tx.PutJSON(bNoteSeries, tx.NamedID("device series"), series)
	})
}

func deviceSeries(tx *store.Tx, fallback string) (string, error) {
	var s string
	err := tx.GetJSON(bNoteSeries, tx.NamedID("device series"), &s)
	if errors.Is(err, store.ErrNotFound) {
		return fallback, nil
	}
	return s, err
}
