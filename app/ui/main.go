package ui

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/cabinet-sante/cabinet/app/billing"
	"github.com/cabinet-sante/cabinet/app/patient"
	"github.com/cabinet-sante/cabinet/app/practice"
	"github.com/cabinet-sante/cabinet/app/privacy"
)

// searchLimit is how many patients the list shows for a query.
const searchLimit = 200

type mainScreen struct {
	u       *UI
	content fyne.CanvasObject

	search  *widget.Entry
	list    *widget.List
	count   *widget.Label
	results []patient.Patient

	newBtn, lockBtn *widget.Button
	importBtn       *widget.Button
	aboutBtn        *widget.Button
	detail          *fyne.Container // right pane: record, form or welcome

	record    *recordView
	form      *patientForm
	consult   *consultForm
	imp       *importForm
	draftBtns []*widget.Button // on the welcome pane: reopen an unfinished consultation
	today     *widget.Label    // today's appointments
	attention *widget.Label    // unpaid notes, rights requests due, old backups

	tabs     *container.AppTabs
	agenda   *agendaView
	invoices *invoicesView
	exports  *exportsView
	settings *settingsView
	privacy  *privacyView
	support  *supportView
	mail     *mailView
	sync     *syncView
	banner   *fyne.Container // shown on every screen while a support session is open
}

