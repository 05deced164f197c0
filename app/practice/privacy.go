package practice

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/cabinet-sante/cabinet/app/billing"
	"github.com/cabinet-sante/cabinet/app/msg"
	"github.com/cabinet-sante/cabinet/app/patient"
	"github.com/cabinet-sante/cabinet/app/privacy"
	"github.com/cabinet-sante/cabinet/store"
)

const (
	bConsents = "consents"      // per patient id: []privacy.Consent
	bRights   = "rights"        // rights requests, by random id
	bFlags    = "patient-flags" // per patient id: flags
	bPolicy   = "settings-retention"
)

// Flags are the privacy states of a patient record.
type Flags struct {
	Restricted bool   `json:"restricted,omitempty"` // right to restriction: read-only
	Archived   string `json:"archived,omitempty"`   // YYYY-MM-DD it was archived by the retention job
}

// Privacy errors.
var (
	ErrRestricted = msg.New("Ce dossier est limité (droit à la limitation du traitement) : il ne peut pas être modifié. Levez la limitation d'abord.",
		"This record is restricted (right to restriction): it cannot be changed. Lift the restriction first.")
	ErrRequestNotFound = msg.Wrap(store.ErrNotFound, "Demande introuvable.", "Request not found.")
)

func (p *Practice) flags(tx *store.Tx, pid store.ID) (Flags, error) {
	var f Flags
	err := tx.GetJSON(bFlags, pid, &f)
	if errors.Is(err, store.ErrNotFound) {
		err = nil
	}
	return f, err
}

func (p *Practice) checkWritable(tx *store.Tx, pid store.ID) error {
	f, err := p.flags(tx, pid)
	if err != nil {
		return err
	}
	if f.Restricted {
		return ErrRestricted
	}
	return nil
}

// PatientFlags returns a patient's privacy flags.
func (p *Practice) PatientFlags(ctx context.Context, id string) (Flags, error) {
	pid, err := parseID(id)
	if err != nil {
		return Flags{}, err
	}
	var f Flags
	err = p.vault.View(func(tx *store.Tx) error {
		var err error
		f, err = p.flags(tx, pid)
		return err
	})
	return f, err
}

// Restrict sets or lifts the restriction of a record.
func (p *Practice) Restrict(ctx context.Context, id string, on bool) error {
	pid, err := parseID(id)
	if err != nil {
		return err
	}
	defer p.hostingValid.Store(false) // after the commit too: a sync run may have read the set meanwhile
	return p.vault.Update(func(tx *store.Tx) error {
		if _, err := tx.Get(bPatients, pid); err != nil {
			return ErrPatientNotFound
		}
		f, err := p.flags(tx, pid)
		if err != nil {
			return err
		}
		f.Restricted = on
		if err := tx.PutJSON(bFlags, pid, f); err != nil {
			return err
		}
		if err := p.noteHosting(tx, pid); err != nil {
			return err
		}
		return p.audit(tx, map[bool]string{true: "patient.restrict", false: "patient.unrestrict"}[on], id)
	})
}

// RecordConsent appends a decision to a patient's consent history. A
// withdrawal takes effect at once: Allows answers false from then on.
func (p *Practice) RecordConsent(ctx context.Context, c privacy.Consent) error {
	pid, err := parseID(c.PatientID)
	if err != nil {
		return err
	}
	if _, ok := privacy.ParsePurpose(string(c.Purpose)); !ok {
		return msg.New("Finalité inconnue.", "Unknown purpose.")
	}
	if c.Date == "" {
		c.Date = p.today()
	}
	defer p.hostingValid.Store(false) // after the commit too: a sync run may have read the set meanwhile
	return p.vault.Update(func(tx *store.Tx) error {
		if _, err := tx.Get(bPatients, pid); err != nil {
			return ErrPatientNotFound
		}
		var h []privacy.Consent
		if err := tx.GetJSON(bConsents, pid, &h); err != nil && !errors.Is(err, store.ErrNotFound) {
			return err
		}
		h = append(h, c)
		if err := tx.PutJSON(bConsents, pid, h); err != nil {
			return err
		}
		if err := p.noteHosting(tx, pid); err != nil {
			return err
		}
		return p.audit(tx, "consent."+string(c.Decision), c.PatientID+" "+string(c.Purpose))
	})
}

