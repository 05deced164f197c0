package ui

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/cabinet-sante/cabinet/app/mail"
	"github.com/cabinet-sante/cabinet/app/patient"
	"github.com/cabinet-sante/cabinet/app/practice"
)

// mailView configures the mailbox, takes it in and sorts the messages
// that match no patient.
type mailView struct {
	u       *UI
	content fyne.CanvasObject

	host, port, user, password, folder, caFile *widget.Entry
	starttls                                   *widget.Check
	markSeen                                   *widget.Check
	status                                     *widget.Label
	checkBtn, saveBtn, runBtn                  *widget.Button

	msgs                    []practice.MailMessage
	list                    *widget.List
	selected                int
	assign, rights, discard *widget.Button
}

func newMailView(u *UI) *mailView {
	v := &mailView{u: u, selected: -1}
	v.host, v.port, v.user, v.password, v.folder, v.caFile = widget.NewEntry(), widget.NewEntry(), widget.NewEntry(), widget.NewPasswordEntry(), widget.NewEntry(), widget.NewEntry()
	v.port.SetPlaceHolder("993")
	v.folder.SetText("INBOX")
	v.caFile.SetPlaceHolder(u.t("facultatif : certificat d'autorité (PEM)", "optional: CA certificate (PEM)"))
	v.starttls = widget.NewCheck(u.t("STARTTLS (port 143)", "STARTTLS (port 143)"), nil)
	v.markSeen = widget.NewCheck(u.t("Marquer lus (jamais supprimés)", "Mark read (never deleted)"), nil)
	v.status = widget.NewLabel(u.t("Messagerie désactivée : rien ne se connecte tant que vous ne l'avez pas configurée.", "Mail is off: nothing connects until you set it up."))
	v.status.Wrapping = fyne.TextWrapWord
	if a, on, err := u.p.MailAccount(context.Background()); err == nil && on {
		v.host.SetText(a.Host)
		v.port.SetText(strconv.Itoa(a.Port))
		v.user.SetText(a.User)
		v.password.SetText(a.Password)
		v.folder.SetText(a.Folder)
		v.starttls.SetChecked(a.StartTLS)
		v.markSeen.SetChecked(a.After == "seen")
		v.status.SetText(u.t("Messagerie configurée.", "Mail is set up."))
	}
	v.checkBtn = widget.NewButtonWithIcon(u.t("Tester", "Test"), theme.SearchIcon(), func() {
		a, err := v.account()
		if err == nil {
			err = mail.Check(a)
		}
		v.report(err, u.t("Connexion réussie.", "Connection works."))
	})
	v.saveBtn = widget.NewButtonWithIcon(u.t("Enregistrer", "Save"), theme.DocumentSaveIcon(), func() {
		a, err := v.account()
		if err == nil {
			err = u.p.SetMailAccount(context.Background(), a)
		}
		v.report(err, u.t("Compte enregistré (mot de passe scellé dans le coffre).", "Account saved (password sealed in the vault)."))
	})
	v.runBtn = widget.NewButtonWithIcon(u.t("Relever", "Check now"), theme.MailComposeIcon(), v.run)
	v.runBtn.Importance = widget.HighImportance
	form := widget.NewForm(
		widget.NewFormItem(u.t("Serveur IMAP", "IMAP server"), v.host), widget.NewFormItem(u.t("Port", "Port"), v.port),
		widget.NewFormItem(u.t("Identifiant", "User"), v.user), widget.NewFormItem(u.t("Mot de passe", "Password"), v.password),
		widget.NewFormItem(u.t("Dossier", "Folder"), v.folder), widget.NewFormItem(u.t("Autorité", "CA"), v.caFile))
	left := widget.NewCard(u.t("Compte", "Account"), u.t("MSSanté ou IMAP, TLS vérifié", "MSSante or IMAP, verified TLS"),
		container.NewVBox(form, v.starttls, v.markSeen, container.NewHBox(v.checkBtn, v.saveBtn, v.runBtn), v.status))

	v.list = widget.NewList(func() int { return len(v.msgs) },
		func() fyne.CanvasObject {
			return widget.NewLabel(u.t("00/00 · expéditeur · objet", "00/00 · sender · subject"))
		},
		func(i widget.ListItemID, o fyne.CanvasObject) {
			m := v.msgs[i]
			l := o.(*widget.Label)
			text := fmt.Sprintf("%s · %s · %s", m.Date.Format("02/01"), m.From, m.Subject)
			if m.RightsKind != "" {
				text += u.t(" · demande RGPD : ", " · GDPR request: ") + u.kindText(m.RightsKind)
			}
			l.Truncation = fyne.TextTruncateEllipsis
			l.SetText(text)
		})
	v.list.OnSelected = func(i widget.ListItemID) { v.selected = i; v.buttons() }
	v.assign = widget.NewButtonWithIcon(u.t("Classer…", "File…"), theme.AccountIcon(), v.assignDialog)
	v.rights = widget.NewButtonWithIcon(u.t("Demande RGPD", "GDPR request"), theme.WarningIcon(), func() {
		if m, ok := v.current(); ok {
			r, err := u.p.OpenRightFromMail(context.Background(), m.ID, "")
			v.report(err, fmt.Sprintf(u.t("Demande enregistrée, réponse due le %s.", "Request recorded, answer due on %s."), frDate(r.Due)))
			v.refresh()
		}
	})
	v.discard = widget.NewButtonWithIcon(u.t("Supprimer", "Delete"), theme.DeleteIcon(), func() {
		if m, ok := v.current(); ok {
			dialog.ShowConfirm(u.t("Supprimer la copie ?", "Delete the copy?"), u.t("Le message reste dans la boîte aux lettres.", "The message stays in the mailbox."), func(ok bool) {
				if ok {
					v.report(u.p.DiscardMail(context.Background(), m.ID), u.t("Copie supprimée.", "Copy deleted."))
					v.refresh()
				}
			}, u.win)
		}
	})
	right := widget.NewCard(u.t("Messages à trier", "Messages to sort"), u.t("Expéditeurs inconnus et demandes RGPD", "Unknown senders and GDPR requests"),
		container.NewBorder(nil, container.NewHBox(v.assign, v.rights, v.discard), nil, nil, v.list))
	v.content = container.NewGridWithColumns(2, container.NewVScroll(left), right)
	v.refresh()
	return v
}

