package practice

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/cabinet-sante/cabinet/app/billing"
	"github.com/cabinet-sante/cabinet/app/msg"
	"github.com/cabinet-sante/cabinet/app/patient"
	"github.com/cabinet-sante/cabinet/store"
)

const (
	bSettings     = "settings"
	bActs         = "acts"          // keyed by NamedID("act CODE")
	bNotes        = "notes"         // notes d'honoraires and credit notes, by random id
	bNoteNumbers  = "note-numbers"  // NamedID("note NUMBER") → note id
	bNoteSeries   = "note-series"   // NamedID("series PREFIX YEAR") → last number and date
	bNotePayments = "note-payments" // per note id: its payments
	bNoteCredits  = "note-credits"  // per note id: the number of the credit note that cancels it
)

// Billing errors, worded for the practitioner.
var (
	ErrNoteNotFound = msg.Wrap(store.ErrNotFound, "Note d'honoraires introuvable : vérifiez le numéro (AAAA-NNNNNN).",
		"Invoice not found: check the number (YYYY-NNNNNN).")
	ErrActNotFound = msg.Wrap(store.ErrNotFound, "Acte inconnu : ajoutez-le d'abord au catalogue.", "Unknown act: add it to the catalogue first.")
	ErrImmutable   = msg.New("Une note émise ne peut plus être modifiée : annulez-la par un avoir puis émettez-en une nouvelle.",
		"An issued note cannot be changed: cancel it with a credit note and issue a new one.")
	ErrAlreadyCancelled = msg.New("Cette note est déjà annulée par un avoir.", "This note is already cancelled by a credit note.")
	ErrCreditNote       = msg.New("Un avoir ne se règle ni ne s'annule.", "A credit note cannot be paid or cancelled.")
	ErrOverpayment      = msg.New("Le montant dépasse le reste dû de la note.", "The amount exceeds what is left to pay on the note.")
	ErrNotChronological = msg.New("La date est antérieure à celle de la dernière note émise : la numérotation doit rester chronologique.",
		"The date is before the last issued note's: numbering must stay chronological.")
)

// MissingMentions lists, in French and English, the practitioner's details
// a note lacks among those the law requires (name, address, RPPS or ADELI).
func MissingMentions(pr billing.Practitioner) (fr, en []string) {
	if pr.Name == "" {
		fr, en = append(fr, "nom"), append(en, "name")
	}
	if pr.Address == "" {
		fr, en = append(fr, "adresse"), append(en, "address")
	}
	if pr.RPPS == "" && pr.ADELI == "" {
		fr, en = append(fr, "RPPS ou ADELI"), append(en, "RPPS or ADELI")
	}
	return fr, en
}

func settingsKey(tx *store.Tx) store.ID { return tx.NamedID("practitioner") }

// SetPractitioner stores the practitioner's details shown on notes.
func (p *Practice) SetPractitioner(ctx context.Context, pr billing.Practitioner) error {
	pr.Name = strings.TrimSpace(pr.Name)
	if pr.Name == "" {
		return patient.ValidationErrors{{Field: "name", FR: "Le nom du praticien est obligatoire.", EN: "The practitioner's name is required."}}
	}
	return p.vault.Update(func(tx *store.Tx) error {
		if err := tx.PutJSON(bSettings, settingsKey(tx), pr); err != nil {
			return err
		}
		return p.audit(tx, "settings.practitioner", "")
	})
}

// Practitioner returns the practitioner's details (zero if never set).
func (p *Practice) Practitioner(ctx context.Context) (billing.Practitioner, error) {
	var pr billing.Practitioner
	err := p.vault.View(func(tx *store.Tx) error {
		err := tx.GetJSON(bSettings, settingsKey(tx), &pr)
		if errors.Is(err, store.ErrNotFound) {
			return nil
		}
		return err
	})
	return pr, err
}