// Consents returns a patient's consent history, oldest first.
func (p *Practice) Consents(ctx context.Context, id string) ([]privacy.Consent, error) {
	pid, err := parseID(id)
	if err != nil {
		return nil, err
	}
	var h []privacy.Consent
	err = p.vault.View(func(tx *store.Tx) error {
		err := tx.GetJSON(bConsents, pid, &h)
		if errors.Is(err, store.ErrNotFound) {
			return nil
		}
		return err
	})
	return h, err
}

// Allowed lists the patients whose consent allows an optional
// processing, such as sync (privacy.HDSHosting) or e-mail: those who gave
// it and did not withdraw it, and whose record is not restricted.
func (p *Practice) Allowed(ctx context.Context, purpose privacy.Purpose) (map[string]bool, error) {
	out := map[string]bool{}
	err := p.vault.View(func(tx *store.Tx) error {
		return tx.ForEach(bConsents, func(id store.ID, v []byte) error {
			var h []privacy.Consent
			if err := json.Unmarshal(v, &h); err != nil {
				return store.ErrCorrupt
			}
			if !privacy.Allows(h, purpose) {
				return nil
			}
			if f, err := p.flags(tx, id); err != nil || f.Restricted {
				return err
			}
			out[id.String()] = true
			return nil
		})
	})
	return out, err
}

// OpenRight records a rights request and computes its deadline.
func (p *Practice) OpenRight(ctx context.Context, r privacy.Request) (privacy.Request, error) {
	if _, ok := privacy.ParseKind(string(r.Kind)); !ok {
		return r, msg.New("Type de demande inconnu : access, medical-record, rectification, erasure, restriction, objection, portability ou post-mortem.",
			"Unknown request kind: access, medical-record, rectification, erasure, restriction, objection, portability or post-mortem.")
	}
	pid, err := parseID(r.PatientID)
	if err != nil {
		return r, err
	}
	if r.Received == "" {
		r.Received = p.today()
	}
	if r.Due, err = privacy.DueDate(r); err != nil {
		return r, msg.New("Date de réception invalide (AAAA-MM-JJ).", "Invalid date received (YYYY-MM-DD).")
	}
	id := store.NewID()
	r.ID, r.Status = id.String(), privacy.Open
	err = p.vault.Update(func(tx *store.Tx) error {
		if _, err := tx.Get(bPatients, pid); err != nil {
			return ErrPatientNotFound
		}
		if err := tx.PutJSON(bRights, id, r); err != nil {
			return err
		}
		return p.audit(tx, "rights.open", r.ID+" "+string(r.Kind))
	})
	return r, err
}

// Rights lists the rights requests, the most pressing first.
func (p *Practice) Rights(ctx context.Context) ([]privacy.Request, error) {
	var out []privacy.Request
	err := p.vault.View(func(tx *store.Tx) error {
		return forEachJSON(tx, bRights, func(r privacy.Request) error { out = append(out, r); return nil })
	})
	slices.SortFunc(out, func(a, b privacy.Request) int {
		if (a.Status == privacy.Open) != (b.Status == privacy.Open) {
			if a.Status == privacy.Open {
				return -1
			}
			return 1
		}
		return strings.Compare(a.Due, b.Due)
	})
	return out, err
}

// UpdateRight extends (with a reason) or closes a request.
func (p *Practice) UpdateRight(ctx context.Context, id string, fn func(r *privacy.Request) error) (privacy.Request, error) {
	var r privacy.Request
	key, err := store.ParseID(id)
	if err != nil {
		return r, ErrRequestNotFound
	}
	err = p.vault.Update(func(tx *store.Tx) error {
		if err := tx.GetJSON(bRights, key, &r); err != nil {
			if errors.Is(err, store.ErrNotFound) {
				return ErrRequestNotFound
			}
			return err
		}
		if err := fn(&r); err != nil {
			return err
		}
		var err error
		if r.Due, err = privacy.DueDate(r); err != nil {
			return err
		}
		if err := tx.PutJSON(bRights, key, r); err != nil {
			return err
		}
		return p.audit(tx, "rights.update", r.ID+" "+string(r.Status))
	})
	return r, err
}

// ExtendRight extends a GDPR request by two months, with the reason told
// to the patient.
func (p *Practice) ExtendRight(ctx context.Context, id, reason string) (privacy.Request, error) {
	today := p.today()
	return p.UpdateRight(ctx, id, func(r *privacy.Request) error {
		if strings.TrimSpace(reason) == "" {
			return msg.New("La prolongation doit être motivée.", "An extension needs a reason.")
		}
		if !privacy.CanExtend(*r, today) {
			return msg.New("Prolongation impossible : seulement pendant le premier mois, une fois, et pas pour l'accès au dossier médical.",
				"Cannot extend: only within the first month, once, and not for medical-record access.")
		}
		r.Extended, r.ExtensionReason = true, reason
		return nil
	})
}