func (v *mailView) report(err error, ok string) {
	u := v.u
	if err == nil {
		v.status.Importance = widget.SuccessImportance
		v.status.SetText(ok)
		return
	}
	v.status.Importance = widget.DangerImportance
	var me *mail.Error
	if errors.As(err, &me) && u.opts.Lang != "en" {
		v.status.SetText(me.French())
		return
	}
	v.status.SetText(u.errText(err))
}

func (v *mailView) account() (practice.MailAccount, error) {
	u := v.u
	a := practice.MailAccount{Host: strings.TrimSpace(v.host.Text), User: strings.TrimSpace(v.user.Text), Password: v.password.Text,
		Folder: strings.TrimSpace(v.folder.Text), StartTLS: v.starttls.Checked, After: "leave"}
	if v.markSeen.Checked {
		a.After = "seen"
	}
	if p := strings.TrimSpace(v.port.Text); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil || n < 1 || n > 65535 {
			return a, errors.New(u.t("Port invalide.", "Invalid port."))
		}
		a.Port = n
	} else if a.StartTLS {
		a.Port = 143
	} else {
		a.Port = 993
	}
	if f := strings.TrimSpace(v.caFile.Text); f != "" {
		pem, err := os.ReadFile(f)
		if err != nil {
			return a, err
		}
		a.CAPEM = pem
	}
	if a.Host == "" || a.User == "" || a.Password == "" {
		return a, errors.New(u.t("Serveur, identifiant et mot de passe sont obligatoires.", "Server, user and password are required."))
	}
	return a, nil
}

// run takes the mailbox in, off the UI goroutine.
func (v *mailView) run() {
	u := v.u
	v.runBtn.Disable()
	v.status.SetText(u.t("Relève en cours…", "Checking…"))
	var rep mail.Report
	u.async(func() error {
		var err error
		rep, err = mail.Intake(context.Background(), u.p, nil)
		return err
	}, func(err error) {
		v.runBtn.Enable()
		v.report(err, fmt.Sprintf(u.t("%d nouveau(x) message(s) : %d classé(s), %d à trier, %d demande(s) RGPD.", "%d new message(s): %d filed, %d to sort, %d GDPR request(s)."),
			rep.New, rep.Routed, rep.Intake, rep.Rights))
		v.refresh()
	})
}

func (v *mailView) refresh() {
	ms, err := v.u.p.MailMessages(context.Background(), false)
	if err != nil {
		return
	}
	v.msgs = v.msgs[:0]
	for _, m := range ms {
		if m.PatientID == "" || (m.RightsKind != "" && m.RequestID == "") {
			v.msgs = append(v.msgs, m)
		}
	}
	v.selected = -1
	v.list.UnselectAll()
	v.list.Refresh()
	v.buttons()
}

func (v *mailView) current() (practice.MailMessage, bool) {
	if v.selected < 0 || v.selected >= len(v.msgs) {
		return practice.MailMessage{}, false
	}
	return v.msgs[v.selected], true
}

func (v *mailView) buttons() {
	m, ok := v.current()
	v.assign.Disable()
	v.rights.Disable()
	v.discard.Disable()
	if !ok {
		return
	}
	v.discard.Enable()
	if m.PatientID == "" {
		v.assign.Enable()
	} else if m.RightsKind != "" && m.RequestID == "" {
		v.rights.Enable()
	}
}

// assignTo files the selected message in a patient's record.
func (v *mailView) assignTo(patientID string) error {
	m, ok := v.current()
	if !ok {
		return nil
	}
	if _, err := v.u.p.AssignMail(context.Background(), m.ID, patientID); err != nil {
		return errors.New(v.u.errText(err))
	}
	v.refresh()
	return nil
}

func (v *mailView) assignDialog() {
	u := v.u
	var results []patient.Patient
	search := widget.NewEntry()
	search.SetPlaceHolder(u.t("Rechercher le patient", "Search the patient"))
	pick := u.newSelect(nil, nil)
	search.OnChanged = func(q string) {
		results, _ = u.p.Search(context.Background(), q, 12)
		var names []string
		for _, p := range results {
			names = append(names, p.DisplayName()+" · "+frDate(p.BirthDate))
		}
		pick.Options = names
		if len(names) > 0 {
			pick.SetSelectedIndex(0)
		}
		pick.Refresh()
	}
	dialog.ShowForm(u.t("Classer le message", "File the message"), u.t("Classer", "File"), u.t("Annuler", "Cancel"),
		[]*widget.FormItem{widget.NewFormItem(u.t("Patient", "Patient"), search), widget.NewFormItem("", pick)},
		func(ok bool) {
			if i := pick.SelectedIndex(); ok && i >= 0 && i < len(results) {
				if err := v.assignTo(results[i].ID); err != nil {
					dialog.ShowError(err, u.win)
				}
			}
		}, u.win)
}
