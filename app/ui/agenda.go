package ui

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/storage"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/cabinet-sante/cabinet/app/agenda"
	"github.com/cabinet-sante/cabinet/app/patient"
	"github.com/cabinet-sante/cabinet/app/practice"
)

// agendaView shows a day or a week of appointments and books, moves and
// cancels them.
type agendaView struct {
	u       *UI
	content fyne.CanvasObject

	day      time.Time // midnight, Paris
	week     bool
	title    *widget.Label
	mode     *widget.RadioGroup
	body     *fyne.Container
	entries  []agenda.Entry
	busy     []agenda.Busy
	conflict map[string]bool
	list     *widget.List
	selected int

	done, noShow, cancel, move, openBtn *widget.Button
	status                              *widget.Label
}

func midnight(t time.Time) time.Time {
	t = t.In(practice.Paris())
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, practice.Paris())
}

var frDays = []string{"dimanche", "lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi"}
var enDays = []string{"Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"}

func (u *UI) dayName(t time.Time) string {
	if u.opts.Lang == "en" {
		return enDays[t.Weekday()]
	}
	return frDays[t.Weekday()]
}

func (u *UI) statusName(s patient.AppointmentStatus) string {
	if u.opts.Lang == "en" {
		return string(s)
	}
	return map[patient.AppointmentStatus]string{patient.Booked: "prévu", patient.Done: "honoré", patient.Cancelled: "annulé", patient.NoShow: "absent"}[s]
}

func newAgendaView(u *UI) *agendaView {
	v := &agendaView{u: u, day: midnight(time.Now()), selected: -1}
	v.title = widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	prev := widget.NewButtonWithIcon("", theme.NavigateBackIcon(), func() { v.shift(-1) })
	next := widget.NewButtonWithIcon("", theme.NavigateNextIcon(), func() { v.shift(1) })
	today := widget.NewButton(u.t("Aujourd'hui", "Today"), func() { v.day = midnight(time.Now()); v.refresh() })
	v.mode = widget.NewRadioGroup([]string{u.t("Jour", "Day"), u.t("Semaine", "Week")}, func(s string) {
		v.week = s == v.mode.Options[1]
		v.refresh()
	})
	v.mode.Horizontal = true
	v.mode.Required = true
	book := widget.NewButtonWithIcon(u.t("Nouveau rendez-vous", "New appointment"), theme.ContentAddIcon(), v.bookDialog)
	book.Importance = widget.HighImportance
	exportBtn := widget.NewButtonWithIcon(u.t("Exporter (.ics)", "Export (.ics)"), theme.DownloadIcon(), func() { v.exportICS("") })
	importBtn := widget.NewButtonWithIcon(u.t("Importer", "Import"), theme.UploadIcon(), func() {
		d := dialog.NewFileOpen(func(rc fyne.URIReadCloser, err error) {
			if err != nil || rc == nil {
				return
			}
			path := rc.URI().Path()
			rc.Close()
			v.importICS(path)
		}, u.win)
		d.SetFilter(storage.NewExtensionFileFilter([]string{".ics"}))
		d.Show()
	})

	v.list = widget.NewList(func() int { return len(v.entries) + len(v.busy) },
		func() fyne.CanvasObject {
			return widget.NewLabel(u.t("lun. 00/00 00:00–00:00 · NOM Prénom · motif · prévu", "Mon. 00/00 00:00–00:00 · NAME First name · reason · booked"))
		},
		func(i widget.ListItemID, o fyne.CanvasObject) {
			l := o.(*widget.Label)
			if i >= len(v.entries) {
				if b := i - len(v.entries); b < len(v.busy) {
					l.SetText(v.busyLine(v.busy[b]))
					l.Importance = widget.LowImportance
					l.Refresh()
				}
				return
			}
			e := v.entries[i]
			l.SetText(v.line(e))
			switch {
			case v.conflict[e.ID]:
				l.Importance = widget.DangerImportance
			case e.Status == patient.Cancelled || e.Status == patient.NoShow:
				l.Importance = widget.LowImportance
			default:
				l.Importance = widget.MediumImportance
			}
			l.Refresh()
		})
	v.list.OnSelected = func(i widget.ListItemID) { v.selected = i; v.buttons() }
	v.done = widget.NewButtonWithIcon(u.t("Honoré", "Done"), theme.ConfirmIcon(), func() { v.setStatus(patient.Done) })
	v.noShow = widget.NewButtonWithIcon(u.t("Absent", "No-show"), theme.ErrorIcon(), func() { v.setStatus(patient.NoShow) })
	v.cancel = widget.NewButtonWithIcon(u.t("Annuler", "Cancel"), theme.CancelIcon(), func() {
		dialog.ShowConfirm(u.t("Annuler le rendez-vous ?", "Cancel the appointment?"), u.t("Il restera visible, barré, dans l'agenda.", "It stays visible, greyed, in the agenda."),
			func(ok bool) {
				if ok {
					v.setStatus(patient.Cancelled)
				}
			}, u.win)
	})
	v.move = widget.NewButtonWithIcon(u.t("Déplacer…", "Move…"), theme.HistoryIcon(), v.moveDialog)
	v.openBtn = widget.NewButtonWithIcon(u.t("Ouvrir le dossier", "Open the record"), theme.AccountIcon(), func() {
		if e, ok := v.current(); ok && u.main != nil {
			u.main.tabs.SelectIndex(0)
			u.main.open(e.PatientID)
		}
	})
	v.status = widget.NewLabel("")
	v.status.Wrapping = fyne.TextWrapWord
	top := container.NewVBox(container.NewHBox(prev, today, next, v.title),
		container.NewBorder(nil, nil, v.mode, container.NewHBox(book, importBtn, exportBtn)))
	v.body = container.NewStack(v.list)
	v.content = container.NewBorder(top, container.NewVBox(v.status, container.NewHBox(v.done, v.noShow, v.cancel, v.move, v.openBtn)), nil, nil, v.body)
	v.mode.SetSelected(v.mode.Options[0])
	return v
}