// AnswerRight closes a request as answered or refused.
func (p *Practice) AnswerRight(ctx context.Context, id string, refused bool, notes string) (privacy.Request, error) {
	today := p.today()
	return p.UpdateRight(ctx, id, func(r *privacy.Request) error {
		r.Status, r.Answered, r.Notes = privacy.Answered, today, notes
		if refused {
			r.Status = privacy.Declined
		}
		return nil
	})
}

// PatientRecord gathers everything held about a patient (rights of access
// and portability). The export is audited by the caller.
func (p *Practice) PatientRecord(ctx context.Context, id string) (privacy.Record, error) {
	var r privacy.Record
	pid, err := parseID(id)
	if err != nil {
		return r, err
	}
	r.Exported = p.now().UTC()
	err = p.vault.View(func(tx *store.Tx) error {
		if err := tx.GetJSON(bPatients, pid, &r.Patient); err != nil {
			if errors.Is(err, store.ErrNotFound) {
				return ErrPatientNotFound
			}
			return err
		}
		l, err := p.links(tx, pid)
		if err != nil {
			return err
		}
		for _, cid := range l.Consultations {
			var c patient.Consultation
			if err := tx.GetJSON(bConsultations, cid, &c); err == nil {
				r.Consultations = append(r.Consultations, c)
			}
		}
		for _, aid := range l.Appointments {
			var a patient.Appointment
			if err := tx.GetJSON(bAppointments, aid, &a); err == nil {
				r.Appointments = append(r.Appointments, a)
			}
		}
		var hist []Change
		if err := tx.GetJSON(bHistory, pid, &hist); err == nil {
			for _, h := range hist {
				r.History = append(r.History, privacy.Change{Time: h.Time, Actor: h.Actor, Action: h.Action, Fields: h.Fields})
			}
		}
		tx.GetJSON(bConsents, pid, &r.Consents)
		f, err := p.flags(tx, pid)
		if err != nil {
			return err
		}
		r.Restricted = f.Restricted
		if err := forEachJSON(tx, bNotes, func(n billing.Note) error {
			if n.PatientID == id && n.Issued() {
				r.Notes = append(r.Notes, n)
			}
			return nil
		}); err != nil {
			return err
		}
		if err := forEachJSON(tx, bNotePayments, func(ps []billing.Payment) error {
			for _, pay := range ps {
				if slices.ContainsFunc(r.Notes, func(n billing.Note) bool { return n.ID == pay.NoteID }) {
					r.Payments = append(r.Payments, pay)
				}
			}
			return nil
		}); err != nil {
			return err
		}
		return forEachJSON(tx, bRights, func(q privacy.Request) error {
			if q.PatientID == id {
				r.Requests = append(r.Requests, q)
			}
			return nil
		})
	})
	slices.SortFunc(r.Consultations, func(a, b patient.Consultation) int { return a.Date.Compare(b.Date) })
	slices.SortFunc(r.Notes, func(a, b billing.Note) int { return strings.Compare(a.Number, b.Number) })
	return r, err
}

// exportReadme documents the zip's content and the JSON schema.
const exportReadme = `Export du dossier patient — Cabinet
=====================================

patient.json       toutes les données du dossier (schéma ci-dessous)
fhir-bundle.json   les mêmes données au format HL7 FHIR R4 (Bundle de type collection :
                   Patient, Encounter, Observation, Invoice, Consent, DocumentReference)
dossier.pdf        version lisible
documents/         les documents joints au dossier (PDF, images)

Schéma de patient.json (toutes les dates AAAA-MM-JJ, horodatages RFC 3339 en UTC,
montants en centimes d'euro) :
  patient          identité : birth_name, used_name, first_names, birth_date, sex (F/M),
                   birth_place (code INSEE), nir, address, phone, email, notes
  consultations[]  date, reason, notes, observations, measures {height_mm, weight_g,
                   systolic, diastolic, pulse_bpm}
  appointments[]   start, duration (nanosecondes), reason, status
  notes[]          notes d'honoraires et avoirs : number, date, lines[] {code, label, qty, unit},
                   total, credit_of
  payments[]       number, date, amount, method
  consents[]       purpose, decision (given/refused/withdrawn), date, proof, notice_version
  rights_requests[] kind, received, due, status
  history[]        modifications du dossier : time, actor, action, fields
  restricted       le dossier est-il limité
`

