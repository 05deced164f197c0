package ui

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/cabinet-sante/cabinet/app/jobs"
	"github.com/cabinet-sante/cabinet/app/practice"
	"github.com/cabinet-sante/cabinet/app/privacy"
)

// privacyView is the privacy centre: the daily digest, the rights
// requests register, the retention job and the documents the law asks
// for.
type privacyView struct {
	u       *UI
	content fyne.CanvasObject

	digest   *widget.Label
	list     *widget.List
	requests []privacy.Request
	selected int
	answer   *widget.Button
	extend   *widget.Button
	folder   *widget.Entry
	result   *widget.Label
	expired  []string
	eraseBtn *widget.Button

	breaches  *widget.Label
	breachBtn *widget.Button
	policy    *widget.Label
}

func (u *UI) kindText(k privacy.Kind) string {
	if u.opts.Lang == "en" {
		return string(k)
	}
	return k.French()
}

func newPrivacyView(u *UI) *privacyView {
	v := &privacyView{u: u, selected: -1}
	v.digest = widget.NewLabel(u.t("Vérifications quotidiennes en cours…", "Daily checks running…"))
	v.digest.Wrapping = fyne.TextWrapWord
	v.list = widget.NewList(func() int { return len(v.requests) },
		func() fyne.CanvasObject {
			return widget.NewLabel(u.t("Accès au dossier médical · reçue le 00/00/0000 · due le 00/00/0000 · ouverte", "medical-record access · received 00/00/0000 · due 00/00/0000 · open"))
		},
		func(i widget.ListItemID, o fyne.CanvasObject) {
			r := v.requests[i]
			l := o.(*widget.Label)
			text := fmt.Sprintf(u.t("%s · reçue le %s · due le %s · %s", "%s · received %s · due %s · %s"),
				u.kindText(r.Kind), frDate(r.Received), frDate(r.Due), u.requestStatus(r.Status))
			l.Importance = widget.MediumImportance
			switch privacy.UrgencyOf(r, time.Now().Format(time.DateOnly)) {
			case privacy.Overdue:
				text += u.t(" · EN RETARD", " · OVERDUE")
				l.Importance = widget.DangerImportance
			case privacy.DueSoon:
				text += u.t(" · bientôt due", " · due soon")
				l.Importance = widget.WarningImportance
			}
			l.SetText(text)
		})
	v.list.OnSelected = func(i widget.ListItemID) { v.selected = i; v.buttons() }
	v.answer = widget.NewButtonWithIcon(u.t("Marquer répondue", "Mark answered"), theme.ConfirmIcon(), func() {
		if r, ok := v.current(); ok {
			if _, err := u.p.AnswerRight(context.Background(), r.ID, false, ""); err != nil {
				dialog.ShowError(errors.New(u.errText(err)), u.win)
			}
			v.refresh()
		}
	})
	v.extend = widget.NewButtonWithIcon(u.t("Prolonger de 2 mois…", "Extend by 2 months…"), theme.HistoryIcon(), v.extendDialog)
	v.folder = widget.NewEntry()
	if home, err := os.UserHomeDir(); err == nil {
		v.folder.SetText(filepath.Join(home, "Documents"))
	}
	v.result = widget.NewLabel("")
	v.result.Wrapping = fyne.TextWrapWord
	register := widget.NewButtonWithIcon(u.t("Registre des traitements (PDF)", "Register of processing (PDF)"), theme.DocumentSaveIcon(), func() { v.write("register") })
	noticeFR := widget.NewButtonWithIcon(u.t("Notice d'information patients (PDF)", "Patient information notice (PDF, French)"), theme.DocumentSaveIcon(), func() { v.write("notice-fr") })
	noticeEN := widget.NewButtonWithIcon(u.t("Notice en anglais (PDF)", "Patient information notice (PDF, English)"), theme.DocumentSaveIcon(), func() { v.write("notice-en") })
	dry := widget.NewButtonWithIcon(u.t("Simuler la conservation", "Simulate retention"), theme.SearchIcon(), v.simulate)
	v.eraseBtn = widget.NewButtonWithIcon(u.t("Effacer les dossiers expirés…", "Erase expired records…"), theme.DeleteIcon(), v.eraseExpired)
	v.eraseBtn.Importance = widget.DangerImportance
	v.eraseBtn.Disable()

	v.breaches = widget.NewLabel("")
	v.breaches.Wrapping = fyne.TextWrapWord
	v.breachBtn = widget.NewButtonWithIcon(u.t("Déclarer un incident…", "Record an incident…"), theme.WarningIcon(), v.breachDialog)
	v.policy = widget.NewLabel("")
	v.policy.Wrapping = fyne.TextWrapWord
	docs := widget.NewCard(u.t("Documents et conservation", "Documents and retention"), "",
		container.NewVBox(widget.NewForm(widget.NewFormItem(u.t("Dossier", "Folder"), v.folder)), register, noticeFR, noticeEN, dry, v.eraseBtn, v.result,
			widget.NewSeparator(), v.policy,
			widget.NewSeparator(), widget.NewLabelWithStyle(u.t("Violations de données", "Data breaches"), fyne.TextAlignLeading, fyne.TextStyle{Bold: true}),
			v.breaches, v.breachBtn))
	rights := widget.NewCard(u.t("Demandes d'exercice des droits", "Rights requests"),
		u.t("Ouvrez une demande depuis le dossier du patient.", "Open a request from the patient's record."),
		container.NewBorder(nil, container.NewHBox(v.answer, v.extend), nil, nil, v.list))
	v.content = container.NewBorder(v.digest, nil, nil, nil, container.NewGridWithColumns(2, rights, container.NewVScroll(docs)))
	v.refresh()
	return v
}