// SaveAct adds or replaces an act of the catalogue.
func (p *Practice) SaveAct(ctx context.Context, a billing.Act) error {
	a.Code = strings.ToUpper(strings.TrimSpace(a.Code))
	a.Label = strings.TrimSpace(a.Label)
	if err := a.Validate(); err != nil {
		return err
	}
	return p.vault.Update(func(tx *store.Tx) error {
		if err := tx.PutJSON(bActs, tx.NamedID("act "+a.Code), a); err != nil {
			return err
		}
		return p.audit(tx, "act.save", a.Code)
	})
}

// Acts lists the catalogue by code.
func (p *Practice) Acts(ctx context.Context) ([]billing.Act, error) {
	var acts []billing.Act
	err := p.vault.View(func(tx *store.Tx) error {
		return forEachJSON(tx, bActs, func(a billing.Act) error { acts = append(acts, a); return nil })
	})
	slices.SortFunc(acts, func(a, b billing.Act) int { return strings.Compare(a.Code, b.Code) })
	return acts, err
}

// noteHead is the part of a [billing.Note] that the receipts need.
type noteHead struct {
	Date        string `json:"date"`
	PatientID   string `json:"patient_id"`
	PatientName string `json:"patient_name"`
}

// decodeJSON decodes a value of bucket, a damaged one as [store.ErrCorrupt].
func decodeJSON(bucket string, v []byte, x any) error {
	if err := json.Unmarshal(v, x); err != nil {
		return fmt.Errorf("decode %s: %w", bucket, store.ErrCorrupt)
	}
	return nil
}

// forEachJSON decodes every value of bucket.
func forEachJSON[T any](tx *store.Tx, bucket string, fn func(T) error) error {
	return tx.ForEach(bucket, func(_ store.ID, v []byte) error {
		var x T
		if err := json.Unmarshal(v, &x); err != nil {
			return fmt.Errorf("decode %s: %w", bucket, store.ErrCorrupt)
		}
		return fn(x)
	})
}

// ActQty is an act of the catalogue and how many times it was done.
type ActQty struct {
	Code string
	Qty  int
}

// NoteRequest is what the practitioner asks to invoice.
type NoteRequest struct {
	PatientID      string
	ConsultationID string   // optional: the care date comes from it
	Acts           []ActQty // at least one
	Date           string   // date of the note, YYYY-MM-DD; today when empty
	ServiceDate    string   // date of the care; the consultation's, or the note's
	ServicePlace   string   // the practitioner's default place when empty
	Anonymous      bool     // leave the patient's name off the note
}

type seriesState struct {
	Last     int    `json:"last"`
	LastDate string `json:"last_date"`
}

func (p *Practice) today() string { return p.now().In(paris).Format(time.DateOnly) }

// buildNote turns a request into a draft note, within tx.
func (p *Practice) buildNote(tx *store.Tx, r NoteRequest) (billing.Note, error) {
	n := billing.Note{Kind: billing.Invoice, PatientID: r.PatientID, Date: r.Date, ServiceDate: r.ServiceDate,
		ServicePlace: r.ServicePlace, Anonymous: r.Anonymous, ConsultationID: r.ConsultationID}
	if n.Date == "" {
		n.Date = p.today()
	}
	pid, err := parseID(r.PatientID)
	if err != nil {
		return n, err
	}
	var pt patient.Patient
	if err := tx.GetJSON(bPatients, pid, &pt); err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return n, ErrPatientNotFound
		}
		return n, err
	}
	if err := p.checkWritable(tx, pid); err != nil {
		return n, err
	}
	if !r.Anonymous {
		n.PatientName = pt.DisplayName()
	}
	if r.ConsultationID != "" && n.ServiceDate == "" {
		cid, err := store.ParseID(r.ConsultationID)
		if err != nil {
			return n, ErrNotFound
		}
		var c patient.Consultation
		if err := tx.GetJSON(bConsultations, cid, &c); err != nil {
			if errors.Is(err, store.ErrNotFound) {
				return n, ErrNotFound
			}
			return n, err
		}
		n.ServiceDate = c.Date.In(paris).Format(time.DateOnly)
	}
	if n.ServiceDate == "" {
		n.ServiceDate = n.Date
	}
	// Without the practitioner's details the note is still issued (the
	// number must not wait), and the callers warn that the mentions are
	// incomplete: see MissingMentions.
	if err := tx.GetJSON(bSettings, settingsKey(tx), &n.Practitioner); err != nil && !errors.Is(err, store.ErrNotFound) {
		return n, err
	}
	if n.ServicePlace == "" {
		n.ServicePlace = n.Practitioner.Place
	}
	for _, aq := range r.Acts {
		var a billing.Act
		if err := tx.GetJSON(bActs, tx.NamedID("act "+strings.ToUpper(aq.Code)), &a); err != nil {
			if errors.Is(err, store.ErrNotFound) {
				return n, msg.Wrap(store.ErrNotFound, "Acte inconnu : « "+aq.Code+" ». Ajoutez-le d'abord au catalogue.",
					"Unknown act \""+aq.Code+"\": add it to the catalogue first.")
			}
			return n, err
		}
		n.Lines = append(n.Lines, billing.Line{Code: a.Code, Label: a.Label, Qty: aq.Qty, Unit: a.Price})
	}
	n.Total = n.Sum()
	return n, n.Validate()
}