// ExportPatient writes a zip with the patient's data as JSON, FHIR R4
// and a readable PDF, and audits the export.
func (p *Practice) ExportPatient(ctx context.Context, id, path string) error {
	r, err := p.PatientRecord(ctx, id)
	if err != nil {
		return err
	}
	var pdf bytes.Buffer
	if err := privacy.WriteMarkdownPDF(&pdf, "Dossier "+r.Patient.DisplayName(), recordMarkdown(r)); err != nil {
		return err
	}
	err = writeAtomic(path, func(f *os.File) error {
		z := zip.NewWriter(f)
		put := func(name string, write func(io.Writer) error) error {
			w, err := z.CreateHeader(&zip.FileHeader{Name: name, Method: zip.Deflate, Modified: r.Exported})
			if err != nil {
				return err
			}
			return write(w)
		}
		jsonOf := func(v any) func(io.Writer) error {
			return func(w io.Writer) error {
				enc := json.NewEncoder(w)
				enc.SetIndent("", "  ")
				return enc.Encode(v)
			}
		}
		for _, e := range []struct {
			name string
			fn   func(io.Writer) error
		}{
			{"patient.json", jsonOf(r)},
			{"fhir-bundle.json", jsonOf(privacy.Bundle(r, "dossier.pdf"))},
			{"dossier.pdf", func(w io.Writer) error { _, err := w.Write(pdf.Bytes()); return err }},
			{"LISEZMOI.txt", func(w io.Writer) error { _, err := io.WriteString(w, exportReadme); return err }},
		} {
			if err := put(e.name, e.fn); err != nil {
				return err
			}
		}
		docs, err := p.Documents(ctx, id)
		if err != nil {
			return err
		}
		for i, d := range docs {
			_, data, err := p.DocumentData(ctx, d.ID)
			if err != nil {
				return err
			}
			if err := put(fmt.Sprintf("documents/%02d-%s", i+1, d.Name), func(w io.Writer) error { _, err := w.Write(data); return err }); err != nil {
				return err
			}
		}
		return z.Close()
	})
	if err != nil {
		return err
	}
	return p.vault.Update(func(tx *store.Tx) error { return p.audit(tx, "export.patient", id) })
}

func recordMarkdown(r privacy.Record) string {
	var b strings.Builder
	pt := r.Patient
	fmt.Fprintf(&b, "# Dossier de %s\n\n", pt.DisplayName())
	fmt.Fprintf(&b, "Exporté le %s.\n\n## Identité\n\n", r.Exported.In(paris).Format("02/01/2006 15:04"))
	for _, kv := range [][2]string{{"Nom de naissance", pt.BirthName}, {"Nom d'usage", pt.UsedName}, {"Prénoms", pt.FirstNames},
		{"Date de naissance", pt.BirthDate}, {"Sexe", string(pt.Sex)}, {"Lieu de naissance (INSEE)", pt.BirthPlace}, {"NIR", pt.NIR},
		{"Adresse", strings.ReplaceAll(pt.Address, "\n", ", ")}, {"Téléphone", pt.Phone}, {"E-mail", pt.Email}, {"Notes", pt.Notes}} {
		if kv[1] != "" {
			fmt.Fprintf(&b, "- **%s** : %s\n", kv[0], kv[1])
		}
	}
	fmt.Fprintf(&b, "\n## Consultations (%d)\n\n", len(r.Consultations))
	for _, c := range r.Consultations {
		fmt.Fprintf(&b, "- %s — %s. %s %s\n", c.Date.In(paris).Format("02/01/2006 15:04"), c.Reason, c.Notes, c.Observations)
	}
	fmt.Fprintf(&b, "\n## Notes d'honoraires (%d)\n\n", len(r.Notes))
	for _, n := range r.Notes {
		fmt.Fprintf(&b, "- %s du %s : %s\n", n.Number, n.Date, n.Total.Euros())
	}
	fmt.Fprintf(&b, "\n## Consentements\n\n")
	for _, c := range r.Consents {
		fmt.Fprintf(&b, "- %s : %s le %s (%s, notice %s)\n", c.Purpose.French(), c.Decision, c.Date, c.Proof, c.NoticeVersion)
	}
	fmt.Fprintf(&b, "\n## Historique des modifications\n\n")
	for _, h := range r.History {
		fmt.Fprintf(&b, "- %s, %s : %s %s\n", h.Time.In(paris).Format("02/01/2006 15:04"), h.Actor, h.Action, strings.Join(h.Fields, ", "))
	}
	return b.String()
}