func (u *UI) requestStatus(s privacy.RequestStatus) string {
	if u.opts.Lang == "en" {
		return string(s)
	}
	return map[privacy.RequestStatus]string{privacy.Open: "ouverte", privacy.Answered: "répondue", privacy.Declined: "refusée"}[s]
}

func (v *privacyView) current() (privacy.Request, bool) {
	if v.selected < 0 || v.selected >= len(v.requests) {
		return privacy.Request{}, false
	}
	return v.requests[v.selected], true
}

func (v *privacyView) buttons() {
	r, ok := v.current()
	v.answer.Disable()
	v.extend.Disable()
	if ok && r.Status == privacy.Open {
		v.answer.Enable()
		if privacy.CanExtend(r, time.Now().Format(time.DateOnly)) {
			v.extend.Enable()
		}
	}
}

func (v *privacyView) refresh() {
	u := v.u
	if bs, err := u.p.Breaches(context.Background()); err == nil {
		var lines []string
		for _, b := range bs {
			fr, en := b.Status(time.Now())
			lines = append(lines, fmt.Sprintf("%s · %s · %d patient(s) · %s", b.Discovered.In(practice.Paris()).Format("02/01/2006 15:04"), b.What, len(b.Patients), u.t(fr, en)))
		}
		if len(lines) == 0 {
			lines = append(lines, u.t("Aucun incident consigné.", "No incident recorded."))
		}
		v.breaches.SetText(strings.Join(lines, "\n"))
	}
	if pol, err := u.p.RetentionPolicy(context.Background()); err == nil {
		var lines []string
		for _, r := range pol {
			lines = append(lines, fmt.Sprintf("%s : %d %s", r.Label, r.Keep, u.t("mois", "months")))
		}
		warn := privacy.Check(pol)
		text := u.t("Durées de conservation (modifiables : cabinet retention policy) :\n", "Retention periods (change with cabinet retention policy):\n") + strings.Join(lines, "\n")
		if len(warn) > 0 {
			text += "\n" + u.t("Attention : ", "Warning: ") + strings.Join(warn, " ; ")
		}
		v.policy.SetText(text)
	}
	reqs, err := v.u.p.Rights(context.Background())
	if err != nil {
		v.digest.SetText(v.u.errText(err))
		return
	}
	v.requests, v.selected = reqs, -1
	v.list.UnselectAll()
	v.list.Refresh()
	v.buttons()
}

