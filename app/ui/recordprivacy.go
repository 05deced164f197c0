package ui

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/widget"

	"github.com/cabinet-sante/cabinet/app/privacy"
)

// privacyMenu is the record's "Confidentialité" menu.
func (r *recordView) privacyMenu(m *mainScreen, anchor fyne.CanvasObject) {
	u := m.u
	restrictLabel := u.t("Limiter le dossier (lecture seule)", "Restrict the record (read-only)")
	if r.flags.Restricted {
		restrictLabel = u.t("Lever la limitation", "Lift the restriction")
	}
	menu := fyne.NewMenu("",
		fyne.NewMenuItem(u.t("Exporter le dossier (accès, portabilité)…", "Export the record (access, portability)…"), func() { r.exportDialog(m) }),
		fyne.NewMenuItem(u.t("Enregistrer une demande de droits…", "Record a rights request…"), func() { r.rightsDialog(m) }),
		fyne.NewMenuItem(u.t("Consentements…", "Consents…"), func() { r.consentDialog(m) }),
		fyne.NewMenuItem(restrictLabel, func() {
			if err := u.p.Restrict(context.Background(), r.patient.ID, !r.flags.Restricted); err != nil {
				dialog.ShowError(errors.New(u.errText(err)), u.win)
			}
			m.open(r.patient.ID)
		}),
		fyne.NewMenuItemSeparator(),
		fyne.NewMenuItem(u.t("Effacer le patient…", "Erase the patient…"), func() { r.eraseDialog(m) }),
	)
	c := u.win.Canvas()
	pos := fyne.CurrentApp().Driver().AbsolutePositionForObject(anchor).Add(fyne.NewPos(0, anchor.Size().Height))
	widget.ShowPopUpMenuAtPosition(menu, c, pos)
}

func (r *recordView) exportDialog(m *mainScreen) {
	u := m.u
	d := dialog.NewFileSave(func(w fyne.URIWriteCloser, err error) {
		if err != nil || w == nil {
			return
		}
		path := w.URI().Path()
		w.Close()
		if err := u.p.ExportPatient(context.Background(), r.patient.ID, path); err != nil {
			dialog.ShowError(errors.New(u.errText(err)), u.win)
			return
		}
		dialog.ShowInformation(u.t("Dossier exporté", "Record exported"), fmt.Sprintf(u.t("Enregistré : %s\n(JSON, FHIR R4 et PDF). Remettez-le au patient par un moyen sûr.",
			"Saved: %s\n(JSON, FHIR R4 and PDF). Hand it to the patient securely."), path), u.win)
	}, u.win)
	d.SetFileName("dossier-" + strings.ToLower(strings.ReplaceAll(r.patient.BirthName, " ", "-")) + ".zip")
	d.Show()
}

// openRight records a request from the dialog's choices.
func (r *recordView) openRight(m *mainScreen, kindIndex int, received, channel string, checked, old bool) (privacy.Request, error) {
	q := privacy.Request{PatientID: r.patient.ID, Kind: privacy.Kinds[kindIndex], Received: isoDate(received), Channel: channel,
		IdentityChecked: checked, OldRecord: old}
	q, err := m.u.p.OpenRight(context.Background(), q)
	if err != nil {
		return q, errors.New(m.u.errText(err))
	}
	if m.privacy != nil {
		m.privacy.refresh()
	}
	return q, nil
}

func (r *recordView) rightsDialog(m *mainScreen) {
	u := m.u
	var kinds []string
	for _, k := range privacy.Kinds {
		kinds = append(kinds, u.kindText(k))
	}
	kind := u.newSelect(kinds, nil)
	kind.SetSelectedIndex(0)
	received := widget.NewEntry()
	received.SetText(frDate(m.u.p.Today()))
	channel := widget.NewEntry()
	channel.SetPlaceHolder(u.t("courrier, e-mail, en main propre…", "letter, e-mail, in person…"))
	checked := widget.NewCheck(u.t("Identité vérifiée", "Identity checked"), nil)
	old := widget.NewCheck(u.t("Informations de plus de 5 ans (accès au dossier : 2 mois)", "Information over 5 years old (record access: 2 months)"), nil)
	dialog.ShowForm(u.t("Demande d'exercice des droits", "Rights request"), u.t("Enregistrer", "Save"), u.t("Annuler", "Cancel"),
		[]*widget.FormItem{
			widget.NewFormItem(u.t("Type", "Kind"), kind),
			widget.NewFormItem(u.t("Reçue le", "Received"), received),
			widget.NewFormItem(u.t("Canal", "Channel"), channel),
			widget.NewFormItem("", checked),
			widget.NewFormItem("", old),
		}, func(ok bool) {
			if !ok {
				return
			}
			q, err := r.openRight(m, kind.SelectedIndex(), received.Text, channel.Text, checked.Checked, old.Checked)
			if err != nil {
				dialog.ShowError(err, u.win)
				return
			}
			dialog.ShowInformation(u.t("Demande enregistrée", "Request recorded"), fmt.Sprintf(u.t("Réponse due le %s.", "Answer due on %s."), frDate(q.Due)), u.win)
		}, u.win)
}