// ErasurePlan says, before an erasure, what will be deleted, what kept
// and why.
type ErasurePlan struct {
	Delete []string `json:"delete"`
	Keep   []string `json:"keep"`
}

// PlanErasure describes the erasure of a patient.
func (p *Practice) PlanErasure(ctx context.Context, id string) (ErasurePlan, error) {
	r, err := p.PatientRecord(ctx, id)
	if err != nil {
		return ErasurePlan{}, err
	}
	plan := ErasurePlan{Delete: []string{
		"identité complète (nom, prénoms, date et lieu de naissance, NIR, adresse, téléphone, e-mail, notes)",
		fmt.Sprintf("%d consultation(s) et leurs mesures", len(r.Consultations)),
		fmt.Sprintf("%d rendez-vous", len(r.Appointments)),
		fmt.Sprintf("%d décision(s) de consentement et l'historique des modifications", len(r.Consents)),
	}}
	if len(r.Notes) > 0 {
		plan.Keep = append(plan.Keep, fmt.Sprintf("%d note(s) d'honoraires et leurs règlements : numéros, dates, actes et montants, conservés 10 ans (LPF L102 B, Code de commerce L123-22) ; le nom du patient y est effacé", len(r.Notes)))
	}
	if len(r.Requests) > 0 {
		plan.Keep = append(plan.Keep, fmt.Sprintf("%d demande(s) d'exercice de droits, sans identité, pour prouver leur traitement (art. 5.2 RGPD)", len(r.Requests)))
	}
	plan.Keep = append(plan.Keep, "le journal d'audit, qui ne contient que des identifiants aléatoires, jusqu'à la fin de sa durée de conservation")
	return plan, nil
}

// Erase deletes a patient's record and anonymises what the law keeps:
// issued notes keep numbers, dates, acts and amounts, without the name;
// rights requests keep their dates, without the patient.
func (p *Practice) Erase(ctx context.Context, id string) error {
	pid, err := parseID(id)
	if err != nil {
		return err
	}
	anon := "erased-" + store.NewID().String()[:8]
	err = p.vault.Update(func(tx *store.Tx) error {
		if _, err := tx.Get(bPatients, pid); err != nil {
			if errors.Is(err, store.ErrNotFound) {
				return ErrPatientNotFound
			}
			return err
		}
		l, err := p.links(tx, pid)
		if err != nil {
			return err
		}
		for _, cid := range l.Consultations {
			if err := tx.Delete(bConsultations, cid); err != nil {
				return err
			}
		}
		for _, aid := range l.Appointments {
			var a patient.Appointment
			if err := tx.GetJSON(bAppointments, aid, &a); err == nil {
				if err := p.removeFromDay(tx, a.Start, aid); err != nil {
					return err
				}
			}
			if err := tx.Delete(bAppointments, aid); err != nil {
				return err
			}
		}
		for _, b := range []string{bPatients, bPatientLinks, bHistory, bConsents, bFlags} {
			if err := tx.Delete(b, pid); err != nil && !errors.Is(err, store.ErrNotFound) {
				return err
			}
		}
		if err := tx.Delete(bDrafts, draftKey(tx, pid)); err != nil && !errors.Is(err, store.ErrNotFound) {
			return err
		}
		if err := p.deleteDocuments(tx, pid); err != nil {
			return err
		}
		// Notes: anonymised in place (drafts are deleted).
		var notes []store.ID
		var drafts []store.ID
		if err := tx.ForEach(bNotes, func(nid store.ID, v []byte) error {
			var n billing.Note
			if err := json.Unmarshal(v, &n); err != nil {
				return store.ErrCorrupt
			}
			if n.PatientID == id {
				if n.Issued() {
					notes = append(notes, nid)
				} else {
					drafts = append(drafts, nid)
				}
			}
			return nil
		}); err != nil {
			return err
		}
		for _, nid := range notes {
			var n billing.Note
			if err := tx.GetJSON(bNotes, nid, &n); err != nil {
				return err
			}
			n.PatientID, n.PatientName, n.Anonymous, n.ConsultationID = anon, "", true, ""
			if err := tx.PutJSON(bNotes, nid, n); err != nil {
				return err
			}
		}
		for _, nid := range drafts {
			if err := tx.Delete(bNotes, nid); err != nil {
				return err
			}
		}
		var reqs []store.ID
		if err := tx.ForEach(bRights, func(rid store.ID, v []byte) error {
			var r privacy.Request
			if err := json.Unmarshal(v, &r); err != nil {
				return store.ErrCorrupt
			}
			if r.PatientID == id {
				reqs = append(reqs, rid)
			}
			return nil
		}); err != nil {
			return err
		}
		for _, rid := range reqs {
			var r privacy.Request
			if err := tx.GetJSON(bRights, rid, &r); err != nil {
				return err
			}
			r.PatientID, r.Notes = anon, ""
			if err := tx.PutJSON(bRights, rid, r); err != nil {
				return err
			}
		}
		return p.audit(tx, "patient.erase", id)
	})
	if err != nil {
		return err
	}
	p.index.Remove(id)
	return nil
}

