package ui

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/widget"

	"github.com/cabinet-sante/cabinet/app/billing"
	"github.com/cabinet-sante/cabinet/app/practice"
)

// issueForm is the "new note" form of a patient record: a quantity per
// act of the catalogue, the date, and the patient's choice to be named.
type issueForm struct {
	u         *UI
	patientID string
	acts      []billing.Act
	qty       []*widget.Entry
	date      *widget.Entry
	anonymous *widget.Check
	total     *widget.Label
}

func newIssueForm(u *UI, patientID string) (*issueForm, error) {
	acts, err := u.p.Acts(context.Background())
	if err != nil {
		return nil, err
	}
	if len(acts) == 0 {
		return nil, errors.New(u.t("Le catalogue d'actes est vide : ajoutez vos actes dans l'onglet Réglages.",
			"The acts catalogue is empty: add your acts in the Settings tab."))
	}
	f := &issueForm{u: u, patientID: patientID, acts: acts}
	f.date = widget.NewEntry()
	f.date.SetText(time.Now().Format("02/01/2006"))
	f.anonymous = widget.NewCheck(u.t("Le patient demande que son nom ne figure pas sur la note", "The patient asks not to be named on the note"), nil)
	f.total = widget.NewLabel("")
	for range acts {
		e := widget.NewEntry()
		e.SetText("0")
		e.OnChanged = func(string) { f.showTotal() }
		f.qty = append(f.qty, e)
	}
	f.qty[0].SetText("1")
	return f, nil
}

func (f *issueForm) request() (practice.NoteRequest, error) {
	r := practice.NoteRequest{PatientID: f.patientID, Anonymous: f.anonymous.Checked, Date: isoDate(f.date.Text)}
	for i, e := range f.qty {
		q, err := strconv.Atoi(strings.TrimSpace(e.Text))
		if err != nil || q < 0 {
			return r, errors.New(f.u.t("Quantité invalide pour "+f.acts[i].Label+".", "Invalid quantity for "+f.acts[i].Label+"."))
		}
		if q > 0 {
			r.Acts = append(r.Acts, practice.ActQty{Code: f.acts[i].Code, Qty: q})
		}
	}
	if len(r.Acts) == 0 {
		return r, errors.New(f.u.t("Choisissez au moins un acte.", "Choose at least one act."))
	}
	return r, nil
}

func (f *issueForm) showTotal() {
	var t billing.Cents
	for i, e := range f.qty {
		if q, err := strconv.Atoi(strings.TrimSpace(e.Text)); err == nil && q > 0 {
			t += billing.Cents(q) * f.acts[i].Price
		}
	}
	f.total.SetText(f.u.t("Total : ", "Total: ") + t.Euros())
}

// issue issues the note.
func (f *issueForm) issue() (billing.Note, error) {
	r, err := f.request()
	if err != nil {
		return billing.Note{}, err
	}
	n, err := f.u.p.IssueNote(context.Background(), r)
	if err != nil {
		return n, errors.New(f.u.errText(err))
	}
	return n, nil
}

func (f *issueForm) widget() fyne.CanvasObject {
	grid := container.New(&formLayout{})
	for i, a := range f.acts {
		grid.Add(widget.NewLabel(fmt.Sprintf("%s — %s (%s)", a.Code, a.Label, a.Price.Euros())))
		grid.Add(container.NewGridWrap(fyne.NewSize(80, f.qty[i].MinSize().Height), f.qty[i]))
	}
	grid.Add(widget.NewLabel(f.u.t("Date de la note", "Date of the note")))
	grid.Add(f.date)
	f.showTotal()
	return container.NewVBox(grid, f.anonymous, f.total)
}

// newNoteDialog asks which acts to bill and issues the note.
func (r *recordView) newNoteDialog(m *mainScreen) {
	u := m.u
	f, err := newIssueForm(u, r.patient.ID)
	if err != nil {
		dialog.ShowError(errors.New(u.errText(err)), u.win)
		return
	}
	d := dialog.NewCustomConfirm(u.t("Nouvelle note d'honoraires", "New invoice"), u.t("Émettre", "Issue"), u.t("Annuler", "Cancel"),
		f.widget(), func(ok bool) {
			if !ok {
				return
			}
			n, err := f.issue()
			if err != nil {
				dialog.ShowError(err, u.win)
				return
			}
			msg := fmt.Sprintf(u.t("Note n° %s émise : %s.", "Note %s issued: %s."), n.Number, n.Total.Euros())
			if fr, en := practice.MissingMentions(n.Practitioner); len(fr) > 0 {
				msg += "\n" + u.t("Mentions manquantes : "+strings.Join(fr, ", ")+" (onglet Réglages).", "Missing mentions: "+strings.Join(en, ", ")+" (Settings tab).")
			}
			dialog.ShowInformation(u.t("Note émise", "Note issued"), msg, u.win)
			m.open(r.patient.ID)
			if m.invoices != nil {
				m.invoices.refresh()
			}
		}, u.win)
	d.Resize(fyne.NewSize(560, 360))
	d.Show()
}