// number assigns the next number of the device's series for the note's
// year, within the transaction that stores the note: numbers are
// continuous and never reused, even if the program stops between notes.
func (p *Practice) number(tx *store.Tx, n *billing.Note) error {
	year := n.Date[:4]
	series, err := deviceSeries(tx, n.Practitioner.Series)
	if err != nil {
		return err
	}
	n.Practitioner.Series = series
	key := tx.NamedID("series " + n.Practitioner.Series + " " + year)
	var st seriesState
	if err := tx.GetJSON(bNoteSeries, key, &st); err != nil && !errors.Is(err, store.ErrNotFound) {
		return err
	}
	if n.Date < st.LastDate {
		return ErrNotChronological
	}
	st.Last++
	st.LastDate = n.Date
	var y int
	fmt.Sscan(year, &y)
	n.Number = billing.FormatNumber(n.Practitioner.Series, y, st.Last)
	n.IssuedAt = p.now().UTC()
	if err := tx.PutJSON(bNoteSeries, key, st); err != nil {
		return err
	}
	return tx.PutJSON(bNoteNumbers, tx.NamedID("note "+n.Number), n.ID)
}

// IssueNote builds a note from the catalogue, numbers it and stores it in
// one transaction, and writes the issue to the audit journal.
func (p *Practice) IssueNote(ctx context.Context, r NoteRequest) (billing.Note, error) {
	var n billing.Note
	if err := ctx.Err(); err != nil {
		return n, err
	}
	err := p.vault.Update(func(tx *store.Tx) error {
		var err error
		if n, err = p.buildNote(tx, r); err != nil {
			return err
		}
		return p.issueInTx(tx, &n)
	})
	return n, err
}

func (p *Practice) issueInTx(tx *store.Tx, n *billing.Note) error {
	id := store.NewID()
	if n.ID != "" {
		parsed, err := store.ParseID(n.ID)
		if err != nil {
			return ErrNoteNotFound
		}
		id = parsed
	}
	n.ID = id.String()
	if err := p.number(tx, n); err != nil {
		return err
	}
	if err := tx.PutJSON(bNotes, id, n); err != nil {
		return err
	}
	action := "invoice.issue"
	if n.Kind == billing.Credit {
		action = "invoice.credit"
	}
	return p.audit(tx, action, n.Number)
}

// SaveDraft stores a note without a number, to issue later. A note that
// has been issued is refused with ErrImmutable.
func (p *Practice) SaveDraft(ctx context.Context, r NoteRequest, id string) (billing.Note, error) {
	var n billing.Note
	err := p.vault.Update(func(tx *store.Tx) error {
		key := store.NewID()
		if id != "" {
			var err error
			if key, err = store.ParseID(id); err != nil {
				return ErrNoteNotFound
			}
			var old billing.Note
			if err := tx.GetJSON(bNotes, key, &old); err == nil && old.Issued() {
				return ErrImmutable
			} else if err != nil && !errors.Is(err, store.ErrNotFound) {
				return err
			}
		}
		built, err := p.buildNote(tx, r)
		if err != nil {
			return err
		}
		n = built
		n.ID = key.String()
		return tx.PutJSON(bNotes, key, n)
	})
	return n, err
}

