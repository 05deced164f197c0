package practice

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"time"

	"github.com/cabinet-sante/cabinet/app/msg"
	"github.com/cabinet-sante/cabinet/store"
)

const (
	bDocuments   = "documents"     // metadata, by document id
	bDocData     = "document-data" // the file's bytes, by document id
	bPatientDocs = "patient-docs"  // per patient: document ids
)

// MaxDocument is the largest file a record accepts.
const MaxDocument = 20 << 20

// Document describes a file attached to a patient (and optionally one of
// their consultations). Its bytes are sealed in the vault like the rest.
type Document struct {
	ID             string    `json:"id"`
	PatientID      string    `json:"patient_id"`
	ConsultationID string    `json:"consultation_id,omitempty"`
	Name           string    `json:"name"`
	Type           string    `json:"type"` // MIME type, sniffed
	Size           int       `json:"size"`
	Added          time.Time `json:"added"`
}

// ErrDocumentTooLarge: over MaxDocument.
var ErrDocumentTooLarge = msg.New(fmt.Sprintf("Fichier trop volumineux : %d Mo au plus par document.", MaxDocument>>20),
	fmt.Sprintf("File too large: %d MB at most per document.", MaxDocument>>20))

// ErrDocumentType: not a PDF nor an image.
var ErrDocumentType = msg.New("Seuls les PDF et les images (JPEG, PNG, GIF, WebP) peuvent être joints.",
	"Only PDFs and images (JPEG, PNG, GIF, WebP) can be attached.")

// AddDocument attaches a file to a patient (and one of their
// consultations when consultationID is set).
func (p *Practice) AddDocument(ctx context.Context, patientID, consultationID, name string, data []byte) (Document, error) {
	var d Document
	if len(data) == 0 {
		return d, msg.New("Le fichier est vide.", "The file is empty.")
	}
	err := p.vault.Update(func(tx *store.Tx) error {
		var err error
		if d, err = p.addDocumentTx(tx, patientID, name, data); err != nil || consultationID == "" {
			return err
		}
		d.ConsultationID = consultationID
		return tx.PutJSON(bDocuments, mustID(d.ID), d)
	})
	return d, err
}

func mustID(s string) store.ID { id, _ := store.ParseID(s); return id }

// addDocumentTx checks and stores a document within tx.
func (p *Practice) addDocumentTx(tx *store.Tx, patientID, name string, data []byte) (Document, error) {
	var d Document
	if len(data) > MaxDocument {
		return d, ErrDocumentTooLarge
	}
	kind := sniff(data)
	if kind == "" || len(data) == 0 {
		return d, ErrDocumentType
	}
	pid, err := parseID(patientID)
	if err != nil {
		return d, err
	}
	id := store.NewID()
	d = Document{ID: id.String(), PatientID: patientID, Name: filepath.Base(name), Type: kind, Size: len(data), Added: p.now().UTC()}
	err = func() error {
		if err := p.requirePatient(tx, pid); err != nil {
			return err
		}
		var ids []store.ID
		if err := tx.GetJSON(bPatientDocs, pid, &ids); err != nil && !errors.Is(err, store.ErrNotFound) {
			return err
		}
		ids = append(ids, id)
		if err := tx.PutJSON(bPatientDocs, pid, ids); err != nil {
			return err
		}
		if err := tx.PutJSON(bDocuments, id, d); err != nil {
			return err
		}
		if err := tx.Put(bDocData, id, data); err != nil {
			return err
		}
		return p.audit(tx, "document.add", d.ID)
	}()
	return d, err
}

// Documents lists a patient's documents, newest first.
func (p *Practice) Documents(ctx context.Context, patientID string) ([]Document, error) {
	pid, err := parseID(patientID)
	if err != nil {
		return nil, err
	}
	var out []Document
	err = p.vault.View(func(tx *store.Tx) error {
		var ids []store.ID
		if err := tx.GetJSON(bPatientDocs, pid, &ids); err != nil {
			if errors.Is(err, store.ErrNotFound) {
				return nil
			}
			return err
		}
		for _, id := range ids {
			var d Document
			if err := tx.GetJSON(bDocuments, id, &d); err == nil {
				out = append(out, d)
			}
		}
		return nil
	})
	slices.SortFunc(out, func(a, b Document) int { return b.Added.Compare(a.Added) })
	return out, err
}

// DocumentData returns a document's bytes; each opening is audited.
func (p *Practice) DocumentData(ctx context.Context, id string) (Document, []byte, error) {
	var d Document
	var data []byte
	sid, err := store.ParseID(id)
	if err != nil {
		return d, nil, ErrNotFound
	}
	err = p.vault.Update(func(tx *store.Tx) error {
		if err := tx.GetJSON(bDocuments, sid, &d); err != nil {
			if errors.Is(err, store.ErrNotFound) {
				return ErrNotFound
			}
			return err
		}
		v, err := tx.Get(bDocData, sid)
		if err != nil {
			return err
		}
		data = append([]byte(nil), v...)
		return p.audit(tx, "document.read", d.ID)
	})
	return d, data, err
}

// sniff recognises the file types a record accepts by their first bytes.
func sniff(b []byte) string {
	switch {
	case bytes.HasPrefix(b, []byte("%PDF-")):
		return "application/pdf"
	case bytes.HasPrefix(b, []byte("\x89PNG\r\n\x1a\n")):
		return "image/png"
	case bytes.HasPrefix(b, []byte("\xff\xd8\xff")):
		return "image/jpeg"
	case bytes.HasPrefix(b, []byte("GIF87a")), bytes.HasPrefix(b, []byte("GIF89a")):
		return "image/gif"
	case len(b) > 12 && bytes.Equal(b[:4], []byte("RIFF")) && bytes.Equal(b[8:12], []byte("WEBP")):
		return "image/webp"
	}
	return ""
}

// deleteDocuments removes a patient's documents (erasure).
func (p *Practice) deleteDocuments(tx *store.Tx, pid store.ID) error {
	var ids []store.ID
	if err := tx.GetJSON(bPatientDocs, pid, &ids); err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return nil
		}
		return err
	}
	for _, id := range ids {
		for _, b := range []string{bDocuments, bDocData} {
			if err := tx.Delete(b, id); err != nil && !errors.Is(err, store.ErrNotFound) {
				return err
			}
		}
	}
	return tx.Delete(bPatientDocs, pid)
}