// showDigest puts the daily run's findings at the top.
func (v *privacyView) showDigest(d jobs.Digest) {
	u := v.u
	if d.Err != nil {
		v.digest.Importance = widget.DangerImportance
		v.digest.SetText(u.errText(d.Err))
		return
	}
	var parts []string
	if d.RightsOverdue > 0 {
		parts = append(parts, fmt.Sprintf(u.t("%d demande(s) en retard", "%d overdue request(s)"), d.RightsOverdue))
	}
	if d.RightsDueSoon > 0 {
		parts = append(parts, fmt.Sprintf(u.t("%d demande(s) à traiter sous 7 jours", "%d request(s) due within 7 days"), d.RightsDueSoon))
	}
	if d.Archived > 0 {
		parts = append(parts, fmt.Sprintf(u.t("%d dossier(s) archivé(s) aujourd'hui", "%d record(s) archived today"), d.Archived))
	}
	if len(d.Expired) > 0 {
		parts = append(parts, fmt.Sprintf(u.t("%d dossier(s) à effacer (durée de conservation dépassée)", "%d record(s) to erase (retention period over)"), len(d.Expired)))
		v.expired = d.Expired
		v.eraseBtn.Enable()
	}
	v.digest.Importance = widget.MediumImportance
	if d.RightsOverdue > 0 {
		v.digest.Importance = widget.DangerImportance
	} else if len(parts) > 0 {
		v.digest.Importance = widget.WarningImportance
	}
	if len(parts) == 0 {
		parts = append(parts, u.t("Rien à signaler", "Nothing to report"))
	}
	v.digest.SetText(u.t("Vérifications du jour : ", "Today's checks: ") + strings.Join(parts, " · ") + ".")
	v.refresh()
}

func (v *privacyView) extendDialog() {
	u := v.u
	r, ok := v.current()
	if !ok {
		return
	}
	reason := widget.NewEntry()
	dialog.ShowForm(u.t("Prolonger la demande", "Extend the request"), u.t("Prolonger", "Extend"), u.t("Annuler", "Cancel"),
		[]*widget.FormItem{widget.NewFormItem(u.t("Motif communiqué au patient", "Reason told to the patient"), reason)},
		func(ok bool) {
			if !ok {
				return
			}
			if _, err := u.p.ExtendRight(context.Background(), r.ID, reason.Text); err != nil {
				dialog.ShowError(errors.New(u.errText(err)), u.win)
			}
			v.refresh()
		}, u.win)
}

// write writes a privacy document into the folder.
func (v *privacyView) write(kind string) {
	u := v.u
	ctx := context.Background()
	dir := strings.TrimSpace(v.folder.Text)
	if st, err := os.Stat(dir); err != nil || !st.IsDir() {
		v.result.SetText(u.t("Choisissez un dossier existant.", "Choose an existing folder."))
		return
	}
	var path string
	var err error
	switch kind {
	case "register":
		path = filepath.Join(dir, "registre-des-traitements.pdf")
		err = u.p.WriteRegister(ctx, path)
	default:
		lang := strings.TrimPrefix(kind, "notice-")
		path = filepath.Join(dir, "notice-information-"+lang+".pdf")
		_, err = u.p.WriteNotice(ctx, path, lang)
	}
	if err != nil {
		v.result.SetText(u.errText(err))
		return
	}
	v.result.SetText(u.t("Enregistré : ", "Saved: ") + path)
}