func (r *recordView) consentDialog(m *mainScreen) {
	u := m.u
	hist, err := u.p.Consents(context.Background(), r.patient.ID)
	if err != nil {
		dialog.ShowError(errors.New(u.errText(err)), u.win)
		return
	}
	inForce := privacy.InForce(hist)
	var purposes []string
	for _, p := range privacy.Purposes[1:] { // the care record rests on care, not consent
		state := u.t("non demandé", "not asked")
		if c, ok := inForce[p]; ok {
			state = string(c.Decision) + " " + frDate(c.Date)
		}
		purposes = append(purposes, u.t(p.French(), string(p))+" — "+state)
	}
	purpose := u.newSelect(purposes, nil)
	purpose.SetSelectedIndex(0)
	decision := widget.NewRadioGroup([]string{u.t("Donné", "Given"), u.t("Refusé", "Refused"), u.t("Retiré", "Withdrawn")}, nil)
	decision.Required = true
	decision.SetSelected(decision.Options[0])
	pad := newSignaturePad()
	padBox := container.NewVBox(widget.NewLabel(u.t("Signature du patient :", "Patient's signature:")), pad,
		widget.NewButton(u.t("Effacer la signature", "Clear the signature"), pad.Clear))
	padBox.Hide()
	scan := widget.NewEntry()
	scan.SetPlaceHolder(u.t("chemin du papier signé numérisé (PDF ou image)", "path of the scanned signed paper (PDF or image)"))
	scan.Hide()
	proof := u.newSelect([]string{u.t("Oral, attesté par le praticien", "Oral, attested"), u.t("Papier signé numérisé", "Signed paper, scanned"), u.t("Signature à l'écran", "On-screen signature")}, func(string) {})
	proof.OnChanged = func(string) {
		scan.Hidden, padBox.Hidden = proof.SelectedIndex() != 1, proof.SelectedIndex() != 2
		scan.Refresh()
		padBox.Refresh()
	}
	proof.SetSelectedIndex(0)
	dialog.ShowForm(u.t("Consentements", "Consents"), u.t("Enregistrer", "Save"), u.t("Fermer", "Close"),
		[]*widget.FormItem{
			widget.NewFormItem(u.t("Finalité", "Purpose"), purpose),
			widget.NewFormItem(u.t("Décision", "Decision"), decision),
			widget.NewFormItem(u.t("Preuve", "Proof"), proof),
			widget.NewFormItem("", scan),
			widget.NewFormItem("", padBox),
		}, func(ok bool) {
			if !ok {
				return
			}
			if err := r.recordConsent(m, purpose.SelectedIndex(), slices.Index(decision.Options, decision.Selected), proof.SelectedIndex(), pad, scan.Text); err != nil {
				dialog.ShowError(err, u.win)
			}
		}, u.win)
}

func (r *recordView) eraseDialog(m *mainScreen) {
	u := m.u
	plan, err := u.p.PlanErasure(context.Background(), r.patient.ID)
	if err != nil {
		dialog.ShowError(errors.New(u.errText(err)), u.win)
		return
	}
	text := u.t("Sera effacé :\n", "Will be deleted:\n") + "• " + strings.Join(plan.Delete, "\n• ") +
		u.t("\n\nSera conservé :\n", "\n\nWill be kept:\n") + "• " + strings.Join(plan.Keep, "\n• ") +
		u.t("\n\nCette opération est définitive.", "\n\nThis cannot be undone.")
	l := widget.NewLabel(text)
	l.Wrapping = fyne.TextWrapWord
	d := dialog.NewCustomConfirm(fmt.Sprintf(u.t("Effacer %s ?", "Erase %s?"), r.patient.DisplayName()), u.t("Effacer définitivement", "Erase for good"),
		u.t("Annuler", "Cancel"), l, func(ok bool) {
			if !ok {
				return
			}
			if err := u.p.Erase(context.Background(), r.patient.ID); err != nil {
				dialog.ShowError(errors.New(u.errText(err)), u.win)
				return
			}
			m.record = nil
			m.runSearch(m.search.Text)
			m.setDetail(m.welcome())
		}, u.win)
	d.Resize(fyne.NewSize(620, 420))
	d.Show()
}

// recordConsent records a decision with its proof: a drawn signature or a
// scanned paper is attached to the record and named in the consent.
func (r *recordView) recordConsent(m *mainScreen, purposeIdx, decisionIdx, proofIdx int, pad *signaturePad, scanPath string) error {
	u := m.u
	ctx := context.Background()
	cfg, _ := u.p.PrivacyConfig(ctx)
	c := privacy.Consent{PatientID: r.patient.ID, Purpose: privacy.Purposes[1+purposeIdx],
		Decision: []privacy.Decision{privacy.Given, privacy.Refused, privacy.Withdrawn}[max(decisionIdx, 0)],
		Proof:    []privacy.Proof{privacy.Oral, privacy.PaperScan, privacy.Drawn}[max(proofIdx, 0)], NoticeVersion: privacy.NoticeVersion(cfg)}
	switch c.Proof {
	case privacy.Drawn:
		if pad.Empty() {
			return errors.New(u.t("Le patient n'a pas signé.", "The patient has not signed."))
		}
		d, err := u.p.AddDocument(ctx, r.patient.ID, "", "signature-consentement-"+string(c.Purpose)+".png", pad.PNG())
		if err != nil {
			return errors.New(u.errText(err))
		}
		c.Attachment = d.ID
	case privacy.PaperScan:
		data, err := os.ReadFile(strings.TrimSpace(scanPath))
		if err != nil {
			return errors.New(u.t("Choisissez le fichier du papier signé.", "Choose the file of the signed paper."))
		}
		d, err := u.p.AddDocument(ctx, r.patient.ID, "", filepath.Base(scanPath), data)
		if err != nil {
			return errors.New(u.errText(err))
		}
		c.Attachment = d.ID
	}
	if err := u.p.RecordConsent(ctx, c); err != nil {
		return errors.New(u.errText(err))
	}
	return nil
}