// IssueDraft numbers a saved draft, dated today unless it has a date.
func (p *Practice) IssueDraft(ctx context.Context, id string) (billing.Note, error) {
	var n billing.Note
	err := p.vault.Update(func(tx *store.Tx) error {
		key, err := store.ParseID(id)
		if err != nil {
			return ErrNoteNotFound
		}
		if err := tx.GetJSON(bNotes, key, &n); err != nil {
			if errors.Is(err, store.ErrNotFound) {
				return ErrNoteNotFound
			}
			return err
		}
		if n.Issued() {
			return ErrImmutable
		}
		return p.issueInTx(tx, &n)
	})
	return n, err
}

// NoteState is a note with what its payments and credit notes make of it.
type NoteState struct {
	billing.Note
	Status   billing.Status    `json:"status"`
	Paid     billing.Cents     `json:"paid"`
	Due      billing.Cents     `json:"due"`
	Payments []billing.Payment `json:"payments,omitempty"`
	CreditBy string            `json:"credit_by,omitempty"` // number of the credit note that cancels it
}

func (p *Practice) noteByNumber(tx *store.Tx, number string) (store.ID, billing.Note, error) {
	var n billing.Note
	var idStr string
	if _, _, _, ok := billing.ParseNumber(number); !ok {
		return store.ID{}, n, ErrNoteNotFound
	}
	if err := tx.GetJSON(bNoteNumbers, tx.NamedID("note "+number), &idStr); err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return store.ID{}, n, ErrNoteNotFound
		}
		return store.ID{}, n, err
	}
	id, err := store.ParseID(idStr)
	if err != nil {
		return id, n, store.ErrCorrupt
	}
	if err := tx.GetJSON(bNotes, id, &n); err != nil {
		return id, n, err
	}
	if n.Number != number {
		return id, n, &store.CorruptError{Where: "note-numbers", Why: "index and note disagree"}
	}
	return id, n, nil
}

func (p *Practice) stateInTx(tx *store.Tx, id store.ID, n billing.Note) (NoteState, error) {
	s := NoteState{Note: n}
	if err := tx.GetJSON(bNotePayments, id, &s.Payments); err != nil && !errors.Is(err, store.ErrNotFound) {
		return s, err
	}
	if err := tx.GetJSON(bNoteCredits, id, &s.CreditBy); err != nil && !errors.Is(err, store.ErrNotFound) {
		return s, err
	}
	for _, pay := range s.Payments {
		s.Paid += pay.Amount
	}
	s.Status = billing.StatusOf(n, s.Paid, s.CreditBy != "")
	if s.Status == billing.Unpaid || s.Status == billing.Partly {
		s.Due = n.Total - s.Paid
	}
	return s, nil
}

// Note returns an issued note by number, with its status.
func (p *Practice) Note(ctx context.Context, number string) (NoteState, error) {
	var s NoteState
	err := p.vault.View(func(tx *store.Tx) error {
		id, n, err := p.noteByNumber(tx, number)
		if err != nil {
			return err
		}
		s, err = p.stateInTx(tx, id, n)
		return err
	})
	return s, err
}