func (v *agendaView) line(e agenda.Entry) string {
	u := v.u
	s := e.Start.In(practice.Paris())
	text := fmt.Sprintf("%s–%s · %s · %s · %s", s.Format("15:04"), agenda.End(e.Appointment).In(practice.Paris()).Format("15:04"), e.PatientName, e.Reason, u.statusName(e.Status))
	if v.week {
		text = u.dayName(s)[:3] + ". " + s.Format("02/01") + " " + text
	}
	if v.conflict[e.ID] {
		text += u.t(" · CHEVAUCHEMENT", " · OVERLAP")
	}
	return text
}

func (v *agendaView) span() (time.Time, time.Time) {
	if !v.week {
		return v.day, v.day
	}
	monday := v.day.AddDate(0, 0, -((int(v.day.Weekday()) + 6) % 7))
	return monday, monday.AddDate(0, 0, 6)
}

func (v *agendaView) shift(n int) {
	if v.week {
		n *= 7
	}
	v.day = v.day.AddDate(0, 0, n)
	v.refresh()
}

func (v *agendaView) refresh() {
	u := v.u
	from, to := v.span()
	if v.week {
		v.title.SetText(fmt.Sprintf(u.t("Semaine du %s au %s", "Week of %s to %s"), from.Format("02/01/2006"), to.Format("02/01/2006")))
	} else {
		v.title.SetText(u.dayName(from) + " " + from.Format("02/01/2006"))
	}
	es, err := u.p.Agenda(context.Background(), from, to)
	if err != nil {
		v.status.SetText(u.errText(err))
		return
	}
	var as []patient.Appointment
	for _, e := range es {
		as = append(as, e.Appointment)
	}
	busy, err := u.p.Busy(context.Background(), from, to)
	if err != nil {
		v.status.SetText(u.errText(err))
		return
	}
	v.entries, v.busy, v.conflict, v.selected = es, busy, agenda.Conflicts(as), -1
	maps.Copy(v.conflict, agenda.BusyConflicts(as, busy))
	v.list.UnselectAll()
	v.list.Refresh()
	booked := 0
	for _, e := range es {
		if e.Status == patient.Booked {
			booked++
		}
	}
	v.status.Importance = widget.MediumImportance
	v.status.SetText(fmt.Sprintf(u.t("%d rendez-vous, dont %d à venir.", "%d appointments, %d booked."), len(es), booked))
	if len(v.conflict) > 0 {
		v.status.Importance = widget.DangerImportance
		v.status.SetText(v.status.Text + u.t(" Des rendez-vous se chevauchent.", " Some appointments overlap."))
	}
	v.buttons()
}