func (v *privacyView) simulate() {
	u := v.u
	rep, err := u.p.RunRetention(context.Background(), true, false)
	if err != nil {
		v.result.SetText(u.errText(err))
		return
	}
	v.expired = rep.Expired
	if len(rep.Expired) > 0 {
		v.eraseBtn.Enable()
	}
	v.result.SetText(fmt.Sprintf(u.t("Simulation : %d dossier(s) seraient archivés, %d ont dépassé leur durée de conservation.",
		"Simulation: %d record(s) would be archived, %d are past their retention period."), len(rep.Archived), len(rep.Expired)))
}

func (v *privacyView) eraseExpired() {
	u := v.u
	if len(v.expired) == 0 {
		return
	}
	dialog.ShowConfirm(u.t("Effacer les dossiers expirés ?", "Erase expired records?"),
		fmt.Sprintf(u.t("%d dossier(s) ont dépassé 20 ans sans venue. Leur identité, leurs consultations et rendez-vous seront effacés ;\nleurs notes d'honoraires restent, sans nom, pour la durée légale. Cette opération est définitive.",
			"%d record(s) are past 20 years without a visit. Identity, consultations and appointments will be erased;\ninvoices stay, without the name, for the legal period. This cannot be undone."), len(v.expired)),
		func(ok bool) {
			if !ok {
				return
			}
			rep, err := u.p.RunRetention(context.Background(), false, true)
			if err != nil {
				dialog.ShowError(errors.New(u.errText(err)), u.win)
				return
			}
			v.expired = nil
			v.eraseBtn.Disable()
			v.result.SetText(fmt.Sprintf(u.t("%d dossier(s) effacé(s).", "%d record(s) erased."), len(rep.Erased)))
		}, u.win)
}

// breachDialog records an incident: what, its risk, and since when data
// may have been exposed (the patients concerned come from the audit).
func (v *privacyView) breachDialog() {
	u := v.u
	what := widget.NewEntry()
	risk := u.newSelect([]string{u.t("faible (consigner seulement)", "low (record only)"), u.t("moyen (notifier la CNIL)", "medium (notify the CNIL)"),
		u.t("élevé (CNIL et patients)", "high (CNIL and patients)")}, nil)
	risk.SetSelectedIndex(1)
	since := u.newSelect([]string{u.t("inconnu", "unknown"), "24 h", u.t("7 jours", "7 days"), u.t("30 jours", "30 days")}, nil)
	since.SetSelectedIndex(0)
	dialog.ShowForm(u.t("Déclarer un incident", "Record an incident"), u.t("Consigner", "Record"), u.t("Annuler", "Cancel"),
		[]*widget.FormItem{
			widget.NewFormItem(u.t("Ce qui s'est passé", "What happened"), what),
			widget.NewFormItem(u.t("Risque", "Risk"), risk),
			widget.NewFormItem(u.t("Exposition depuis", "Exposed for"), since),
		}, func(ok bool) {
			if !ok {
				return
			}
			if _, err := v.recordBreach(what.Text, risk.SelectedIndex(), since.SelectedIndex()); err != nil {
				dialog.ShowError(err, u.win)
			}
		}, u.win)
}

func (v *privacyView) recordBreach(what string, riskIdx, sinceIdx int) (privacy.Breach, error) {
	u := v.u
	now := time.Now()
	b := privacy.Breach{What: what, Discovered: now, Risk: []privacy.Risk{privacy.RiskLow, privacy.RiskMedium, privacy.RiskHigh}[max(riskIdx, 0)]}
	if d := []time.Duration{0, 24 * time.Hour, 7 * 24 * time.Hour, 30 * 24 * time.Hour}[max(sinceIdx, 0)]; d > 0 {
		b.From, b.To = now.Add(-d), now
	}
	b, err := u.p.RecordBreach(context.Background(), b)
	if err != nil {
		return b, errors.New(u.errText(err))
	}
	v.refresh()
	return b, nil
}