// Pay records a payment for the note number. Date is today when empty.
func (p *Practice) Pay(ctx context.Context, number string, amount billing.Cents, method billing.Method, date string) (NoteState, error) {
	var s NoteState
	if date == "" {
		date = p.today()
	}
	if _, err := time.Parse(time.DateOnly, date); err != nil {
		return s, msg.New("Date du règlement invalide (AAAA-MM-JJ).", "Invalid payment date (YYYY-MM-DD).")
	}
	if _, ok := billing.ParseMethod(string(method)); !ok {
		return s, msg.New("Mode de règlement inconnu : cash, cheque, card, transfer ou third-party.",
			"Unknown payment method: cash, cheque, card, transfer or third-party.")
	}
	if amount <= 0 {
		return s, msg.New("Le montant doit être positif (en centimes).", "The amount must be positive (in cents).")
	}
	err := p.vault.Update(func(tx *store.Tx) error {
		id, n, err := p.noteByNumber(tx, number)
		if err != nil {
			return err
		}
		if s, err = p.stateInTx(tx, id, n); err != nil {
			return err
		}
		return p.payInTx(tx, id, &s, amount, method, date, nil)
	})
	return s, err
}

// payInTx records a payment on the note whose state is s. With days, the
// note is added to days[date] for the caller to index in one write per day
// (bulk loads); otherwise the day index is written at once.
func (p *Practice) payInTx(tx *store.Tx, id store.ID, s *NoteState, amount billing.Cents, method billing.Method, date string, days map[string][]store.ID) error {
	n := s.Note
	switch {
	case n.Kind == billing.Credit:
		return ErrCreditNote
	case s.CreditBy != "":
		return ErrAlreadyCancelled
	case amount > n.Total-s.Paid:
		return ErrOverpayment
	case date < n.Date:
		return msg.New("Le règlement ne peut pas précéder la note.", "The payment cannot be before the note.")
	}
	pay := billing.Payment{ID: store.NewID().String(), NoteID: n.ID, Number: n.Number, Date: date, Amount: amount,
		Method: method, Recorded: p.now().UTC(), IssuedOn: n.Date, PatientID: n.PatientID}
	s.Payments = append(s.Payments, pay)
	if err := tx.PutJSON(bNotePayments, id, s.Payments); err != nil {
		return err
	}
	if days != nil {
		days[date] = append(days[date], id)
	} else if err := addPayDay(tx, date, id); err != nil {
		return err
	}
	s.Paid += amount
	s.Status = billing.StatusOf(n, s.Paid, false)
	s.Due = n.Total - s.Paid
	return p.audit(tx, "invoice.pay", n.Number)
}

// NoteImport is a note to issue with the payments already received, for
// bulk loads (the demo, a migration).
type NoteImport struct {
	Request  NoteRequest
	Payments []PaymentImport
}

// PaymentImport is a payment of a NoteImport: Percent of the total, or
// what is left when Percent is 0.
type PaymentImport struct {
	Method  billing.Method
	Date    string
	Percent int
}

// ImportNotes issues notes in date order with their payments, a few
// hundred per transaction. It returns how many were issued.
func (p *Practice) ImportNotes(ctx context.Context, notes []NoteImport, progress func(done int)) (int, error) {
	done := 0
	for done < len(notes) {
		if err := ctx.Err(); err != nil {
			return done, err
		}
		batch := notes[done:min(len(notes), done+ImportBatch)]
		err := p.vault.Update(func(tx *store.Tx) error {
			days := map[string][]store.ID{}
			for _, ni := range batch {
				n, err := p.buildNote(tx, ni.Request)
				if err != nil {
					return err
				}
				if err := p.issueInTx(tx, &n); err != nil {
					return err
				}
				id, _ := store.ParseID(n.ID)
				s := NoteState{Note: n}
				for _, pay := range ni.Payments {
					amount := n.Total - s.Paid
					if pay.Percent > 0 {
						amount = n.Total * billing.Cents(pay.Percent) / 100
					}
					if err := p.payInTx(tx, id, &s, amount, pay.Method, pay.Date, days); err != nil {
						return err
					}
				}
			}
			return addPayDays(tx, days)
		})
		if err != nil {
			return done, fmt.Errorf("note %d: %w", done+1, err)
		}
		done += len(batch)
		if progress != nil {
			progress(done)
		}
	}
	return done, nil
}

// EachConsultation calls fn with every consultation, in no order.
func (p *Practice) EachConsultation(ctx context.Context, fn func(patient.Consultation) error) error {
	return p.vault.View(func(tx *store.Tx) error {
		return forEachJSON(tx, bConsultations, fn)
	})
}