// RetentionReport is what the retention job did, or would do.
type RetentionReport struct {
	Archived []string `json:"archived"` // patient ids moved to the archive
	Expired  []string `json:"expired"`  // patient ids past their period: to erase after confirmation
	Erased   []string `json:"erased"`
	DryRun   bool     `json:"dry_run"`
	// AuditPruned is how many audit entries older than the journal's
	// period were removed behind a signed checkpoint.
	AuditPruned uint64 `json:"audit_pruned"`
	// IDCopiesErased counts identity copies of rights requests erased at
	// the end of their period (1 year).
	IDCopiesErased int `json:"id_copies_erased"`
}

// lastVisit is the date of a patient's last consultation or past
// appointment, or of the record's creation when they have none.
func (p *Practice) lastVisit(tx *store.Tx, pid store.ID, created time.Time) time.Time {
	var last time.Time
	l, _ := p.links(tx, pid)
	for _, cid := range l.Consultations {
		var c patient.Consultation
		if tx.GetJSON(bConsultations, cid, &c) == nil && c.Date.After(last) {
			last = c.Date
		}
	}
	for _, aid := range l.Appointments {
		var a patient.Appointment
		if tx.GetJSON(bAppointments, aid, &a) == nil && a.Status != patient.Cancelled && a.Start.After(last) && !a.Start.After(p.now()) {
			last = a.Start
		}
	}
	if last.IsZero() {
		return created
	}
	return last
}

// RunRetention applies the medical-record retention rule: records past
// their active period are archived (hidden from daily work); records
// past the whole period are listed, and erased only with erase (the
// practitioner confirmed the list). With dryRun nothing changes.
func (p *Practice) RunRetention(ctx context.Context, dryRun, erase bool) (RetentionReport, error) {
	rep := RetentionReport{DryRun: dryRun}
	pol, err := p.RetentionPolicy(ctx)
	if err != nil {
		return rep, err
	}
	rule := pol[0]
	today := p.now().In(paris)
	err = p.vault.View(func(tx *store.Tx) error {
		return tx.ForEach(bPatients, func(pid store.ID, v []byte) error {
			var pt patient.Patient
			if err := json.Unmarshal(v, &pt); err != nil {
				return store.ErrCorrupt
			}
			birth, _ := time.Parse(time.DateOnly, pt.BirthDate)
			f, err := p.flags(tx, pid)
			if err != nil {
				return err
			}
			switch privacy.StageOf(rule, p.lastVisit(tx, pid, pt.Created), birth, today) {
			case privacy.Archived:
				if f.Archived == "" {
					rep.Archived = append(rep.Archived, pt.ID)
				}
			case privacy.Expired:
				rep.Expired = append(rep.Expired, pt.ID)
			}
			return nil
		})
	})
	if err != nil || dryRun {
		return rep, err
	}
	for _, id := range rep.Archived {
		pid, _ := store.ParseID(id)
		if err := p.vault.Update(func(tx *store.Tx) error {
			f, err := p.flags(tx, pid)
			if err != nil {
				return err
			}
			f.Archived = today.Format(time.DateOnly)
			if err := tx.PutJSON(bFlags, pid, f); err != nil {
				return err
			}
			return p.audit(tx, "retention.archive", id)
		}); err != nil {
			return rep, err
		}
		p.index.Remove(id)
	}
	if rep.IDCopiesErased, err = p.eraseOldIDCopies(pol, today); err != nil {
		return rep, err
	}
	for _, r := range pol {
		if r.Category == privacy.AuditJournal {
			if rep.AuditPruned, err = p.vault.PruneAudit(privacy.AddMonths(today, -r.Keep)); err != nil {
				return rep, err
			}
		}
	}
	if erase {
		for _, id := range rep.Expired {
			if err := p.Erase(ctx, id); err != nil {
				return rep, err
			}
			rep.Erased = append(rep.Erased, id)
		}
	}
	return rep, p.vault.Update(func(tx *store.Tx) error {
		return tx.Audit(store.AuditEntry{Actor: p.actor, Action: "retention.run",
			Detail: fmt.Sprintf("archived=%d expired=%d erased=%d", len(rep.Archived), len(rep.Expired), len(rep.Erased))})
	})
}

