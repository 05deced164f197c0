package ui

import (
	"context"
	"errors"
	"fmt"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/cabinet-sante/cabinet/app/patient"
)

// patientForm creates or edits a patient, with each problem shown under
// its field.
type patientForm struct {
	m       *mainScreen
	content fyne.CanvasObject
	orig    *patient.Patient // nil for a new patient
	entries map[string]*widget.Entry
	sex     *widget.RadioGroup
	errs    map[string]*widget.Label
	status  *widget.Label
	save    *widget.Button
	cancel  *widget.Button
	initial patient.Patient
}

var formFields = []string{"birth_name", "used_name", "first_names", "birth_date", "sex", "birth_place", "nir", "phone", "email", "address", "notes"}

func newPatientForm(m *mainScreen, orig *patient.Patient) *patientForm {
	u := m.u
	f := &patientForm{m: m, orig: orig, entries: map[string]*widget.Entry{}, errs: map[string]*widget.Label{}}
	labels := map[string]string{
		"birth_name":  u.t("Nom de naissance *", "Birth name *"),
		"used_name":   u.t("Nom d'usage", "Used name"),
		"first_names": u.t("Prénoms *", "First names *"),
		"birth_date":  u.t("Date de naissance *", "Date of birth *"),
		"sex":         u.t("Sexe", "Sex"),
		"birth_place": u.t("Lieu de naissance (code INSEE)", "Birth place (INSEE code)"),
		"nir":         u.t("NIR (n° de sécurité sociale)", "NIR (social security number)"),
		"phone":       u.t("Téléphone", "Phone"),
		"email":       u.t("E-mail", "E-mail"),
		"address":     u.t("Adresse", "Address"),
		"notes":       u.t("Notes", "Notes"),
	}
	placeholders := map[string]string{
		"birth_date":  u.t("JJ/MM/AAAA", "DD/MM/YYYY"),
		"birth_place": "75056",
		"nir":         "1 85 05 78 006 084 91",
		"phone":       "06 12 34 56 78",
		"email":       "prenom.nom@example.fr",
	}
	sexes := []string{u.t("Femme", "Female"), u.t("Homme", "Male"), u.t("Non précisé", "Not given")}
	f.sex = widget.NewRadioGroup(sexes, nil)
	f.sex.Horizontal = true

	grid := container.New(&formLayout{})
	for _, name := range formFields {
		var input fyne.CanvasObject
		if name == "sex" {
			input = f.sex
		} else {
			var e *widget.Entry
			if name == "address" || name == "notes" {
				e = widget.NewMultiLineEntry()
				e.SetMinRowsVisible(3)
				e.Wrapping = fyne.TextWrapWord
			} else {
				e = widget.NewEntry()
			}
			e.SetPlaceHolder(placeholders[name])
			f.entries[name] = e
			input = e
		}
		el := widget.NewLabel("")
		el.Importance = widget.DangerImportance
		el.Wrapping = fyne.TextWrapWord
		el.Hide()
		f.errs[name] = el
		grid.Add(widget.NewLabelWithStyle(labels[name], fyne.TextAlignTrailing, fyne.TextStyle{Bold: true}))
		grid.Add(container.NewVBox(input, el))
	}

	if orig != nil {
		f.initial = *orig
	} else {
		f.initial.Sex = patient.Unknown
	}
	f.fill(f.initial)
	for _, e := range f.entries {
		e.OnChanged = func(string) { u.touch() }
	}
	f.entries["first_names"].OnSubmitted = func(string) { f.submit() }

	title := u.t("Nouveau patient", "New patient")
	if orig != nil {
		title = u.t("Modifier le dossier", "Edit record") + " — " + orig.DisplayName()
	}
	f.status = widget.NewLabel("")
	f.status.Importance = widget.DangerImportance
	f.status.Wrapping = fyne.TextWrapWord
	f.save = widget.NewButtonWithIcon(u.t("Enregistrer", "Save"), theme.DocumentSaveIcon(), f.submit)
	f.save.Importance = widget.HighImportance
	f.cancel = widget.NewButtonWithIcon(u.t("Annuler", "Cancel"), theme.CancelIcon(), f.abandon)
	head := widget.NewLabelWithStyle(title, fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	head.SizeName = theme.SizeNameSubHeadingText
	required := widget.NewLabel(u.t("* obligatoire", "* required"))
	required.Importance = widget.LowImportance
	buttons := container.NewBorder(nil, nil, required, container.NewHBox(f.cancel, f.save))
	f.content = container.NewBorder(container.NewVBox(head, widget.NewSeparator()), container.NewVBox(f.status, buttons), nil, nil,
		container.NewVScroll(container.NewPadded(grid)))
	return f
}

func (f *patientForm) fill(p patient.Patient) {
	e := f.entries
	e["birth_name"].SetText(p.BirthName)
	e["used_name"].SetText(p.UsedName)
	e["first_names"].SetText(p.FirstNames)
	e["birth_date"].SetText(frDate(p.BirthDate))
	e["birth_place"].SetText(p.BirthPlace)
	e["nir"].SetText(formatNIR(p.NIR))
	e["phone"].SetText(p.Phone)
	e["email"].SetText(p.Email)
	e["address"].SetText(p.Address)
	e["notes"].SetText(p.Notes)
	f.sex.SetSelected(f.sex.Options[sexIndex(p.Sex)])
}

func sexIndex(s patient.Sex) int {
	switch s {
	case patient.Female:
		return 0
	case patient.Male:
		return 1
	}
	return 2
}

// read returns the patient as typed.
func (f *patientForm) read() patient.Patient {
	var p patient.Patient
	if f.orig != nil {
		p = *f.orig
	}
	e := f.entries
	p.BirthName = e["birth_name"].Text
	p.UsedName = e["used_name"].Text
	p.FirstNames = e["first_names"].Text
	p.BirthDate = isoDate(e["birth_date"].Text)
	p.BirthPlace = e["birth_place"].Text
	p.NIR = e["nir"].Text
	p.Phone = e["phone"].Text
	p.Email = e["email"].Text
	p.Address = e["address"].Text
	p.Notes = e["notes"].Text
	switch f.sex.Selected {
	case f.sex.Options[0]:
		p.Sex = patient.Female
	case f.sex.Options[1]:
		p.Sex = patient.Male
	default:
		p.Sex = patient.Unknown
	}
	p.Normalize()
	return p
}

// dirty reports whether anything was typed since the form opened.
func (f *patientForm) dirty() bool {
	a, b := f.read(), f.initial
	b.Normalize()
	a.Created, a.Updated, b.Created, b.Updated = time.Time{}, time.Time{}, time.Time{}, time.Time{}
	return a != b
}

// showErrors puts each problem under its field; it returns false when
// there is none.
func (f *patientForm) showErrors(err error) bool {
	for _, l := range f.errs {
		l.SetText("")
		l.Hide()
	}
	f.status.SetText("")
	if err == nil {
		return false
	}
	var ves patient.ValidationErrors
	if errors.As(err, &ves) {
		for _, fe := range ves {
			l, ok := f.errs[fe.Field]
			if !ok {
				continue
			}
			if l.Text != "" {
				l.SetText(l.Text + "\n" + f.m.u.t(fe.FR, fe.EN))
			} else {
				l.SetText(f.m.u.t(fe.FR, fe.EN))
			}
			l.Show()
		}
		f.status.SetText(fmt.Sprintf(f.m.u.t("%d champ(s) à corriger.", "%d field(s) to fix."), len(ves)))
		return true
	}
	f.status.SetText(f.m.u.errText(err))
	return true
}

func (f *patientForm) submit() {
	u := f.m.u
	u.touch()
	p := f.read()
	if f.showErrors(p.Validate(time.Now())) {
		return
	}
	if f.orig == nil {
		dups, err := u.p.Duplicates(context.Background(), p)
		if err != nil {
			f.showErrors(err)
			return
		}
		if len(dups) > 0 {
			dialog.ShowConfirm(u.t("Patient déjà connu ?", "Patient already known?"),
				fmt.Sprintf(u.t("%d dossier(s) portent déjà ce nom, ce prénom et cette date de naissance.\nCréer quand même un nouveau dossier ?",
					"%d record(s) already have this name, first name and date of birth.\nCreate a new record anyway?"), len(dups)),
				func(ok bool) {
					if ok {
						f.store(p)
					}
				}, u.win)
			return
		}
	}
	f.store(p)
}

func (f *patientForm) store(p patient.Patient) {
	u := f.m.u
	f.save.Disable()
	var saved patient.Patient
	u.async(func() error {
		var err error
		if f.orig == nil {
			saved, err = u.p.AddPatient(context.Background(), p)
		} else {
			saved, err = u.p.UpdatePatient(context.Background(), p)
		}
		return err
	}, func(err error) {
		f.save.Enable()
		if f.showErrors(err) {
			return
		}
		f.m.saved(saved)
	})
}

// abandon leaves the form, asking first when something was typed.
func (f *patientForm) abandon() {
	u := f.m.u
	leave := func() {
		if f.orig != nil {
			f.m.open(f.orig.ID)
			return
		}
		f.m.form = nil
		f.m.setDetail(f.m.welcome())
	}
	if !f.dirty() {
		leave()
		return
	}
	dialog.ShowConfirm(u.t("Abandonner les modifications ?", "Discard changes?"),
		u.t("Ce que vous avez saisi ne sera pas enregistré.", "What you typed will not be saved."),
		func(ok bool) {
			if ok {
				leave()
			}
		}, u.win)
}