// Cancel cancels an issued note with a credit note of the opposite amount,
// numbered in the same series, and returns the credit note.
func (p *Practice) Cancel(ctx context.Context, number, reason, date string) (billing.Note, error) {
	var c billing.Note
	reason = strings.TrimSpace(reason)
	if reason == "" {
		return c, msg.New("Indiquez le motif de l'annulation.", "Give the reason for the cancellation.")
	}
	if date == "" {
		date = p.today()
	}
	err := p.vault.Update(func(tx *store.Tx) error {
		id, n, err := p.noteByNumber(tx, number)
		if err != nil {
			return err
		}
		s, err := p.stateInTx(tx, id, n)
		if err != nil {
			return err
		}
		switch {
		case n.Kind == billing.Credit:
			return ErrCreditNote
		case s.CreditBy != "":
			return ErrAlreadyCancelled
		}
		c = billing.Note{Kind: billing.Credit, Date: max(date, n.Date), ServiceDate: n.ServiceDate, ServicePlace: n.ServicePlace,
			PatientID: n.PatientID, PatientName: n.PatientName, Anonymous: n.Anonymous, CreditOf: n.Number, Reason: reason}
		if err := tx.GetJSON(bSettings, settingsKey(tx), &c.Practitioner); err != nil {
			c.Practitioner = n.Practitioner
		}
		for _, l := range n.Lines {
			l.Unit = -l.Unit
			c.Lines = append(c.Lines, l)
		}
		c.Total = c.Sum()
		if err := c.Validate(); err != nil {
			return err
		}
		if err := p.issueInTx(tx, &c); err != nil {
			return err
		}
		return tx.PutJSON(bNoteCredits, id, c.Number)
	})
	return c, err
}

// NoteFilter selects notes; zero fields select everything.
type NoteFilter struct {
	Year      int
	From, To  string // YYYY-MM-DD, inclusive
	Status    billing.Status
	PatientID string
}

// Notes lists issued notes matching f, by number.
func (p *Practice) Notes(ctx context.Context, f NoteFilter) ([]NoteState, error) {
	var out []NoteState
	err := p.vault.View(func(tx *store.Tx) error {
		return tx.ForEach(bNotes, func(id store.ID, v []byte) error {
			var n billing.Note
			if err := json.Unmarshal(v, &n); err != nil {
				return fmt.Errorf("decode note: %w", store.ErrCorrupt)
			}
			if !n.Issued() || (f.Year != 0 && n.Date[:4] != fmt.Sprintf("%04d", f.Year)) ||
				(f.From != "" && n.Date < f.From) || (f.To != "" && n.Date > f.To) ||
				(f.PatientID != "" && n.PatientID != f.PatientID) {
				return nil
			}
			s, err := p.stateInTx(tx, id, n)
			if err != nil {
				return err
			}
			if f.Status != "" && s.Status != f.Status {
				return nil
			}
			out = append(out, s)
			return nil
		})
	})
	slices.SortFunc(out, func(a, b NoteState) int {
		sa, ya, na, _ := billing.ParseNumber(a.Number)
		sb, yb, nb, _ := billing.ParseNumber(b.Number)
		if sa != sb {
			return strings.Compare(sa, sb)
		}
		if ya != yb {
			return ya - yb
		}
		return na - nb
	})
	return out, err
}