// PrivacyConfig is the configuration the register and notice describe.
func (p *Practice) PrivacyConfig(ctx context.Context) (privacy.Config, error) {
	pr, err := p.Practitioner(ctx)
	if err != nil {
		return privacy.Config{}, err
	}
	sessions, err := p.SupportSessions(ctx)
	if err != nil {
		return privacy.Config{}, err
	}
	pol, err := p.RetentionPolicy(ctx)
	if err != nil {
		return privacy.Config{}, err
	}
	_, mailOn, err := p.MailAccount(ctx)
	if err != nil {
		return privacy.Config{}, err
	}
	acct, syncOn, err := p.SyncAccount(ctx)
	host := acct.Host
	if acct.HDSCertificate != "" {
		host += " (certificat HDS " + acct.HDSCertificate + ")"
	}
	return privacy.Config{Practitioner: pr, Policy: pol, Today: p.now().In(paris), MailOn: mailOn,
		SupportOn: len(sessions) > 0, SupportSessions: len(sessions), SyncOn: syncOn, SyncHost: host}, err
}

// WriteRegister writes the register of processing as PDF, or Markdown
// when path ends in .md, and audits it.
func (p *Practice) WriteRegister(ctx context.Context, path string) error {
	c, err := p.PrivacyConfig(ctx)
	if err != nil {
		return err
	}
	md := privacy.RegisterMarkdown(c)
	err = writeAtomic(path, func(f *os.File) error {
		if strings.HasSuffix(strings.ToLower(path), ".md") {
			_, err := io.WriteString(f, md)
			return err
		}
		return privacy.WriteMarkdownPDF(f, "Registre des activités de traitement", md)
	})
	if err != nil {
		return err
	}
	return p.vault.Update(func(tx *store.Tx) error { return p.audit(tx, "export.register", "") })
}

// WriteNotice writes the patient information notice (PDF) in lang.
func (p *Practice) WriteNotice(ctx context.Context, path, lang string) (string, error) {
	c, err := p.PrivacyConfig(ctx)
	if err != nil {
		return "", err
	}
	v := privacy.NoticeVersion(c)
	err = writeAtomic(path, func(f *os.File) error {
		title := map[bool]string{true: "Information notice", false: "Notice d'information"}[lang == "en"]
		return privacy.WriteMarkdownPDF(f, title, privacy.NoticeMarkdown(c, lang, v))
	})
	return v, err
}

// Today is the practice's date (Paris), YYYY-MM-DD.
func (p *Practice) Today() string { return p.today() }

// RetentionPolicy is the policy in force: the defaults of france.md with
// the practitioner's changes.
func (p *Practice) RetentionPolicy(ctx context.Context) ([]privacy.Rule, error) {
	pol := privacy.DefaultPolicy()
	var keep map[privacy.Category]int
	err := p.vault.View(func(tx *store.Tx) error { return tx.GetJSON(bSettings, tx.NamedID("retention-policy"), &keep) })
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return nil, err
	}
	for i := range pol {
		if k, ok := keep[pol[i].Category]; ok {
			pol[i].Keep = k
		}
	}
	return pol, nil
}