func newMainScreen(u *UI) *mainScreen {
	m := &mainScreen{u: u}
	m.search = widget.NewEntry()
	m.search.SetPlaceHolder(u.t("Rechercher : nom, prénom, date de naissance, NIR, téléphone",
		"Search: name, first name, date of birth, NIR, phone"))
	m.search.ActionItem = widget.NewIcon(theme.SearchIcon())
	m.search.OnChanged = func(q string) { m.runSearch(q) }
	m.search.OnSubmitted = func(string) {
		if len(m.results) > 0 {
			m.list.Select(0)
		}
	}
	m.count = widget.NewLabel("")
	m.count.Importance = widget.LowImportance
	m.list = widget.NewList(
		func() int { return len(m.results) },
		func() fyne.CanvasObject {
			name := widget.NewLabelWithStyle(u.t("Nom Prénom", "Name First name"), fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
			name.Truncation = fyne.TextTruncateEllipsis
			sub := widget.NewLabel("01/01/2000")
			sub.SizeName = theme.SizeNameCaptionText
			sub.Truncation = fyne.TextTruncateEllipsis
			return container.New(layout.NewCustomPaddedVBoxLayout(-2*theme.Padding()), name, sub)
		},
		func(i widget.ListItemID, o fyne.CanvasObject) {
			if i >= len(m.results) {
				return
			}
			pt := m.results[i]
			box := o.(*fyne.Container)
			box.Objects[0].(*widget.Label).SetText(pt.DisplayName())
			box.Objects[1].(*widget.Label).SetText(m.u.subtitle(pt))
		})
	m.list.OnSelected = func(i widget.ListItemID) {
		if i < len(m.results) {
			m.open(m.results[i].ID)
		}
	}

	m.newBtn = widget.NewButtonWithIcon(u.t("Nouveau patient", "New patient"), theme.ContentAddIcon(), func() { m.edit(nil) })
	m.newBtn.Importance = widget.HighImportance
	m.lockBtn = widget.NewButtonWithIcon(u.t("Verrouiller", "Lock"), theme.LogoutIcon(), u.lock)
	m.aboutBtn = widget.NewButtonWithIcon("", theme.InfoIcon(), func() { dialog.ShowInformation(u.t("À propos de Cabinet", "About Cabinet"), u.about(), u.win) })

	title := widget.NewLabelWithStyle("Cabinet", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	top := container.NewBorder(nil, nil, title, container.NewHBox(m.newBtn, m.lockBtn, m.aboutBtn))
	m.importBtn = widget.NewButtonWithIcon(u.t("Importer…", "Import…"), theme.UploadIcon(), m.importDialog)
	m.importBtn.Importance = widget.LowImportance
	left := container.NewBorder(container.NewVBox(m.search, container.NewBorder(nil, nil, nil, m.importBtn, m.count)), nil, nil, nil, m.list)
	m.detail = container.NewStack(m.welcome())
	split := container.NewHSplit(left, m.detail)
	split.Offset = 0.34
	m.agenda = newAgendaView(u)
	m.invoices = newInvoicesView(u)
	m.exports = newExportsView(u)
	m.settings = newSettingsView(u)
	m.privacy = newPrivacyView(u)
	m.support = newSupportView(u)
	m.mail = newMailView(u)
	m.sync = newSyncView(u)
	m.tabs = container.NewAppTabs(
		container.NewTabItemWithIcon(u.t("Patients", "Patients"), theme.AccountIcon(), split),
		container.NewTabItemWithIcon(u.t("Agenda", "Agenda"), theme.CalendarIcon(), m.agenda.content),
		container.NewTabItemWithIcon(u.t("Honoraires", "Invoices"), theme.DocumentIcon(), m.invoices.content),
		container.NewTabItemWithIcon(u.t("Comptabilité", "Accounting"), theme.DownloadIcon(), m.exports.content),
		container.NewTabItemWithIcon(u.t("Confidentialité", "Privacy"), theme.VisibilityOffIcon(), m.privacy.content),
		container.NewTabItemWithIcon(u.t("Messages", "Mail"), theme.MailComposeIcon(), m.mail.content),
		container.NewTabItemWithIcon(u.t("Synchro", "Sync"), theme.ViewRefreshIcon(), m.sync.content),
		container.NewTabItemWithIcon(u.t("Support", "Support"), theme.HelpIcon(), m.support.content),
		container.NewTabItemWithIcon(u.t("Réglages", "Settings"), theme.SettingsIcon(), m.settings.content),
	)
	m.tabs.OnSelected = func(t *container.TabItem) {
		u.touch()
		switch t.Content {
		case m.invoices.content:
			m.invoices.refresh()
		case m.agenda.content:
			m.agenda.refresh()
		case m.sync.content:
			m.sync.refresh()
		}
	}
	bannerText := widget.NewLabel(u.t("Session de support à distance en cours : tout est visible dans l'onglet Support.", "Remote support session in progress: everything shows in the Support tab."))
	bannerText.Importance = widget.WarningImportance
	m.banner = container.NewHBox(widget.NewIcon(theme.WarningIcon()), bannerText,
		widget.NewButtonWithIcon(u.t("Voir", "Show"), theme.VisibilityIcon(), func() { m.tabs.Select(m.tabs.Items[len(m.tabs.Items)-2]) }),
		widget.NewButtonWithIcon(u.t("Mettre fin", "End it"), theme.CancelIcon(), func() { m.support.end("ended by the practitioner") }))
	m.banner.Hide()
	m.content = container.NewBorder(container.NewVBox(top, m.banner, widget.NewSeparator()), nil, nil, nil, m.tabs)
	m.showCount()
	return m
}

func (m *mainScreen) welcome() fyne.CanvasObject {
	u := m.u
	n := u.p.PatientCount()
	l := widget.NewLabel(fmt.Sprintf(u.t("%d patients dans le coffre.\nTapez quelques lettres d'un nom, une date (12/03/1978), un NIR ou un numéro de téléphone pour retrouver un dossier.",
		"%d patients in the vault.\nType a few letters of a name, a date (12/03/1978), a NIR or a phone number to find a record."), n))
	l.Wrapping = fyne.TextWrapWord
	l.Alignment = fyne.TextAlignCenter
	box := container.NewVBox(l)
	m.today, m.attention = nil, nil
	ctx := context.Background()
	today := midnight(time.Now())
	if es, err := u.p.Agenda(ctx, today, today); err == nil {
		var lines []string
		for _, e := range es {
			if e.Status == patient.Booked || e.Status == patient.Done {
				lines = append(lines, e.Start.In(practice.Paris()).Format("15:04")+" · "+e.PatientName+" · "+e.Reason)
			}
		}
		text := u.t("Aucun rendez-vous aujourd'hui.", "No appointment today.")
		if len(lines) > 0 {
			text = strings.Join(lines, "\n")
		}
		m.today = widget.NewLabel(text)
		box.Add(widget.NewCard(u.t("Aujourd'hui", "Today"), "", m.today))
	}
	var attention []string
	if unpaid, err := u.p.Unpaid(ctx); err == nil && len(unpaid) > 0 {
		var due billing.Cents
		old := 0
		for _, o := range unpaid {
			due += o.Due
			if o.Days > 30 {
				old++
			}
		}
		attention = append(attention, fmt.Sprintf(u.t("%d note(s) impayée(s), %s dus, dont %d de plus de 30 jours", "%d unpaid note(s), %s due, %d over 30 days"), len(unpaid), due.Euros(), old))
	}
	if reqs, err := u.p.Rights(ctx); err == nil {
		late, soon := 0, 0
		for _, r := range reqs {
			switch privacy.UrgencyOf(r, today.Format(time.DateOnly)) {
			case privacy.Overdue:
				late++
			case privacy.DueSoon:
				soon++
			}
		}
		if late+soon > 0 {
			attention = append(attention, fmt.Sprintf(u.t("%d demande(s) RGPD en retard, %d à traiter sous 7 jours", "%d GDPR request(s) overdue, %d due within 7 days"), late, soon))
		}
	}
	if last := u.lastBackup(); last.IsZero() {
		attention = append(attention, u.t("Aucune sauvegarde trouvée : faites-en une (Réglages, ou cabinet backup).", "No backup found: make one (Settings, or cabinet backup)."))
	} else if time.Since(last) > 7*24*time.Hour {
		attention = append(attention, fmt.Sprintf(u.t("Dernière sauvegarde il y a %d jours.", "Last backup %d days ago."), int(time.Since(last).Hours()/24)))
	}
	if len(attention) > 0 {
		m.attention = widget.NewLabel("• " + strings.Join(attention, "\n• "))
		m.attention.Wrapping = fyne.TextWrapWord
		m.attention.Importance = widget.WarningImportance
		box.Add(widget.NewCard(u.t("À surveiller", "Needs attention"), "", m.attention))
	}
	m.draftBtns = nil
	if drafts, err := u.p.ConsultationDrafts(context.Background()); err == nil && len(drafts) > 0 {
		title := widget.NewLabelWithStyle(u.t("Consultations non terminées", "Unfinished consultations"), fyne.TextAlignCenter, fyne.TextStyle{Bold: true})
		box.Add(title)
		for _, d := range drafts {
			pt, err := u.p.Patient(context.Background(), d.Consultation.PatientID)
			if err != nil {
				continue
			}
			b := widget.NewButtonWithIcon(fmt.Sprintf("%s — %s", pt.DisplayName(), d.Saved.In(practice.Paris()).Format("02/01 15:04")), theme.DocumentCreateIcon(), func() {
				m.open(pt.ID)
				m.newConsultation()
			})
			m.draftBtns = append(m.draftBtns, b)
			box.Add(b)
		}
	}
	return container.NewVScroll(container.NewCenter(container.NewGridWrap(fyne.NewSize(520, box.MinSize().Height+40), box)))
}

// lastBackup is the time of the newest backup file in the configured
// folder or the vault's backups folder.
func (u *UI) lastBackup() time.Time {
	var last time.Time
	dirs := []string{filepath.Join(u.p.Dir(), "backups")}
	if cfg, err := u.p.Config(context.Background()); err == nil && cfg[practice.CfgBackupDir] != "" {
		dirs = append(dirs, cfg[practice.CfgBackupDir])
	}
	for _, d := range dirs {
		files, _ := filepath.Glob(filepath.Join(d, "*.vault"))
		for _, f := range files {
			if st, err := os.Stat(f); err == nil && st.ModTime().After(last) {
				last = st.ModTime()
			}
		}
	}
	return last
}

func (m *mainScreen) showCount() {
	switch q := strings.TrimSpace(m.search.Text); {
	case q == "":
		m.count.SetText(fmt.Sprintf(m.u.t("%d patients", "%d patients"), m.u.p.PatientCount()))
	case len(m.results) == 0:
		m.count.SetText(m.u.t("Aucun patient ne correspond.", "No matching patient."))
	case len(m.results) >= searchLimit:
		m.count.SetText(fmt.Sprintf(m.u.t("%d premiers résultats : précisez la recherche", "First %d results: refine the search"), len(m.results)))
	case len(m.results) == 1:
		m.count.SetText(m.u.t("1 patient", "1 patient"))
	default:
		m.count.SetText(fmt.Sprintf(m.u.t("%d patients", "%d patients"), len(m.results)))
	}
}

func (m *mainScreen) runSearch(q string) {
	m.u.touch()
	res, err := m.u.p.Search(context.Background(), q, searchLimit)
	if err != nil {
		m.count.SetText(m.u.errText(err))
		return
	}
	m.results = res
	m.list.UnselectAll()
	m.list.Refresh()
	m.list.ScrollToTop()
	m.showCount()
}

// setDetail shows obj in the right pane.
func (m *mainScreen) setDetail(obj fyne.CanvasObject) {
	m.detail.Objects = []fyne.CanvasObject{obj}
	m.detail.Refresh()
}

// open shows a patient's record.
func (m *mainScreen) open(id string) {
	m.u.touch()
	if m.consult != nil { // leaving the form: its draft stays
		m.consult.flush()
		m.consult = nil
	}
	r, err := newRecordView(m, id)
	if err != nil {
		m.setDetail(widget.NewLabel(m.u.errText(err)))
		return
	}
	m.form, m.record = nil, r
	m.setDetail(r.content)
}

// edit shows the patient form: empty for a new patient.
func (m *mainScreen) edit(pt *patient.Patient) {
	m.u.touch()
	if m.tabs != nil {
		m.tabs.SelectIndex(0)
	}
	m.record = nil
	m.form = newPatientForm(m, pt)
	m.setDetail(m.form.content)
	m.u.win.Canvas().Focus(m.form.entries["birth_name"])
}

// saved refreshes the list after a save and opens the record.
func (m *mainScreen) saved(pt patient.Patient) {
	m.runSearch(m.search.Text)
	m.open(pt.ID)
}

// subtitle is the second line of a list entry: birth date and age.
func (u *UI) subtitle(pt patient.Patient) string {
	b := frDate(pt.BirthDate)
	age := pt.Age(time.Now())
	var s string
	switch pt.Sex {
	case patient.Female:
		s = fmt.Sprintf(u.t("née le %s · %d ans", "born %s · %d"), b, age)
	case patient.Male:
		s = fmt.Sprintf(u.t("né le %s · %d ans", "born %s · %d"), b, age)
	default:
		s = fmt.Sprintf(u.t("naissance %s · %d ans", "born %s · %d"), b, age)
	}
	if pt.Phone != "" {
		s += " · " + pt.Phone
	}
	return s
}

// frDate shows a YYYY-MM-DD date as DD/MM/YYYY.
func frDate(iso string) string {
	t, err := time.Parse(time.DateOnly, iso)
	if err != nil {
		return iso
	}
	return t.Format("02/01/2006")
}

// isoDate reads a date typed as DD/MM/YYYY (or D/M/YYYY, with . or -) or
// YYYY-MM-DD; it returns the input unchanged when it is neither, so that
// validation can say what is wrong.
func isoDate(s string) string {
	s = strings.TrimSpace(s)
	if _, err := time.Parse(time.DateOnly, s); err == nil {
		return s
	}
	norm := strings.NewReplacer(".", "/", "-", "/", " ", "/").Replace(s)
	if t, err := time.Parse("2/1/2006", norm); err == nil {
		return t.Format(time.DateOnly)
	}
	return s
}

// about is the About text: the version to read out to support, and where
// the data lives.
func (u *UI) about() string {
	v := u.opts.Version
	if v == "" {
		v = "dev"
	}
	return fmt.Sprintf(u.t("Cabinet %s\ncommit %s, construit le %s\n\nCoffre : %s\nLicence MIT.", "Cabinet %s\ncommit %s, built %s\n\nVault: %s\nMIT licence."),
		v, u.opts.Commit, u.opts.Built, u.p.Dir())
}