// Receipts returns the payments received in year, sorted, for the
// exports. With names, the patient's name replaces the reference.
func (p *Practice) Receipts(ctx context.Context, year int, names bool) ([]billing.Receipt, error) {
	var out []billing.Receipt
	prefix := fmt.Sprintf("%04d-", year)
	// The day index names the notes paid in the year: the export reads
	// those and nothing of the practice's other years.
	err := p.vault.View(func(tx *store.Tx) error {
		ids, err := paidIn(tx, year)
		if err != nil {
			return err
		}
		// In key order (the file's, as far as the tree allows), in chunks
		// so that memory stays flat whatever the year holds; each chunk is
		// decrypted on every core.
		slices.SortFunc(ids, func(a, b store.ID) int { return bytes.Compare(a[:], b[:]) })
		const chunk = 8192
		for len(ids) > 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
			part := ids[:min(chunk, len(ids))]
			ids = ids[len(part):]
			pays := make([][]billing.Payment, len(part))
			err := tx.GetMany(bNotePayments, part, func(i int, v []byte) error {
				return decodeJSON(bNotePayments, v, &pays[i])
			})
			if err != nil {
				return err
			}
			// A payment carries its note's date and patient; the note is
			// read only for the patient's name, or for a payment recorded
			// before payments carried them. Only its date and patient go
			// into a receipt: decoding the rest would be most of the cost.
			notes := make([]noteHead, len(part))
			var need []int
			var needIDs []store.ID
			for i, ps := range pays {
				if names || slices.ContainsFunc(ps, func(p billing.Payment) bool { return p.IssuedOn == "" || p.PatientID == "" }) {
					need = append(need, i)
					needIDs = append(needIDs, part[i])
				} else if len(ps) > 0 {
					notes[i] = noteHead{Date: ps[0].IssuedOn, PatientID: ps[0].PatientID}
				}
			}
			err = tx.GetMany(bNotes, needIDs, func(k int, v []byte) error { return decodeJSON(bNotes, v, &notes[need[k]]) })
			if err != nil {
				return err
			}
			for i, ps := range pays {
				n := &notes[i]
				ref := billing.PatientRef(n.PatientID)
				if names && n.PatientName != "" {
					ref = n.PatientName
				}
				for _, pay := range ps {
					if strings.HasPrefix(pay.Date, prefix) {
						out = append(out, billing.Receipt{Payment: pay, NoteDate: n.Date, PatientRef: ref})
					}
				}
			}
		}
		return nil
	})
	billing.SortReceipts(out)
	return out, err
}

// ExportFEC writes the FEC of year into dir and returns its path. Every
// export is written to the audit journal.
func (p *Practice) ExportFEC(ctx context.Context, year int, siren, dir string) (string, int, error) {
	if !billing.ValidSIREN(siren) {
		return "", 0, msg.New("SIREN invalide : 9 chiffres dont le dernier est une clé de contrôle.",
			"Invalid SIREN: 9 digits, the last one a check digit.")
	}
	rs, err := p.Receipts(ctx, year, false)
	if err != nil {
		return "", 0, err
	}
	path := filepath.Join(dir, billing.FECName(siren, time.Date(year, 12, 31, 0, 0, 0, 0, time.UTC)))
	if err := writeAtomic(path, func(f *os.File) error { return billing.WriteFEC(f, rs) }); err != nil {
		return "", 0, err
	}
	err = p.vault.Update(func(tx *store.Tx) error {
		return tx.Audit(store.AuditEntry{Actor: p.actor, Action: "export.fec", Detail: fmt.Sprintf("year=%d entries=%d", year, len(rs))})
	})
	return path, len(rs), err
}

// ExportRecettes writes the livre-journal des recettes of year to path.
func (p *Practice) ExportRecettes(ctx context.Context, year int, path string, names bool) (int, error) {
	rs, err := p.Receipts(ctx, year, names)
	if err != nil {
		return 0, err
	}
	if err := writeAtomic(path, func(f *os.File) error { return billing.WriteRecettes(f, rs) }); err != nil {
		return 0, err
	}
	err = p.vault.Update(func(tx *store.Tx) error {
		return tx.Audit(store.AuditEntry{Actor: p.actor, Action: "export.recettes", Detail: fmt.Sprintf("year=%d receipts=%d names=%v", year, len(rs), names)})
	})
	return len(rs), err
}

