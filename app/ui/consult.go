package ui

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/cabinet-sante/cabinet/app/patient"
	"github.com/cabinet-sante/cabinet/app/practice"
)

// consultForm records a consultation. What is typed is kept as a sealed
// draft a moment after each change, and at once when the vault locks or
// the window closes: the draft comes back with the form.
type consultForm struct {
	m       *mainScreen
	pt      patient.Patient
	content fyne.CanvasObject

	when, reason, notes, obs  *widget.Entry
	height, weight, bp, pulse *widget.Entry
	status                    *widget.Label
	save, cancel              *widget.Button
	restored                  bool

	mu    sync.Mutex
	timer *time.Timer
	dirty bool
}

func newConsultForm(m *mainScreen, pt patient.Patient) *consultForm {
	u := m.u
	f := &consultForm{m: m, pt: pt}
	f.when = widget.NewEntry()
	f.when.SetText(time.Now().In(practice.Paris()).Format("02/01/2006 15:04"))
	f.reason = widget.NewEntry()
	f.reason.SetPlaceHolder(u.t("Motif de la consultation", "Reason for the visit"))
	f.notes = widget.NewMultiLineEntry()
	f.notes.SetMinRowsVisible(6)
	f.notes.Wrapping = fyne.TextWrapWord
	f.notes.SetPlaceHolder(u.t("Notes cliniques", "Clinical notes"))
	f.obs = widget.NewMultiLineEntry()
	f.obs.SetMinRowsVisible(2)
	f.obs.Wrapping = fyne.TextWrapWord
	f.height, f.weight, f.bp, f.pulse = widget.NewEntry(), widget.NewEntry(), widget.NewEntry(), widget.NewEntry()
	f.height.SetPlaceHolder("cm")
	f.weight.SetPlaceHolder("kg")
	f.bp.SetPlaceHolder("120/80")
	f.pulse.SetPlaceHolder("/min")
	f.status = widget.NewLabel("")
	f.status.Wrapping = fyne.TextWrapWord

	if d, ok, err := u.p.ConsultationDraft(context.Background(), pt.ID); err == nil && ok {
		f.fill(d.Consultation)
		f.restored = true
		f.status.Importance = widget.WarningImportance
		f.status.SetText(fmt.Sprintf(u.t("Brouillon du %s repris.", "Draft of %s restored."), d.Saved.In(practice.Paris()).Format("02/01/2006 15:04")))
	}
	for _, e := range []*widget.Entry{f.when, f.reason, f.notes, f.obs, f.height, f.weight, f.bp, f.pulse} {
		e.OnChanged = func(string) { f.changed() }
	}
	f.save = widget.NewButtonWithIcon(u.t("Enregistrer la consultation", "Save the consultation"), theme.DocumentSaveIcon(), f.submit)
	f.save.Importance = widget.HighImportance
	f.cancel = widget.NewButtonWithIcon(u.t("Abandonner", "Discard"), theme.CancelIcon(), f.abandon)

	measures := container.NewGridWithColumns(4,
		labeled(u.t("Taille (cm)", "Height (cm)"), f.height), labeled(u.t("Poids (kg)", "Weight (kg)"), f.weight),
		labeled(u.t("Tension (mmHg)", "Blood pressure (mmHg)"), f.bp), labeled(u.t("Pouls", "Pulse"), f.pulse))
	head := widget.NewLabelWithStyle(u.t("Nouvelle consultation — ", "New consultation — ")+pt.DisplayName(), fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	head.SizeName = theme.SizeNameSubHeadingText
	body := container.NewVBox(
		labeled(u.t("Date et heure", "Date and time"), f.when), labeled(u.t("Motif *", "Reason *"), f.reason),
		labeled(u.t("Notes cliniques", "Clinical notes"), f.notes), measures, labeled(u.t("Observations", "Observations"), f.obs))
	hint := widget.NewLabel(u.t("Enregistré automatiquement en brouillon pendant la saisie.", "Kept as a draft while you type."))
	hint.Importance = widget.LowImportance
	f.content = container.NewBorder(container.NewVBox(head, widget.NewSeparator()),
		container.NewVBox(f.status, container.NewBorder(nil, nil, hint, container.NewHBox(f.cancel, f.save))), nil, nil,
		container.NewVScroll(container.NewPadded(body)))
	return f
}

func labeled(label string, o fyne.CanvasObject) fyne.CanvasObject {
	l := widget.NewLabelWithStyle(label, fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	return container.NewBorder(l, nil, nil, nil, o)
}

func (f *consultForm) fill(c patient.Consultation) {
	if !c.Date.IsZero() {
		f.when.SetText(c.Date.In(practice.Paris()).Format("02/01/2006 15:04"))
	}
	f.reason.SetText(c.Reason)
	f.notes.SetText(c.Notes)
	f.obs.SetText(c.Observations)
	m := c.Measures
	if m.HeightMM > 0 {
		f.height.SetText(strconv.FormatFloat(float64(m.HeightMM)/10, 'f', -1, 64))
	}
	if m.WeightG > 0 {
		f.weight.SetText(strings.ReplaceAll(strconv.FormatFloat(float64(m.WeightG)/1000, 'f', -1, 64), ".", ","))
	}
	if m.Systolic > 0 {
		f.bp.SetText(fmt.Sprintf("%d/%d", m.Systolic, m.Diastolic))
	}
	if m.PulseBPM > 0 {
		f.pulse.SetText(strconv.Itoa(m.PulseBPM))
	}
}

func number(s string) (float64, error) {
	s = strings.TrimSpace(strings.ReplaceAll(s, ",", "."))
	if s == "" {
		return 0, nil
	}
	return strconv.ParseFloat(s, 64)
}

// read returns the consultation as typed, with what could not be read.
func (f *consultForm) read() (patient.Consultation, error) {
	u := f.m.u
	c := patient.Consultation{PatientID: f.pt.ID, Reason: strings.TrimSpace(f.reason.Text), Notes: strings.TrimSpace(f.notes.Text),
		Observations: strings.TrimSpace(f.obs.Text)}
	t, err := time.ParseInLocation("02/01/2006 15:04", strings.TrimSpace(f.when.Text), practice.Paris())
	if err != nil {
		return c, errors.New(u.t("Date et heure : JJ/MM/AAAA HH:MM.", "Date and time: DD/MM/YYYY HH:MM."))
	}
	c.Date = t
	h, err1 := number(f.height.Text)
	w, err2 := number(f.weight.Text)
	p, err3 := number(f.pulse.Text)
	if err1 != nil || err2 != nil || err3 != nil {
		return c, errors.New(u.t("Mesures : des nombres (taille en cm, poids en kg, pouls par minute).", "Measures: numbers (height in cm, weight in kg, pulse per minute)."))
	}
	c.Measures.HeightMM, c.Measures.WeightG, c.Measures.PulseBPM = int(h*10+0.5), int(w*1000+0.5), int(p+0.5)
	if s := strings.TrimSpace(f.bp.Text); s != "" {
		if _, err := fmt.Sscanf(s, "%d/%d", &c.Measures.Systolic, &c.Measures.Diastolic); err != nil {
			return c, errors.New(u.t("Tension : systolique/diastolique, par exemple 120/80.", "Blood pressure: systolic/diastolic, e.g. 120/80."))
		}
	}
	return c, nil
}

// changed schedules a draft save a moment after the last keystroke.
func (f *consultForm) changed() {
	f.m.u.touch()
	f.mu.Lock()
	defer f.mu.Unlock()
	f.dirty = true
	if f.timer != nil {
		f.timer.Stop()
	}
	f.timer = time.AfterFunc(800*time.Millisecond, func() { f.m.u.do(f.saveDraft) })
}

// saveDraft writes the draft now, if anything changed.
func (f *consultForm) saveDraft() {
	f.mu.Lock()
	if f.timer != nil {
		f.timer.Stop()
	}
	dirty := f.dirty
	f.dirty = false
	f.mu.Unlock()
	if !dirty || !f.m.u.p.Unlocked() {
		return
	}
	c, _ := f.read() // even half-typed: nothing is lost
	c.PatientID = f.pt.ID
	if err := f.m.u.p.SaveConsultationDraft(context.Background(), c); err != nil {
		f.status.SetText(f.m.u.errText(err))
	}
}

// flush saves the draft now and stops the pending save.
func (f *consultForm) flush() {
	f.mu.Lock()
	f.dirty = true
	f.mu.Unlock()
	f.saveDraft()
	f.stop()
}

func (f *consultForm) stop() {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.timer != nil {
		f.timer.Stop()
	}
}

func (f *consultForm) submit() {
	u := f.m.u
	c, err := f.read()
	if err == nil && c.Reason == "" {
		err = errors.New(u.t("Le motif est obligatoire.", "The reason is required."))
	}
	if err != nil {
		f.status.Importance = widget.DangerImportance
		f.status.SetText(err.Error())
		return
	}
	if _, err := u.p.SaveConsultation(context.Background(), c); err != nil {
		f.status.Importance = widget.DangerImportance
		f.status.SetText(u.errText(err))
		return
	}
	f.stop()
	u.p.DropConsultationDraft(context.Background(), f.pt.ID)
	f.m.consult = nil
	f.m.open(f.pt.ID)
}

func (f *consultForm) abandon() {
	u := f.m.u
	leave := func() {
		f.stop()
		u.p.DropConsultationDraft(context.Background(), f.pt.ID)
		f.m.consult = nil
		f.m.open(f.pt.ID)
	}
	if strings.TrimSpace(f.reason.Text+f.notes.Text+f.obs.Text) == "" {
		leave()
		return
	}
	dialog.ShowConfirm(u.t("Abandonner la consultation ?", "Discard the consultation?"),
		u.t("Le brouillon sera supprimé.", "The draft will be deleted."), func(ok bool) {
			if ok {
				leave()
			}
		}, u.win)
}

// newConsultation opens the consultation form for the open record.
func (m *mainScreen) newConsultation() {
	if m.record == nil || m.record.flags.Restricted {
		return
	}
	m.u.touch()
	m.consult = newConsultForm(m, m.record.patient)
	m.setDetail(m.consult.content)
	m.u.win.Canvas().Focus(m.consult.reason)
}