func (v *agendaView) current() (agenda.Entry, bool) {
	if v.selected < 0 || v.selected >= len(v.entries) {
		return agenda.Entry{}, false
	}
	return v.entries[v.selected], true
}

func (v *agendaView) buttons() {
	e, ok := v.current()
	for _, b := range []*widget.Button{v.done, v.noShow, v.cancel, v.move, v.openBtn} {
		b.Disable()
	}
	if !ok {
		return
	}
	v.openBtn.Enable()
	if e.Status == patient.Booked {
		for _, b := range []*widget.Button{v.done, v.noShow, v.cancel, v.move} {
			b.Enable()
		}
	}
}

func (v *agendaView) setStatus(s patient.AppointmentStatus) {
	e, ok := v.current()
	if !ok {
		return
	}
	a := e.Appointment
	a.Status = s
	if _, err := v.u.p.SaveAppointment(context.Background(), a); err != nil {
		v.status.SetText(v.u.errText(err))
		return
	}
	v.refresh()
}

// book creates an appointment; it returns the overlap warning, if any.
func (v *agendaView) book(patientID, date, clock string, minutes int, reason string) (string, error) {
	u := v.u
	start, err := time.ParseInLocation("02/01/2006 15:04", strings.TrimSpace(date)+" "+strings.TrimSpace(clock), practice.Paris())
	if err != nil {
		return "", errors.New(u.t("Date et heure : JJ/MM/AAAA et HH:MM.", "Date and time: DD/MM/YYYY and HH:MM."))
	}
	if patientID == "" {
		return "", errors.New(u.t("Choisissez le patient.", "Choose the patient."))
	}
	a, err := u.p.SaveAppointment(context.Background(), patient.Appointment{PatientID: patientID, Start: start,
		Duration: time.Duration(minutes) * time.Minute, Reason: strings.TrimSpace(reason)})
	if err != nil {
		return "", errors.New(u.errText(err))
	}
	v.day = midnight(start)
	v.refresh()
	if v.conflict[a.ID] {
		return u.t("Attention : ce rendez-vous en chevauche un autre.", "Warning: this appointment overlaps another."), nil
	}
	return "", nil
}

func (v *agendaView) bookDialog() {
	u := v.u
	var results []patient.Patient
	chosen := ""
	search := widget.NewEntry()
	search.SetPlaceHolder(u.t("Rechercher le patient", "Search the patient"))
	pick := u.newSelect(nil, func(s string) {})
	search.OnChanged = func(q string) {
		results, _ = u.p.Search(context.Background(), q, 12)
		var names []string
		for _, p := range results {
			names = append(names, p.DisplayName()+" · "+frDate(p.BirthDate))
		}
		pick.Options = names
		pick.ClearSelected()
		if len(names) > 0 {
			pick.SetSelectedIndex(0)
		}
		pick.Refresh()
	}
	date := widget.NewEntry()
	date.SetText(v.day.Format("02/01/2006"))
	clock := widget.NewEntry()
	clock.SetText("09:00")
	dur := u.newSelect([]string{"15", "20", "30", "45", "60", "90"}, nil)
	dur.SetSelected("30")
	reason := widget.NewEntry()
	d := dialog.NewForm(u.t("Nouveau rendez-vous", "New appointment"), u.t("Enregistrer", "Save"), u.t("Annuler", "Cancel"),
		[]*widget.FormItem{
			widget.NewFormItem(u.t("Patient", "Patient"), search),
			widget.NewFormItem("", pick),
			widget.NewFormItem(u.t("Date", "Date"), date),
			widget.NewFormItem(u.t("Heure", "Time"), clock),
			widget.NewFormItem(u.t("Durée (min)", "Duration (min)"), dur),
			widget.NewFormItem(u.t("Motif", "Reason"), reason),
		}, func(ok bool) {
			if !ok {
				return
			}
			if i := pick.SelectedIndex(); i >= 0 && i < len(results) {
				chosen = results[i].ID
			}
			var minutes int
			fmt.Sscan(dur.Selected, &minutes)
			warn, err := v.book(chosen, date.Text, clock.Text, minutes, reason.Text)
			if err != nil {
				dialog.ShowError(err, u.win)
			} else if warn != "" {
				dialog.ShowInformation(u.t("Chevauchement", "Overlap"), warn, u.win)
			}
		}, u.win)
	d.Resize(fyne.NewSize(520, 420))
	d.Show()
}

