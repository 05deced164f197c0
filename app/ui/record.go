package ui

import (
	"context"
	"fmt"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/cabinet-sante/cabinet/app/billing"
	"github.com/cabinet-sante/cabinet/app/patient"
	"github.com/cabinet-sante/cabinet/app/practice"
)

type recordView struct {
	content       fyne.CanvasObject
	patient       patient.Patient
	consultations []patient.Consultation
	editBtn       *widget.Button
	noteBtn       *widget.Button
	privacyBtn    *widget.Button
	history       *widget.Card
	docs          []practice.Document
	chart         fyne.CanvasObject
	appointments  *widget.Card
	consultBtn    *widget.Button
	notes         []practice.NoteState
	flags         practice.Flags
}

func newRecordView(m *mainScreen, id string) (*recordView, error) {
	u := m.u
	ctx := context.Background()
	pt, err := u.p.Patient(ctx, id)
	if err != nil {
		return nil, err
	}
	cs, err := u.p.Consultations(ctx, id)
	if err != nil {
		return nil, err
	}
	r := &recordView{patient: pt, consultations: cs}

	name := widget.NewLabelWithStyle(pt.DisplayName(), fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	name.SizeName = theme.SizeNameSubHeadingText
	sub := widget.NewLabel(u.subtitle(pt))
	r.editBtn = widget.NewButtonWithIcon(u.t("Modifier", "Edit"), theme.DocumentCreateIcon(), func() {
		p := r.patient
		m.edit(&p)
	})
	r.noteBtn = widget.NewButtonWithIcon(u.t("Nouvelle note", "New invoice"), theme.DocumentIcon(), func() { r.newNoteDialog(m) })
	if r.flags, err = u.p.PatientFlags(ctx, id); err != nil {
		return nil, err
	}
	r.consultBtn = widget.NewButtonWithIcon(u.t("Nouvelle consultation", "New consultation"), theme.ContentAddIcon(), m.newConsultation)
	r.consultBtn.Importance = widget.HighImportance
	r.privacyBtn = widget.NewButtonWithIcon(u.t("Confidentialité", "Privacy"), theme.VisibilityOffIcon(), nil)
	r.privacyBtn.OnTapped = func() { r.privacyMenu(m, r.privacyBtn) }
	info := container.NewVBox(name, sub)
	if r.flags.Restricted {
		flag := widget.NewLabel(u.t("Dossier limité (droit à la limitation) : lecture seule", "Restricted record (right to restriction): read-only"))
		flag.Importance = widget.WarningImportance
		info.Add(flag)
		r.editBtn.Disable()
		r.noteBtn.Disable()
		r.consultBtn.Disable()
	}
	header := container.NewVBox(info, container.NewHBox(r.consultBtn, r.noteBtn, r.editBtn, r.privacyBtn))

	sex := map[patient.Sex]string{patient.Female: u.t("Femme", "Female"), patient.Male: u.t("Homme", "Male"), patient.Unknown: u.t("Non précisé", "Not given")}
	rows := [][2]string{
		{u.t("Nom de naissance", "Birth name"), pt.BirthName},
		{u.t("Nom d'usage", "Used name"), pt.UsedName},
		{u.t("Prénoms", "First names"), pt.FirstNames},
		{u.t("Date de naissance", "Date of birth"), frDate(pt.BirthDate)},
		{u.t("Sexe", "Sex"), sex[pt.Sex]},
		{u.t("Lieu de naissance (INSEE)", "Birth place (INSEE)"), pt.BirthPlace},
		{"NIR", formatNIR(pt.NIR)},
		{u.t("Adresse", "Address"), pt.Address},
		{u.t("Téléphone", "Phone"), pt.Phone},
		{u.t("E-mail", "E-mail"), pt.Email},
		{u.t("Notes", "Notes"), pt.Notes},
	}
	grid := container.New(&formLayout{})
	for _, row := range rows {
		if row[1] == "" {
			continue
		}
		k := widget.NewLabelWithStyle(row[0], fyne.TextAlignTrailing, fyne.TextStyle{Bold: true})
		v := widget.NewLabel(row[1])
		v.Wrapping = fyne.TextWrapWord
		v.Selectable = true
		grid.Add(k)
		grid.Add(v)
	}
	identity := widget.NewCard(u.t("Identité", "Identity"), "", grid)

	var items []fyne.CanvasObject
	for _, c := range cs {
		items = append(items, consultationCard(u, c))
	}
	if len(items) == 0 {
		items = append(items, widget.NewLabel(u.t("Aucune consultation enregistrée.", "No consultation recorded.")))
	}
	title := widget.NewLabelWithStyle(fmt.Sprintf(u.t("Consultations (%d)", "Consultations (%d)"), len(cs)), fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	body := container.NewVBox(append([]fyne.CanvasObject{identity, title}, items...)...)
	if chart := measuresChart(u, cs); chart != nil {
		r.chart = chart
		body.Objects = append(body.Objects[:1], append([]fyne.CanvasObject{chart}, body.Objects[1:]...)...)
	}
	if appts, err := u.p.PatientAppointments(ctx, id); err == nil && len(appts) > 0 {
		var lines []string
		for i := len(appts) - 1; i >= 0 && len(lines) < 10; i-- {
			a := appts[i]
			lines = append(lines, fmt.Sprintf("%s %s · %s · %s", u.dayName(a.Start.In(practice.Paris()))[:3]+".",
				a.Start.In(practice.Paris()).Format("02/01/2006 15:04"), a.Reason, u.statusName(a.Status)))
		}
		r.appointments = widget.NewCard(fmt.Sprintf(u.t("Rendez-vous (%d)", "Appointments (%d)"), len(appts)), "", widget.NewLabel(strings.Join(lines, "\n")))
		body.Add(r.appointments)
	}
	body.Add(r.documentsCard(m))
	if hist, err := u.p.History(ctx, id); err == nil && len(hist) > 0 {
		var lines []string
		for i := len(hist) - 1; i >= 0 && len(lines) < 20; i-- {
			h := hist[i]
			what := map[string]string{"create": u.t("création du dossier", "record created"), "import": u.t("import", "import"),
				"update": u.t("modifié : ", "changed: ")}[h.Action]
			if h.Action == "update" {
				var names []string
				for _, f := range h.Fields {
					names = append(names, u.fieldName(f))
				}
				what += strings.Join(names, ", ")
			}
			lines = append(lines, fmt.Sprintf("%s · %s · %s", h.Time.In(practice.Paris()).Format("02/01/2006 15:04"), h.Actor, what))
		}
		hl := widget.NewLabel(strings.Join(lines, "\n"))
		hl.Wrapping = fyne.TextWrapWord
		r.history = widget.NewCard(u.t("Historique des modifications", "Change history"), "", hl)
		body.Add(r.history)
	}
	if r.notes, err = u.p.Notes(ctx, practice.NoteFilter{PatientID: id}); err != nil {
		return nil, err
	}
	if len(r.notes) > 0 {
		var lines []string
		var due billing.Cents
		for i := len(r.notes) - 1; i >= 0; i-- {
			n := r.notes[i]
			lines = append(lines, fmt.Sprintf("%s · %s · %s · %s", n.Number, frDate(n.Date), n.Total.Euros(), u.statusText(n.Status)))
			due += n.Due
		}
		l := widget.NewLabel(strings.Join(lines, "\n"))
		sub := ""
		if due > 0 {
			sub = u.t("Reste dû : ", "Due: ") + due.Euros()
		}
		body.Add(widget.NewCard(fmt.Sprintf(u.t("Notes d'honoraires (%d)", "Invoices (%d)"), len(r.notes)), sub, l))
	}
	r.content = container.NewBorder(container.NewVBox(header, widget.NewSeparator()), nil, nil, nil, container.NewVScroll(body))
	return r, nil
}

func consultationCard(u *UI, c patient.Consultation) fyne.CanvasObject {
	when := c.Date.In(practice.Paris()).Format("02/01/2006 15:04")
	var lines []string
	if c.Notes != "" {
		lines = append(lines, c.Notes)
	}
	if m := measures(u, c.Measures); m != "" {
		lines = append(lines, m)
	}
	if c.Observations != "" {
		lines = append(lines, u.t("Observations : ", "Observations: ")+c.Observations)
	}
	l := widget.NewLabel(strings.Join(lines, "\n"))
	l.Wrapping = fyne.TextWrapWord
	return widget.NewCard("", when+" — "+c.Reason, l)
}

func measures(u *UI, m patient.Measures) string {
	var parts []string
	if m.HeightMM > 0 {
		parts = append(parts, fmt.Sprintf(u.t("taille %d cm", "height %d cm"), (m.HeightMM+5)/10))
	}
	if m.WeightG > 0 {
		w := fmt.Sprintf("%.1f", float64(m.WeightG)/1000)
		if u.opts.Lang != "en" {
			w = strings.Replace(w, ".", ",", 1)
		}
		parts = append(parts, fmt.Sprintf(u.t("poids %s kg", "weight %s kg"), w))
	}
	if m.Systolic > 0 && m.Diastolic > 0 {
		parts = append(parts, fmt.Sprintf(u.t("TA %d/%d mmHg", "BP %d/%d mmHg"), m.Systolic, m.Diastolic))
	}
	if m.PulseBPM > 0 {
		parts = append(parts, fmt.Sprintf(u.t("pouls %d/min", "pulse %d/min"), m.PulseBPM))
	}
	return strings.Join(parts, " · ")
}

// formatNIR groups a NIR as printed on the carte Vitale: 1 85 05 78 006 084 91.
func formatNIR(n string) string {
	if len(n) != 15 {
		return n
	}
	return strings.Join([]string{n[0:1], n[1:3], n[3:5], n[5:7], n[7:10], n[10:13], n[13:15]}, " ")
}

// formLayout lays out label/value pairs in two columns, the labels as wide
// as the widest, the values taking the rest.
type formLayout struct{}

func (formLayout) widths(objs []fyne.CanvasObject) float32 {
	var w float32
	for i := 0; i < len(objs); i += 2 {
		w = max(w, objs[i].MinSize().Width)
	}
	return w
}

func (l formLayout) Layout(objs []fyne.CanvasObject, size fyne.Size) {
	kw := l.widths(objs)
	pad := theme.Padding()
	y := float32(0)
	for i := 0; i+1 < len(objs); i += 2 {
		vw := size.Width - kw - pad
		objs[i+1].Resize(fyne.NewSize(vw, objs[i+1].MinSize().Height))
		h := max(objs[i].MinSize().Height, objs[i+1].MinSize().Height)
		objs[i].Move(fyne.NewPos(0, y))
		objs[i].Resize(fyne.NewSize(kw, objs[i].MinSize().Height))
		objs[i+1].Move(fyne.NewPos(kw+pad, y))
		y += h
	}
}

func (l formLayout) MinSize(objs []fyne.CanvasObject) fyne.Size {
	kw := l.widths(objs)
	var vw, h float32
	for i := 0; i+1 < len(objs); i += 2 {
		vw = max(vw, objs[i+1].MinSize().Width)
		h += max(objs[i].MinSize().Height, objs[i+1].MinSize().Height)
	}
	return fyne.NewSize(kw+theme.Padding()+vw, h)
}

// fieldName names a patient field for the change history.
func (u *UI) fieldName(f string) string {
	fr := map[string]string{"birth_name": "nom de naissance", "used_name": "nom d'usage", "first_names": "prénoms", "birth_date": "date de naissance",
		"sex": "sexe", "birth_place": "lieu de naissance", "nir": "NIR", "address": "adresse", "phone": "téléphone", "email": "e-mail", "notes": "notes"}
	if u.opts.Lang == "en" {
		return strings.ReplaceAll(f, "_", " ")
	}
	if n, ok := fr[f]; ok {
		return n
	}
	return f
}