// writeAtomic writes a file through a temporary file in the same folder,
// so that a failure (full disk) never leaves half a file under path.
func writeAtomic(path string, fill func(*os.File) error) error {
	f, err := os.CreateTemp(filepath.Dir(path), ".cabinet-export-*")
	if err != nil {
		return exportErr(err)
	}
	defer os.Remove(f.Name())
	if err := fill(f); err != nil {
		f.Close()
		return exportErr(err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return exportErr(err)
	}
	if err := f.Close(); err != nil {
		return exportErr(err)
	}
	if err := os.Chmod(f.Name(), 0o600); err != nil {
		return exportErr(err)
	}
	return exportErr(os.Rename(f.Name(), path))
}

func exportErr(err error) error {
	if err == nil {
		return nil
	}
	return msg.Wrap(err, "Écriture du fichier impossible ("+err.Error()+") : vérifiez le dossier et la place libre.",
		"Cannot write the file ("+err.Error()+"): check the folder and free space.")
}

// NotePDF renders an issued note (or, with receipt, its acquit) to path.
func (p *Practice) NotePDF(ctx context.Context, number, path string, receipt bool) error {
	s, err := p.Note(ctx, number)
	if err != nil {
		return err
	}
	if receipt && s.Status != billing.Paid {
		return msg.New("Le reçu (acquit) n'existe que pour une note entièrement payée.", "A receipt exists only for a fully paid note.")
	}
	o := billing.DocOptions{Status: s.Status, Paid: s.Paid, Payments: s.Payments, Receipt: receipt}
	if err := writeAtomic(path, func(f *os.File) error { return billing.WriteNote(f, s.Note, o) }); err != nil {
		return err
	}
	return p.vault.Update(func(tx *store.Tx) error { return p.audit(tx, "invoice.pdf", number) })
}

// Overdue is an unpaid or partly paid note and how old it is.
type Overdue struct {
	NoteState
	Days int `json:"days"`
}

// Unpaid lists the notes with something left to pay, oldest first, with
// their age in days.
func (p *Practice) Unpaid(ctx context.Context) ([]Overdue, error) {
	var out []Overdue
	today, _ := time.Parse(time.DateOnly, p.today())
	for _, st := range []billing.Status{billing.Unpaid, billing.Partly} {
		notes, err := p.Notes(ctx, NoteFilter{Status: st})
		if err != nil {
			return nil, err
		}
		for _, n := range notes {
			d, _ := time.Parse(time.DateOnly, n.Date)
			out = append(out, Overdue{NoteState: n, Days: int(today.Sub(d).Hours() / 24)})
		}
	}
	slices.SortStableFunc(out, func(a, b Overdue) int { return b.Days - a.Days })
	return out, nil
}

// ReminderPDF writes a reminder letter for an unpaid note.
func (p *Practice) ReminderPDF(ctx context.Context, number, path string) error {
	s, err := p.Note(ctx, number)
	if err != nil {
		return err
	}
	if s.Due <= 0 {
		return msg.New("Cette note n'a rien à régler : pas de rappel.", "Nothing is due on this note: no reminder.")
	}
	if err := writeAtomic(path, func(f *os.File) error { return billing.WriteReminder(f, s.Note, s.Due, p.today()) }); err != nil {
		return err
	}
	return p.vault.Update(func(tx *store.Tx) error { return p.audit(tx, "invoice.reminder", number) })
}

// ExportSummary writes the yearly summary of receipts (PDF) to path.
func (p *Practice) ExportSummary(ctx context.Context, year int, path string) (billing.Summary, error) {
	rs, err := p.Receipts(ctx, year, false)
	if err != nil {
		return billing.Summary{}, err
	}
	pr, err := p.Practitioner(ctx)
	if err != nil {
		return billing.Summary{}, err
	}
	s := billing.Summarize(year, rs)
	if err := writeAtomic(path, func(f *os.File) error { return billing.WriteSummary(f, pr, s) }); err != nil {
		return s, err
	}
	return s, p.vault.Update(func(tx *store.Tx) error {
		return tx.Audit(store.AuditEntry{Actor: p.actor, Action: "export.summary", Detail: fmt.Sprintf("year=%d receipts=%d", year, s.Count)})
	})
}