// moveTo moves the selected appointment.
func (v *agendaView) moveTo(date, clock string) error {
	u := v.u
	e, ok := v.current()
	if !ok {
		return nil
	}
	start, err := time.ParseInLocation("02/01/2006 15:04", strings.TrimSpace(date)+" "+strings.TrimSpace(clock), practice.Paris())
	if err != nil {
		return errors.New(u.t("Date et heure : JJ/MM/AAAA et HH:MM.", "Date and time: DD/MM/YYYY and HH:MM."))
	}
	a := e.Appointment
	a.Start = start
	if _, err := u.p.SaveAppointment(context.Background(), a); err != nil {
		return errors.New(u.errText(err))
	}
	v.day = midnight(start)
	v.refresh()
	return nil
}

func (v *agendaView) moveDialog() {
	u := v.u
	e, ok := v.current()
	if !ok {
		return
	}
	date, clock := widget.NewEntry(), widget.NewEntry()
	s := e.Start.In(practice.Paris())
	date.SetText(s.Format("02/01/2006"))
	clock.SetText(s.Format("15:04"))
	dialog.ShowForm(u.t("Déplacer le rendez-vous", "Move the appointment"), u.t("Déplacer", "Move"), u.t("Annuler", "Cancel"),
		[]*widget.FormItem{widget.NewFormItem(u.t("Date", "Date"), date), widget.NewFormItem(u.t("Heure", "Time"), clock)},
		func(ok bool) {
			if ok {
				if err := v.moveTo(date.Text, clock.Text); err != nil {
					dialog.ShowError(err, u.win)
				}
			}
		}, u.win)
}

// exportICS writes the next three months as an iCalendar file with
// neutral titles; dir defaults to ~/Documents.
func (v *agendaView) exportICS(dir string) string {
	u := v.u
	if dir == "" {
		home, _ := os.UserHomeDir()
		dir = filepath.Join(home, "Documents")
	}
	from := midnight(time.Now())
	es, err := u.p.Agenda(context.Background(), from, from.AddDate(0, 3, 0))
	if err == nil {
		path := filepath.Join(dir, "cabinet-agenda.ics")
		var f *os.File
		if f, err = os.OpenFile(path, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o600); err == nil {
			err = agenda.WriteICS(f, es, agenda.ICSOptions{})
			if cerr := f.Close(); err == nil {
				err = cerr
			}
			if err == nil {
				u.p.Audit("export.agenda", "", fmt.Sprintf("events=%d names=false", len(es)))
				v.status.SetText(fmt.Sprintf(u.t("%d rendez-vous exportés dans %s (horaires et titre neutre seulement).", "%d appointments exported to %s (times and a neutral title only)."), len(es), path))
				return path
			}
		}
	}
	v.status.SetText(u.errText(err))
	return ""
}

func (v *agendaView) busyLine(b agenda.Busy) string {
	u := v.u
	s := b.Start.In(practice.Paris())
	text := fmt.Sprintf("%s–%s · %s · %s", s.Format("15:04"), b.End.In(practice.Paris()).Format("15:04"), u.t("indisponible", "busy"), b.Title)
	if v.week {
		text = u.dayName(s)[:3] + ". " + s.Format("02/01") + " " + text
	}
	return text
}

// importICS adds another calendar's events as busy slots.
func (v *agendaView) importICS(path string) {
	u := v.u
	f, err := os.Open(path)
	if err != nil {
		v.status.SetText(u.errText(err))
		return
	}
	defer f.Close()
	evs, err := agenda.ReadICS(f, practice.Paris())
	if err != nil {
		v.status.SetText(u.t("Fichier iCalendar illisible : ", "Unreadable iCalendar file: ") + err.Error())
		return
	}
	n, err := u.p.ImportBusy(context.Background(), evs)
	if err != nil {
		v.status.SetText(u.errText(err))
		return
	}
	v.refresh()
	v.status.SetText(fmt.Sprintf(u.t("%d créneau(x) indisponible(s) importé(s) (%d déjà connus).", "%d busy slot(s) imported (%d already known)."), n, len(evs)-n))
}