// SetRetention changes how long a category is kept, in months; it
// returns the warnings for periods under a legal minimum (the change is
// kept: the practitioner decides, warned).
func (p *Practice) SetRetention(ctx context.Context, cat privacy.Category, months int) ([]string, error) {
	pol, err := p.RetentionPolicy(ctx)
	if err != nil {
		return nil, err
	}
	found := false
	for i := range pol {
		if pol[i].Category == cat {
			found = true
			pol[i].Keep = months
		}
	}
	if !found || months < 1 || months > 100*12 {
		return nil, msg.New("Catégorie inconnue ou durée hors limites (1 à 1200 mois).", "Unknown category or period out of range (1 to 1200 months).")
	}
	keep := map[privacy.Category]int{}
	for _, r := range pol {
		keep[r.Category] = r.Keep
	}
	err = p.vault.Update(func(tx *store.Tx) error {
		if err := tx.PutJSON(bSettings, tx.NamedID("retention-policy"), keep); err != nil {
			return err
		}
		return tx.Audit(store.AuditEntry{Actor: p.actor, Action: "settings.retention", Object: string(cat), Detail: fmt.Sprintf("months=%d", months)})
	})
	return privacy.Check(pol), err
}

// ConsentsPDF prints a patient's consents and their history.
func (p *Practice) ConsentsPDF(ctx context.Context, id, path string) error {
	pt, err := p.Patient(ctx, id)
	if err != nil {
		return err
	}
	hist, err := p.Consents(ctx, id)
	if err != nil {
		return err
	}
	var b strings.Builder
	fmt.Fprintf(&b, "# Consentements de %s\n\nNé(e) le %s. Édité le %s.\n\n## En vigueur\n\n", pt.DisplayName(), pt.BirthDate, p.today())
	inForce := privacy.InForce(hist)
	for _, purpose := range privacy.Purposes {
		if purpose == privacy.CareRecord {
			fmt.Fprintf(&b, "- %s : sans objet (base légale : les soins, art. 9.2.h RGPD)\n", purpose.French())
			continue
		}
		c, ok := inForce[purpose]
		if !ok {
			fmt.Fprintf(&b, "- %s : non demandé\n", purpose.French())
			continue
		}
		fmt.Fprintf(&b, "- %s : %s le %s\n", purpose.French(), decisionFR(c.Decision), c.Date)
	}
	b.WriteString("\n## Historique\n\n")
	for _, c := range hist {
		fmt.Fprintf(&b, "- %s — %s : %s (preuve : %s ; notice d'information version %s)\n", c.Date, c.Purpose.French(), decisionFR(c.Decision), proofFR(c.Proof), c.NoticeVersion)
	}
	if err := writeAtomic(path, func(f *os.File) error { return privacy.WriteMarkdownPDF(f, "Consentements", b.String()) }); err != nil {
		return err
	}
	return p.vault.Update(func(tx *store.Tx) error { return p.audit(tx, "export.consents", id) })
}

func decisionFR(d privacy.Decision) string {
	return map[privacy.Decision]string{privacy.Given: "donné", privacy.Refused: "refusé", privacy.Withdrawn: "retiré"}[d]
}

func proofFR(p privacy.Proof) string {
	return map[privacy.Proof]string{privacy.PaperScan: "papier signé numérisé", privacy.Drawn: "signature à l'écran", privacy.Oral: "oral, attesté par le praticien"}[p]
}

// eraseOldIDCopies deletes the identity copies attached to rights
// requests once their period (1 year by default) has passed.
func (p *Practice) eraseOldIDCopies(pol []privacy.Rule, today time.Time) (int, error) {
	keep := 12
	for _, r := range pol {
		if r.Category == privacy.IdentityCopy {
			keep = r.Keep
		}
	}
	n := 0
	err := p.vault.Update(func(tx *store.Tx) error {
		var due []store.ID
		if err := tx.ForEach(bRights, func(id store.ID, v []byte) error {
			var r privacy.Request
			if json.Unmarshal(v, &r) == nil && r.IDCopy != "" {
				if rec, err := time.ParseInLocation(time.DateOnly, r.Received, paris); err == nil && !today.Before(privacy.AddMonths(rec, keep)) {
					due = append(due, id)
				}
			}
			return nil
		}); err != nil {
			return err
		}
		for _, id := range due {
			var r privacy.Request
			if err := tx.GetJSON(bRights, id, &r); err != nil {
				return err
			}
			doc := mustID(r.IDCopy)
			for _, b := range []string{bDocuments, bDocData} {
				if err := tx.Delete(b, doc); err != nil && !errors.Is(err, store.ErrNotFound) {
					return err
				}
			}
			r.IDCopy = ""
			if err := tx.PutJSON(bRights, id, r); err != nil {
				return err
			}
			if err := p.audit(tx, "retention.id-copy", r.ID); err != nil {
				return err
			}
			n++
		}
		return nil
	})
	return n, err
}
